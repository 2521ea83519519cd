"""Reconciliation with a partner compares its records' totals per reporting
platform (the records behind each platform's pools), and names a record
whose platform differs."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from carbonhub_contract.vocabulary.holdings import Holding, Total, partner_holding, totals_of
from carbonhub_contract.vocabulary.records import ClaimSubmission, OriginStatus
from hub.domain.reconciliation import DiscrepancyKind, Phase, compare


def ride(record_id: str, platform: str | None, reported: str = "0.02") -> ClaimSubmission:
    return ClaimSubmission(
        partner="CN-MO",
        delivery_id="MO-1",
        record_id=record_id,
        partner_methodology="輕軌",
        period_start="2025-03-01",
        period_end="2025-03-31",
        time_zone="Asia/Macau",
        activity_quantity="300",
        activity_unit="km",
        person_pseudonym=f"{int(record_id[1:]):064x}",
        reported_tco2e=reported,
        adjustment_ref="MOAA-1",
        platform=platform,
    )


RECORDS = [ride("R1", "MACAUPASS"), ride("R2", "MACAUPASS"), ride("R3", "DSPA"), ride("R4", None)]


def holdings(records: list[ClaimSubmission]) -> list[Holding]:
    return [partner_holding(r, OriginStatus.NOT_ISSUED) for r in records]


def test_totals_are_kept_per_platform() -> None:
    assert totals_of(holdings(RECORDS)) == [
        Total("NOT_ISSUED", 2025, 1, Decimal("0.02"), ""),
        Total("NOT_ISSUED", 2025, 1, Decimal("0.02"), "DSPA"),
        Total("NOT_ISSUED", 2025, 2, Decimal("0.04"), "MACAUPASS"),
    ]


def test_equal_records_per_platform_are_consistent() -> None:
    ours = holdings(RECORDS)
    assert compare(ours, totals_of(holdings(RECORDS)), holdings(RECORDS)) == []


def test_a_record_reported_through_another_platform_is_named() -> None:
    theirs = holdings([*RECORDS[:2], replace(RECORDS[2], platform="MACAUPASS"), RECORDS[3]])
    found = compare(holdings(RECORDS), totals_of(theirs), theirs)
    assert [(d.phase, d.kind, d.subject_id, d.hub_value, d.counterpart_value) for d in found] == [
        (
            Phase.TOTALS,
            DiscrepancyKind.TOTAL_DIFFERS,
            "NOT_ISSUED/2025/DSPA",
            "count=1;quantity=0.02",
            "count=0;quantity=0",
        ),
        (
            Phase.TOTALS,
            DiscrepancyKind.TOTAL_DIFFERS,
            "NOT_ISSUED/2025/MACAUPASS",
            "count=2;quantity=0.04",
            "count=3;quantity=0.06",
        ),
        # The platform is not content: the digests agree, the platform does not.
        (Phase.UNIT_BLOCKS, DiscrepancyKind.PLATFORM_DIFFERS, "R3", "DSPA", "MACAUPASS"),
    ]


def test_totals_without_a_platform_keep_their_subject() -> None:
    theirs = [Total("NOT_ISSUED", 2025, 2, Decimal("0.04"), "")]
    found = compare(holdings([RECORDS[3]]), theirs, [])
    (total,) = [d for d in found if d.kind is DiscrepancyKind.TOTAL_DIFFERS]
    assert total.subject_id == "NOT_ISSUED/2025"
