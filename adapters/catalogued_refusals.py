"""A hub refusal the kit names by its catalogued code.

For the calls whose refusals a partner acts on by code (points, proofs),
the hub's ErrorInfo reason is turned into an exception of the caller's own
kind when it is one of the codes that call can meet; anything else stays a
HubCallError (the hub unreachable, or failing otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TypeVar

import grpc

from adapters.hub_call_errors import HubCallError
from carbonhub_contract.error_details import error_info


class CataloguedRefusal(Exception):
    """The hub refused the request with a catalogued code."""

    def __init__(self, rpc: str, code: str, message: str, details: dict[str, str]) -> None:
        super().__init__(f"{rpc} refused: {code}: {message}")
        self.rpc = rpc
        self.code = code
        self.message = message
        self.details = details


R = TypeVar("R", bound=CataloguedRefusal)
T = TypeVar("T")


def catalogued_refusal(
    kind: type[R], codes: Collection[str], rpc: str, failed: HubCallError | grpc.RpcError
) -> R | None:
    """``failed`` as a ``kind`` when the hub named one of ``codes``, else None."""
    error = failed.__cause__ if isinstance(failed, HubCallError) else failed
    if not isinstance(error, grpc.Call):
        return None
    try:
        info = error_info(error)
    except ValueError:
        return None
    if info is None or info.reason not in codes:
        return None
    return kind(rpc, info.reason, error.details() or "", dict(info.metadata))


def call_refusing(kind: type[R], codes: Collection[str], rpc: str, call: Callable[[], T]) -> T:
    """``call()``, its catalogued refusals raised as ``kind``, other failures
    as HubCallError."""
    try:
        return call()
    except HubCallError as failed:
        refused = catalogued_refusal(kind, codes, rpc, failed)
        if refused is not None:
            raise refused from failed
        raise
    except grpc.RpcError as failed:
        refused = catalogued_refusal(kind, codes, rpc, failed)
        if refused is not None:
            raise refused from failed
        raise HubCallError(rpc, failed) from failed
