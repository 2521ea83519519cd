"""Two double-counting holes closed in the services (issue 16): claims under a
revoked inventory exclusion are never issued, blocks under an overdue or
outgrown one are never offered, and the unissued claim of a record the
origin re-issued waits for the bureau."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from carbonhub_contract.vocabulary.holdings import partner_holding
from carbonhub_contract.vocabulary.records import (
    AdjustmentStatus,
    ClaimSubmission,
    Decision,
    OriginStatus,
)
from hub.domain.attestations import AdjustmentAttestation
from hub.domain.issuance import IssuanceState
from hub.errors import FailedPrecondition
from hub.observability.logs import EVENT, FIELDS
from hub.observability.service_events import ObservedIssuance
from hub.services.outbox_port import OutboxKind
from hub.services.review import ReviewService
from hub.standard import Standard

from .builders import PARTNER, pv
from .ledger_setup import Ledger, make_ledger
from .test_attestation_service import hk_tonnes

S = AdjustmentStatus
REF = "HKAA-1"
REVOKED = "CLAIM_INVENTORY_EXCLUSION_REVOKED"
REISSUED = "CLAIM_ORIGIN_REISSUED"
ORIGIN_SERIAL = "GDPH-4401-PV-2023-0007-2024-000501-000505"


def _hk(record_id: str, month: int) -> ClaimSubmission:
    """A month of the Hong Kong rooftop in 2024 (one site: months never overlap)."""
    last = 30 if month in (4, 6, 9, 11) else 31
    return replace(
        hk_tonnes(record_id, REF),
        period_start=f"2024-{month:02d}-01",
        period_end=f"2024-{month:02d}-{last}",
    )


def _codes(ledger: Ledger, claim_id: str) -> list[str]:
    with ledger.uow_factory() as uow:
        view = uow.claims.ledger_view(claim_id)
    assert view is not None
    return [c.code for c in view.verdict.checks]


def _state(ledger: Ledger, claim_id: str) -> tuple[Decision, IssuanceState | None]:
    with ledger.uow_factory() as uow:
        view = uow.claims.ledger_view(claim_id)
    assert view is not None
    return view.decision, view.issuance


def _events(ledger: Ledger) -> list[tuple[OutboxKind, str]]:
    return [(e.kind, e.block.block_id) for e in ledger.exchange.events(0, 1000)]


def _commit(ledger: Ledger, units: int, status: AdjustmentStatus = S.COMMITTED) -> None:
    outcome = ledger.attestations.attest_adjustment(
        "CN-HK", REF, status, None, "", quantity=Decimal(units), vintage=2024
    )
    assert outcome.accepted, [c.code for c in outcome.checks]


@pytest.fixture
def hk(standard: Standard) -> Ledger:
    return make_ledger(standard, register_project=False)


# --- 1. a revoked inventory exclusion -------------------------------------------


def test_a_new_claim_naming_a_revoked_exclusion_is_rejected(hk: Ledger) -> None:
    assert hk.attestations.attest_adjustment("CN-HK", REF, S.REVOKED, None, "").accepted
    (verdict,) = hk.ingestion.submit("CN-HK", [_hk("H1", 10)])
    assert verdict.decision is Decision.REJECTED
    (check,) = [c for c in verdict.checks if c.code == REVOKED]
    assert check.details["reference"] == REF
    assert hk.issuance.issue_pending().blocks == []


def test_a_revocation_rejects_the_claims_under_it_not_issued_yet(hk: Ledger) -> None:
    (first,) = hk.accept([_hk("H1", 9)])
    blocks = hk.issuance.issue_pending().blocks
    _commit(hk, sum(b.units for b in blocks))
    (second,) = hk.accept([_hk("H2", 10)])  # accepted, not issued yet
    assert hk.attestations.attest_adjustment("CN-HK", REF, S.REVOKED, None, "").accepted
    assert _state(hk, second.claim_id) == (Decision.REJECTED, None)
    assert REVOKED in _codes(hk, second.claim_id)
    assert _state(hk, first.claim_id) == (Decision.ACCEPTED, IssuanceState.ISSUED)
    run = hk.issuance.issue_pending()
    assert run.blocks == [] and run.claims == 0
    # Its locks are freed: the same reduction may come back under another exclusion.
    (again,) = hk.ingestion.submit("CN-HK", [replace(_hk("H3", 10), adjustment_ref="HKAA-2")])
    assert again.decision is Decision.ACCEPTED, [c.code for c in again.checks]


def test_the_issuer_rejects_a_claim_under_a_revocation_it_did_not_see(
    hk: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    # As when a claim is recorded by one process while another applies the
    # revocation: the claim is ACCEPTED and PENDING under a REVOKED reference.
    (claim,) = hk.accept([_hk("H1", 10)])
    with hk.uow_factory() as uow:
        uow.attestations.add_adjustment(
            AdjustmentAttestation("CN-HK", REF, S.REVOKED, hk.clock.now, "", None, None)
        )
        uow.commit()
    with caplog.at_level(logging.INFO, logger="hub.issuance"):
        run = ObservedIssuance(hk.issuance, None).issue_pending()
    assert run.blocks == [] and run.rejected == 1
    (line,) = [r for r in caplog.records if getattr(r, EVENT, "") == "issuance_rejected"]
    assert getattr(line, FIELDS) == {"claims": 1}
    assert _state(hk, claim.claim_id) == (Decision.REJECTED, None)
    assert REVOKED in _codes(hk, claim.claim_id)


# --- 1. an overdue or outgrown exclusion: issued frozen, never offered --------


def test_blocks_issued_past_the_deadline_are_not_offered_until_completed(hk: Ledger) -> None:
    hk.accept([_hk("H1", 9)])
    old = hk.issuance.issue_pending().blocks
    _commit(hk, 10_000)  # ample: only the deadline can freeze
    hk.clock.now += timedelta(days=366)  # CN-HK: 365 days to COMPLETED; no sweep ran
    hk.accept([_hk("H2", 10)])
    new = hk.issuance.issue_pending().blocks
    assert new
    offered = _events(hk)
    qualified = {b for kind, b in offered if kind is OutboxKind.QUALIFIED}
    assert not qualified & {b.block_id for b in new}  # never ready
    # The blocks offered before are frozen in the same unit of work.
    assert {b for kind, b in offered if kind is OutboxKind.FROZEN} == {b.block_id for b in old}
    assert hk.attestations.freeze_overdue() == []  # nothing left for the sweep

    _commit(hk, 10_000, S.COMPLETED)
    after = _events(hk)[len(offered) :]
    assert sorted(after) == sorted(
        [(OutboxKind.UNFROZEN, b.block_id) for b in old]
        + [(OutboxKind.QUALIFIED, b.block_id) for b in new]
    )


def test_blocks_beyond_the_stated_quantity_are_not_offered(hk: Ledger) -> None:
    hk.accept([_hk("H1", 9)])
    old = hk.issuance.issue_pending().blocks
    _commit(hk, sum(b.units for b in old))  # exactly what is issued so far
    hk.accept([_hk("H2", 10)])
    new = hk.issuance.issue_pending().blocks
    qualified = {b for kind, b in _events(hk) if kind is OutboxKind.QUALIFIED}
    assert qualified == {b.block_id for b in old}
    # Restated for what was issued: the new blocks are offered, the old thawed.
    before = len(_events(hk))
    _commit(hk, sum(b.units for b in old + new))
    assert {b for kind, b in _events(hk)[before:] if kind is OutboxKind.QUALIFIED} == {
        b.block_id for b in new
    }


# --- 2. a record re-issued at its origin ---------------------------------------


def _gd_reconcile(ledger: Ledger, claims: list[ClaimSubmission], reissued: str) -> str:
    """Guangdong shows every record as sent, except ``reissued``, now issued there."""
    holdings = [
        partner_holding(replace(c, origin_serial=ORIGIN_SERIAL), OriginStatus.ISSUED)
        if c.record_id == reissued
        else partner_holding(c, OriginStatus.NOT_ISSUED)
        for c in claims
    ]
    report = ledger.reconciliations.submit(PARTNER, None, [], holdings)
    (held,) = [
        d
        for d in report.discrepancies
        if d.discrepancy.kind == "ORIGIN_REISSUED" and d.discrepancy.subject_id == reissued
    ]
    assert held.block_id is None and held.discrepancy.counterpart_value == ORIGIN_SERIAL
    return held.discrepancy_id


def test_the_unissued_claim_of_a_reissued_record_waits_for_the_bureau(
    standard: Standard,
) -> None:
    ledger = make_ledger(standard)
    claims = [
        pv("R-1", "2024-01-01", "2024-01-31", activity_quantity="9137.5"),
        pv("R-2", "2024-02-01", "2024-02-29", activity_quantity="9137.5"),
    ]
    first, second = ledger.accept(claims)
    discrepancy = _gd_reconcile(ledger, claims, "R-1")
    assert _state(ledger, first.claim_id) == (Decision.HELD, IssuanceState.PENDING)
    with ledger.uow_factory() as uow:
        view = uow.claims.ledger_view(first.claim_id)
    assert view is not None and view.hold_reason == REISSUED
    (check,) = [c for c in view.verdict.checks if c.code == REISSUED]
    assert check.details["origin_serial"] == ORIGIN_SERIAL
    ledger.issuance.issue_pending()
    assert _state(ledger, first.claim_id)[1] is IssuanceState.PENDING  # not issued
    assert _state(ledger, second.claim_id) == (Decision.ACCEPTED, IssuanceState.ISSUED)

    # A reconciliation again holds it once, under the one discrepancy.
    holdings = [partner_holding(c, OriginStatus.NOT_ISSUED) for c in claims]
    holdings[0] = partner_holding(
        replace(claims[0], origin_serial=ORIGIN_SERIAL), OriginStatus.ISSUED
    )
    again = ledger.reconciliations.submit(PARTNER, None, [], holdings)
    assert not [d for d in again.discrepancies if d.discrepancy.kind == "ORIGIN_REISSUED"]

    review = ReviewService(ledger.uow_factory, ledger.clock)
    with pytest.raises(FailedPrecondition) as refused:
        review.approve_claim(PARTNER, "R-1", officer="officer-a", comment="looks fine")
    assert refused.value.code == "CLAIM_HELD_BY_RECONCILIATION"

    ledger.reconciliations.resolve(discrepancy, "PHCER cancelled at origin", "officer-a")
    assert _state(ledger, first.claim_id) == (Decision.ACCEPTED, IssuanceState.PENDING)
    assert REISSUED not in _codes(ledger, first.claim_id)
    ledger.issuance.issue_pending()
    assert _state(ledger, first.claim_id) == (Decision.ACCEPTED, IssuanceState.ISSUED)
