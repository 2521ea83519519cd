"""The guard on a real gRPC server on loopback, with handlers of all four kinds.

Callers are simulated by a test header (``x-test-caller: partner:CN-GD``)
that the test's identify function reads instead of a client certificate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from carbonhub_contract.error_details import error_info
from hub.domain.identity import Identity, Role
from hub.errors import HubError, NotFound, Unauthenticated
from hub.grpc_api.admission import Limits, RateLimiter, StreamSlots
from hub.grpc_api.guard import Guard, caller, charge_claims
from hub.grpc_api.status_mapping import abort

SERVICE = "test.v1.Guarded"
CALLERS = frozenset({Role.PARTNER, Role.EXCHANGE})
TEST_POLICY = {
    f"/{SERVICE}/{name}": CALLERS
    for name in ("Unary", "Charge", "ServerStream", "Stuck", "ClientStream", "Bidi")
} | {f"/{SERVICE}/BureauOnly": frozenset({Role.BUREAU})}
# NotInPolicy is served but has no entry: it must be refused.

GD = (("x-test-caller", "partner:CN-GD"),)
HK = (("x-test-caller", "partner:CN-HK"),)
SZEX = (("x-test-caller", "exchange:szex"),)
OFFICER = (("x-test-caller", "bureau:officer-li"),)
TIMEOUT = 5.0


def identify(context: grpc.ServicerContext) -> Identity:
    value = dict(context.invocation_metadata()).get("x-test-caller")
    if not value:
        raise Unauthenticated("NO_CLIENT_CERTIFICATE", "no client certificate")
    role, _, name = value.partition(":")
    if role == "partner":
        return Identity(Role.PARTNER, subject=f"{name}-adapter", partner=name)
    return Identity(Role(role), subject=name)


def whoami() -> bytes:
    identity = caller()
    return f"{identity.role.value}:{identity.subject}".encode()


@dataclass
class Handlers:
    """The fake service; records which handlers ran and what they saw."""

    ran: list[str] = field(default_factory=list)
    messages_seen: list[int] = field(default_factory=list)
    unstick: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _ran(self, name: str) -> None:
        with self.lock:
            self.ran.append(name)

    def unary(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        self._ran("Unary")
        if request == b"not-found":
            raise NotFound("THING_NOT_FOUND", "no such thing", {"thing": "x"})
        return whoami()

    def charge(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        self._ran("Charge")
        try:
            charge_claims(int(request))
        except HubError as error:
            abort(context, error)
        return b"charged"

    def server_stream(self, request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
        # b"count,delay"; count 0 streams until the client goes away.
        self._ran("ServerStream")
        count_text, _, delay_text = request.decode().partition(",")
        count, delay = int(count_text), float(delay_text or 0)
        sent = 0
        while context.is_active() and (count == 0 or sent < count):
            yield whoami()
            sent += 1
            time.sleep(delay)

    def stuck(self, request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
        # Never looks at its context: only the guard's termination callback
        # can free its slot when the client leaves.
        self._ran("Stuck")
        yield b"started"
        self.unstick.wait(10)

    def client_stream(self, requests: Iterator[bytes], context: grpc.ServicerContext) -> bytes:
        # Like the hub's servicers: catch HubError around the loop and abort.
        self._ran("ClientStream")
        seen = 0
        try:
            for _ in requests:
                seen += 1
        except HubError as error:
            abort(context, error)
        finally:
            with self.lock:
                self.messages_seen.append(seen)
        return f"{seen}:".encode() + whoami()

    def bidi(self, requests: Iterator[bytes], context: grpc.ServicerContext) -> Iterator[bytes]:
        # Lets HubError escape: the guard must turn it into a status.
        self._ran("Bidi")
        for request in requests:
            yield request + b"|" + whoami()

    def bureau_only(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        self._ran("BureauOnly")
        return b"ok"

    def not_in_policy(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        self._ran("NotInPolicy")
        return b"ok"

    def generic(self) -> grpc.GenericRpcHandler:
        return grpc.method_handlers_generic_handler(
            SERVICE,
            {
                "Unary": grpc.unary_unary_rpc_method_handler(self.unary),
                "Charge": grpc.unary_unary_rpc_method_handler(self.charge),
                "ServerStream": grpc.unary_stream_rpc_method_handler(self.server_stream),
                "Stuck": grpc.unary_stream_rpc_method_handler(self.stuck),
                "ClientStream": grpc.stream_unary_rpc_method_handler(self.client_stream),
                "Bidi": grpc.stream_stream_rpc_method_handler(self.bidi),
                "BureauOnly": grpc.unary_unary_rpc_method_handler(self.bureau_only),
                "NotInPolicy": grpc.unary_unary_rpc_method_handler(self.not_in_policy),
            },
        )


def limits(
    *,
    rate: float = 1000,
    burst: int = 1000,
    claims_rate: float = 1000,
    claims_burst: int = 1000,
    streams: int = 4,
    idle: float = 5.0,
    lifetime: float = 60.0,
) -> Limits:
    return Limits(
        requests=RateLimiter(rate, burst),
        claims=RateLimiter(claims_rate, claims_burst),
        streams=StreamSlots(streams),
        stream_idle_timeout=idle,
        stream_max_lifetime=lifetime,
    )


@dataclass
class Served:
    handlers: Handlers
    channel: grpc.Channel
    limits: Limits

    def unary(self, name: str = "Unary") -> grpc.UnaryUnaryMultiCallable:
        return self.channel.unary_unary(f"/{SERVICE}/{name}")

    def server_stream(self, name: str = "ServerStream") -> grpc.UnaryStreamMultiCallable:
        return self.channel.unary_stream(f"/{SERVICE}/{name}")

    def client_stream(self) -> grpc.StreamUnaryMultiCallable:
        return self.channel.stream_unary(f"/{SERVICE}/ClientStream")

    def bidi(self) -> grpc.StreamStreamMultiCallable:
        return self.channel.stream_stream(f"/{SERVICE}/Bidi")


@pytest.fixture
def serve() -> Iterator[Callable[[Limits], Served]]:
    started: list[tuple[grpc.Server, grpc.Channel, Handlers]] = []

    def start(given: Limits) -> Served:
        handlers = Handlers()
        server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=32),
            interceptors=[Guard(identify, given, policy=TEST_POLICY)],
        )
        server.add_generic_rpc_handlers((handlers.generic(),))
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        started.append((server, channel, handlers))
        return Served(handlers, channel, given)

    yield start
    for server, channel, handlers in started:
        handlers.unstick.set()
        channel.close()
        server.stop(None).wait()


def _refusal(error: grpc.RpcError) -> tuple[grpc.StatusCode, str]:
    info = error_info(error)
    assert info is not None, error
    return error.code(), info.reason


def _retry_delay(error: grpc.RpcError) -> float | None:
    status = rpc_status.from_call(error)
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            return float(retry.retry_delay.ToMilliseconds()) / 1000
    return None


def _eventually(condition: Callable[[], bool], within: float = 3.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _silent_after(first: list[bytes], stop: threading.Event) -> Iterator[bytes]:
    """Sends ``first``, then nothing until ``stop`` (bounded, so no client thread hangs)."""
    yield from first
    stop.wait(5)


def _pump_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("guard-requests")]


# --- who calls ---------------------------------------------------------------


def test_caller_inside_handlers_of_all_four_kinds(serve: Callable[[Limits], Served]) -> None:
    served = serve(limits())
    assert served.unary()(b"", metadata=GD, timeout=TIMEOUT) == b"partner:CN-GD-adapter"
    responses = list(served.server_stream()(b"3,0", metadata=SZEX, timeout=TIMEOUT))
    assert responses == [b"exchange:szex"] * 3
    reply = served.client_stream()(iter([b"a", b"b"]), metadata=HK, timeout=TIMEOUT)
    assert reply == b"2:partner:CN-HK-adapter"
    echoed = list(served.bidi()(iter([b"x", b"y"]), metadata=GD, timeout=TIMEOUT))
    assert echoed == [b"x|partner:CN-GD-adapter", b"y|partner:CN-GD-adapter"]


def test_outside_a_guarded_call_there_is_no_caller() -> None:
    with pytest.raises(Unauthenticated) as refused:
        caller()
    assert refused.value.code == "NO_CALLER"
    with pytest.raises(Unauthenticated):
        charge_claims(1)


def test_unidentified_caller_is_refused_before_the_handler(
    serve: Callable[[Limits], Served],
) -> None:
    served = serve(limits())
    with pytest.raises(grpc.RpcError) as refused:
        served.unary()(b"", timeout=TIMEOUT)
    assert _refusal(refused.value) == (grpc.StatusCode.UNAUTHENTICATED, "NO_CLIENT_CERTIFICATE")
    with pytest.raises(grpc.RpcError) as refused:
        list(served.bidi()(iter([b"x"]), timeout=TIMEOUT))
    assert _refusal(refused.value) == (grpc.StatusCode.UNAUTHENTICATED, "NO_CLIENT_CERTIFICATE")
    assert served.handlers.ran == []


# --- the role policy ---------------------------------------------------------


def test_denied_role_never_reaches_the_handler(serve: Callable[[Limits], Served]) -> None:
    served = serve(limits(streams=1))
    with pytest.raises(grpc.RpcError) as refused:
        served.unary("BureauOnly")(b"", metadata=SZEX, timeout=TIMEOUT)
    assert _refusal(refused.value) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
    info = error_info(refused.value)
    assert info is not None
    assert dict(info.metadata) == {"role": "exchange", "method": f"/{SERVICE}/BureauOnly"}
    calls: list[Callable[[], object]] = [
        lambda: served.unary()(b"", metadata=OFFICER, timeout=TIMEOUT),
        lambda: list(served.server_stream()(b"1,0", metadata=OFFICER, timeout=TIMEOUT)),
        lambda: served.client_stream()(iter([b"a"]), metadata=OFFICER, timeout=TIMEOUT),
        lambda: list(served.bidi()(iter([b"a"]), metadata=OFFICER, timeout=TIMEOUT)),
    ]
    for call in calls:
        with pytest.raises(grpc.RpcError) as refused:
            call()
        assert _refusal(refused.value) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
    assert served.handlers.ran == []
    # A refused stream held no slot (the limit is one).
    assert served.limits.streams.open("bureau:officer-li") == 0
    assert served.unary("BureauOnly")(b"", metadata=OFFICER, timeout=TIMEOUT) == b"ok"


def test_a_method_not_in_the_policy_is_refused(serve: Callable[[Limits], Served]) -> None:
    served = serve(limits())
    with pytest.raises(grpc.RpcError) as refused:
        served.unary("NotInPolicy")(b"", metadata=GD, timeout=TIMEOUT)
    assert _refusal(refused.value) == (grpc.StatusCode.PERMISSION_DENIED, "METHOD_NOT_IN_POLICY")
    assert served.handlers.ran == []


def test_a_hub_error_escaping_the_handler_becomes_its_status(
    serve: Callable[[Limits], Served],
) -> None:
    served = serve(limits())
    with pytest.raises(grpc.RpcError) as refused:
        served.unary()(b"not-found", metadata=GD, timeout=TIMEOUT)
    assert _refusal(refused.value) == (grpc.StatusCode.NOT_FOUND, "THING_NOT_FOUND")


# --- rates -------------------------------------------------------------------


def test_over_the_rate_is_refused_with_a_retry_hint(serve: Callable[[Limits], Served]) -> None:
    served = serve(limits(rate=0.5, burst=3))
    for _ in range(3):
        served.unary()(b"", metadata=GD, timeout=TIMEOUT)
    with pytest.raises(grpc.RpcError) as refused:
        served.unary()(b"", metadata=GD, timeout=TIMEOUT)
    assert _refusal(refused.value) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED")
    delay = _retry_delay(refused.value)
    assert delay is not None
    assert 0 < delay <= 2.0
    with pytest.raises(grpc.RpcError) as refused:
        list(served.server_stream()(b"1,0", metadata=GD, timeout=TIMEOUT))
    assert _refusal(refused.value) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED")
    assert served.handlers.ran == ["Unary"] * 3
    # Another caller has its own bucket.
    assert served.unary()(b"", metadata=HK, timeout=TIMEOUT) == b"partner:CN-HK-adapter"


def test_a_flood_from_one_caller_does_not_starve_another(
    serve: Callable[[Limits], Served],
) -> None:
    rate, burst = 50.0, 20
    served = serve(limits(rate=rate, burst=burst))
    stop = threading.Event()
    outcomes: dict[str, int] = {"granted": 0, "refused": 0, "other": 0}
    lock = threading.Lock()

    def flood() -> None:
        call = served.unary()
        while not stop.is_set():
            try:
                call(b"", metadata=GD, timeout=TIMEOUT)
                outcome = "granted"
            except grpc.RpcError as error:
                refused = error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
                outcome = "refused" if refused else "other"
            with lock:
                outcomes[outcome] += 1

    flooders = [threading.Thread(target=flood) for _ in range(6)]
    started = time.monotonic()
    for thread in flooders:
        thread.start()
    try:
        assert _eventually(lambda: outcomes["refused"] > 0), "the flood was never refused"
        # Hong Kong keeps its ordinary pace throughout the flood.
        for _ in range(20):
            reply = served.unary()(b"", metadata=HK, timeout=TIMEOUT)
            assert reply == b"partner:CN-HK-adapter"
            time.sleep(0.025)
    finally:
        stop.set()
        for thread in flooders:
            thread.join(10)
    elapsed = time.monotonic() - started
    assert outcomes["other"] == 0
    assert outcomes["refused"] > outcomes["granted"]
    # The flood got no more than its own bucket allows.
    assert outcomes["granted"] <= burst + rate * elapsed + 5


def test_every_message_of_a_request_stream_takes_a_token(
    serve: Callable[[Limits], Served],
) -> None:
    served = serve(limits(rate=0.5, burst=5))
    # A servicer that catches HubError (ClientStream) and one that lets it escape (Bidi).
    with pytest.raises(grpc.RpcError) as refused:
        served.client_stream()(iter([b"e"] * 50), metadata=GD, timeout=TIMEOUT)
    assert _refusal(refused.value) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED")
    assert _retry_delay(refused.value) is not None
    # The call took one token and its first message rode on it; four more
    # messages took the rest of the burst.
    assert served.handlers.messages_seen == [5]
    with pytest.raises(grpc.RpcError) as refused:
        list(served.bidi()(iter([b"e"] * 50), metadata=HK, timeout=TIMEOUT))
    assert _refusal(refused.value) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED")


def test_claims_charging(serve: Callable[[Limits], Served]) -> None:
    served = serve(limits(claims_rate=1, claims_burst=10))
    assert served.unary("Charge")(b"6", metadata=GD, timeout=TIMEOUT) == b"charged"
    with pytest.raises(grpc.RpcError) as refused:
        served.unary("Charge")(b"6", metadata=GD, timeout=TIMEOUT)
    assert _refusal(refused.value) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED_CLAIMS")
    delay = _retry_delay(refused.value)
    assert delay is not None
    assert 1.0 < delay <= 2.0  # two claims short at one a second
    assert served.unary("Charge")(b"4", metadata=GD, timeout=TIMEOUT) == b"charged"
    assert served.unary("Charge")(b"6", metadata=HK, timeout=TIMEOUT) == b"charged"


# --- streams -----------------------------------------------------------------


def test_too_many_open_streams(serve: Callable[[Limits], Served]) -> None:
    served = serve(limits(streams=2))
    open_calls = []
    for _ in range(2):
        call = served.server_stream()(b"0,0.02", metadata=GD, timeout=TIMEOUT)
        assert next(call) == b"partner:CN-GD-adapter"
        open_calls.append(call)
    try:
        for attempt in (
            lambda: next(served.server_stream()(b"1,0", metadata=GD, timeout=TIMEOUT)),
            lambda: served.client_stream()(iter([b"a"]), metadata=GD, timeout=TIMEOUT),
            lambda: list(served.bidi()(iter([b"a"]), metadata=GD, timeout=TIMEOUT)),
        ):
            with pytest.raises(grpc.RpcError) as refused:
                attempt()
            assert _refusal(refused.value) == (
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                "TOO_MANY_STREAMS",
            )
        assert served.handlers.ran.count("ServerStream") == 2
        # Another caller's slots are its own; unary calls need none.
        assert list(served.server_stream()(b"1,0", metadata=HK, timeout=TIMEOUT))
        assert served.unary()(b"", metadata=GD, timeout=TIMEOUT)
        # The client cancels one: its slot comes back.
        open_calls[0].cancel()
        assert _eventually(lambda: served.limits.streams.open("CN-GD") == 1)
        assert (
            list(served.server_stream()(b"2,0", metadata=GD, timeout=TIMEOUT))
            == [b"partner:CN-GD-adapter"] * 2
        )
    finally:
        for call in open_calls:
            call.cancel()
    assert _eventually(lambda: served.limits.streams.open("CN-GD") == 0)


def test_a_slot_is_released_when_a_stream_ends_in_any_way(
    serve: Callable[[Limits], Served],
) -> None:
    # 15 tokens: 12 for the completed calls below (one per call and per
    # further message), 3 for the stream refused midway.
    served = serve(limits(streams=1, rate=0.5, burst=15))
    for _ in range(3):  # completion, three times on one slot
        assert len(list(served.server_stream()(b"2,0", metadata=GD, timeout=TIMEOUT))) == 2
        assert served.client_stream()(iter([b"a"]), metadata=GD, timeout=TIMEOUT)
        assert len(list(served.bidi()(iter([b"a", b"b"]), metadata=GD, timeout=TIMEOUT))) == 2
    assert served.limits.streams.open("CN-GD") == 0
    # Ended by an error (a rate refusal of its messages) and by the client's deadline.
    with pytest.raises(grpc.RpcError) as refused:
        served.client_stream()(iter([b"e"] * 10), metadata=GD, timeout=TIMEOUT)
    assert _refusal(refused.value)[1] == "RATE_LIMITED"
    assert served.handlers.messages_seen[-1] == 3
    assert _eventually(lambda: served.limits.streams.open("CN-GD") == 0)
    with pytest.raises(grpc.RpcError) as expired:
        list(served.server_stream()(b"0,0.02", metadata=HK, timeout=0.3))
    assert expired.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    assert _eventually(lambda: served.limits.streams.open("CN-HK") == 0)


def test_a_cancelled_stream_frees_its_slot_even_while_its_handler_is_stuck(
    serve: Callable[[Limits], Served],
) -> None:
    served = serve(limits(streams=1))
    stuck = served.server_stream("Stuck")(b"", metadata=GD, timeout=TIMEOUT)
    assert next(stuck) == b"started"
    with pytest.raises(grpc.RpcError) as refused:
        next(served.server_stream()(b"1,0", metadata=GD, timeout=TIMEOUT))
    assert _refusal(refused.value)[1] == "TOO_MANY_STREAMS"
    stuck.cancel()
    assert _eventually(lambda: served.limits.streams.open("CN-GD") == 0)
    assert not served.handlers.unstick.is_set()  # the handler is still stuck
    assert list(served.server_stream()(b"1,0", metadata=GD, timeout=TIMEOUT))
    served.handlers.unstick.set()


def test_an_idle_request_stream_ends(serve: Callable[[Limits], Served]) -> None:
    served = serve(limits(idle=0.2))
    silence = threading.Event()
    try:
        started = time.monotonic()
        with pytest.raises(grpc.RpcError) as idle:
            served.client_stream()(_silent_after([b"a"], silence), metadata=GD, timeout=TIMEOUT)
        assert _refusal(idle.value) == (grpc.StatusCode.DEADLINE_EXCEEDED, "STREAM_IDLE_TIMEOUT")
        assert time.monotonic() - started < 2
        assert served.handlers.messages_seen == [1]
        with pytest.raises(grpc.RpcError) as idle:
            list(served.bidi()(_silent_after([], silence), metadata=GD, timeout=TIMEOUT))
        assert _refusal(idle.value) == (grpc.StatusCode.DEADLINE_EXCEEDED, "STREAM_IDLE_TIMEOUT")
    finally:
        silence.set()
    assert _eventually(lambda: served.limits.streams.open("CN-GD") == 0)
    # The pumps end with their calls.
    assert _eventually(lambda: not _pump_threads()), _pump_threads()


def test_a_request_stream_past_its_lifetime_ends(serve: Callable[[Limits], Served]) -> None:
    served = serve(limits(idle=1.0, lifetime=0.4))

    def steady() -> Iterator[bytes]:
        for _ in range(100):
            yield b"e"
            time.sleep(0.05)

    with pytest.raises(grpc.RpcError) as expired:
        served.client_stream()(steady(), metadata=GD, timeout=TIMEOUT)
    assert _refusal(expired.value) == (
        grpc.StatusCode.DEADLINE_EXCEEDED,
        "STREAM_LIFETIME_EXCEEDED",
    )
    assert 2 <= served.handlers.messages_seen[0] <= 10


def test_a_silent_request_stream_ends_at_its_lifetime_not_later(
    serve: Callable[[Limits], Served],
) -> None:
    served = serve(limits(idle=5.0, lifetime=0.3))
    silence = threading.Event()
    try:
        started = time.monotonic()
        with pytest.raises(grpc.RpcError) as expired:
            served.client_stream()(_silent_after([b"a"], silence), metadata=GD, timeout=TIMEOUT)
        assert _refusal(expired.value)[1] == "STREAM_LIFETIME_EXCEEDED"
        assert time.monotonic() - started < 2
    finally:
        silence.set()


def test_a_response_stream_past_its_lifetime_ends(serve: Callable[[Limits], Served]) -> None:
    served = serve(limits(lifetime=0.3))
    received: list[bytes] = []
    with pytest.raises(grpc.RpcError) as expired:
        for response in served.server_stream()(b"0,0.05", metadata=SZEX, timeout=TIMEOUT):
            received.append(response)
    assert _refusal(expired.value) == (
        grpc.StatusCode.DEADLINE_EXCEEDED,
        "STREAM_LIFETIME_EXCEEDED",
    )
    assert 2 <= len(received) <= 10
    assert _eventually(lambda: served.limits.streams.open("exchange:szex") == 0)


# --- the hub's own policy on the standard services ---------------------------


def test_health_and_reflection_pass_the_guard_with_the_hub_policy() -> None:
    given = limits(streams=1)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=8), interceptors=[Guard(identify, given)]
    )
    # As server.py builds it: the non-blocking Watch falls back to its
    # blocking generator behind the guard, and is bounded like any stream.
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME),
        server,
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            check = stub.Check(health_pb2.HealthCheckRequest(), metadata=GD, timeout=TIMEOUT)
            assert check.status == health_pb2.HealthCheckResponse.SERVING
            watch = stub.Watch(health_pb2.HealthCheckRequest(), metadata=GD, timeout=TIMEOUT)
            assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
            assert given.streams.open("CN-GD") == 1
            watch.cancel()
            assert _eventually(lambda: given.streams.open("CN-GD") == 0)

            reflect = reflection_pb2_grpc.ServerReflectionStub(channel)
            answers = reflect.ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")]),
                metadata=SZEX,
                timeout=TIMEOUT,
            )
            names = {service.name for service in next(answers).list_services_response.service}
            assert "grpc.health.v1.Health" in names

            with pytest.raises(grpc.RpcError) as refused:
                stub.Check(
                    health_pb2.HealthCheckRequest(),
                    metadata=(("x-test-caller", "hub:hub.carbonhub.example"),),
                    timeout=TIMEOUT,
                )
            assert _refusal(refused.value) == (
                grpc.StatusCode.PERMISSION_DENIED,
                "ROLE_NOT_ALLOWED",
            )
    finally:
        server.stop(None).wait()
