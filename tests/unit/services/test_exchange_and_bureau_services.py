"""The exchange's calls, the bureau's hand and reconciliation, on in-memory storage."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carbonhub_contract.vocabulary.holdings import Holding, totals_of
from carbonhub_contract.vocabulary.records import Decision
from hub.domain.blocks import Block, BlockState
from hub.domain.reconciliation import EXCHANGE, ReconciliationStatus
from hub.domain.retirements import RetirementPurpose, RetirementRequest
from hub.domain.serial_blocks import parse_serial
from hub.errors import FailedPrecondition, InvalidRequest, NotFound
from hub.services.outbox_port import OutboxKind
from hub.standard import Standard

from .builders import PARTNER, PROJECT_ID, pv
from .ledger_setup import Ledger, make_ledger


@pytest.fixture
def ledger(standard: Standard) -> Ledger:
    return make_ledger(standard)


def delivered_block(ledger: Ledger) -> Block:
    ledger.accept([pv("R1", "2024-01-01", "2024-01-28", activity_quantity="30000")])
    (block,) = ledger.issuance.issue_pending().blocks
    assert block.units >= 4
    (ack,) = ledger.exchange.acknowledge([block.block_id])
    assert ack.state is BlockState.DELIVERED and not ack.already
    return ledger.exchange.block(block.block_id)


def voluntary(retirement_id: str, block_id: str, units: int) -> RetirementRequest:
    return RetirementRequest(
        retirement_id, block_id, units, RetirementPurpose.VOLUNTARY, "深圳某公司"
    )


def test_a_cursor_beyond_the_ledger_range_is_refused_with_a_code(ledger: Ledger) -> None:
    delivered_block(ledger)
    with pytest.raises(InvalidRequest) as refused:
        ledger.exchange.events(2**63, 10)
    assert refused.value.code == "CURSOR_OUT_OF_RANGE"
    assert ledger.exchange.events(2**63 - 1, 10) == []
    assert ledger.exchange.events(0, 10)


def test_acknowledging_twice_changes_nothing_the_second_time(ledger: Ledger) -> None:
    block = delivered_block(ledger)
    (again,) = ledger.exchange.acknowledge([block.block_id])
    assert again.already and again.state is BlockState.DELIVERED
    with pytest.raises(NotFound):
        ledger.exchange.acknowledge(["no-such-block"])


def test_a_retirement_reported_twice_is_a_replay_and_a_reused_id_is_refused(
    ledger: Ledger,
) -> None:
    block = delivered_block(ledger)
    first = ledger.exchange.retire(voluntary("EX-1", block.block_id, block.units))
    assert first.retired.state is BlockState.RETIRED and first.remainder is None
    again = ledger.exchange.retire(voluntary("EX-1", block.block_id, block.units))
    assert again.replay and again.retired.block_id == first.retired.block_id
    with pytest.raises(FailedPrecondition) as reused:
        ledger.exchange.retire(voluntary("EX-1", block.block_id, 1))
    assert reused.value.code == "RETIREMENT_ID_REUSED"
    with pytest.raises(FailedPrecondition) as terminal:
        ledger.exchange.retire(voluntary("EX-2", block.block_id, 1))
    assert terminal.value.code == "BLOCK_TERMINAL"


def test_a_partial_retirement_splits_the_block_into_parseable_children(ledger: Ledger) -> None:
    block = delivered_block(ledger)
    outcome = ledger.exchange.retire(voluntary("EX-3", block.block_id, 2))
    assert outcome.remainder is not None
    head, tail = outcome.retired, outcome.remainder
    assert (head.units, tail.units) == (2, block.units - 2)
    assert head.parent_block_id == tail.parent_block_id == block.block_id
    for child in (head, tail):
        assert block.range.contains(parse_serial(child.serial))
    assert ledger.exchange.block(block.block_id).state is BlockState.SPLIT
    assert tail.state is BlockState.DELIVERED
    with pytest.raises(FailedPrecondition) as split:
        ledger.exchange.retire(voluntary("EX-4", block.block_id, 1))
    assert split.value.code == "BLOCK_TERMINAL"
    status = ledger.ingestion.status(PARTNER, "R1")
    assert status is not None and set(status.block_serials) == {head.serial, tail.serial}


def test_an_ets_offset_beyond_the_cap_is_refused_and_changes_nothing(ledger: Ledger) -> None:
    block = delivered_block(ledger)
    request = RetirementRequest(
        "EX-ETS",
        block.block_id,
        block.units,
        RetirementPurpose.ETS_OFFSET,
        "某控排企业",
        compliance_entity="SZ-ETS-0001",
        compliance_year=2025,
        verified_emissions_tco2e=Decimal(10),  # a 10 % cap allows 1 unit
    )
    with pytest.raises(FailedPrecondition) as refused:
        ledger.exchange.retire(request)
    assert refused.value.code == "OFFSET_CAP_EXCEEDED"
    assert ledger.exchange.block(block.block_id).state is BlockState.DELIVERED


def test_the_bureau_cancels_a_block_for_good(ledger: Ledger) -> None:
    block = delivered_block(ledger)
    cancelled = ledger.bureau.cancel_block(block.block_id, "verification fraud", "王科长")
    assert cancelled.state is BlockState.CANCELLED
    kinds = [(e.kind, e.block.block_id) for e in ledger.exchange.events(0, 100)]
    assert kinds[-1] == (OutboxKind.CANCELLED, block.block_id)
    with pytest.raises(FailedPrecondition) as again:
        ledger.bureau.cancel_block(block.block_id, "again", "王科长")
    assert again.value.code == "BLOCK_TERMINAL"
    with pytest.raises(FailedPrecondition):
        ledger.exchange.retire(voluntary("EX-5", block.block_id, 1))


def test_a_suspended_project_holds_its_waiting_claims_until_resumed(ledger: Ledger) -> None:
    ledger.accept([pv("R1", "2024-01-01", "2024-01-28")])
    held = ledger.bureau.suspend_project(PARTNER, PROJECT_ID, "site inspection", "王科长")
    assert len(held.claims_changed) == 1
    assert ledger.issuance.issue_pending().claims == 0
    (new,) = ledger.ingestion.submit(PARTNER, [pv("R2", "2024-02-01", "2024-02-28")])
    assert new.decision is Decision.HELD
    assert "PROJECT_SUSPENDED_BY_BUREAU" in {c.code for c in new.checks}
    with pytest.raises(FailedPrecondition):
        ledger.bureau.suspend_project(PARTNER, PROJECT_ID, "twice", "王科长")
    resumed = ledger.bureau.resume_project(PARTNER, PROJECT_ID, "inspection passed", "王科长")
    assert len(resumed.claims_changed) == 2
    assert ledger.issuance.issue_pending().claims == 2


def exchange_holdings(ledger: Ledger, *blocks: Block) -> list[Holding]:
    return [Holding(b.block_id, "DELIVERED", b.vintage, Decimal(b.units), b.serial) for b in blocks]


def test_reconciliation_reports_an_altered_block_and_freezes_it(ledger: Ledger) -> None:
    block = delivered_block(ledger)
    ours = exchange_holdings(ledger, block)
    consistent = ledger.reconciliations.submit(EXCHANGE, None, totals_of(ours), ours)
    assert consistent.status is ReconciliationStatus.CONSISTENT

    altered = [
        Holding(block.block_id, "DELIVERED", block.vintage, Decimal(block.units + 5), block.serial)
    ]
    report = ledger.reconciliations.submit(EXCHANGE, None, totals_of(altered), altered)
    assert report.status is ReconciliationStatus.INCONSISTENT
    assert {d.discrepancy.subject_id for d in report.discrepancies} >= {block.block_id}
    assert ledger.exchange.block(block.block_id).frozen
    with pytest.raises(FailedPrecondition) as frozen:
        ledger.exchange.retire(voluntary("EX-6", block.block_id, 1))
    assert frozen.value.code == "BLOCK_FROZEN"

    final = report
    for d in report.discrepancies:
        final = ledger.reconciliations.resolve(d.discrepancy_id, "exchange corrected", "王科长")
    assert final.status is ReconciliationStatus.COMPLETED_WITH_MANUAL_INTERVENTION
    assert not ledger.exchange.block(block.block_id).frozen
    kinds = [e.kind for e in ledger.exchange.events(0, 100)]
    assert kinds[-2:] == [OutboxKind.FROZEN, OutboxKind.UNFROZEN]
