"""OpenCall and OpenCalls on their own: withdrawal, its wake-ups, the watcher."""

from __future__ import annotations

import threading
import time

import pytest

from hub.domain.identity import Identity, Role
from hub.errors import HubError, Unauthenticated
from hub.grpc_api.admission import Limits, RateLimiter, StreamSlots
from hub.grpc_api.open_calls import Caller, OpenCall, OpenCalls

GD = Identity(role=Role.PARTNER, subject="CN-GD", partner="CN-GD", serial="a1")
HK = Identity(role=Role.PARTNER, subject="CN-HK", partner="CN-HK", serial="b2")
REVOKED = Unauthenticated("CERTIFICATE_REVOKED", "certificate a1 is revoked")


def _limits() -> Limits:
    return Limits(
        requests=RateLimiter(100, 100),
        claims=RateLimiter(100, 100),
        streams=StreamSlots(4),
        stream_idle_timeout=60,
        stream_max_lifetime=600,
    )


class Standings:
    """Which identities no longer stand, changed by the test."""

    def __init__(self) -> None:
        self.lapsed: dict[Identity, HubError] = {}

    def __call__(self, identity: Identity) -> HubError | None:
        return self.lapsed.get(identity)


def _call(identity: Identity, standing: Standings) -> OpenCall:
    caller = Caller(identity, identity.subject, RateLimiter(100, 100))
    limits = _limits()
    return OpenCall(caller, "/test/Stream", limits, time.monotonic, slot=False, standing=standing)


def test_a_withdrawal_wakes_each_waiter_once_and_the_first_refusal_wins() -> None:
    call = _call(GD, Standings())
    woken: list[str] = []
    call.on_withdraw(lambda: woken.append("servicer"))
    call.withdraw(REVOKED)
    call.withdraw(Unauthenticated("CERTIFICATE_EXPIRED", "later"))
    call.on_withdraw(lambda: woken.append("late"))  # registered after: runs at once
    assert woken == ["servicer", "late"]
    with pytest.raises(Unauthenticated) as refused:
        call.raise_if_withdrawn()
    assert refused.value.code == "CERTIFICATE_REVOKED"


def test_an_ended_call_is_not_withdrawn() -> None:
    call = _call(GD, Standings())
    woken: list[str] = []
    call.on_withdraw(lambda: woken.append("servicer"))
    call.end()
    call.withdraw(REVOKED)
    assert woken == [] and call.withdrawal is None


def test_check_standing_asks_afresh() -> None:
    standing = Standings()
    call = _call(GD, standing)
    call.check_standing()
    standing.lapsed[GD] = REVOKED
    with pytest.raises(Unauthenticated):
        call.check_standing()
    assert call.withdrawal is REVOKED


def test_the_watcher_withdraws_lapsed_calls_only_and_stops_when_none_is_open() -> None:
    standing = Standings()
    calls = OpenCalls(period=0.01)
    gd, hk = _call(GD, standing), _call(HK, standing)
    withdrawn = threading.Event()
    gd.on_withdraw(withdrawn.set)
    calls.watch(gd)
    calls.watch(hk)
    watchers = [t for t in threading.enumerate() if t.name == "guard open-calls watcher"]
    assert watchers
    standing.lapsed[GD] = REVOKED
    assert withdrawn.wait(10)
    assert hk.withdrawal is None
    gd.end()
    hk.end()
    assert len(calls) == 0
    for watcher in watchers:
        watcher.join(10)
        assert not watcher.is_alive()
