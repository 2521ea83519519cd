"""The ExchangeService: parse, call the exchange and reconciliation services,
convert. No rules live here; the only logic is the stream's cursor loop."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import grpc

from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2_grpc as pb_grpc
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.receipts import ReceiptSigner
from hub.domain.reconciliation import EXCHANGE
from hub.errors import ErrorKind, HubError, InvalidRequest
from hub.grpc_api import field_checks, ledger_conversion
from hub.grpc_api.status_mapping import abort
from hub.services.exchange import ExchangeService
from hub.services.reconciliation import ReconciliationService

log = logging.getLogger(__name__)

# Events read from the outbox per query: large enough that catching up after
# a long disconnect is a few queries, small enough to bound one read's memory.
EVENTS_PER_READ = 500
# The longest a follow stream sleeps without checking that its client is
# still there, should the cancellation callback not have fired.
_WAKE_CHECK_SECONDS = 0.25


class ServerStopping(HubError):
    """The hub is shutting down: the exchange resumes from its last cursor."""

    kind = ErrorKind.UNAVAILABLE


class ExchangeServicer(pb_grpc.ExchangeServiceServicer):
    def __init__(
        self,
        exchange: ExchangeService,
        reconciliations: ReconciliationService,
        *,
        receipts: ReceiptSigner,
        max_events_per_stream: int = 0,
    ) -> None:
        """``max_events_per_stream`` caps every stream (0: no cap); a request's
        own max_events can only lower it. The exchange resumes from its
        cursor, so a capped stream loses nothing."""
        if max_events_per_stream < 0:
            raise ValueError("max_events_per_stream cannot be negative")
        self._exchange = exchange
        self._reconciliations = reconciliations
        self._receipts = receipts
        self._max_events = max_events_per_stream
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._waiting: set[threading.Event] = set()

    def stop_streams(self) -> None:
        """End every open stream with UNAVAILABLE and refuse new ones.

        Called before the server's grace period: a follow stream never ends by
        itself, so without this a stop would wait out the whole grace period
        and then cut the streams without a status the exchange can act on.
        """
        self._stopping.set()
        with self._lock:
            for wake in self._waiting:
                wake.set()

    def StreamBlocks(
        self, request: pb.StreamBlocksRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.BlockEvent]:
        wake = threading.Event()
        with self._lock:
            self._waiting.add(wake)
        try:
            field_checks.check(request)
            # Wakes the poll wait the moment the client cancels, the deadline
            # passes or the guard withdraws the call (the exchange's
            # certificate revoked or expired: hub.grpc_api.open_calls, which
            # then ends the stream with that refusal); False means the RPC
            # has already ended.
            if not context.add_callback(wake.set):
                return
            yield from self._events(request, context, wake)
        except HubError as error:
            log.info("StreamBlocks ended: %s", error)
            abort(context, error)
        finally:
            with self._lock:
                self._waiting.discard(wake)

    def _events(
        self, request: pb.StreamBlocksRequest, context: grpc.ServicerContext, wake: threading.Event
    ) -> Iterator[pb.BlockEvent]:
        limit = _lowest_limit(request.max_events, self._max_events)
        cursor = request.after_cursor
        sent = 0
        while True:
            self._refuse_if_stopping(cursor)
            if not context.is_active():
                return
            want = EVENTS_PER_READ if limit == 0 else min(EVENTS_PER_READ, limit - sent)
            entries = self._exchange.events(cursor, want)
            for entry in entries:
                event = ledger_conversion.block_event_to_proto(entry)
                self._receipts.sign_block(event.block)
                yield event
                cursor = entry.cursor
            sent += len(entries)
            if limit and sent >= limit:
                return
            if len(entries) == want:
                continue  # a full read: more may be waiting, read on without a pause
            if not request.follow:
                return  # caught up
            self._wait(context, wake)

    def _wait(self, context: grpc.ServicerContext, wake: threading.Event) -> None:
        remaining = self._exchange.poll_interval
        while remaining > 0 and context.is_active() and not self._stopping.is_set():
            step = min(remaining, _WAKE_CHECK_SECONDS)
            if wake.wait(step):
                return
            remaining -= step

    def _refuse_if_stopping(self, cursor: int) -> None:
        if self._stopping.is_set():
            raise ServerStopping(
                "SERVER_STOPPING",
                "the hub is shutting down; resume from the last cursor received",
                {"cursor": str(cursor)},
            )

    def AcknowledgeBlocks(
        self, request: pb.AcknowledgeBlocksRequest, context: grpc.ServicerContext
    ) -> pb.AcknowledgeBlocksResponse:
        try:
            field_checks.check(request)
            block_ids = list(request.block_ids)
            if any(not block_id.strip() for block_id in block_ids):
                raise InvalidRequest(
                    "FIELD_REQUIRED", "every block id must be non-empty", {"field": "block_ids"}
                )
            outcomes = self._exchange.acknowledge(block_ids)
            return pb.AcknowledgeBlocksResponse(
                results=[ledger_conversion.acknowledge_result_to_proto(o) for o in outcomes]
            )
        except HubError as error:
            abort(context, error)

    def ReportRetirement(
        self, request: pb.ReportRetirementRequest, context: grpc.ServicerContext
    ) -> pb.ReportRetirementResponse:
        try:
            field_checks.check(request)
            retirement = ledger_conversion.retirement_request_from_proto(request)
            outcome = self._exchange.retire(retirement)
            response = ledger_conversion.retirement_outcome_to_proto(outcome)
            self._receipts.sign_block(response.retired_block)
            if response.HasField("remainder_block"):
                self._receipts.sign_block(response.remainder_block)
            return response
        except HubError as error:
            # The code only: a refusal's message may quote the beneficiary.
            log.info("ReportRetirement refused: %s", error.code)
            abort(context, error)

    def GetBlock(
        self, request: pb.GetBlockRequest, context: grpc.ServicerContext
    ) -> ledger_pb.Block:
        try:
            field_checks.check(request)
            if not request.block_id.strip():
                raise InvalidRequest(
                    "FIELD_REQUIRED", "block_id is required", {"field": "block_id"}
                )
            block = ledger_conversion.block_to_proto(self._exchange.block(request.block_id))
            return self._receipts.sign_block(block)
        except HubError as error:
            abort(context, error)

    def ListReconciliationRequests(
        self, request: ledger_pb.ListReconciliationRequestsRequest, context: grpc.ServicerContext
    ) -> ledger_pb.ListReconciliationRequestsResponse:
        try:
            field_checks.check(request)
            _no_partner(request.partner)
            requested = self._reconciliations.requested(EXCHANGE)
            return ledger_pb.ListReconciliationRequestsResponse(
                requests=[ledger_conversion.reconciliation_request_to_proto(r) for r in requested]
            )
        except HubError as error:
            abort(context, error)

    def SubmitReconciliation(
        self, request: ledger_pb.SubmitReconciliationRequest, context: grpc.ServicerContext
    ) -> ledger_pb.ReconciliationReport:
        try:
            field_checks.check(request)
            _no_partner(request.partner)
            stored = self._reconciliations.submit(
                EXCHANGE,
                request.reconciliation_id or None,
                ledger_conversion.totals_from_proto(request.totals),
                ledger_conversion.holdings_from_proto(request.holdings),
            )
            return ledger_conversion.reconciliation_report_to_proto(stored)
        except HubError as error:
            abort(context, error)


def _lowest_limit(*limits: int) -> int:
    """The tightest of several limits where 0 means none."""
    set_limits = [limit for limit in limits if limit > 0]
    return min(set_limits) if set_limits else 0


def _no_partner(partner: str) -> None:
    # The exchange always reconciles as EXCHANGE; a partner code here is a
    # client mixing up the two services, refused rather than silently ignored.
    if partner:
        raise InvalidRequest(
            "FIELD_NOT_ALLOWED",
            "the exchange reconciles as itself: leave partner empty",
            {"field": "partner"},
        )
