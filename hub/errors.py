"""One error tree for the whole hub, with transport-neutral codes.

Each transport maps ``ErrorKind`` once: hub.grpc_api.status_mapping for gRPC
(status code plus google.rpc ErrorInfo details). ``code`` is a stable,
documented reason partners can key on; ``details`` carry the specifics.
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


class StorageUnavailable(HubError):
    """The database could not be reached or stayed contended: retry later."""

    kind = ErrorKind.UNAVAILABLE
