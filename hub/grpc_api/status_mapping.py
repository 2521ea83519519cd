"""The one place HubError becomes a gRPC status with rich details."""

from __future__ import annotations

from typing import NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from carbonhub_contract.error_details import ERROR_DOMAIN
from hub.errors import ErrorKind, HubError, RateLimited

# A refusal may quote what the client sent, and a client may send 4 MiB. The
# status travels in trailers, which gRPC caps at 16 KiB (the message twice,
# once percent-encoded), so quotes are clipped: the code must always arrive.
MESSAGE_BYTES = 600
DETAIL_BYTES = 200
_ELLIPSIS = "…"


def clipped(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes on a character boundary."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= limit:
        return text
    cut = limit - len(_ELLIPSIS.encode())
    return encoded[:cut].decode("utf-8", "ignore") + _ELLIPSIS


_GRPC_CODES: dict[ErrorKind, grpc.StatusCode] = {
    ErrorKind.INVALID_ARGUMENT: grpc.StatusCode.INVALID_ARGUMENT,
    ErrorKind.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    ErrorKind.PERMISSION_DENIED: grpc.StatusCode.PERMISSION_DENIED,
    ErrorKind.FAILED_PRECONDITION: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorKind.RESOURCE_EXHAUSTED: grpc.StatusCode.RESOURCE_EXHAUSTED,
    ErrorKind.UNAVAILABLE: grpc.StatusCode.UNAVAILABLE,
    ErrorKind.UNAUTHENTICATED: grpc.StatusCode.UNAUTHENTICATED,
    ErrorKind.DEADLINE_EXCEEDED: grpc.StatusCode.DEADLINE_EXCEEDED,
    ErrorKind.INTERNAL: grpc.StatusCode.INTERNAL,
}


def to_status(error: HubError) -> grpc.Status:
    code = _GRPC_CODES[error.kind]
    metadata = {
        clipped(key, DETAIL_BYTES): clipped(value, DETAIL_BYTES)
        for key, value in error.details.items()
    }
    info = error_details_pb2.ErrorInfo(reason=error.code, domain=ERROR_DOMAIN, metadata=metadata)
    detail = any_pb2.Any()
    detail.Pack(info)
    details = [detail]
    retry_after = error.retry_after if isinstance(error, RateLimited) else None
    if error.kind is ErrorKind.UNAVAILABLE:
        retry_after = 1.0
    if retry_after is not None:
        retry = error_details_pb2.RetryInfo()
        retry.retry_delay.FromMilliseconds(max(1, round(retry_after * 1000)))
        packed = any_pb2.Any()
        packed.Pack(retry)
        details.append(packed)
    status = status_pb2.Status(
        code=code.value[0], message=clipped(error.message, MESSAGE_BYTES), details=details
    )
    return rpc_status.to_status(status)


def abort(context: grpc.ServicerContext, error: HubError) -> NoReturn:
    context.abort_with_status(to_status(error))
    raise AssertionError("abort_with_status returned")  # grpc raises; keeps type checkers honest
