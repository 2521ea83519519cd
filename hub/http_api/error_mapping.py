"""The one mapping of the hub's error tree to HTTP: status and coded body.

Every refusal answers ``{"code", "message", "details"}`` (the API) or a page
showing the same code (the console and the public pages).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from hub.errors import ErrorKind, HubError, RateLimited

HTTP_STATUS: dict[ErrorKind, int] = {
    ErrorKind.INVALID_ARGUMENT: 400,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.PERMISSION_DENIED: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.FAILED_PRECONDITION: 409,
    ErrorKind.RESOURCE_EXHAUSTED: 429,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.DEADLINE_EXCEEDED: 504,
    ErrorKind.INTERNAL: 500,
}


class ErrorBody(BaseModel):
    code: str = Field(description="stable reason code, e.g. CURSOR_INVALID")
    message: str
    details: dict[str, str] = Field(default_factory=dict)


def status_of(error: HubError) -> int:
    return HTTP_STATUS[error.kind]


def body_of(error: HubError) -> ErrorBody:
    return ErrorBody(code=error.code, message=error.message, details=error.details)


def headers_of(error: HubError) -> dict[str, str]:
    if isinstance(error, RateLimited):
        return {"Retry-After": str(max(1, round(error.retry_after)))}
    return {}
