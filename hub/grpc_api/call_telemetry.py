"""One log line and the metrics of every gRPC call, recorded by the guard.

hub.grpc_api.guard wraps each servicer behaviour with ``CallTelemetry.observe``.
As the call runs, the guard notes who called (``note_caller``), the claims
it charged and the envelopes the servicer took; the wrapper reads each
response the servicer yields (verdicts by decision and check code, the
outcome of a reconciliation, a retirement). When the call ends, in the
handler's own thread, one ``rpc`` line is logged: caller, method, status,
reason code, duration, claims in and decided. No field of a request or
response is logged beyond codes and counts: a record id or pseudonym
never reaches the log.

Per envelope the cost is two clock reads, a histogram observation and one
pass over the verdicts' decisions; the line and the counters are per call.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import grpc
from google.rpc import error_details_pb2, status_pb2

from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2, ledger_pb2, partner_pb2
from hub.observability.logs import event_fields
from hub.observability.metrics import HubMetrics

log = logging.getLogger("hub.rpc")

Behaviour = Callable[[Any, grpc.ServicerContext], Any]
_STATUS_DETAILS = "grpc-status-details-bin"


class CallRecord:
    """What one call did, so far."""

    __slots__ = (
        "caller",
        "checks",
        "claims_in",
        "decided",
        "envelope_started",
        "envelopes",
        "method",
        "outcome",
        "started",
        "stream_open",
    )

    def __init__(self, method: str) -> None:
        self.method = method
        self.started = time.monotonic()
        self.caller = "-"
        self.claims_in = 0
        self.decided: Counter[int] = Counter()  # by partner_pb2.Decision number
        self.checks: Counter[str] = Counter()
        self.envelopes = 0
        self.envelope_started: float | None = None
        self.stream_open = False
        self.outcome: str | None = None


_RECORD: contextvars.ContextVar[CallRecord | None] = contextvars.ContextVar(
    "hub_grpc_call_record", default=None
)


def note_caller(key: str) -> None:
    """The caller of the current call is established (its limit key)."""
    record = _RECORD.get()
    if record is not None:
        record.caller = key


def note_claims(count: int) -> None:
    """The current call charged ``count`` claims (an envelope's claims)."""
    record = _RECORD.get()
    if record is not None:
        record.claims_in += count


def note_request() -> None:
    """The servicer took a request message: an envelope's clock starts."""
    record = _RECORD.get()
    if record is not None:
        record.envelope_started = time.monotonic()


class CallTelemetry:
    """Records calls into ``metrics`` (none: log lines only) and the ``hub.rpc`` log."""

    def __init__(self, metrics: HubMetrics | None = None) -> None:
        self._metrics = metrics

    def stream_opened(self, caller: str) -> None:
        record = _RECORD.get()
        if record is not None:
            record.stream_open = True
            if self._metrics is not None:
                self._metrics.open_streams.labels(caller).inc()

    def observe(self, method: str, behaviour: Behaviour, *, streams_responses: bool) -> Behaviour:
        """``behaviour`` with its call recorded; a response stream is recorded as it ends."""
        if streams_responses:

            def observed_stream(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
                record = CallRecord(method)
                token = _RECORD.set(record)
                try:
                    responses = behaviour(request, context)
                except BaseException:
                    self._end(record, context)
                    raise
                finally:
                    _RECORD.reset(token)
                return self._responses(record, context, responses)

            return observed_stream

        def observed(request: Any, context: grpc.ServicerContext) -> Any:
            record = CallRecord(method)
            token = _RECORD.set(record)
            try:
                response = behaviour(request, context)
                self._responded(record, response)
                return response
            finally:
                _RECORD.reset(token)
                self._end(record, context)

        return observed

    def _responses(
        self, record: CallRecord, context: grpc.ServicerContext, responses: Iterator[Any]
    ) -> Iterator[Any]:
        try:
            while True:
                token = _RECORD.set(record)
                try:
                    response = next(responses, _END)
                finally:
                    _RECORD.reset(token)
                if response is _END:
                    return
                self._responded(record, response)
                yield response
        finally:
            close = getattr(responses, "close", None)
            if close is not None:
                close()
            self._end(record, context)

    def _responded(self, record: CallRecord, response: Any) -> None:
        if isinstance(response, partner_pb2.VerdictBatch):
            record.envelopes += 1
            # Counted by enum number, named once at the call's end: this loop
            # runs for every claim (about 1.5 us each).
            decided, fired = record.decided, record.checks
            for verdict in response.verdicts:
                decided[verdict.decision] += 1
                checks = verdict.checks
                if checks:
                    for check in checks:
                        fired[check.code] += 1
            if record.envelope_started is not None and self._metrics is not None:
                self._metrics.envelope_seconds.observe(time.monotonic() - record.envelope_started)
            record.envelope_started = None
        elif isinstance(response, ledger_pb2.ReconciliationReport):
            record.outcome = ledger_pb2.ReconciliationStatus.Name(response.status)
        elif isinstance(response, exchange_pb2.ReportRetirementResponse):
            record.outcome = "RETIRED"

    def _end(self, record: CallRecord, context: grpc.ServicerContext) -> None:
        seconds = time.monotonic() - record.started
        code, reason = _status_of(context)
        name = record.method.rsplit("/", 1)[-1]
        fields: dict[str, Any] = {
            "method": name,
            "caller": record.caller,
            "code": code,
            "reason": reason,
            "duration_ms": round(seconds * 1000, 1),
        }
        if record.caller == "-":
            # Refused before its certificate named it: where it came from.
            fields["peer"] = context.peer()
        decided = {
            _DECISIONS.get(number, "UNSPECIFIED"): count
            for number, count in sorted(record.decided.items())
        }
        if record.claims_in or decided:
            fields["claims_in"] = record.claims_in
            fields["claims_decided"] = decided
            fields["envelopes"] = record.envelopes
        if record.outcome is not None:
            fields["outcome"] = record.outcome
        if code in _FAULTS:
            level = logging.WARNING
        elif code == "OK" and record.method.startswith(_HEALTH):
            # Load balancers' health checks: counted, logged at debug.
            level = logging.DEBUG
        else:
            level = logging.INFO
        log.log(level, "%s %s", name, code, extra=event_fields("rpc", **fields))
        metrics = self._metrics
        if metrics is None:
            return
        metrics.rpcs.labels(name, code).inc()
        metrics.rpc_seconds.labels(name).observe(seconds)
        if reason:
            metrics.refusals.labels("grpc", reason).inc()
        for decision, count in decided.items():
            metrics.claims.labels(decision).inc(count)
        for check, count in record.checks.items():
            metrics.checks.labels(check).inc(count)
        if record.stream_open:
            metrics.open_streams.labels(record.caller).dec()
        if code == "OK" and record.outcome is not None:
            if record.outcome == "RETIRED":
                metrics.retirements.inc()
            else:
                metrics.reconciliations.labels(
                    record.outcome.removeprefix("RECONCILIATION_STATUS_")
                ).inc()


_END: Any = object()
_DECISIONS = {
    value.number: value.name.removeprefix("DECISION_")
    for value in partner_pb2.Decision.DESCRIPTOR.values
}
_FAULTS = frozenset({"INTERNAL", "UNKNOWN", "DATA_LOSS"})
_HEALTH = "/grpc.health.v1.Health/"


def _status_of(context: grpc.ServicerContext) -> tuple[str, str]:
    """The call's status name and the reason code of its refusal ("" when none)."""
    code = context.code()
    if code is None:
        # Not aborted: OK, unless the client went away before the answer.
        return ("OK" if context.is_active() else "CANCELLED"), ""
    if code is grpc.StatusCode.OK:
        return "OK", ""
    return code.name, _reason(context)


def _reason(context: grpc.ServicerContext) -> str:
    for key, value in context.trailing_metadata() or ():
        if key != _STATUS_DETAILS:
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            info = error_details_pb2.ErrorInfo()
            if detail.Unpack(info):
                return str(info.reason)
    return ""
