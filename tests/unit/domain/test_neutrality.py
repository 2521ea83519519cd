"""Carbon-neutrality claims and certificates: what a claim must say, what a
certificate states, when it stops being valid, and what offline content
checks catch."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from hub.domain.neutrality import (
    Certificate,
    CertifiedRetirement,
    ClaimantKind,
    ClaimPurpose,
    NeutralityClaim,
    certificate_from_json,
    certificate_to_json,
    claim_digest,
    claim_problems,
    content_problems,
    exceeds,
    is_certificate_id,
    new_certificate_id,
    validity,
)

AT = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
SERIAL_A = "SZCER-CN-GD-SZ-PV-2025-PGD001-1-30"
SERIAL_B = "SZCER-CN-GD-SZ-PV-2025-PGD001-31-42"


def claim(**changes: object) -> NeutralityClaim:
    base = NeutralityClaim(
        claim_id="C-1",
        claimant_kind=ClaimantKind.EVENT,
        claimant_name="深圳马拉松组委会",
        event_name="2026 深圳马拉松",
        period_start=date(2026, 12, 1),
        period_end=date(2026, 12, 2),
        footprint_tco2e=Decimal("41.5"),
        total_units=42,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def retired(serial: str, units: int, rid: str) -> CertifiedRetirement:
    return CertifiedRetirement(rid, serial, "CN-GD", "SZ-PV", 2025, "PGD001", units, AT)


def certificate() -> Certificate:
    return Certificate(
        certificate_id="SZCN-7K3M9Q2XWD",
        purpose=ClaimPurpose.CARBON_NEUTRAL_EVENT,
        claim=claim(),
        retirements=(retired(SERIAL_A, 30, "R-1"), retired(SERIAL_B, 12, "R-2")),
        issued_at=AT,
    )


def codes(c: NeutralityClaim, purpose: str = "CARBON_NEUTRAL_EVENT") -> list[str]:
    return [p.code for p in claim_problems(c, purpose)]


def test_a_complete_event_claim_may_be_recorded() -> None:
    assert codes(claim()) == []
    assert codes(claim(event_name=None, claimant_kind=ClaimantKind.PERSON), "VOLUNTARY") == []


def test_a_claim_says_every_fault_it_has() -> None:
    bad = claim(
        claimant_name=" ",
        event_name=None,
        period_end=date(2026, 11, 30),
        footprint_tco2e=Decimal("-1"),
    )
    assert codes(bad) == [
        "FIELD_REQUIRED",
        "FIELD_REQUIRED",
        "CLAIM_PERIOD_INVALID",
        "CLAIM_FOOTPRINT_INVALID",
    ]
    assert codes(claim(), "ETS_OFFSET") == ["CLAIM_PURPOSE_MISMATCH"]
    assert codes(claim(total_units=0)) == ["CLAIM_UNITS_INVALID"]


def test_an_event_is_carbon_neutral_only_when_the_whole_footprint_is_offset() -> None:
    assert codes(claim(total_units=41)) == ["CLAIM_UNITS_BELOW_FOOTPRINT"]
    # Voluntary offsetting may offset part of a footprint.
    assert codes(claim(total_units=41), "VOLUNTARY") == []


def test_retirements_of_a_claim_cannot_pass_its_total() -> None:
    assert exceeds(claim(), 30, 12) is None
    problem = exceeds(claim(), 30, 13)
    assert problem is not None and problem.code == "CLAIM_UNITS_EXCEEDED"


def test_the_same_claim_id_with_other_content_has_another_digest() -> None:
    purpose = "CARBON_NEUTRAL_EVENT"
    assert claim_digest(claim(), purpose) == claim_digest(claim(), purpose)
    assert claim_digest(claim(), purpose) != claim_digest(claim(claimant_name="x"), purpose)
    assert claim_digest(claim(), purpose) != claim_digest(claim(), "VOLUNTARY")


def test_a_certificate_states_claimant_tonnes_and_every_serial_with_origin_and_vintage() -> None:
    stated = certificate_to_json(certificate())
    assert stated["claim"]["claimant_name"] == "深圳马拉松组委会"
    assert stated["tonnes"] == 42
    assert stated["carbon_neutral"] is True
    assert [(r["serial"], r["origin"], r["vintage"]) for r in stated["retirements"]] == [
        (SERIAL_A, "CN-GD", 2025),
        (SERIAL_B, "CN-GD", 2025),
    ]
    assert stated["verify_path"] == "/certificates/SZCN-7K3M9Q2XWD"
    assert certificate_from_json(stated) == certificate()
    assert content_problems(stated) == []


def test_offline_content_checks_catch_an_edited_statement() -> None:
    stated = certificate_to_json(certificate())
    more = {**stated, "tonnes": 50}
    assert "tonnes is not the sum of the units retired" in content_problems(more)
    moved = certificate_to_json(certificate())
    moved["retirements"][1]["vintage"] = 2024
    assert any("differ from the serial" in p for p in content_problems(moved))
    twice = certificate_to_json(certificate())
    twice["retirements"][1]["serial"] = SERIAL_A
    assert any("overlaps" in p for p in content_problems(twice))


def test_a_certificate_is_valid_while_every_block_is_still_retired() -> None:
    states = {SERIAL_A: ("RETIRED", ""), SERIAL_B: ("RETIRED", "")}
    assert validity(certificate(), states).valid
    states[SERIAL_B] = ("CANCELLED", "verification fraud")
    now = validity(certificate(), states)
    assert not now.valid
    assert [(c.serial, c.reason) for c in now.cancelled] == [(SERIAL_B, "verification fraud")]
    # A serial the hub no longer knows never counts as retired.
    assert not validity(certificate(), {SERIAL_A: ("RETIRED", "")}).valid


def test_certificate_ids_are_short_and_unambiguous_on_paper() -> None:
    made = {new_certificate_id() for _ in range(200)}
    assert len(made) == 200
    assert all(is_certificate_id(i) and len(i) == 15 for i in made)
    assert not any(set(i[5:]) & set("ILOU") for i in made)
    assert not is_certificate_id("SZCN-7K3M9Q2XWO")
