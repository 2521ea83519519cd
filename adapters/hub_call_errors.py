"""How a call to the hub fails, as the partner kit raises it.

``HubCallError``: the call itself failed (the hub unreachable, the request
refused, a stream broken), with the gRPC status name and details kept for
the partner's report. ``HubProtocolError``: the call went through but the
answers do not match what was sent, or a receipt does not verify.
"""

from __future__ import annotations

import grpc


class HubProtocolError(Exception):
    """The hub's answers do not match what was sent (count, order, sequence),
    or a receipt does not verify under the hub's key."""


class HubCallError(Exception):
    """A call to the hub failed: unreachable, refused, or broken mid-stream."""

    def __init__(self, rpc: str, error: grpc.RpcError) -> None:
        code = error.code() if isinstance(error, grpc.Call) else None
        details = error.details() if isinstance(error, grpc.Call) else str(error)
        name = code.name if code is not None else "UNKNOWN"
        super().__init__(f"{rpc} failed: {name}: {details}")
        self.rpc = rpc
        self.status = name
        self.details = details
