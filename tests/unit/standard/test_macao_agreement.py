"""Macao (CN-MO) as the standard loads it: agreement, crosswalk, factors.

Macao issues no credits; its programmes are recomputed to Shenzhen
methodologies; its grid factor is derived (no official one is published)
and says so; rides counted in trips are refused with their own code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision
from hub.domain.claim_assessment import assess_claim
from hub.domain.claims import decide
from hub.standard import Standard

NOW = datetime(2026, 1, 10, tzinfo=UTC)
MACAO = "CN-MO"
PERSON = "ab" * 32


def _claim(**changes: str | None) -> ClaimSubmission:
    fields: dict[str, str | None] = {
        "partner": MACAO,
        "delivery_id": "MO-T",
        "record_id": "MO-T-1",
        "partner_methodology": "太陽能",
        "period_start": "2025-02-01",
        "period_end": "2025-02-28",
        "time_zone": "Asia/Macau",
        "activity_quantity": "1000",
        "activity_unit": "kWh",
        "site_id": "PV-1",
        "region_code": "820000",
        "district": "聖方濟各堂區",
        "utility": "CEM",
        "adjustment_ref": "DSPA-AJ-1",
    }
    fields.update(changes)
    return ClaimSubmission(**fields)  # type: ignore[arg-type]


def _codes(claim: ClaimSubmission, standard: Standard) -> list[str]:
    return [c.code for c in assess_claim(claim, standard, None, NOW).checks]


def test_macao_agreement_and_crosswalk_load_strictly(standard: Standard) -> None:
    agreement = standard.agreement(MACAO)
    assert agreement is not None
    assert (agreement.region.iso_3166_2, agreement.region.gbt2260_prefix) == (MACAO, "82")
    assert agreement.time_zone == "Asia/Macau"
    assert agreement.adjustment_ref_required
    assert agreement.origin_serial_format is None
    assert agreement.source_cancellation_deadline_days is None
    assert agreement.provisional
    assert {(r.partner_methodology, r.valid_from) for r in agreement.recognised} == {
        (p, date(2024, 6, 5)) for p in ("環保Fun", "輕軌", "巴士", "太陽能")
    }
    expected = {
        "環保Fun": "HUB-INTERIM-RECYCLE",
        "輕軌": "SZ-TRANSIT-METRO",
        "巴士": "SZ-TRANSIT-BUS",
        "太陽能": "SZ-PV",
    }
    for programme, methodology in expected.items():
        entry = standard.crosswalk_entry(MACAO, programme)
        assert entry is not None and entry.methodology == methodology
        assert entry.provisional
    pv = standard.crosswalk_entry(MACAO, "太陽能")
    assert pv is not None
    assert pv.factor_regions_by_utility == {"CEM": {"grid_ef": MACAO}}


def test_macao_pv_uses_the_derived_grid_factor_by_fallback(standard: Standard) -> None:
    grid = standard.factor_value("grid_ef", MACAO, 2025)
    assert grid is not None
    assert (grid.value.value, grid.value.year, grid.value.provisional) == (
        Decimal("0.3538"),
        2022,
        True,
    )
    assert "derived" in grid.value.source and "0.9145" in grid.value.source
    a = assess_claim(_claim(), standard, None, NOW)
    assert decide(a.checks) is Decision.ACCEPTED
    assert a.normalised is not None
    assert a.normalised.credited_tco2e == Decimal("0.353800")  # 1000 kWh x 0.3538 / 1000


def test_macao_pv_without_supplier_and_without_adjustment_is_rejected(
    standard: Standard,
) -> None:
    assert "UTILITY_REQUIRED" in _codes(_claim(utility=None), standard)
    assert "ADJUSTMENT_REF_MISSING" in _codes(_claim(adjustment_ref=None), standard)


def test_macao_rides_in_trips_are_refused_with_their_own_code(standard: Standard) -> None:
    for programme in ("巴士", "輕軌"):
        ride = _claim(
            partner_methodology=programme,
            period_start="2025-03-10T08:00:00",
            period_end="2025-03-10T08:30:00",
            activity_quantity="2",
            activity_unit="trip",
            site_id=None,
            utility=None,
            person_pseudonym=PERSON,
        )
        assert _codes(ride, standard) == ["TRIP_WITHOUT_DISTANCE"]
        in_km = _codes(
            _claim(**{**ride.content(), "activity_unit": "km", "record_id": "MO-T-2"}), standard
        )
        assert "TRIP_WITHOUT_DISTANCE" not in in_km and "UNIT_NOT_FOR_METHODOLOGY" not in in_km
