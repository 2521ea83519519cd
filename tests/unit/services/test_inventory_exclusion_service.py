"""Hong Kong's inventory exclusion in the services: what the exchange is told
when it is revoked, when its deadline to COMPLETED passes, and when it completes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from carbonhub_contract.vocabulary.records import AdjustmentStatus, Decision
from hub.domain.blocks import Block
from hub.domain.retirements import RetirementPurpose, RetirementRequest
from hub.errors import FailedPrecondition
from hub.services.outbox_port import OutboxKind
from hub.standard import Standard

from .ledger_setup import Ledger, make_ledger
from .test_attestation_service import hk_tonnes

S = AdjustmentStatus


@pytest.fixture
def ledger(standard: Standard) -> Ledger:
    return make_ledger(standard, register_project=False)


def _issued(ledger: Ledger) -> list[Block]:
    (verdict,) = ledger.ingestion.submit("CN-HK", [hk_tonnes("H1", "HKAA-1")])
    assert verdict.decision is Decision.ACCEPTED
    blocks = ledger.issuance.issue_pending().blocks
    assert blocks
    return blocks


def _commit(ledger: Ledger, blocks: list[Block]) -> None:
    units = sum(b.units for b in blocks)
    outcome = ledger.attestations.attest_adjustment(
        "CN-HK", "HKAA-1", S.COMMITTED, None, "", quantity=Decimal(units), vintage=2024
    )
    assert outcome.accepted, [c.code for c in outcome.checks]


def _kinds(ledger: Ledger) -> list[OutboxKind]:
    return [e.kind for e in ledger.exchange.events(0, 100)]


def _retire(ledger: Ledger, block: Block, retirement_id: str = "RET-1") -> None:
    ledger.exchange.retire(
        RetirementRequest(
            retirement_id=retirement_id,
            block_id=block.block_id,
            units=block.units,
            purpose=RetirementPurpose.VOLUNTARY,
            beneficiary="深圳某科技有限公司",
        )
    )


def test_the_deadline_sweep_freezes_once_and_completion_thaws(ledger: Ledger) -> None:
    blocks = _issued(ledger)
    _commit(ledger, blocks)
    n = len(blocks)
    assert ledger.attestations.freeze_overdue() == []  # not due yet
    ledger.clock.now += timedelta(days=366)  # CN-HK: 365 days to COMPLETED
    frozen = ledger.attestations.freeze_overdue()
    assert sorted(frozen) == sorted(b.block_id for b in blocks)
    assert ledger.attestations.freeze_overdue() == []  # announced once
    assert _kinds(ledger) == [OutboxKind.QUALIFIED] * n + [OutboxKind.FROZEN] * n
    ledger.exchange.acknowledge([blocks[0].block_id])
    with pytest.raises(FailedPrecondition) as refused:
        _retire(ledger, blocks[0])
    assert refused.value.code == "BLOCK_EXCLUSION_OVERDUE"

    completed = ledger.attestations.attest_adjustment(
        "CN-HK", "HKAA-1", S.COMPLETED, None, "", quantity=Decimal(99), vintage=2024
    )
    assert completed.accepted
    assert _kinds(ledger)[2 * n :] == [OutboxKind.UNFROZEN] * n
    _retire(ledger, blocks[0])
    assert ledger.attestations.freeze_overdue() == []


def test_a_revocation_after_an_overdue_freeze_is_not_announced_twice(ledger: Ledger) -> None:
    blocks = _issued(ledger)
    _commit(ledger, blocks)
    ledger.clock.now += timedelta(days=400)
    assert ledger.attestations.freeze_overdue()
    before = len(_kinds(ledger))
    assert ledger.attestations.attest_adjustment("CN-HK", "HKAA-1", S.REVOKED, None, "").accepted
    assert len(_kinds(ledger)) == before
    assert ledger.attestations.freeze_overdue() == []  # REVOKED is no longer "overdue"
    ledger.exchange.acknowledge([blocks[0].block_id])
    with pytest.raises(FailedPrecondition) as refused:
        _retire(ledger, blocks[0])
    assert refused.value.code == "BLOCK_EXCLUSION_REVOKED"


def test_a_revocation_of_a_pending_reference_tells_the_exchange_nothing(ledger: Ledger) -> None:
    _issued(ledger)
    assert ledger.attestations.attest_adjustment("CN-HK", "HKAA-1", S.REVOKED, None, "").accepted
    assert _kinds(ledger) == []  # never offered, never announced


def test_a_future_attestation_time_does_not_push_the_deadline_out(ledger: Ledger) -> None:
    blocks = _issued(ledger)
    units = sum(b.units for b in blocks)
    future = ledger.clock.now + timedelta(days=3650)
    assert ledger.attestations.attest_adjustment(
        "CN-HK", "HKAA-1", S.COMMITTED, future, "", quantity=Decimal(units), vintage=2024
    ).accepted
    ledger.clock.now += timedelta(days=366)
    assert ledger.attestations.freeze_overdue()
