"""Per-caller admission limits: token buckets and stream slots.

Pure Python (no grpc) so the arithmetic is tested on an injected clock.
The gRPC guard (hub.grpc_api.guard) keys every limit by caller
(hub.grpc_api.access_policy.limit_key): one partner flooding the hub
empties its own buckets and fills its own slots, never another caller's.
Limits are per hub process; behind a load balancer each replica applies them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from hub.errors import RateLimited
from hub.settings import HubSettings

Clock = Callable[[], float]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per key: ``rate`` tokens a second, at most ``burst`` saved.

    ``take`` never blocks: it answers None (granted) or the seconds after
    which the same take would be granted, for the client's retry hint.

    A take larger than ``burst`` could never be granted from a bucket that
    holds at most ``burst``; it is granted once the bucket is full and leaves
    the bucket in debt, so the caller still pays for it at ``rate`` before its
    next take. A refused take costs nothing.

    A bucket idle long enough to have refilled to ``burst`` behaves exactly as
    a fresh one, so it is dropped: memory is bounded by the keys active in the
    last refill period, not by every key ever seen.
    """

    def __init__(self, rate: float, burst: int, *, clock: Clock = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = float(rate)
        self.burst = float(burst)
        self._clock = clock
        self._lock = threading.Lock()
        # Least recently used first: eviction only ever looks at the front.
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, key: str, amount: int = 1) -> float | None:
        if amount < 0:
            raise ValueError("amount cannot be negative")
        with self._lock:
            now = self._clock()
            self._evict_full(now)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = _Bucket(tokens=self.burst, updated=now)
                self._buckets[key] = bucket
            else:
                self._refill(bucket, now)
                self._buckets.move_to_end(key)
            needed = min(float(amount), self.burst)
            if bucket.tokens >= needed:
                bucket.tokens -= amount
                return None
            return (needed - bucket.tokens) / self.rate

    def tokens(self, key: str) -> float:
        """What ``key`` could take now (for tests and diagnostics)."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return self.burst
            self._refill(bucket, self._clock())
            return bucket.tokens

    def __len__(self) -> int:
        """Buckets held now (idle ones are dropped at the next take)."""
        with self._lock:
            return len(self._buckets)

    def _refill(self, bucket: _Bucket, now: float) -> None:
        # max(): a clock that steps back must not drain the bucket.
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.rate)
        bucket.updated = now

    def _evict_full(self, now: float) -> None:
        # Amortised O(1): each bucket is inserted once per active period and
        # popped once. A bucket not yet full at the front stops the sweep; the
        # ones behind it go at a later take.
        while self._buckets:
            key, bucket = next(iter(self._buckets.items()))
            refilled = bucket.tokens + max(0.0, now - bucket.updated) * self.rate
            if refilled < self.burst:
                return
            del self._buckets[key]


class StreamSlots:
    """At most ``limit`` open streams per key.

    A key's count is dropped at zero, so memory follows the open streams.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self._lock = threading.Lock()
        self._open: dict[str, int] = {}

    def acquire(self, key: str) -> bool:
        with self._lock:
            count = self._open.get(key, 0)
            if count >= self.limit:
                return False
            self._open[key] = count + 1
            return True

    def release(self, key: str) -> None:
        with self._lock:
            count = self._open.get(key, 0)
            if count <= 0:
                # A double release would hand the caller a slot it never paid for.
                raise RuntimeError(f"no open stream of {key!r} to release")
            if count == 1:
                del self._open[key]
            else:
                self._open[key] = count - 1

    def open(self, key: str) -> int:
        with self._lock:
            return self._open.get(key, 0)

    def refusal(self, key: str) -> RateLimited:
        """The error for a caller whose slots are all taken."""
        return RateLimited(
            "TOO_MANY_STREAMS",
            f"{key} already has {self.limit} open streams; end one before opening another",
            {"limit": str(self.limit)},
        )

    @contextmanager
    def held(self, key: str) -> Iterator[None]:
        """Hold one slot of ``key`` for the block; RateLimited TOO_MANY_STREAMS when full."""
        if not self.acquire(key):
            raise self.refusal(key)
        try:
            yield
        finally:
            self.release(key)


@dataclass(frozen=True, slots=True)
class Limits:
    """Everything the guard limits, shared by all calls of one server."""

    requests: RateLimiter  # one token per RPC and per further message of a request stream
    claims: RateLimiter  # one token per claim, charged by the partner servicer
    streams: StreamSlots  # open streaming calls per caller
    stream_idle_timeout: float  # seconds a request stream may wait for its next message
    stream_max_lifetime: float  # seconds any stream may stay open

    def __post_init__(self) -> None:
        if self.stream_idle_timeout <= 0 or self.stream_max_lifetime <= 0:
            raise ValueError("stream timeouts must be positive")

    @classmethod
    def from_settings(cls, settings: HubSettings, *, clock: Clock = time.monotonic) -> Limits:
        return cls(
            requests=RateLimiter(
                settings.rate_requests_per_second, settings.rate_requests_burst, clock=clock
            ),
            claims=RateLimiter(
                settings.rate_claims_per_second, settings.rate_claims_burst, clock=clock
            ),
            streams=StreamSlots(settings.max_streams_per_caller),
            stream_idle_timeout=settings.stream_idle_timeout,
            stream_max_lifetime=settings.stream_max_lifetime,
        )
