"""The annual report names units retired under an inventory exclusion that
the origin revoked by the year's end: they stay retired, and are disclosed."""

from __future__ import annotations

from hub.interchange.annual_report import annual_report
from hub.interchange.ledger_facts import AttestationFacts

from .test_annual_report import AGREEMENT, FIRST, ISSUANCES, LEAVES, _at


def _exclusions(attestations: list[AttestationFacts]) -> dict[str, object]:
    report = annual_report(
        agreement=AGREEMENT,
        year=2025,
        first_transfers=FIRST,
        issuances=ISSUANCES,
        leaves=LEAVES,
        attestations=attestations,
        reconciliations=None,
        generated_at=_at(2, 1, 2026),
    )
    exclusions = report["inventory_exclusions"]
    assert isinstance(exclusions, dict)
    return exclusions


def test_units_retired_before_a_revocation_are_named_not_undone() -> None:
    exclusions = _exclusions(
        [
            AttestationFacts("HKAA-1", "COMMITTED", _at(1, 25), ""),
            AttestationFacts("HKAA-1", "REVOKED", _at(9, 1), ""),
        ]
    )
    # Block a (10 units) was retired in June 2025; block b's retirement in
    # January 2026 falls after the year and is not this report's.
    assert exclusions["retired_under_revoked"] == [
        {
            "reference": "HKAA-1",
            "shenzhen_serial": "SZCER-CN-HK-SZ-PV-2024-ST-1-000001-000010",
            "quantity": 10,
            "vintage": 2024,
            "retirement_id": "R1",
            "retired": "2025-06-01",
        }
    ]
    units = exclusions["units_by_status"]
    assert isinstance(units, dict) and units["REVOKED"] == 100


def test_nothing_is_named_while_the_exclusion_stands() -> None:
    exclusions = _exclusions([AttestationFacts("HKAA-1", "COMMITTED", _at(1, 25), "")])
    assert exclusions["retired_under_revoked"] == []
