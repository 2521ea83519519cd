"""Bureau officers of the web console: accounts, passwords, login throttling.

Passwords are kept as Argon2id hashes (argon2-cffi's defaults, RFC 9106's
second recommended profile). A failed login says only LOGIN_FAILED, whether
the username exists or not, and costs the same hash either way. Failures
are counted per username: past ``max_failures`` in ``window`` seconds the
username is refused (LOGIN_THROTTLED, with a retry hint) until the window
has passed, whoever asks; the count is per hub process.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hub.errors import FailedPrecondition, InvalidRequest, RateLimited, Unauthenticated
from hub.services.audit_port import LedgerEvent
from hub.services.clock import Clock
from hub.services.officers import officer_actor

BUREAU_ROLE = "bureau"
MIN_PASSWORD_LENGTH = 12
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Officer:
    username: str
    name: str  # the name the ledger records: actor "bureau:<name>"
    role: str


@dataclass(frozen=True, slots=True)
class StoredOfficer:
    officer: Officer
    password_hash: str
    active: bool
    created_at: datetime


class OfficerExists(Exception):
    """The store already holds that username."""


class OfficerStore(Protocol):
    def get(self, username: str) -> StoredOfficer | None: ...

    def add(self, officer: StoredOfficer, event: LedgerEvent) -> None:
        """Insert the officer and append its event in one transaction;
        raises OfficerExists when the username is taken."""
        ...


class LoginThrottle:
    """Failed logins per username in a sliding window."""

    def __init__(self, clock: Clock, *, max_failures: int, window_seconds: float) -> None:
        self._clock = clock
        self._max = max_failures
        self._window = timedelta(seconds=window_seconds)
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, username: str, now: datetime) -> deque[datetime]:
        failures = self._failures.setdefault(username, deque())
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        return failures

    def check(self, username: str) -> None:
        now = self._clock()
        with self._lock:
            failures = self._recent(username, now)
            if len(failures) >= self._max:
                wait = (failures[0] + self._window - now).total_seconds()
                raise RateLimited(
                    "LOGIN_THROTTLED",
                    f"too many failed logins for {username}: try again later",
                    {"username": username, "retry_after_seconds": str(max(1, round(wait)))},
                    retry_after=max(1.0, wait),
                )

    def failed(self, username: str) -> None:
        now = self._clock()
        with self._lock:
            self._recent(username, now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username, None)


def _login_failed() -> Unauthenticated:
    return Unauthenticated("LOGIN_FAILED", "unknown username or wrong password")


class OfficerAuthService:
    def __init__(
        self,
        store: OfficerStore,
        clock: Clock,
        *,
        max_failures: int = 5,
        window_seconds: float = 900.0,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._hasher = hasher or PasswordHasher()
        self._throttle = LoginThrottle(
            clock, max_failures=max_failures, window_seconds=window_seconds
        )
        self._decoy: str | None = None

    def add_officer(self, username: str, name: str, password: str, *, added_by: str) -> Officer:
        user = username.strip()
        if not _USERNAME.match(user):
            raise InvalidRequest(
                "USERNAME_INVALID",
                "a username is 1-64 of a-z 0-9 . _ -, starting with a letter or digit",
                {"username": username[:64]},
            )
        actor = officer_actor(name)  # refuses a blank name
        if len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidRequest(
                "PASSWORD_TOO_SHORT",
                f"a password has at least {MIN_PASSWORD_LENGTH} characters",
                {"min_length": str(MIN_PASSWORD_LENGTH)},
            )
        officer = Officer(user, name.strip(), BUREAU_ROLE)
        now = self._clock()
        stored = StoredOfficer(officer, self._hasher.hash(password), True, now)
        event = LedgerEvent(
            "officer",
            user,
            "ADDED",
            added_by,
            now,
            {"name": officer.name, "role": officer.role, "actor": actor},
        )
        try:
            self._store.add(stored, event)
        except OfficerExists as taken:
            raise FailedPrecondition(
                "OFFICER_EXISTS", f"officer {user} already exists", {"username": user}
            ) from taken
        return officer

    def authenticate(self, username: str, password: str) -> Officer:
        """The officer, or LOGIN_FAILED; LOGIN_THROTTLED after repeated failures."""
        user = username.strip()
        self._throttle.check(user)
        stored = self._store.get(user) if _USERNAME.match(user) else None
        try:
            self._hasher.verify(stored.password_hash if stored else self._decoy_hash(), password)
        except (VerificationError, InvalidHashError):
            self._throttle.failed(user)
            raise _login_failed() from None
        if stored is None or not stored.active or stored.officer.role != BUREAU_ROLE:
            self._throttle.failed(user)
            raise _login_failed()
        self._throttle.succeeded(user)
        return stored.officer

    def _decoy_hash(self) -> str:
        # Verified when the username is unknown, so both failures cost one hash.
        if self._decoy is None:
            self._decoy = self._hasher.hash("decoy password of no officer")
        return self._decoy

    def officer(self, username: str) -> Officer | None:
        """The officer a session names, if still active."""
        stored = self._store.get(username)
        if stored is None or not stored.active:
            return None
        return stored.officer
