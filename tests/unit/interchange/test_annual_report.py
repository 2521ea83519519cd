"""The annual report: flows of the year, holdings as they stood at its end
(not as they stand now), inventory exclusions by their status at year end,
and totals that add up."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from io import BytesIO

from openpyxl import load_workbook

from hub.interchange.annual_report import AgreementFacts, RecognitionFacts, annual_report
from hub.interchange.ledger_facts import (
    AttestationFacts,
    BlockFacts,
    IssuanceFacts,
    OriginCancellation,
    ReconciliationFacts,
    RetirementFacts,
)
from hub.interchange.report_files import render_report


def _at(month: int, day: int = 1, year: int = 2025) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


AGREEMENT = AgreementFacts(
    partner="CN-HK",
    name_zh="香港",
    name_en="Hong Kong programmes",
    region_iso_3166_2="CN-HK",
    region_name_en="Hong Kong",
    adjustment_ref_required=True,
    project_review="partner_registry",
    recognised=(RecognitionFacts("MTR", "SZ-TRANSIT-METRO", date(2023, 1, 1), None),),
    source="assumed onboarding date",
    provisional=True,
)


def _block(block_id: str, first: int, last: int, state: str, **kw: object) -> BlockFacts:
    values: dict[str, object] = {
        "block_id": block_id,
        "serial": f"SZCER-CN-HK-SZ-PV-2024-ST-1-{first:06d}-{last:06d}",
        "partner": "CN-HK",
        "methodology": "SZ-PV",
        "vintage": 2024,
        "project": "ST-1",
        "account": "site:ST-1",
        "first_unit": first,
        "last_unit": last,
        "state": state,
        "frozen": False,
        "adjustment_ref": "HKAA-1",
        "adjustment_status": "COMMITTED",
        "issuance_id": "I1",
        "updated_at": _at(3),
        "issued_at": _at(2),
        "delivered_at": _at(2, 2),
    }
    values.update(kw)
    return BlockFacts(**values)  # type: ignore[arg-type]


def _retired(rid: str, at: datetime, purpose: str = "VOLUNTARY") -> RetirementFacts:
    return RetirementFacts(rid, purpose, "某公司", "", at)


# Issued in February 2025 as one block of 100 (units 1-100), then: 10 retired
# in 2025, 20 retired in January 2026 (after the year), 5 cancelled in 2025,
# the rest delivered; plus 7 units issued in December 2025 not yet delivered
# by the year's end, and 3 units of 2024 (before the year).
LEAVES = [
    _block("a", 1, 10, "RETIRED", retirement=_retired("R1", _at(6)), updated_at=_at(6)),
    _block(
        "b",
        11,
        30,
        "RETIRED",
        retirement=_retired("R2", _at(1, 5, 2026), "ETS_OFFSET"),
        updated_at=_at(1, 5, 2026),
    ),
    _block("c", 31, 35, "CANCELLED", updated_at=_at(7), delivered_at=None),
    _block("d", 36, 100, "DELIVERED"),
    _block(
        "e",
        101,
        107,
        "DELIVERED",
        issuance_id="I2",
        issued_at=_at(12, 30),
        delivered_at=_at(1, 2, 2026),
        adjustment_ref="HKAA-2",
    ),
    _block(
        "f",
        1,
        3,
        "DELIVERED",
        issuance_id="I0",
        issued_at=_at(6, 1, 2024),
        vintage=2023,
        adjustment_ref="HKAA-0",
    ),
]
FIRST = [
    _block("root", 1, 100, "SPLIT"),
    _block("e", 101, 107, "DELIVERED", issuance_id="I2", issued_at=_at(12, 30)),
]
ISSUANCES = [
    IssuanceFacts(
        "I1", "CN-HK", "SZ-PV", 2024, "site:ST-1", 100, _at(2), None, None,
        (OriginCancellation("HK-ORIGIN-1-100", "C-1"),),
    )
]  # fmt: skip
ATTESTATIONS = [
    AttestationFacts("HKAA-1", "PENDING", _at(1, 20, 2024), ""),
    AttestationFacts("HKAA-1", "COMMITTED", _at(1, 25), ""),
    AttestationFacts("HKAA-2", "PENDING", _at(12, 29), ""),
]


def _report(reconciliations: list[ReconciliationFacts] | None = None) -> dict[str, object]:
    return annual_report(
        agreement=AGREEMENT,
        year=2025,
        first_transfers=FIRST,
        issuances=ISSUANCES,
        leaves=LEAVES,
        attestations=ATTESTATIONS,
        reconciliations=reconciliations,
        generated_at=_at(2, 1, 2026),
    )


def test_holdings_are_those_at_the_end_of_the_year() -> None:
    report = _report()
    holdings = report["holdings_at_year_end"]
    assert isinstance(holdings, dict)
    # R2 happened in 2026: its 20 units were still delivered on 31 December 2025;
    # block e was delivered in 2026: still issued at the year's end.
    assert holdings["by_state"] == {"ISSUED": 7, "DELIVERED": 88, "RETIRED": 10, "CANCELLED": 5}
    assert holdings["by_vintage"]["2023"] == {
        "ISSUED": 0,
        "DELIVERED": 3,
        "RETIRED": 0,
        "CANCELLED": 0,
    }


def test_flows_of_the_year_and_totals_that_add_up() -> None:
    report = _report()
    totals = report["totals"]
    assert totals == {
        "first_transferred": 107,
        "used": 10,
        "cancelled": 5,
        "issued_to_year_end": 110,
        "held_at_year_end": 95,
    }
    assert report["uses_by_purpose"] == {"VOLUNTARY": 10}
    first = report["first_transfers"]
    assert isinstance(first, list)
    assert first[0]["origin_serials"] == ["HK-ORIGIN-1-100"]
    assert first[0]["quantity"] == 100 and first[1]["origin_serials"] == []
    assert report["reconciliations"] == {"withheld": "the bureau's copy lists them"}


def test_inventory_exclusions_by_their_status_at_year_end() -> None:
    exclusions = _report()["inventory_exclusions"]
    assert isinstance(exclusions, dict)
    by_ref = {r["reference"]: r for r in exclusions["references"]}
    assert by_ref["HKAA-1"]["status_at_year_end"] == "COMMITTED"
    assert by_ref["HKAA-1"]["attestations_in_year"] == 1  # the 2024 one is before the year
    assert by_ref["HKAA-1"]["units"] == 100
    assert by_ref["HKAA-2"]["status_at_year_end"] == "PENDING"
    # HKAA-0 was never attested: its units are named, not counted as excluded.
    assert exclusions["units_by_status"] == {"COMMITTED": 100, "NOT_ATTESTED": 3, "PENDING": 7}


def test_the_bureau_copy_lists_reconciliations_and_every_format_carries_the_totals() -> None:
    run = ReconciliationFacts("rec-1", "INCONSISTENT", _at(5), _at(5, 2), 3, 1)
    report = _report([run])
    assert report["reconciliations"] == {
        "runs": [
            {
                "reconciliation_id": "rec-1",
                "status": "INCONSISTENT",
                "requested": _at(5).isoformat(),
                "answered": _at(5, 2).isoformat(),
                "discrepancies": 3,
                "unresolved": 1,
            }
        ],
        "by_status": {"INCONSISTENT": 1},
    }
    assert json.loads(render_report(report, "json")) == report
    html = render_report(report, "html").decode()
    assert "HK-ORIGIN-1-100" in html and "rec-1" in html and "<script" not in html
    book = load_workbook(BytesIO(render_report(report, "xlsx")))
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row}
    assert summary["first_transferred"] == 107 and summary["held_at_year_end"] == 95
    assert "First transfers into Shenzhen" in book.sheetnames
