"""Token buckets and stream slots on an injected clock."""

from __future__ import annotations

import threading

import pytest

from hub.errors import RateLimited
from hub.grpc_api.admission import Limits, RateLimiter, StreamSlots
from hub.settings import HubSettings


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_burst_then_refused_with_the_wait(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=10, burst=5, clock=clock)
    assert [limiter.take("CN-GD") for _ in range(5)] == [None] * 5
    wait = limiter.take("CN-GD")
    assert wait == pytest.approx(0.1)


def test_refills_at_the_rate_up_to_the_burst(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=10, burst=5, clock=clock)
    for _ in range(5):
        assert limiter.take("CN-GD") is None
    clock.advance(0.25)  # 2.5 tokens
    assert limiter.take("CN-GD") is None
    assert limiter.take("CN-GD") is None
    assert limiter.take("CN-GD") == pytest.approx(0.05)
    clock.advance(60)  # never more than the burst
    assert limiter.tokens("CN-GD") == pytest.approx(5)
    assert [limiter.take("CN-GD") for _ in range(6)][-1] is not None


def test_a_refused_take_costs_nothing(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=1, burst=3, clock=clock)
    assert limiter.take("k", 3) is None
    for _ in range(100):
        assert limiter.take("k") is not None
    clock.advance(1)
    assert limiter.take("k") is None


def test_amounts(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=100, burst=1000, clock=clock)
    assert limiter.take("CN-HK", 600) is None
    assert limiter.take("CN-HK", 600) == pytest.approx(2.0)  # 200 missing at 100/s
    assert limiter.take("CN-HK", 400) is None
    assert limiter.take("CN-HK", 0) is None
    with pytest.raises(ValueError):
        limiter.take("CN-HK", -1)


def test_more_than_the_burst_is_granted_from_a_full_bucket_and_paid_for(
    clock: FakeClock,
) -> None:
    limiter = RateLimiter(rate=10, burst=10, clock=clock)
    assert limiter.take("k", 30) is None  # 20 in debt
    assert limiter.take("k") == pytest.approx(2.1)
    clock.advance(2.1)
    assert limiter.take("k") is None
    # Not full: an oversized take waits for a full bucket.
    assert limiter.take("k", 30) == pytest.approx(1.0)  # empty: 10 tokens at 10/s


def test_keys_are_independent(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=1, burst=2, clock=clock)
    assert limiter.take("CN-GD") is None
    assert limiter.take("CN-GD") is None
    assert limiter.take("CN-GD") is not None
    assert limiter.take("CN-HK") is None
    assert limiter.take("exchange:szex") is None
    assert limiter.tokens("CN-HK") == pytest.approx(1)


def test_idle_buckets_are_evicted(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=10, burst=10, clock=clock)
    for index in range(1000):
        limiter.take(f"caller-{index}")
    assert len(limiter) == 1000
    clock.advance(0.05)  # half a token: nobody is full again yet
    limiter.take("someone")
    assert len(limiter) == 1001
    clock.advance(0.1)  # every bucket refilled: dropping them changes nothing
    limiter.take("someone")
    assert len(limiter) == 1


def test_an_evicted_key_behaves_as_before(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=1, burst=2, clock=clock)
    limiter.take("a", 2)
    clock.advance(2)
    limiter.take("b")
    assert len(limiter) == 1
    assert limiter.take("a", 2) is None
    assert limiter.take("a") is not None


def test_a_bucket_in_use_is_not_evicted(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=1, burst=5, clock=clock)
    limiter.take("flooder", 5)
    clock.advance(1)
    limiter.take("other")
    assert limiter.take("flooder") is None
    assert limiter.take("flooder") is not None


def test_clock_stepping_back_does_not_drain(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=1, burst=2, clock=clock)
    assert limiter.take("k") is None
    clock.advance(-100)
    assert limiter.take("k") is None


def test_thread_safe(clock: FakeClock) -> None:
    limiter = RateLimiter(rate=1, burst=1000, clock=clock)
    granted: list[int] = []
    lock = threading.Lock()

    def hammer() -> None:
        count = sum(1 for _ in range(500) if limiter.take("k") is None)
        with lock:
            granted.append(count)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(granted) == 1000


def test_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError):
        RateLimiter(rate=0, burst=1)
    with pytest.raises(ValueError):
        RateLimiter(rate=1, burst=0)
    with pytest.raises(ValueError):
        StreamSlots(0)


def test_stream_slots_per_key() -> None:
    slots = StreamSlots(2)
    assert slots.acquire("CN-GD")
    assert slots.acquire("CN-GD")
    assert not slots.acquire("CN-GD")
    assert slots.acquire("CN-HK")
    assert slots.open("CN-GD") == 2
    slots.release("CN-GD")
    assert slots.open("CN-GD") == 1
    assert slots.acquire("CN-GD")


def test_stream_slots_forget_closed_keys() -> None:
    slots = StreamSlots(1)
    slots.acquire("k")
    slots.release("k")
    assert slots._open == {}
    with pytest.raises(RuntimeError):
        slots.release("k")


def test_stream_slot_context_manager_releases_on_error() -> None:
    slots = StreamSlots(1)
    with pytest.raises(KeyError), slots.held("CN-GD"):
        assert slots.open("CN-GD") == 1
        with pytest.raises(RateLimited) as refused, slots.held("CN-GD"):
            pass
        assert refused.value.code == "TOO_MANY_STREAMS"
        raise KeyError("boom")
    assert slots.open("CN-GD") == 0


def test_limits_from_settings(clock: FakeClock) -> None:
    settings = HubSettings(
        rate_requests_per_second=3,
        rate_requests_burst=4,
        rate_claims_per_second=50,
        rate_claims_burst=60,
        max_streams_per_caller=2,
        stream_idle_timeout=7,
        stream_max_lifetime=90,
    )
    limits = Limits.from_settings(settings, clock=clock)
    assert (limits.requests.rate, limits.requests.burst) == (3, 4)
    assert (limits.claims.rate, limits.claims.burst) == (50, 60)
    assert limits.streams.limit == 2
    assert (limits.stream_idle_timeout, limits.stream_max_lifetime) == (7, 90)
    for _ in range(4):
        assert limits.requests.take("k") is None
    assert limits.requests.take("k") == pytest.approx(1 / 3)
