"""The guard's open calls, and how revocation and expiry reach them.

A certificate is checked when a call starts (hub.trust.tls). A stream may
outlive that check by hours, so every open streaming call is an ``OpenCall``
the guard registers with ``OpenCalls``, and a call whose certificate is
revoked or expires is *withdrawn*: ended with UNAUTHENTICATED
CERTIFICATE_REVOKED (or CERTIFICATE_EXPIRED) within a second, idle or not.

Two checks, for two promises:

* **Nothing is accepted after the revocation.** Every request message is
  checked as the servicer takes it, and every response as it leaves,
  against the certificate's standing *now* (``Standing``:
  CertificateIdentifier.standing stats crl.pem on each check and re-reads
  it when it changed, and compares the expiry with its clock). A message
  taken after ``carbon-hub pki revoke`` replaced crl.pem is refused, not
  handed on, however fast it follows the revocation.
* **An idle call ends too.** One watcher thread per guard (running only
  while calls are open) asks every ``WATCH_PERIOD`` whether each open call's
  certificate still stands and withdraws those that do not. A withdrawal
  wakes the call's handler at once (below), so an idle call ends within
  about a watch period of crl.pem changing, well inside the second the
  README promises.

The watcher never ends a call itself: grpc sends a status only from the
thread that handles the call. It records the refusal and wakes that thread:

* a servicer reading requests gets the refusal raised by its request
  iterator (hub.grpc_api.guard's ``_GuardedRequests`` is woken at once);
* a servicer waiting between responses (StreamBlocks following the ledger,
  health's Watch) sees what it sees when the client cancels: the context
  the guard hands it (``GuardedContext``) answers ``is_active()`` False and
  runs its ``add_callback`` callbacks. So every servicer that stops on a
  cancel stops on a withdrawal, with no code of its own; the guard then
  ends the call with the withdrawal's status instead of OK.

A watcher rather than each handler polling: idle handlers sleep on their
own events, and one thread per guard re-checks all open calls (a stat of
crl.pem each, microseconds) four times a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc

from hub.domain.identity import Identity
from hub.errors import DeadlineExceeded, HubError
from hub.grpc_api.admission import Clock, Limits, RateLimiter

log = logging.getLogger(__name__)

# How often the watcher re-checks the open calls' certificates: with the
# immediate wake-up of the handler, an idle call ends about this long after
# crl.pem changes (or its certificate expires).
WATCH_PERIOD = 0.25

# Whether a caller still stands now: None, or the refusal that ends its calls.
Standing = Callable[[Identity], HubError | None]


@dataclass(frozen=True, slots=True)
class Caller:
    identity: Identity
    key: str
    claims: RateLimiter


class OpenCall:
    """One admitted call: its caller, its clock, its withdrawal and, if
    streaming, its stream slot."""

    def __init__(
        self,
        current: Caller,
        method: str,
        limits: Limits,
        clock: Clock,
        *,
        slot: bool,
        standing: Standing | None = None,
    ) -> None:
        self.current = current
        self.method = method
        self.limits = limits
        self._clock = clock
        self.started = clock()
        self._slot = slot
        self._standing = standing
        self._lock = threading.Lock()
        self._ended = False
        self._on_end: list[Callable[[], None]] = []
        self._withdrawal: HubError | None = None
        self._on_withdraw: list[Callable[[], None]] = []

    # --- lifetime --------------------------------------------------------------

    def elapsed(self) -> float:
        return self._clock() - self.started

    def lifetime_exceeded(self) -> DeadlineExceeded:
        return DeadlineExceeded(
            "STREAM_LIFETIME_EXCEEDED",
            f"streams may stay open {self.limits.stream_max_lifetime:g} s: open a new one",
            {"max_lifetime_seconds": f"{self.limits.stream_max_lifetime:g}"},
        )

    def check_lifetime(self) -> None:
        if self.elapsed() > self.limits.stream_max_lifetime:
            raise self.lifetime_exceeded()

    # --- withdrawal -------------------------------------------------------------

    @property
    def withdrawal(self) -> HubError | None:
        """Why the call was withdrawn (its caller's certificate lost standing), or None."""
        return self._withdrawal

    def withdraw(self, refusal: HubError) -> None:
        """Mark the call withdrawn and wake its handler; the first refusal wins."""
        with self._lock:
            if self._ended or self._withdrawal is not None:
                return
            self._withdrawal = refusal
            actions, self._on_withdraw = self._on_withdraw, []
        log.info("%s of %s withdrawn: %s", self.method, self.current.key, refusal.code)
        for action in actions:
            action()

    def on_withdraw(self, action: Callable[[], None]) -> None:
        """Run ``action`` when the call is withdrawn (at once if it already was)."""
        with self._lock:
            if self._withdrawal is None:
                if not self._ended:
                    self._on_withdraw.append(action)
                return
        action()

    def raise_if_withdrawn(self) -> None:
        if self._withdrawal is not None:
            raise self._withdrawal

    def check_standing(self) -> None:
        """Raise the refusal if the caller's certificate no longer stands,
        asking afresh (not waiting for the watcher)."""
        self.recheck()
        self.raise_if_withdrawn()

    def recheck(self) -> None:
        """The watcher's check: withdraw the call if its caller lost standing."""
        if self._withdrawal is None and self._standing is not None:
            refusal = self._standing(self.current.identity)
            if refusal is not None:
                self.withdraw(refusal)

    # --- end ---------------------------------------------------------------------

    def on_end(self, action: Callable[[], None]) -> None:
        with self._lock:
            if not self._ended:
                self._on_end.append(action)
                return
        action()

    def end(self) -> None:
        """Release the slot and stop helpers; safe to call more than once and
        from any thread (grpc's termination callback and the handler race)."""
        with self._lock:
            if self._ended:
                return
            self._ended = True
            actions, self._on_end = self._on_end, []
            self._on_withdraw = []
        if self._slot:
            self.limits.streams.release(self.current.key)
        for action in actions:
            action()


class OpenCalls:
    """The open streaming calls of one guard, re-checked by a watcher thread
    that runs only while there are any."""

    def __init__(self, *, period: float = WATCH_PERIOD) -> None:
        self._period = period
        self._lock = threading.Lock()
        self._calls: set[OpenCall] = set()
        self._watcher: threading.Thread | None = None

    def watch(self, call: OpenCall) -> None:
        """Re-check ``call`` until it ends."""
        with self._lock:
            self._calls.add(call)
            if self._watcher is None:
                self._watcher = threading.Thread(
                    target=self._watch, name="guard open-calls watcher", daemon=True
                )
                self._watcher.start()
        call.on_end(lambda: self._forget(call))

    def __len__(self) -> int:
        with self._lock:
            return len(self._calls)

    def _forget(self, call: OpenCall) -> None:
        with self._lock:
            self._calls.discard(call)

    def _watch(self) -> None:
        while True:
            with self._lock:
                if not self._calls:
                    # Decided under the lock watch() takes: a call registered
                    # from now on starts a new watcher.
                    self._watcher = None
                    return
                calls = list(self._calls)
            for call in calls:
                try:
                    call.recheck()
                except Exception:
                    # A check that fails unexpectedly must not stop the watcher
                    # for every other call; each message is still checked.
                    log.exception("re-checking %s of %s failed", call.method, call.current.key)
            time.sleep(self._period)


class _Once:
    """A callback that runs at most once, whoever calls it first."""

    def __init__(self, callback: Callable[[], None]) -> None:
        self._callback: Callable[[], None] | None = callback
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            callback, self._callback = self._callback, None
        if callback is not None:
            callback()


class GuardedContext(grpc.ServicerContext):  # type: ignore[misc]
    """The grpc context as a servicer called through the guard sees it.

    A withdrawn call looks cancelled (``is_active()`` False, the
    ``add_callback`` callbacks run), and the guard learns whether the
    servicer aborted the call itself (``aborted``): grpc's abort raises a
    bare Exception the guard must let through, not report as a fault.
    Everything else is the call's own context.
    """

    def __init__(self, context: grpc.ServicerContext, call: OpenCall) -> None:
        self._context = context
        self._call = call
        self.aborted = False

    @property
    def call_active(self) -> bool:
        """Whether grpc still has the call open (withdrawn or not)."""
        return bool(self._context.is_active())

    # RpcContext
    def is_active(self) -> bool:
        return self._call.withdrawal is None and bool(self._context.is_active())

    def time_remaining(self) -> float | None:
        return self._context.time_remaining()  # type: ignore[no-any-return]

    def cancel(self) -> None:
        self._context.cancel()

    def add_callback(self, callback: Callable[[], None]) -> bool:
        once = _Once(callback)
        if not self._context.add_callback(once):
            return False
        self._call.on_withdraw(once)
        return True

    # ServicerContext
    def abort(self, code: grpc.StatusCode, details: str) -> None:
        self.aborted = True
        self._context.abort(code, details)

    def abort_with_status(self, status: grpc.Status) -> None:
        self.aborted = True
        self._context.abort_with_status(status)

    def invocation_metadata(self) -> Any:
        return self._context.invocation_metadata()

    def peer(self) -> str:
        return str(self._context.peer())

    def peer_identities(self) -> Sequence[bytes] | None:
        return self._context.peer_identities()  # type: ignore[no-any-return]

    def peer_identity_key(self) -> str | None:
        return self._context.peer_identity_key()  # type: ignore[no-any-return]

    def auth_context(self) -> Mapping[str, Sequence[bytes]]:
        return self._context.auth_context()  # type: ignore[no-any-return]

    def set_compression(self, compression: grpc.Compression) -> None:
        self._context.set_compression(compression)

    def send_initial_metadata(self, initial_metadata: Any) -> None:
        self._context.send_initial_metadata(initial_metadata)

    def set_trailing_metadata(self, trailing_metadata: Any) -> None:
        self._context.set_trailing_metadata(trailing_metadata)

    def trailing_metadata(self) -> Any:
        return self._context.trailing_metadata()

    def set_code(self, code: grpc.StatusCode) -> None:
        self._context.set_code(code)

    def code(self) -> Any:
        return self._context.code()

    def set_details(self, details: str) -> None:
        self._context.set_details(details)

    def details(self) -> Any:
        return self._context.details()

    def disable_next_message_compression(self) -> None:
        self._context.disable_next_message_compression()
