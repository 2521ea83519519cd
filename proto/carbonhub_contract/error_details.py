"""What a refused call carries, read the same way by every client.

The hub refuses with a gRPC status whose details hold a google.rpc ErrorInfo:
``reason`` is the stable code of docs/refusals.md, ``domain`` is
ERROR_DOMAIN, ``metadata`` the specifics (and a RetryInfo when the caller
may retry). Partners, the exchange and the hub's own tests read it here.
"""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

ERROR_DOMAIN = "carbonhub.v1"
# A signed write whose sequence number the partner's sequence has already
# passed (hub.services.signed_writes): nothing was recorded; catch up and resend.
ENVELOPE_REPLAYED = "ENVELOPE_REPLAYED"


def overtaken_write(call_error: grpc.RpcError) -> bool:
    """Whether a signed write was refused because the partner's sequence had
    moved past its number (ENVELOPE_REPLAYED): nothing was recorded, and the
    writer may catch up and send it again, for clients and tests."""
    if not isinstance(call_error, grpc.Call):
        return False
    if call_error.code() is not grpc.StatusCode.FAILED_PRECONDITION:
        return False
    info = error_info(call_error)
    return info is not None and info.reason == ENVELOPE_REPLAYED


def error_info(call_error: grpc.RpcError) -> error_details_pb2.ErrorInfo | None:
    """The ErrorInfo of a failed call, for clients and tests."""
    status = rpc_status.from_call(call_error)
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info
    return None
