"""The exchange service over a real gRPC server on loopback, the real
services and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from carbonhub_contract.error_details import error_info
from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.vocabulary.holdings import Holding, totals_of
from hub.domain.serial_blocks import parse_serial
from hub.grpc_api import ledger_conversion
from tests.integration.grpc.ledger_helpers import (
    Running,
    issue_pv_block,
    pv_claim,
    register_gd_project,
    running_hub,
    submit,
)

WAIT = 10.0  # seconds a test waits for something that should take well under one


@pytest.fixture
def hub(tmp_path: Path, database_url: str) -> Iterator[Running]:
    with running_hub(tmp_path, database_url) as running:
        register_gd_project(running.partner)
        yield running


def _stream(running: Running, after: int = 0, max_events: int = 0) -> list[pb.BlockEvent]:
    return list(
        running.exchange.StreamBlocks(
            pb.StreamBlocksRequest(after_cursor=after, max_events=max_events), timeout=WAIT
        )
    )


def _reason(error: grpc.RpcError) -> str:
    info = error_info(error)
    assert info is not None, error
    return str(info.reason)


def _voluntary(
    retirement_id: str, block_id: str, units: int, **more: object
) -> pb.ReportRetirementRequest:
    return pb.ReportRetirementRequest(
        retirement_id=retirement_id,
        block_id=block_id,
        units=units,
        purpose=pb.RETIREMENT_PURPOSE_VOLUNTARY,
        beneficiary="深圳某科技有限公司",
        **more,  # type: ignore[arg-type]
    )


def _delivered_block(hub: Running, record_id: str, month: int, tonnes: int) -> str:
    block_id = issue_pv_block(hub, record_id, month, tonnes)
    hub.exchange.AcknowledgeBlocks(pb.AcknowledgeBlocksRequest(block_ids=[block_id]))
    return block_id


class _Reader:
    """Reads a stream on a thread, so a test can act while the stream is open."""

    def __init__(self, call: Iterator[pb.BlockEvent]) -> None:
        self.call = call
        self.items: queue.Queue[pb.BlockEvent | grpc.RpcError | None] = queue.Queue()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for event in self.call:
                self.items.put(event)
            self.items.put(None)  # the stream ended normally
        except grpc.RpcError as error:
            self.items.put(error)

    def next(self) -> pb.BlockEvent | grpc.RpcError | None:
        return self.items.get(timeout=WAIT)


# -- streaming --------------------------------------------------------------


def test_stream_from_zero_gives_every_event_in_cursor_order_and_ends_when_caught_up(
    hub: Running,
) -> None:
    issued = [issue_pv_block(hub, f"R-{m}", m, 10 + m) for m in (1, 2, 3)]
    events = _stream(hub)  # returns: the stream ended by itself
    cursors = [e.cursor for e in events]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors) and cursors[0] > 0
    assert [e.kind for e in events] == [pb.BLOCK_EVENT_KIND_QUALIFIED] * 3
    assert [e.block.block_id for e in events] == issued
    assert [e.block.units for e in events] == [11, 12, 13]
    block = events[0].block
    assert block.state == ledger_pb.BLOCK_STATE_ISSUED and block.origin == "CN-GD"
    assert parse_serial(block.serial).units == block.units == block.last_unit - block.first_unit + 1
    assert block.issued_at == "2026-11-24T08:00:00Z"
    assert block.adjustment.status == ledger_pb.ADJUSTMENT_STATUS_NOT_REQUIRED


def test_stream_resumes_after_a_cursor_and_honours_max_events(hub: Running) -> None:
    for m in (1, 2, 3):
        issue_pv_block(hub, f"R-{m}", m, 5)
    everything = _stream(hub)
    assert _stream(hub, after=everything[0].cursor) == everything[1:]
    assert _stream(hub, after=everything[-1].cursor) == []
    assert _stream(hub, max_events=2) == everything[:2]
    assert _stream(hub, after=everything[0].cursor, max_events=1) == everything[1:2]


def test_a_follow_stream_gets_a_block_issued_after_it_started_and_ends_on_cancel(
    tmp_path: Path, database_url: str
) -> None:
    # One worker thread: while the stream holds it no other call is served,
    # so a call answered after the cancel proves the stream let go of it.
    with running_hub(tmp_path, database_url, grpc_workers=1) as hub:
        register_gd_project(hub.partner)
        first = issue_pv_block(hub, "R-1", 1, 7)
        # The second claim goes in before the stream takes the only worker.
        submit(hub.partner, pv_claim("R-2", 2, 9))
        call = hub.exchange.StreamBlocks(pb.StreamBlocksRequest(follow=True))
        reader = _Reader(call)
        seen = reader.next()
        assert isinstance(seen, pb.BlockEvent) and seen.block.block_id == first
        # Caught up: the stream waits instead of ending, holding the only worker.
        with pytest.raises(queue.Empty):
            reader.items.get(timeout=0.5)
        with pytest.raises(grpc.RpcError) as queued:
            hub.exchange.GetBlock(pb.GetBlockRequest(block_id=first), timeout=0.3)
        assert queued.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        run = hub.hub.issuance.issue_pending()
        later = reader.next()
        assert isinstance(later, pb.BlockEvent)
        assert later.block.block_id == run.blocks[0].block_id and later.cursor > seen.cursor

        call.cancel()
        ended = reader.next()
        assert isinstance(ended, grpc.RpcError) and ended.code() == grpc.StatusCode.CANCELLED
        block = hub.exchange.GetBlock(pb.GetBlockRequest(block_id=first), timeout=WAIT)
        assert block.block_id == first


def test_stopping_the_server_ends_a_follow_stream_promptly_with_unavailable(
    tmp_path: Path, database_url: str
) -> None:
    with running_hub(tmp_path, database_url) as hub:
        call = hub.exchange.StreamBlocks(pb.StreamBlocksRequest(follow=True))
        reader = _Reader(call)
        with pytest.raises(queue.Empty):
            reader.items.get(timeout=0.3)  # open and waiting
        started = time.monotonic()
        hub.server.stop(grace=30)
        assert time.monotonic() - started < 5, "stop waited for the follow stream"
        ended = reader.next()
        assert isinstance(ended, grpc.RpcError)
        assert ended.code() == grpc.StatusCode.UNAVAILABLE
        assert _reason(ended) == "SERVER_STOPPING"


# -- acknowledgement --------------------------------------------------------


def test_acknowledging_twice_is_a_no_op_the_second_time(hub: Running) -> None:
    block_id = issue_pv_block(hub, "R-1", 1, 8)
    first = hub.exchange.AcknowledgeBlocks(pb.AcknowledgeBlocksRequest(block_ids=[block_id]))
    again = hub.exchange.AcknowledgeBlocks(pb.AcknowledgeBlocksRequest(block_ids=[block_id]))
    assert [(r.block_id, r.state, r.already) for r in first.results] == [
        (block_id, ledger_pb.BLOCK_STATE_DELIVERED, False)
    ]
    assert [(r.block_id, r.state, r.already) for r in again.results] == [
        (block_id, ledger_pb.BLOCK_STATE_DELIVERED, True)
    ]
    block = hub.exchange.GetBlock(pb.GetBlockRequest(block_id=block_id))
    assert block.state == ledger_pb.BLOCK_STATE_DELIVERED


def test_acknowledging_an_unknown_block_is_a_coded_not_found(hub: Running) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        hub.exchange.AcknowledgeBlocks(pb.AcknowledgeBlocksRequest(block_ids=["nope"]))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert _reason(caught.value) == "BLOCK_NOT_FOUND"
    with pytest.raises(grpc.RpcError) as caught:
        hub.exchange.GetBlock(pb.GetBlockRequest(block_id="nope"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert _reason(caught.value) == "BLOCK_NOT_FOUND"


# -- retirement -------------------------------------------------------------


def test_the_same_retirement_twice_is_a_replay_that_changes_nothing(hub: Running) -> None:
    block_id = _delivered_block(hub, "R-1", 1, 6)
    first = hub.exchange.ReportRetirement(_voluntary("EX-RET-1", block_id, 6))
    assert not first.replay and not first.HasField("remainder_block")
    assert first.retired_block.block_id == block_id
    assert first.retired_block.state == ledger_pb.BLOCK_STATE_RETIRED
    cursor = _stream(hub)[-1].cursor
    block_before = hub.exchange.GetBlock(pb.GetBlockRequest(block_id=block_id))

    again = hub.exchange.ReportRetirement(_voluntary("EX-RET-1", block_id, 6))
    assert again.replay
    assert again.retired_block == first.retired_block
    assert hub.exchange.GetBlock(pb.GetBlockRequest(block_id=block_id)) == block_before
    assert _stream(hub, after=cursor) == []


def test_a_retirement_id_reused_with_other_content_is_refused(hub: Running) -> None:
    block_id = _delivered_block(hub, "R-1", 1, 6)
    other_id = _delivered_block(hub, "R-2", 2, 6)
    hub.exchange.ReportRetirement(_voluntary("EX-RET-1", block_id, 6))
    for changed in (
        _voluntary("EX-RET-1", block_id, 6, note="another note"),
        _voluntary("EX-RET-1", other_id, 6),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            hub.exchange.ReportRetirement(changed)
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert _reason(caught.value) == "RETIREMENT_ID_REUSED"
    other = hub.exchange.GetBlock(pb.GetBlockRequest(block_id=other_id))
    assert other.state == ledger_pb.BLOCK_STATE_DELIVERED


def test_a_retired_block_cannot_be_retired_again(hub: Running) -> None:
    block_id = _delivered_block(hub, "R-1", 1, 6)
    hub.exchange.ReportRetirement(_voluntary("EX-RET-1", block_id, 6))
    with pytest.raises(grpc.RpcError) as caught:
        hub.exchange.ReportRetirement(_voluntary("EX-RET-2", block_id, 1))
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert _reason(caught.value) == "BLOCK_TERMINAL"
    info = error_info(caught.value)
    assert info is not None and info.metadata["state"] == "RETIRED"


def test_a_partial_retirement_splits_the_block_into_parts_of_its_range(hub: Running) -> None:
    block_id = _delivered_block(hub, "R-1", 1, 20)
    parent = hub.exchange.GetBlock(pb.GetBlockRequest(block_id=block_id))
    response = hub.exchange.ReportRetirement(_voluntary("EX-RET-1", block_id, 8))
    retired, remainder = response.retired_block, response.remainder_block
    assert response.HasField("remainder_block")
    assert (retired.units, retired.state) == (8, ledger_pb.BLOCK_STATE_RETIRED)
    assert (remainder.units, remainder.state) == (12, ledger_pb.BLOCK_STATE_DELIVERED)
    assert retired.parent_block_id == remainder.parent_block_id == block_id
    parent_range = parse_serial(parent.serial)
    retired_range, rest_range = parse_serial(retired.serial), parse_serial(remainder.serial)
    assert parent_range.contains(retired_range) and parent_range.contains(rest_range)
    assert not retired_range.overlaps(rest_range)
    assert retired_range.first == parent_range.first and rest_range.last == parent_range.last
    assert retired_range.units + rest_range.units == parent_range.units
    split = hub.exchange.GetBlock(pb.GetBlockRequest(block_id=block_id))
    assert split.state == ledger_pb.BLOCK_STATE_SPLIT
    # The remainder carries on: it can be retired in turn.
    rest = hub.exchange.ReportRetirement(_voluntary("EX-RET-2", remainder.block_id, 12))
    assert rest.retired_block.block_id == remainder.block_id and not rest.HasField(
        "remainder_block"
    )


def test_a_malformed_retirement_is_a_coded_invalid_argument(hub: Running) -> None:
    block_id = _delivered_block(hub, "R-1", 1, 6)
    cases = [
        (_voluntary("EX-RET-1", block_id, 0), "RETIREMENT_UNITS_INVALID"),
        (
            pb.ReportRetirementRequest(retirement_id="EX-RET-1", block_id=block_id, units=1),
            "RETIREMENT_MALFORMED",
        ),
        (_voluntary("", block_id, 1), "FIELD_REQUIRED"),
        (
            pb.ReportRetirementRequest(
                retirement_id="EX-RET-1",
                block_id=block_id,
                units=1,
                purpose=pb.RETIREMENT_PURPOSE_ETS_OFFSET,
                verified_emissions_tco2e="12 000",
            ),
            "RETIREMENT_MALFORMED",
        ),
    ]
    for request, reason in cases:
        with pytest.raises(grpc.RpcError) as caught:
            hub.exchange.ReportRetirement(request)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, reason
        assert _reason(caught.value) == reason


# -- reconciliation ---------------------------------------------------------


def test_the_exchange_reconciles_its_holdings(hub: Running) -> None:
    held = _delivered_block(hub, "R-1", 1, 6)
    disputed = _delivered_block(hub, "R-2", 2, 4)
    requested = hub.exchange.ListReconciliationRequests(
        ledger_pb.ListReconciliationRequestsRequest()
    )
    assert list(requested.requests) == []

    blocks = {b: hub.exchange.GetBlock(pb.GetBlockRequest(block_id=b)) for b in (held, disputed)}
    holdings = [
        Holding(b.block_id, "DELIVERED", b.vintage, Decimal(b.units), b.serial)
        for b in blocks.values()
    ]
    consistent = hub.exchange.SubmitReconciliation(
        ledger_pb.SubmitReconciliationRequest(
            totals=[ledger_conversion.total_to_proto(t) for t in totals_of(holdings)],
            holdings=[ledger_conversion.holding_to_proto(h) for h in holdings],
        )
    )
    assert consistent.status == ledger_pb.RECONCILIATION_STATUS_CONSISTENT, consistent
    assert consistent.counterpart == "EXCHANGE" and not consistent.frozen_block_ids

    # The exchange believes the second block retired: a discrepancy freezes it.
    wrong = [
        h
        if h.subject_id == held
        else Holding(h.subject_id, "RETIRED", h.vintage, h.quantity, h.serial)
        for h in holdings
    ]
    report = hub.exchange.SubmitReconciliation(
        ledger_pb.SubmitReconciliationRequest(
            holdings=[ledger_conversion.holding_to_proto(h) for h in wrong]
        )
    )
    assert report.status == ledger_pb.RECONCILIATION_STATUS_INCONSISTENT
    assert list(report.frozen_block_ids) == [disputed]
    assert any(d.kind == "STATE_DIFFERS" and d.subject_id == disputed for d in report.discrepancies)
    assert hub.exchange.GetBlock(pb.GetBlockRequest(block_id=disputed)).frozen
    with pytest.raises(grpc.RpcError) as caught:
        hub.exchange.ReportRetirement(_voluntary("EX-RET-1", disputed, 1))
    assert _reason(caught.value) == "BLOCK_FROZEN"


def test_malformed_reconciliation_input_names_its_subject(hub: Running) -> None:
    bad = ledger_pb.Holding(subject_id="blk-9", state="DELIVERED", vintage=2024, quantity="lots")
    with pytest.raises(grpc.RpcError) as caught:
        hub.exchange.SubmitReconciliation(ledger_pb.SubmitReconciliationRequest(holdings=[bad]))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = error_info(caught.value)
    assert info is not None and info.reason == "HOLDING_MALFORMED"
    assert info.metadata["subject_id"] == "blk-9"
    with pytest.raises(grpc.RpcError) as caught:
        hub.exchange.ListReconciliationRequests(
            ledger_pb.ListReconciliationRequestsRequest(partner="CN-GD")
        )
    assert _reason(caught.value) == "FIELD_NOT_ALLOWED"


# -- health and reflection ----------------------------------------------------


def test_health_and_reflection_know_the_exchange_service(hub: Running) -> None:
    health = health_pb2_grpc.HealthStub(hub.channel)
    answer = health.Check(health_pb2.HealthCheckRequest(service="carbonhub.v1.ExchangeService"))
    assert answer.status == health_pb2.HealthCheckResponse.SERVING
    reflect = reflection_pb2_grpc.ServerReflectionStub(hub.channel)
    (listing,) = reflect.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    )
    names = {s.name for s in listing.list_services_response.service}
    assert {"carbonhub.v1.ExchangeService", "carbonhub.v1.PartnerService"} <= names
