"""What the exchange hears when a block freezes or thaws, for a reconciliation
discrepancy (an origin re-issuance) and for an inventory exclusion alike:
both ask "was this block offered to the exchange?" the same way
(hub.services.freeze_announcements)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from carbonhub_contract.vocabulary.holdings import partner_holding
from carbonhub_contract.vocabulary.records import AdjustmentStatus, ClaimSubmission, OriginStatus
from hub.domain.blocks import Block, BlockState
from hub.domain.retirements import RetirementPurpose, RetirementRequest
from hub.services.outbox_port import OutboxKind
from hub.standard import Standard

from .builders import PARTNER, pv
from .ledger_setup import Ledger, make_ledger
from .test_attestation_service import hk_tonnes

S = AdjustmentStatus
REF = "HKAA-1"
ORIGIN_SERIAL = "GDPH-4401-PV-2023-0007-2024-000501-000505"
HK_ORIGIN_SERIAL = "HKFIT-2024-000001-000002"


def _events(ledger: Ledger, after: int = 0) -> list[tuple[OutboxKind, str]]:
    return [(e.kind, e.block.block_id) for e in ledger.exchange.events(0, 1000)][after:]


def _reissue(ledger: Ledger, partner: str, claim: ClaimSubmission, serial: str) -> list[str]:
    """The partner's registry shows ``claim`` issued there as ``serial``; the
    discrepancies that name a Shenzhen block."""
    holding = partner_holding(replace(claim, origin_serial=serial), OriginStatus.ISSUED)
    report = ledger.reconciliations.submit(partner, None, [], [holding])
    return [d.discrepancy_id for d in report.discrepancies if d.block_id]


def _resolve(ledger: Ledger, discrepancies: list[str]) -> None:
    for discrepancy in discrepancies:
        ledger.reconciliations.resolve(discrepancy, "cancelled at the origin", "officer-a")


def _attest(ledger: Ledger, blocks: list[Block], status: AdjustmentStatus) -> None:
    outcome = ledger.attestations.attest_adjustment(
        "CN-HK",
        REF,
        status,
        None,
        "",
        quantity=Decimal(sum(b.units for b in blocks)),
        vintage=2024,
    )
    assert outcome.accepted, [c.code for c in outcome.checks]


def _hk_issued(ledger: Ledger) -> tuple[ClaimSubmission, list[Block]]:
    claim = hk_tonnes("H1", REF)
    ledger.accept([claim])
    blocks = ledger.issuance.issue_pending().blocks
    assert blocks
    return claim, blocks


@pytest.fixture
def hk(standard: Standard) -> Ledger:
    return make_ledger(standard, register_project=False)


def test_an_offered_block_not_yet_acknowledged_hears_frozen_and_unfrozen(
    standard: Standard,
) -> None:
    ledger = make_ledger(standard)
    claim = pv("R-1", "2024-01-01", "2024-01-31", activity_quantity="9137.5")
    ledger.accept([claim])
    (block,) = ledger.issuance.issue_pending().blocks
    assert _events(ledger) == [(OutboxKind.QUALIFIED, block.block_id)]  # not acknowledged

    found = _reissue(ledger, PARTNER, claim, ORIGIN_SERIAL)
    assert _events(ledger, 1) == [(OutboxKind.FROZEN, block.block_id)]
    _resolve(ledger, found)
    assert _events(ledger, 2) == [(OutboxKind.UNFROZEN, block.block_id)]


@pytest.mark.parametrize("status", [S.COMMITTED, S.COMPLETED])
def test_a_block_frozen_before_it_was_offered_is_offered_when_thawed(
    hk: Ledger, status: AdjustmentStatus
) -> None:
    claim, blocks = _hk_issued(hk)  # under a PENDING exclusion: not offered
    found = _reissue(hk, "CN-HK", claim, HK_ORIGIN_SERIAL)
    assert len(found) == len(blocks)
    _attest(hk, blocks, status)  # frozen: still not offered
    assert _events(hk) == []

    _resolve(hk, found)
    assert sorted(_events(hk)) == sorted((OutboxKind.QUALIFIED, b.block_id) for b in blocks)
    acks = hk.exchange.acknowledge([b.block_id for b in blocks])
    assert {a.state for a in acks} == {BlockState.DELIVERED}


def test_a_revocation_tells_the_exchange_nothing_of_a_block_it_was_never_offered(
    hk: Ledger,
) -> None:
    claim, blocks = _hk_issued(hk)
    found = _reissue(hk, "CN-HK", claim, HK_ORIGIN_SERIAL)
    _attest(hk, blocks, S.COMMITTED)  # routable now, but frozen: never offered
    assert hk.attestations.attest_adjustment("CN-HK", REF, S.REVOKED, None, "").accepted
    _resolve(hk, found)
    assert _events(hk) == []


def test_a_block_under_both_freezes_hears_unfrozen_once_both_are_gone(hk: Ledger) -> None:
    claim, blocks = _hk_issued(hk)
    _attest(hk, blocks, S.COMMITTED)
    hk.exchange.acknowledge([b.block_id for b in blocks])
    ids = {b.block_id for b in blocks}
    found = _reissue(hk, "CN-HK", claim, HK_ORIGIN_SERIAL)
    hk.clock.now += timedelta(days=366)  # CN-HK: 365 days from COMMITTED to COMPLETED
    hk.attestations.freeze_overdue()
    before = len(_events(hk))

    _attest(hk, blocks, S.COMPLETED)  # the exclusion lets go; the discrepancy does not
    assert _events(hk, before) == []
    _resolve(hk, found)
    assert sorted(_events(hk, before)) == sorted((OutboxKind.UNFROZEN, b) for b in ids)


def test_a_block_under_both_freezes_hears_frozen_once(hk: Ledger) -> None:
    """The second freeze of a block the first already froze tells the exchange
    nothing: it heard FROZEN once and hears UNFROZEN once, when both are gone."""
    claim, blocks = _hk_issued(hk)
    _attest(hk, blocks, S.COMMITTED)
    hk.exchange.acknowledge([b.block_id for b in blocks])
    ids = {b.block_id for b in blocks}
    before = len(_events(hk))

    found = _reissue(hk, "CN-HK", claim, HK_ORIGIN_SERIAL)  # the discrepancy freezes
    hk.clock.now += timedelta(days=366)  # then the exclusion is overdue
    hk.attestations.freeze_overdue()
    assert sorted(_events(hk, before)) == sorted((OutboxKind.FROZEN, b) for b in ids)

    thawing = len(_events(hk))
    _attest(hk, blocks, S.COMPLETED)
    _resolve(hk, found)
    assert sorted(_events(hk, thawing)) == sorted((OutboxKind.UNFROZEN, b) for b in ids)


def test_a_block_issued_withheld_is_not_offered_when_its_discrepancy_is_resolved(
    hk: Ledger,
) -> None:
    _, old = _hk_issued(hk)
    _attest(hk, old, S.COMMITTED)
    hk.clock.now += timedelta(days=366)
    claim = replace(hk_tonnes("H2", REF), period_start="2024-11-01", period_end="2024-11-30")
    hk.accept([claim])
    new = hk.issuance.issue_pending().blocks  # issued frozen: the exclusion is overdue
    assert new
    found = _reissue(hk, "CN-HK", claim, HK_ORIGIN_SERIAL)
    before = len(_events(hk))

    _resolve(hk, found)  # the exclusion still withholds them
    assert _events(hk, before) == []
    _attest(hk, old + new, S.COMPLETED)
    assert {(OutboxKind.QUALIFIED, b.block_id) for b in new} <= set(_events(hk, before))


def test_the_remainder_of_a_partly_retired_block_hears_frozen_and_unfrozen(
    hk: Ledger,
) -> None:
    _, blocks = _hk_issued(hk)
    _attest(hk, blocks, S.COMMITTED)
    block = max(blocks, key=lambda b: b.units)
    assert block.units > 1
    hk.exchange.acknowledge([block.block_id])
    retired = hk.exchange.retire(
        RetirementRequest(
            retirement_id="RET-1",
            block_id=block.block_id,
            units=1,
            purpose=RetirementPurpose.VOLUNTARY,
            beneficiary="深圳某科技有限公司",
        )
    )
    remainder = retired.remainder
    assert remainder is not None
    before = len(_events(hk))

    hk.clock.now += timedelta(days=366)
    hk.attestations.freeze_overdue()
    # Never QUALIFIED under its own id, but the exchange holds it.
    assert _events(hk, before) == [(OutboxKind.FROZEN, remainder.block_id)]
    _attest(hk, blocks, S.COMPLETED)
    assert _events(hk, before + 1) == [(OutboxKind.UNFROZEN, remainder.block_id)]
