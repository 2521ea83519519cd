"""The gRPC guard: who calls, may they call this, and how much.

Every RPC of the hub passes ``Guard``, one server interceptor. Inside the
call, before the servicer runs, it

1. establishes the caller (``identify``: the client certificate, or the
   development identity of ``--insecure``);
2. checks the role against hub.grpc_api.access_policy (deny by default);
3. takes one request token of the caller's bucket;
4. for a streaming call, holds one of the caller's stream slots until the call
   ends, however it ends (completion, error, abort, client cancel).

A refusal aborts with a coded HubError through status_mapping.abort and the
servicer never runs. A streaming call whose certificate is revoked or
expires while it is open is withdrawn (hub.grpc_api.open_calls): ended with
UNAUTHENTICATED CERTIFICATE_REVOKED / CERTIFICATE_EXPIRED within a second,
and nothing the caller sends after the revocation reaches the servicer.

Whatever else escapes a servicer (unary or streaming, while it reads
requests or produces responses) is a fault of the hub: the guard logs its
trace under a new incident id and answers INTERNAL INTERNAL_FAULT with that
id only (hub.observability.incidents), so no client ever sees UNKNOWN or a trace.

While the servicer runs, ``caller()`` answers the identity and
``charge_claims`` draws on the caller's claims bucket. Each request-stream
message after the first takes a request token, may wait at most
``stream_idle_timeout`` and the stream may stay open at most
``stream_max_lifetime``: a partner flooding envelopes on one stream, or
holding a stream open and silent, is ended while the others are served.

Limits are keyed per caller (access_policy.limit_key). The global cap is not
here: ``grpc.server(..., maximum_concurrent_rpcs=settings.max_concurrent_rpcs)``
answers RESOURCE_EXHAUSTED beyond it, before any interceptor runs, and
``server_options`` gives the message sizes and keepalive.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import grpc

from hub.domain.identity import Identity, Role
from hub.errors import DeadlineExceeded, HubError, InvalidRequest, RateLimited, Unauthenticated
from hub.grpc_api.access_policy import POLICY, authorize, limit_key
from hub.grpc_api.admission import Clock, Limits, RateLimiter
from hub.grpc_api.call_telemetry import CallTelemetry, note_caller, note_claims, note_request
from hub.grpc_api.open_calls import Caller, GuardedContext, OpenCall, OpenCalls, Standing
from hub.grpc_api.status_mapping import abort
from hub.observability.incidents import report_fault
from hub.settings import HubSettings

log = logging.getLogger(__name__)

# Keepalive: the server pings every connection (also idle ones) and drops a
# peer that does not answer, so a vanished partner's streams and slots are
# freed in about a minute and a half rather than at the TCP timeout.
KEEPALIVE_TIME_MS = 60_000
KEEPALIVE_TIMEOUT_MS = 20_000
# Clients may keep their own keepalive down to this interval without being
# told GOAWAY (too_many_pings) for it.
MIN_CLIENT_PING_INTERVAL_MS = 10_000
# Connections with no call for this long are closed; clients reconnect on
# their next call without noticing.
MAX_CONNECTION_IDLE_MS = 5 * 60_000

# How often a request pump blocked on a full queue looks whether its call
# has ended (it otherwise wakes when the handler takes the message).
_PUMP_POLL_SECONDS = 0.25

Identify = Callable[[grpc.ServicerContext], Identity]
Behaviour = Callable[..., Any]


_CURRENT: contextvars.ContextVar[Caller | None] = contextvars.ContextVar(
    "hub_grpc_caller", default=None
)


def _current() -> Caller:
    current = _CURRENT.get()
    if current is None:
        # Fail closed: a servicer reached without the guard has no caller, and
        # as a HubError this becomes UNAUTHENTICATED rather than UNKNOWN.
        raise Unauthenticated("NO_CALLER", "the call did not pass the hub's guard")
    return current


def caller() -> Identity:
    """Who makes the current RPC (inside a servicer called through the Guard)."""
    return _current().identity


def charge_claims(count: int) -> None:
    """Take ``count`` claims from the current caller's claims bucket.

    Raises RateLimited RATE_LIMITED_CLAIMS (with the seconds to wait) when
    the caller is over its claims rate; nothing is taken then.
    """
    if count < 0:
        raise ValueError("count cannot be negative")
    if count == 0:
        return
    current = _current()
    note_claims(count)
    wait = current.claims.take(current.key, count)
    if wait is not None:
        raise RateLimited(
            "RATE_LIMITED_CLAIMS",
            f"{current.key} is over its claims rate; retry in {wait:.3f} s",
            {"claims": str(count), "caller": current.key},
            retry_after=wait,
        )


@contextmanager
def _acting_as(current: Caller) -> Iterator[None]:
    # Set and reset around each synchronous step, in the thread that runs it:
    # a value must never outlive the step on a pooled worker thread.
    token = _CURRENT.set(current)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def server_options(settings: HubSettings) -> list[tuple[str, Any]]:
    """Channel arguments for ``grpc.server(..., options=server_options(settings))``.

    The global cap on calls is ``grpc.server(...,
    maximum_concurrent_rpcs=settings.max_concurrent_rpcs)``.
    """
    return [
        ("grpc.max_receive_message_length", settings.max_message_bytes),
        ("grpc.max_send_message_length", settings.max_message_bytes),
        ("grpc.keepalive_time_ms", KEEPALIVE_TIME_MS),
        ("grpc.keepalive_timeout_ms", KEEPALIVE_TIMEOUT_MS),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", MIN_CLIENT_PING_INTERVAL_MS),
        ("grpc.http2.max_pings_without_data", 0),
        ("grpc.max_connection_idle_ms", MAX_CONNECTION_IDLE_MS),
    ]


class _GuardedRequests(Iterator[Any]):
    """The request stream as the servicer sees it.

    grpc's request iterator blocks without a timeout, so a daemon thread pumps
    it into a one-message queue (one message read ahead: flow control still
    holds back a fast client) and ``__next__`` waits on the queue with the idle
    timeout. The pump ends when grpc's iterator ends, which it does when the
    call ends (completed, aborted or cancelled), or when it finds the call
    over while waiting to hand a message on.

    Each message is checked against its caller's standing as the servicer
    takes it, and a withdrawal wakes a waiting ``__next__`` at once: the
    servicer gets the refusal rather than a message the caller sent after
    its certificate was revoked.
    """

    _MESSAGE, _END, _ERROR, _WITHDRAWN = range(4)

    def __init__(self, source: Iterable[Any], call: OpenCall, requests: RateLimiter) -> None:
        self._source = source
        self._call = call
        self._requests = requests
        self._queue: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=1)
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._first = True
        self._finished = False
        call.on_end(self._closed.set)
        call.on_withdraw(self._interrupt)

    def __iter__(self) -> _GuardedRequests:
        return self

    def __next__(self) -> Any:
        if self._finished:
            raise StopIteration
        self._raise_if_withdrawn()
        if self._thread is None:
            # Started on the first read: a handler that never reads costs no thread.
            self._thread = threading.Thread(
                target=self._pump, name=f"guard-requests {self._call.method}", daemon=True
            )
            self._thread.start()
        self._call.check_lifetime()
        idle = self._call.limits.stream_idle_timeout
        remaining = self._call.limits.stream_max_lifetime - self._call.elapsed()
        try:
            kind, item = self._next_item(max(0.0, min(idle, remaining)))
        except queue.Empty:
            self._raise_if_withdrawn()
            self._finished = True
            if self._closed.is_set():
                # The call ended under us (cancelled, or refused by grpc itself,
                # e.g. an oversized message): nothing is waiting for an answer.
                raise StopIteration from None
            if remaining <= idle:
                raise self._call.lifetime_exceeded() from None
            raise DeadlineExceeded(
                "STREAM_IDLE_TIMEOUT",
                f"no message for {idle:g} s on this stream",
                {"idle_timeout_seconds": f"{idle:g}"},
            ) from None
        if kind == self._WITHDRAWN:
            self._raise_if_withdrawn()
        if kind == self._END:
            self._finished = True
            raise StopIteration
        if kind == self._ERROR:
            self._finished = True
            raise item
        try:
            # Afresh, not as of the watcher's last round: a message taken
            # after crl.pem was replaced never reaches the servicer.
            self._call.check_standing()
        except HubError:
            self._finished = True
            raise
        if isinstance(item, _Undecodable):
            self._finished = True
            raise item.refusal(self._call.method)
        if self._first:
            # The first message rode on the call's own token.
            self._first = False
            note_request()
        else:
            wait = self._requests.take(self._call.current.key)
            if wait is not None:
                self._finished = True
                raise RateLimited(
                    "RATE_LIMITED",
                    f"{self._call.current.key} is over its request rate on {self._call.method}",
                    {"caller": self._call.current.key, "method": self._call.method},
                    retry_after=wait,
                )
            note_request()
        return item

    def _raise_if_withdrawn(self) -> None:
        if self._call.withdrawal is not None:
            self._finished = True
            raise self._call.withdrawal

    def _interrupt(self) -> None:
        """Wake a ``__next__`` waiting for a message (the call was withdrawn)."""
        # A full queue holds a message: the next __next__ checks the withdrawal first.
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait((self._WITHDRAWN, None))

    def _next_item(self, timeout: float) -> tuple[int, Any]:
        """The next pumped item; queue.Empty after ``timeout`` or once the call
        ended or was withdrawn, so a handler thread never outlives its call by
        a whole idle period."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                return self._queue.get(timeout=max(0.0, min(left, _PUMP_POLL_SECONDS)))
            except queue.Empty:
                if left <= 0 or self._closed.is_set() or self._call.withdrawal is not None:
                    raise

    def _pump(self) -> None:
        try:
            for message in self._source:
                if not self._hand_on((self._MESSAGE, message)):
                    return
            self._hand_on((self._END, None))
        except Exception as error:
            # grpc raises on client cancel; the servicer sees it as it would
            # without the guard.
            self._hand_on((self._ERROR, error))

    def _hand_on(self, item: tuple[int, Any]) -> bool:
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=_PUMP_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False


class Guard(grpc.ServerInterceptor):  # type: ignore[misc]
    """Authenticates, authorizes and limits every RPC; see the module docstring.

    ``standing`` tells whether a caller still stands (its certificate neither
    revoked nor expired); with it, open streams are withdrawn when it no
    longer does. Without it (``--insecure``) identities never lapse.
    """

    def __init__(
        self,
        identify: Identify,
        limits: Limits,
        *,
        standing: Standing | None = None,
        policy: Mapping[str, frozenset[Role]] = POLICY,
        clock: Clock = time.monotonic,
        telemetry: CallTelemetry | None = None,
    ) -> None:
        self._identify = identify
        # One log line and the metrics of each call (hub.grpc_api.call_telemetry).
        self._telemetry = telemetry if telemetry is not None else CallTelemetry()
        self._limits = limits
        self._standing = standing
        self._policy = policy
        self._clock = clock
        self.open_calls = OpenCalls()

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = continuation(handler_call_details)
        if handler is None:
            # No such method: grpc answers UNIMPLEMENTED, and there is no
            # servicer work to protect.
            return None
        method: str = handler_call_details.method
        codecs = {
            "request_deserializer": _tolerant(handler.request_deserializer),
            "response_serializer": handler.response_serializer,
        }
        observe = self._telemetry.observe
        if handler.request_streaming and handler.response_streaming:
            return grpc.stream_stream_rpc_method_handler(
                observe(
                    method,
                    self._stream_stream(method, handler.stream_stream),
                    streams_responses=True,
                ),
                **codecs,
            )
        if handler.request_streaming:
            return grpc.stream_unary_rpc_method_handler(
                observe(
                    method,
                    self._stream_unary(method, handler.stream_unary),
                    streams_responses=False,
                ),
                **codecs,
            )
        if handler.response_streaming:
            # A non-blocking behaviour (grpc_health's Watch) loses its
            # experimental_non_blocking mark here and falls back to its
            # blocking generator, which the guard can bound like any other.
            return grpc.unary_stream_rpc_method_handler(
                observe(
                    method, self._unary_stream(method, handler.unary_stream), streams_responses=True
                ),
                **codecs,
            )
        return grpc.unary_unary_rpc_method_handler(
            observe(
                method, self._unary_unary(method, handler.unary_unary), streams_responses=False
            ),
            **codecs,
        )

    def _admit(self, method: str, context: grpc.ServicerContext, *, streaming: bool) -> OpenCall:
        # A refusal here is the call's rpc log line (with the peer when the
        # caller is unknown), written by hub.grpc_api.call_telemetry.
        identity = self._identify(context)
        note_caller(limit_key(identity))
        authorize(identity, method, self._policy)
        key = limit_key(identity)
        wait = self._limits.requests.take(key)
        if wait is not None:
            raise RateLimited(
                "RATE_LIMITED",
                f"{key} is over its request rate; retry in {wait:.3f} s",
                {"caller": key, "method": method},
                retry_after=wait,
            )
        current = Caller(identity, key, self._limits.claims)
        if not streaming:
            # A unary call is over in the time a revocation takes to act:
            # its certificate was checked as it started.
            return OpenCall(current, method, self._limits, self._clock, slot=False)
        if not self._limits.streams.acquire(key):
            raise self._limits.streams.refusal(key)
        self._telemetry.stream_opened(key)
        call = OpenCall(
            current, method, self._limits, self._clock, slot=True, standing=self._standing
        )
        # The termination callback frees the slot even when the handler is
        # stuck and never resumes (a client that vanished mid-stream); False
        # means the call is already over.
        if not context.add_callback(call.end):
            call.end()
        elif self._standing is not None:
            self.open_calls.watch(call)
        return call

    def _unary_unary(self, method: str, behaviour: Behaviour) -> Behaviour:
        def guarded(request: Any, context: grpc.ServicerContext) -> Any:
            guarded_context: GuardedContext | None = None
            try:
                call = self._admit(method, context, streaming=False)
                guarded_context = GuardedContext(context, call)
                if isinstance(request, _Undecodable):
                    raise request.refusal(method)
                with _acting_as(call.current):
                    return behaviour(request, guarded_context)
            except HubError as error:
                abort(context, error)
            except Exception as fault:
                _fault(context, guarded_context, method, fault)

        return guarded

    def _stream_unary(self, method: str, behaviour: Behaviour) -> Behaviour:
        def guarded(request_iterator: Iterable[Any], context: grpc.ServicerContext) -> Any:
            guarded_context: GuardedContext | None = None
            try:
                call = self._admit(method, context, streaming=True)
                try:
                    guarded_context = GuardedContext(context, call)
                    requests = _GuardedRequests(request_iterator, call, self._limits.requests)
                    with _acting_as(call.current):
                        response = behaviour(requests, guarded_context)
                    # A servicer that swallowed the withdrawal still answers with it.
                    call.raise_if_withdrawn()
                    return response
                finally:
                    call.end()
            except HubError as error:
                abort(context, error)
            except Exception as fault:
                _fault(context, guarded_context, method, fault)

        return guarded

    def _unary_stream(self, method: str, behaviour: Behaviour) -> Behaviour:
        def guarded(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            try:
                call = self._admit(method, context, streaming=True)
                if isinstance(request, _Undecodable):
                    call.end()
                    raise request.refusal(method)
            except HubError as error:
                abort(context, error)
            except Exception as fault:
                _fault(context, None, method, fault)
            guarded_context = GuardedContext(context, call)
            return _responses(call, guarded_context, lambda: behaviour(request, guarded_context))

        return guarded

    def _stream_stream(self, method: str, behaviour: Behaviour) -> Behaviour:
        def guarded(
            request_iterator: Iterable[Any], context: grpc.ServicerContext
        ) -> Iterator[Any]:
            try:
                call = self._admit(method, context, streaming=True)
            except HubError as error:
                abort(context, error)
            except Exception as fault:
                _fault(context, None, method, fault)
            guarded_context = GuardedContext(context, call)
            requests = _GuardedRequests(request_iterator, call, self._limits.requests)
            return _responses(call, guarded_context, lambda: behaviour(requests, guarded_context))

        return guarded


def _responses(
    call: OpenCall, context: GuardedContext, start: Callable[[], Iterable[Any]]
) -> Iterator[Any]:
    """The servicer's responses, each produced as the caller, the stream's
    lifetime and the caller's standing checked at each one, the slot
    released however it ends."""
    responses: Iterator[Any] | None = None
    try:
        with _acting_as(call.current):
            responses = iter(start())
        while True:
            with _acting_as(call.current):
                response = next(responses, _END_OF_RESPONSES)
            if response is _END_OF_RESPONSES:
                # A servicer that stopped because the call was withdrawn (it
                # looked cancelled) ends with the withdrawal, not with OK.
                call.raise_if_withdrawn()
                return
            call.check_lifetime()
            call.check_standing()
            yield response
    except HubError as error:
        abort(context, error)
    except Exception as fault:
        _fault(context, context, call.method, fault)
    finally:
        try:
            close = getattr(responses, "close", None)
            if close is not None:
                # Runs the servicer's own cleanup now, not at garbage collection.
                with _acting_as(call.current):
                    close()
        finally:
            call.end()


def _fault(
    context: grpc.ServicerContext,
    guarded: GuardedContext | None,
    method: str,
    fault: Exception,
) -> NoReturn:
    """End the call on something that escaped the servicer and is no HubError."""
    if guarded is not None and guarded.aborted:
        # grpc's abort raises a bare Exception: the servicer ended the call
        # with its own status, which must pass through untouched.
        raise fault
    if isinstance(fault, grpc.RpcError) and not context.is_active():
        # grpc's request iterator raising on the client's cancel: the call
        # is over and nobody hears an answer.
        raise fault
    abort(context, report_fault(log, method, fault))


_END_OF_RESPONSES: Any = object()


@dataclass(frozen=True)
class _Undecodable:
    """Request bytes that are not the method's message. grpc would answer a
    deserializer's exception with an uncoded INTERNAL; the guard lets the
    call through as far as admission (so a stranger learns nothing) and then
    refuses it with a code."""

    problem: str

    def refusal(self, method: str) -> InvalidRequest:
        return InvalidRequest(
            "MESSAGE_UNDECODABLE",
            f"the request is not a valid message for {method}: {self.problem}",
            {"method": method},
        )


def _tolerant(deserializer: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserializer is None:
        return None
    decode = deserializer

    def tolerant(data: bytes) -> Any:
        try:
            return decode(data)
        except Exception as problem:  # protobuf's DecodeError, or a UnicodeDecodeError
            return _Undecodable(str(problem) or type(problem).__name__)

    return tolerant
