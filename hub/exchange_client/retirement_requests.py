"""A retirement as the exchange reports it to the hub, and what came of it.

The policy (policy.py) decides what to retire; this module turns its plan
into the wire's ReportRetirementRequest (with the carbon-neutrality claim
it completes, if any) and holds the outcome the client reports back.
"""

from __future__ import annotations

from dataclasses import dataclass

from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as ex
from hub.exchange_client.policy import ClaimPlan, Plan
from hub.exchange_client.receipts import ReceiptProblem

_PURPOSES: dict[str, ex.RetirementPurpose] = {
    "ETS_OFFSET": ex.RETIREMENT_PURPOSE_ETS_OFFSET,
    "CARBON_NEUTRAL_EVENT": ex.RETIREMENT_PURPOSE_CARBON_NEUTRAL_EVENT,
    "VOLUNTARY": ex.RETIREMENT_PURPOSE_VOLUNTARY,
}


@dataclass(frozen=True, slots=True)
class RetirementOutcome:
    """What came of one retirement the exchange reported (or tried to)."""

    retirement_id: str
    block_id: str
    purpose: str
    units: int
    replay: bool = False
    retired_block_id: str = ""
    remainder_block_id: str = ""
    refusal: str = ""  # "<status code>: <details>" when the hub refused it
    certificate_id: str = ""  # the claim's certificate, when this retirement completed it
    # Set when the hub's answer failed receipt verification: nothing of it was
    # applied and the retirement stays PENDING, replayed by the next run.
    receipt_problem: ReceiptProblem | None = None


def retirement_request(plan: Plan) -> ex.ReportRetirementRequest:
    """The ReportRetirement request that carries ``plan``."""
    return ex.ReportRetirementRequest(
        retirement_id=plan.retirement_id,
        block_id=plan.block_id,
        units=plan.units,
        purpose=_PURPOSES[plan.purpose],
        beneficiary=plan.beneficiary,
        compliance_entity=plan.compliance_entity,
        compliance_year=plan.compliance_year,
        verified_emissions_tco2e=plan.verified_emissions_tco2e,
        event_name=plan.event_name,
        note=plan.note,
        claim=None if plan.claim is None else _claim(plan.claim),
    )


def _claim(claim: ClaimPlan) -> ex.NeutralityClaim:
    return ex.NeutralityClaim(
        claim_id=claim.claim_id,
        # By name: the enum's generated type takes it as it is.
        claimant_kind=f"CLAIMANT_KIND_{claim.claimant_kind}",
        claimant_name=claim.claimant_name,
        event_name=claim.event_name,
        period_start=claim.period_start,
        period_end=claim.period_end,
        footprint_tco2e=claim.footprint_tco2e,
        total_units=claim.total_units,
    )
