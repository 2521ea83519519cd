"""Which held blocks the reference exchange retires, decided so runs are reproducible.

Held, unfrozen, acknowledged blocks the policy has not decided on yet are
numbered in serial order, continuing the count of earlier runs (the count
lives in the state file). Block number n is:

- every 3rd: retired whole for a carbon-neutral event (碳中和);
- else every 4th: half its units (rounded down) retired as an ETS offset,
  when it has at least 2 units, so the block is split and a remainder stays
  held; the compliance entity states verified emissions far above 10 times
  the units, so a 10 % offset cap never refuses it;
- else every 5th: retired whole, voluntarily;
- otherwise kept.

Each block is decided once. The retirement id is derived from the block id
and the purpose only, so after a crash the same retirement is reported
again and the hub answers replay=true instead of retiring twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from hub.exchange_client.state import BlockRecord

CARBON_NEUTRAL_EVENT = "CARBON_NEUTRAL_EVENT"
ETS_OFFSET = "ETS_OFFSET"
VOLUNTARY = "VOLUNTARY"

BENEFICIARY = "深圳绿色交易所 reference client"
COMPLIANCE_ENTITY = "SZ-ETS-REF-0001"
# Large enough that any offset cap of a few percent admits every sample block
# several times over; the same value for every retirement of one entity-year.
VERIFIED_EMISSIONS_TCO2E = "1000000"


@dataclass(frozen=True, slots=True)
class ClaimPlan:
    """The carbon-neutrality claim a retirement names (NeutralityClaim on the wire):
    the hub issues its certificate once ``total_units`` are retired for it."""

    claim_id: str
    claimant_kind: str  # ORGANISATION, PERSON or EVENT
    claimant_name: str
    event_name: str
    period_start: str  # YYYY-MM-DD
    period_end: str
    footprint_tco2e: str
    total_units: int


@dataclass(frozen=True, slots=True)
class Plan:
    """One retirement the policy decided on; the fields of ReportRetirementRequest."""

    position: int
    block_id: str
    retirement_id: str
    purpose: str
    units: int
    beneficiary: str = BENEFICIARY
    compliance_entity: str = ""
    compliance_year: int = 0
    verified_emissions_tco2e: str = ""
    event_name: str = ""
    note: str = ""
    claim: ClaimPlan | None = None


def retirement_id(block_id: str, purpose: str) -> str:
    """Stable id of the policy's retirement of ``block_id`` for ``purpose``."""
    digest = hashlib.sha256(f"{block_id}\n{purpose}".encode()).hexdigest()[:24]
    return f"SZX-{purpose}-{digest}"


def plan_for(block: BlockRecord, purpose: str, position: int = 0) -> Plan:
    """The retirement of ``block`` for ``purpose``, as a function of the block alone:
    a retry after a crash rebuilds the very same request, which the hub needs
    to recognise it as a replay rather than a reused id."""
    rid = retirement_id(block.block_id, purpose)
    if purpose == CARBON_NEUTRAL_EVENT:
        event = f"Shenzhen Marathon {block.vintage + 1} carbon neutrality"
        year = block.vintage + 1
        return Plan(
            position,
            block.block_id,
            rid,
            purpose,
            block.units,
            event_name=event,
            note="reference exchange policy: every 3rd block",
            # One claim per block, its footprint the block's tonnes: each such
            # retirement completes its claim and has a certificate issued.
            claim=ClaimPlan(
                claim_id=f"CLAIM-{rid.removeprefix('SZX-')}"[:128],
                claimant_kind="EVENT",
                claimant_name="Shenzhen Marathon organising committee",
                event_name=event,
                period_start=f"{year}-12-01",
                period_end=f"{year}-12-01",
                footprint_tco2e=str(block.units),
                total_units=block.units,
            ),
        )
    if purpose == ETS_OFFSET:
        return Plan(
            position,
            block.block_id,
            rid,
            purpose,
            block.units // 2,
            compliance_entity=COMPLIANCE_ENTITY,
            compliance_year=block.vintage + 1,
            verified_emissions_tco2e=VERIFIED_EMISSIONS_TCO2E,
            note="reference exchange policy: every 4th block, half",
        )
    if purpose == VOLUNTARY:
        return Plan(
            position,
            block.block_id,
            rid,
            purpose,
            block.units,
            note="reference exchange policy: every 5th block",
        )
    raise ValueError(f"unknown retirement purpose {purpose!r}")


def decide(position: int, block: BlockRecord) -> Plan | None:
    """The policy for the block numbered ``position`` (1-based)."""
    if position % 3 == 0:
        return plan_for(block, CARBON_NEUTRAL_EVENT, position)
    if position % 4 == 0:
        return plan_for(block, ETS_OFFSET, position) if block.units >= 2 else None
    if position % 5 == 0:
        return plan_for(block, VOLUNTARY, position)
    return None


def candidates(blocks: Sequence[BlockRecord]) -> list[BlockRecord]:
    """Blocks the policy may decide on now, in serial order."""
    return sorted(
        (
            b
            for b in blocks
            if b.status == "HELD" and b.acknowledged and not b.frozen and not b.policy_decided
        ),
        key=lambda b: (b.serial, b.block_id),
    )


def plan_retirements(
    blocks: Sequence[BlockRecord], position: int
) -> tuple[list[Plan], list[str], int]:
    """Plans for the undecided blocks numbered after ``position``, the ids of
    every block decided on (retired or kept), and the new position."""
    plans: list[Plan] = []
    decided: list[str] = []
    for block in candidates(blocks):
        position += 1
        decided.append(block.block_id)
        plan = decide(position, block)
        if plan is not None:
            plans.append(plan)
    return plans, decided, position
