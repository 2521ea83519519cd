"""One error tree for the whole hub, with transport-neutral codes.

Each transport maps ``ErrorKind`` once: hub.grpc_api.status_mapping for gRPC
(status code plus google.rpc ErrorInfo details), hub.http_api.error_mapping
for HTTP. ``code`` is a stable, documented reason partners can key on;
``details`` carry the specifics.

Every code is catalogued in hub.refusals (docs/refusals.md, with its
statuses and meanings); a test reads the sources and fails for a code raised
here that is not. Nothing is checked at run time: an uncatalogued code is a
documentation fault, never a reason to fail a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class ErrorKind(StrEnum):
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    FAILED_PRECONDITION = "FAILED_PRECONDITION"
    RESOURCE_EXHAUSTED = "RESOURCE_EXHAUSTED"
    UNAVAILABLE = "UNAVAILABLE"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    INTERNAL = "INTERNAL"


class HubError(Exception):
    kind: ErrorKind = ErrorKind.INVALID_ARGUMENT

    def __init__(self, code: str, message: str, details: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details: dict[str, str] = dict(details or {})


class InvalidRequest(HubError):
    """The request itself is malformed (not one claim in it: those get verdicts)."""

    kind = ErrorKind.INVALID_ARGUMENT


class NotFound(HubError):
    kind = ErrorKind.NOT_FOUND


class PermissionDenied(HubError):
    kind = ErrorKind.PERMISSION_DENIED


class FailedPrecondition(HubError):
    """The request is well formed but the ledger's state forbids it (a terminal
    or frozen block, a reused retirement id, a claim not awaiting cancellation)."""

    kind = ErrorKind.FAILED_PRECONDITION


class TooLarge(HubError):
    kind = ErrorKind.RESOURCE_EXHAUSTED


class RateLimited(HubError):
    """A caller went over its rate or its open streams; others are still served.

    ``retry_after`` (seconds) travels to the client as a retry hint.
    """

    kind = ErrorKind.RESOURCE_EXHAUSTED

    def __init__(
        self,
        code: str,
        message: str,
        details: Mapping[str, str] | None = None,
        *,
        retry_after: float = 1.0,
    ) -> None:
        super().__init__(code, message, details)
        self.retry_after = retry_after


class Unauthenticated(HubError):
    """The caller's identity could not be established (no, revoked or foreign
    certificate; an unknown, expired or revoked signing key; a bad signature)."""

    kind = ErrorKind.UNAUTHENTICATED


class DeadlineExceeded(HubError):
    kind = ErrorKind.DEADLINE_EXCEEDED


class StorageUnavailable(HubError):
    """The database could not be reached or stayed contended: retry later."""

    kind = ErrorKind.UNAVAILABLE


class InternalFault(HubError):
    """An unexpected fault on the hub's side, never caused by what the client
    sent. The client is told only the incident id; the server logs the full
    trace under the same id, so an operator can find it."""

    kind = ErrorKind.INTERNAL

    def __init__(self, incident: str) -> None:
        super().__init__(
            "INTERNAL_FAULT",
            f"the hub failed unexpectedly; quote incident {incident} to its operator",
            {"incident": incident},
        )
        self.incident = incident
