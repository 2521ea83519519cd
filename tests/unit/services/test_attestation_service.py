"""Lock at source and accounting adjustments: nothing issues before the attestation."""

from __future__ import annotations

from dataclasses import replace

import pytest

from carbonhub_contract.vocabulary.records import (
    AdjustmentStatus,
    ClaimSubmission,
    Decision,
    OriginStatus,
)
from hub.domain.issuance import ClaimState
from hub.errors import NotFound
from hub.services.outbox_port import OutboxKind
from hub.standard import Standard
from tests.unit.domain.domain_builders import hk_green_claim

from .builders import PARTNER, pv
from .ledger_setup import Ledger, make_ledger

SERIAL = "GDPH-4401-PV-2023-0007-2024-000101-000103"


def issued_at_origin(record_id: str, serial: str = SERIAL, month: str = "01") -> ClaimSubmission:
    return pv(
        record_id,
        f"2024-{month}-01",
        f"2024-{month}-28",
        origin_status=OriginStatus.ISSUED,
        origin_serial=serial,
        reported_tco2e="3",
    )


@pytest.fixture
def ledger(standard: Standard) -> Ledger:
    return make_ledger(standard)


def awaiting(ledger: Ledger, record_id: str = "R1", serial: str = SERIAL, month: str = "01") -> str:
    (verdict,) = ledger.accept([issued_at_origin(record_id, serial, month)])
    status = ledger.ingestion.status(PARTNER, record_id)
    assert status is not None and status.state is ClaimState.AWAITING_SOURCE_CANCELLATION
    return verdict.claim_id


def test_a_claim_issued_at_origin_waits_for_the_cancellation(ledger: Ledger) -> None:
    awaiting(ledger)
    assert ledger.issuance.issue_pending().claims == 0


def test_the_right_attestation_releases_the_claim_for_issuance(ledger: Ledger) -> None:
    claim_id = awaiting(ledger)
    outcome = ledger.attestations.attest_source_cancellation(
        PARTNER,
        claim_id,
        SERIAL,
        "GDZX-2025-0001",
        f"为深圳碳普惠互认注销 hub claim {claim_id}",
        None,
    )
    assert outcome.accepted and not outcome.replay
    assert outcome.claim_ids == (claim_id,)
    run = ledger.issuance.issue_pending()
    assert run.claims == 1 and run.units == 3
    status = ledger.ingestion.status(PARTNER, "R1")
    assert status is not None and status.state is ClaimState.ISSUED
    assert status.block_serials == tuple(b.serial for b in run.blocks)
    again = ledger.attestations.attest_source_cancellation(
        PARTNER, claim_id, SERIAL, "GDZX-2025-0001", f"note {claim_id}", None
    )
    assert again.accepted and again.replay


@pytest.mark.parametrize(
    ("serial", "note", "code"),
    [
        (
            "GDPH-4401-PV-2023-0007-2024-000101-000102",
            "{claim}",
            "SOURCE_CANCELLATION_BLOCK_MISMATCH",
        ),
        ("GDPH-garbage", "{claim}", "SOURCE_CANCELLATION_SERIAL_MALFORMED"),
        (SERIAL, "cancelled for another buyer", "SOURCE_CANCELLATION_NOTE_MISSING_CLAIM"),
    ],
)
def test_a_wrong_attestation_is_refused_with_its_code_and_changes_nothing(
    ledger: Ledger, serial: str, note: str, code: str
) -> None:
    claim_id = awaiting(ledger)
    outcome = ledger.attestations.attest_source_cancellation(
        PARTNER, claim_id, serial, "GDZX-1", note.format(claim=claim_id), None
    )
    assert not outcome.accepted
    assert code in {c.code for c in outcome.checks}
    assert ledger.issuance.issue_pending().claims == 0
    status = ledger.ingestion.status(PARTNER, "R1")
    assert status is not None and status.state is ClaimState.AWAITING_SOURCE_CANCELLATION


def test_one_cancellation_cannot_release_two_claims(ledger: Ledger) -> None:
    first = awaiting(ledger, "R1")
    second = awaiting(ledger, "R2", "GDPH-4401-PV-2023-0007-2024-000201-000203", "02")
    assert ledger.attestations.attest_source_cancellation(
        PARTNER, first, SERIAL, "GDZX-7", first, None
    ).accepted
    reused = ledger.attestations.attest_source_cancellation(
        PARTNER, second, "GDPH-4401-PV-2023-0007-2024-000201-000203", "GDZX-7", second, None
    )
    assert not reused.accepted
    assert {c.code for c in reused.checks} == {"SOURCE_CANCELLATION_ID_REUSED"}


def test_a_claim_not_awaiting_is_refused_and_another_partners_claim_is_not_found(
    ledger: Ledger,
) -> None:
    (plain,) = ledger.accept([pv("P1", "2024-03-01", "2024-03-31")])
    outcome = ledger.attestations.attest_source_cancellation(
        PARTNER, plain.claim_id, SERIAL, "GDZX-9", plain.claim_id, None
    )
    assert {c.code for c in outcome.checks} >= {"SOURCE_CANCELLATION_NOT_AWAITING"}
    with pytest.raises(NotFound) as missing:
        ledger.attestations.attest_source_cancellation(
            "CN-HK", plain.claim_id, SERIAL, "GDZX-9", plain.claim_id, None
        )
    assert missing.value.code == "CLAIM_NOT_FOUND"


def test_the_registry_export_after_cancellation_is_the_same_claim(ledger: Ledger) -> None:
    awaiting(ledger)
    (again,) = ledger.ingestion.submit(
        PARTNER, [replace(issued_at_origin("R1"), origin_status=OriginStatus.CANCELLED)]
    )
    assert again.resubmission and again.decision is Decision.ACCEPTED


def test_an_overdue_claim_is_voided_and_its_reduction_can_come_again(ledger: Ledger) -> None:
    awaiting(ledger)
    ledger.clock.advance(days=91)
    voided = ledger.issuance.void_overdue()
    assert len(voided) == 1
    status = ledger.ingestion.status(PARTNER, "R1")
    assert status is not None and status.state is ClaimState.VOIDED
    assert "SOURCE_CANCELLATION_OVERDUE" in {c.code for c in status.verdict.checks}
    # Its locks are released: the same reduction under a new record id is accepted.
    ledger.accept([issued_at_origin("R1-bis")])


def hk_tonnes(record_id: str, reference: str) -> ClaimSubmission:
    # A rooftop system's month under the feed-in tariff: whole tonnes, no personal cap.
    return hk_green_claim(
        record_id=record_id,
        partner_methodology="SOLAR_FIT",
        period_start="2024-10-01",
        period_end="2024-10-31",
        activity_quantity="6000",
        activity_unit="kWh",
        utility="CLP",
        person_pseudonym=None,
        material=None,
        site_id="SOL-STN-0001",
        adjustment_ref=reference,
    )


def test_cross_border_blocks_wait_for_the_committed_adjustment(standard: Standard) -> None:
    ledger = make_ledger(standard, register_project=False)
    verdicts = ledger.ingestion.submit("CN-HK", [hk_tonnes("H1", "HKAA-1")])
    assert verdicts[0].decision is Decision.ACCEPTED, [c.code for c in verdicts[0].checks]
    run = ledger.issuance.issue_pending()
    assert run.blocks, "6 MWh at 0.37 kg/kWh (CLP 2020) makes whole tonnes"
    assert {b.adjustment.status for b in run.blocks} == {AdjustmentStatus.PENDING}
    assert ledger.exchange.events(0, 100) == []

    committed = ledger.attestations.attest_adjustment(
        "CN-HK", "HKAA-1", AdjustmentStatus.COMMITTED, None, ""
    )
    assert committed.accepted
    assert set(committed.block_ids) == {b.block_id for b in run.blocks}
    events = ledger.exchange.events(0, 100)
    assert [e.kind for e in events] == [OutboxKind.QUALIFIED] * len(run.blocks)
    assert {e.block.adjustment.status for e in events} == {AdjustmentStatus.COMMITTED}

    # Completing adds no second offer; going back is refused.
    assert ledger.attestations.attest_adjustment(
        "CN-HK", "HKAA-1", AdjustmentStatus.COMPLETED, None, ""
    ).accepted
    assert len(ledger.exchange.events(0, 100)) == len(run.blocks)
    backwards = ledger.attestations.attest_adjustment(
        "CN-HK", "HKAA-1", AdjustmentStatus.COMMITTED, None, ""
    )
    assert not backwards.accepted
    assert {c.code for c in backwards.checks} == {"ADJUSTMENT_STATUS_BACKWARDS"}
