"""Claim.platform on a real hub (mutual TLS, signed envelopes): a platform the
agreement does not name is rejected with its own check, and the accepted
personal claims of many people are issued as one pool's whole tonnes."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb

from .ledger_helpers import running_hub, submit

ATTESTATION = "HKAA-2024-MTR-202410"


def _person(index: int) -> str:
    return hashlib.sha256(f"wire-commuter-{index}".encode()).hexdigest()


def mtr_month(index: int, platform: str = "") -> pb.Claim:
    """A commuter's October on the MTR: 440 km, a few hundredths of a tonne."""
    return pb.Claim(
        record_id=f"MTR-2410-W{index:04d}",
        partner_methodology="MTR",
        period_start="2024-10-01",
        period_end="2024-10-31",
        time_zone="Asia/Hong_Kong",
        activity_quantity="440",
        activity_unit="km",
        person_pseudonym=_person(index),
        district="Sha Tin",
        adjustment_ref=ATTESTATION,
        platform=platform,
    )


def test_an_unknown_platform_is_rejected_and_known_ones_pool(
    tmp_path: Path, database_url: str
) -> None:
    with running_hub(tmp_path, database_url) as running:
        verdicts = submit(
            running.partner,
            mtr_month(0, "MTR"),
            mtr_month(1),  # none named: the agreement's default, MTR
            mtr_month(2, "OCTOPUS"),
            mtr_month(3, "P" * 65),
            partner="CN-HK",
        )
        named, default, unknown, too_long = verdicts
        assert named.decision == default.decision == pb.DECISION_ACCEPTED
        assert unknown.decision == pb.DECISION_REJECTED
        (check,) = [c for c in unknown.checks if c.code == "PLATFORM_UNKNOWN"]
        assert check.details["field"] == "platform"
        assert check.details["platform"] == "OCTOPUS"
        assert check.details["known"] == "MTR, EPD, CLP, HKE"
        assert too_long.decision == pb.DECISION_REJECTED
        assert [c.code for c in too_long.checks] == ["FIELD_TOO_LONG"]
        assert too_long.checks[0].details["field"] == "platform"

        more = submit(running.partner, *(mtr_month(i) for i in range(4, 60)), partner="CN-HK")
        assert {v.decision for v in more} == {pb.DECISION_ACCEPTED}
        credited = sum((Decimal(v.credited_tco2e) for v in [named, default, *more]), Decimal(0))
        run = running.hub.issuance.issue_pending()

        (block,) = run.blocks
        assert block.account == "pool:MTR" and block.units == int(credited) > 0
        assert block.adjustment.reference == ATTESTATION
        (pool,) = running.hub.issuance.pools("CN-HK")
        assert pool.operator_name == "MTR Corporation Limited 香港鐵路有限公司"
        assert pool.balance.claims == 58
        assert pool.balance.carried_tco2e == credited - block.units
