"""The observed services' lines on in-memory storage: what a delivery, a
retirement, a reconciliation and a cancellation write, and what they never do."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from carbonhub_contract.vocabulary.holdings import Holding, totals_of
from hub.domain.reconciliation import EXCHANGE
from hub.domain.retirements import RetirementPurpose, RetirementRequest
from hub.errors import FailedPrecondition
from hub.observability.ledger_events import (
    ObservedBureau,
    ObservedExchange,
    ObservedReconciliations,
    observe,
)
from hub.observability.logs import configure_logging
from hub.observability.metrics import HubMetrics
from hub.standard import default_standards_dir, load_standard
from tests.unit.services.builders import pv
from tests.unit.services.ledger_setup import Ledger, make_ledger

BENEFICIARY = "张三 (个人自愿减排)"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    configure_logging("info", "json", stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


@pytest.fixture
def observed() -> tuple[Ledger, HubMetrics]:
    ledger = make_ledger(load_standard(default_standards_dir()))
    factory, clock, standard = (
        ledger.uow_factory,
        ledger.clock,
        load_standard(default_standards_dir()),
    )
    ledger.exchange = ObservedExchange(factory, standard, clock)
    ledger.reconciliations = ObservedReconciliations(factory, standard, clock)
    ledger.bureau = ObservedBureau(factory, clock)
    metrics = HubMetrics()
    observe(metrics, ledger.exchange, ledger.reconciliations, ledger.bureau)
    return ledger, metrics


def _events(stream: io.StringIO, event: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [line for line in lines if line.get("event") == event]


def test_delivery_retirement_and_reconciliation_lines(
    observed: tuple[Ledger, HubMetrics], log_stream: io.StringIO
) -> None:
    ledger, metrics = observed
    ledger.accept([pv("R1", "2024-01-01", "2024-01-28", activity_quantity="30000")])
    (block,) = ledger.issuance.issue_pending().blocks
    ledger.exchange.acknowledge([block.block_id])
    ledger.exchange.acknowledge([block.block_id])  # at least once: nothing new
    first, again = _events(log_stream, "delivery")
    assert (first["delivered"], first["block_ids"], first["consumer"]) == (
        1,
        [block.block_id],
        "exchange",
    )
    assert (again["acknowledged"], again["delivered"], again["block_ids"]) == (1, 0, [])
    assert metrics.registry.get_sample_value("hub_blocks_delivered_total") == 1.0

    request = RetirementRequest("EX-1", block.block_id, 2, RetirementPurpose.VOLUNTARY, BENEFICIARY)
    outcome = ledger.exchange.retire(request)
    (retired,) = _events(log_stream, "retirement")
    assert (retired["retirement_id"], retired["block_id"], retired["units"]) == (
        "EX-1",
        outcome.retired.block_id,
        2,
    )
    assert retired["purpose"] == "VOLUNTARY" and retired["replay"] is False
    assert outcome.remainder is not None
    assert retired["remainder_block_id"] == outcome.remainder.block_id
    assert BENEFICIARY not in log_stream.getvalue()

    remainder = outcome.remainder
    altered = [
        Holding(remainder.block_id, "DELIVERED", remainder.vintage, Decimal(99), remainder.serial)
    ]
    report = ledger.reconciliations.submit(EXCHANGE, None, totals_of(altered), altered)
    (answered,) = _events(log_stream, "reconciliation")
    assert answered["level"] == "warning" and answered["outcome"] == "INCONSISTENT"
    assert answered["reconciliation_id"] == report.reconciliation_id
    assert answered["discrepancies"] == len(report.discrepancies) >= 1
    assert answered["blocks_frozen"] >= 1


def test_a_refused_cancellation_writes_no_line_and_a_done_one_writes_one(
    observed: tuple[Ledger, HubMetrics], log_stream: io.StringIO
) -> None:
    ledger, metrics = observed
    ledger.accept([pv("R1", "2024-01-01", "2024-01-28", activity_quantity="30000")])
    (block,) = ledger.issuance.issue_pending().blocks
    ledger.bureau.cancel_block(block.serial, "核证造假", "王科长")
    with pytest.raises(FailedPrecondition):
        ledger.bureau.cancel_block(block.serial, "again", "王科长")
    (line,) = _events(log_stream, "bureau_action")
    assert (line["action"], line["officer"], line["block_id"], line["serial"]) == (
        "cancel_block",
        "王科长",
        block.block_id,
        block.serial,
    )
    assert "核证造假" not in log_stream.getvalue()
    cancelled = {"action": "cancel_block"}
    assert metrics.registry.get_sample_value("hub_bureau_actions_total", cancelled) == 1.0
