"""Console logins: the signed cookie names a session id, the hub keeps the id.

The cookie (Starlette's SessionMiddleware: itsdangerous-signed, HttpOnly,
SameSite=Strict, Secure when configured) carries only a random session id
and the session's CSRF token. The hub keeps which officer each id belongs
to and until when, so logging out ends the session for good, even for a
copy of the cookie, and a login always starts a new id (no fixation).
The table is per hub process: a restart logs every officer out.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from hub.errors import PermissionDenied

SESSION_ID = "sid"
CSRF_KEY = "csrf"
FLASH_KEY = "flash"


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    username: str
    expires: float


class ConsoleSessions:
    def __init__(self, max_age: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_age = max_age
        self._clock = clock
        self._sessions: dict[str, ConsoleSession] = {}
        self._lock = threading.Lock()

    def login(self, cookie: MutableMapping[str, Any], username: str) -> None:
        """Forget whatever the cookie held and start a new session id and CSRF token."""
        self.logout(cookie)
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            # Expired ids are dropped as new ones are made: the table stays bounded.
            for stale in [k for k, v in self._sessions.items() if v.expires <= now]:
                del self._sessions[stale]
            self._sessions[session_id] = ConsoleSession(username, now + self._max_age)
        cookie[SESSION_ID] = session_id
        cookie[CSRF_KEY] = secrets.token_urlsafe(32)

    def logout(self, cookie: MutableMapping[str, Any]) -> None:
        session_id = cookie.get(SESSION_ID)
        if isinstance(session_id, str):
            with self._lock:
                self._sessions.pop(session_id, None)
        cookie.clear()

    def username(self, cookie: MutableMapping[str, Any]) -> str | None:
        session_id = cookie.get(SESSION_ID)
        if not isinstance(session_id, str):
            return None
        with self._lock:
            found = self._sessions.get(session_id)
            if found is None:
                return None
            if found.expires <= self._clock():
                del self._sessions[session_id]
                return None
            return found.username


def csrf_token(cookie: MutableMapping[str, Any]) -> str:
    """The session's CSRF token, made on first use (the login form has one too)."""
    token = cookie.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        cookie[CSRF_KEY] = token
    return token


def check_csrf(cookie: MutableMapping[str, Any], submitted: str) -> None:
    expected = cookie.get(CSRF_KEY)
    if (
        not isinstance(expected, str)
        or not expected
        or not hmac.compare_digest(expected.encode(), submitted.encode())
    ):
        raise PermissionDenied(
            "CSRF_TOKEN_INVALID",
            "the form's CSRF token does not match this session: reload the page and retry",
        )
