"""How the exchange client lives with an unreliable hub: deadlines, transient failures, backoff.

Every unary call has a deadline (``CALL_TIMEOUT``); the block stream a long
one (``STREAM_TIMEOUT``), after which it is reopened from the cursor. Only
UNAVAILABLE and DEADLINE_EXCEEDED are worth trying again: the hub is down
or restarting. Reconnections wait longer after each failure (``Backoff``);
a sync that never gets through ends in ``ExchangeUnavailable``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc

# Codes after which the same call may succeed later: the hub is down or restarting.
TRANSIENT = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
CALL_TIMEOUT = 30.0  # seconds for each unary call
# A stream lives at most this long, then is reopened from the cursor: long
# enough for any catch-up, short enough that a silently dead connection is
# noticed even by a client following an idle hub.
STREAM_TIMEOUT = 3600.0


class ExchangeUnavailable(Exception):
    """The hub stayed unreachable through every reconnection attempt."""


@dataclass
class Backoff:
    """Delays between reconnections: initial, doubled each failure, capped."""

    initial: float = 0.2
    maximum: float = 5.0

    def delay(self, failures: int) -> float:
        return float(min(self.maximum, self.initial * 2 ** max(0, failures - 1)))


def status_code(error: grpc.RpcError) -> Any:
    """The call's status code; UNKNOWN for an error that carries none."""
    return error.code() if isinstance(error, grpc.Call) else grpc.StatusCode.UNKNOWN


def describe(error: grpc.RpcError) -> str:
    """``<status code>: <details>``, as a refusal is recorded in the state file."""
    code = status_code(error)
    details = error.details() if isinstance(error, grpc.Call) else str(error)
    return f"{code.name}: {details}"
