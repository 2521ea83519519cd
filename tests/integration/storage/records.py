"""Builders of ledger records for the storage tests (and the race workers)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision
from hub.domain.checks import fire
from hub.domain.claims import FactorUse, NormalisedClaim, Trace, Verdict
from hub.domain.locks import ClaimLock, LockKind
from hub.services.claim_port import NewClaimRecord

RECEIVED = datetime(2024, 7, 1, 8, 30, 15, 123456, tzinfo=UTC)


def submission(
    record_id: str,
    *,
    partner: str = "CN-GD",
    site_id: str | None = None,
    quantity: str = "12.500",
) -> ClaimSubmission:
    return ClaimSubmission(
        partner=partner,
        delivery_id="D-2024-07-01",
        record_id=record_id,
        partner_methodology="GD-PV-01",
        period_start="2024-06-01",
        period_end="2024-06-30",
        time_zone="Asia/Shanghai",
        activity_quantity=quantity,
        activity_unit="MWh",
        site_id=site_id,
        region_code="440300",
        reported_tco2e="7.0000",
        raw={"原始字段": "光伏 发电量", "kwh": "12500"},
    )


def trace() -> Trace:
    return Trace(
        standard_version="2024.1",
        methodology="SZ-PV",
        formula_id="SZ-PV/1",
        formula="activity * grid_factor",
        inputs={"activity": Decimal("12.500"), "grid_factor": Decimal("0.5366")},
        factors=(
            FactorUse(
                factor_id="grid/CN-South/2023",
                value=Decimal("0.5366"),
                unit="tCO2e/MWh",
                region="CN-South",
                year=2023,
                source="生态环境部 2023 电网排放因子",
                provisional=False,
            ),
        ),
        discount=Decimal("0.90"),
        notes=("lower of reported and recomputed",),
    )


def normalised() -> NormalisedClaim:
    return NormalisedClaim(
        methodology="SZ-PV",
        period_start=datetime(2024, 5, 31, 16, tzinfo=UTC),
        period_end=datetime(2024, 6, 30, 16, tzinfo=UTC),
        vintage=2024,
        activity_value=Decimal("12.500"),
        activity_unit="MWh",
        reported_tco2e=Decimal("7.0000"),
        recomputed_tco2e=Decimal("6.707500"),
        credited_tco2e=Decimal("6.707500"),
        trace=trace(),
    )


# The first and last second of normalised()'s period, where locks_for starts
# and ends a claim's range locks: a test that releases a claim's locks takes
# them there (the storage finds them at hub.domain.locks.range_lock_places).
PERIOD_LO = int(normalised().period_start.timestamp())
PERIOD_HI = int(normalised().period_end.timestamp()) - 1


def record(
    record_id: str,
    locks: Sequence[ClaimLock] = (),
    *,
    partner: str = "CN-GD",
    decision: Decision = Decision.ACCEPTED,
    site_id: str | None = None,
    site_binding: str | None = None,
    claim_id: str | None = None,
    credited: Decimal = Decimal("6.707500"),
    digest: str | None = None,
) -> NewClaimRecord:
    sub = submission(record_id, partner=partner, site_id=site_id)
    norm = normalised()
    verdict = Verdict(
        partner=partner,
        record_id=record_id,
        claim_id=claim_id or uuid.uuid4().hex,
        decision=decision,
        checks=(
            fire("REPORTED_EXCEEDS_RECOMPUTED", reported="7.0000", recomputed="6.707500"),
            fire("FACTOR_PROVISIONAL", factor="grid/CN-South/2023"),
        ),
        methodology=norm.methodology,
        vintage=norm.vintage,
        reported_tco2e=norm.reported_tco2e,
        recomputed_tco2e=norm.recomputed_tco2e,
        credited_tco2e=credited,
        trace=norm.trace,
    )
    return NewClaimRecord(
        submission=sub,
        normalised=norm,
        verdict=verdict,
        content_digest=digest or sub.content_digest(),
        locks=tuple(locks),
        site_binding=site_binding,
        received_at=RECEIVED,
    )


def lock(key: str, lo: int, hi: int, kind: LockKind = LockKind.PROJECT_PERIOD) -> ClaimLock:
    return ClaimLock(kind, key, lo, hi)
