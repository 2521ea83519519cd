"""A signed write to the hub, sent again when another writer of the partner overtook it.

Two writers of one partner (a nightly delivery and an operator's
attestation, say) share the partner's sequence, so one overtakes the other:
the hub refuses the overtaken write as ENVELOPE_REPLAYED and records
nothing. The client then catches its signer up with the hub's last sequence
and sends again what was not answered (``ReplayRetry``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import grpc

from adapters.hub_call_errors import HubCallError
from adapters.partner_signing import (
    UNARY_TIMEOUT,
    PartnerSigner,
    SequencedMessage,
    last_recorded_sequence,
)
from carbonhub_contract.error_details import overtaken_write
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from carbonhub_contract.vocabulary.envelopes import PayloadType

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class ReplayRetry:
    """How a write refused as overtaken (ENVELOPE_REPLAYED) is sent again.

    Such a refusal records nothing and means another writer of the partner
    advanced its sequence past the number sent. The client catches its
    signer up (GetPartnerSequence) and sends again after a short jittered
    pause, growing with each refusal, so the other writer's stream can move
    on instead of both overtaking each other in step. At most ``resends``
    times per request (for a claim stream: in a row, with no envelope
    answered in between), so a hub that refuses forever still ends in
    HubCallError.
    """

    resends: int = 20
    first_pause: float = 0.05  # seconds
    longest_pause: float = 2.0
    sleep: Callable[[float], None] = time.sleep

    def pause(self, refusals: int) -> None:
        """Wait before the resend that follows the ``refusals``-th refusal in a row."""
        ceiling = min(self.longest_pause, self.first_pause * 2 ** (refusals - 1))
        self.sleep(random.uniform(ceiling / 2, ceiling))


REPLAY_RETRY = ReplayRetry()


def partner_stub(channel: grpc.Channel) -> pb_grpc.PartnerServiceStub:
    """The PartnerService stub on ``channel``."""
    return pb_grpc.PartnerServiceStub(channel)  # type: ignore[no-untyped-call]


def after_refusal(
    rpc: str,
    error: grpc.RpcError,
    refusals: int,
    stub: pb_grpc.PartnerServiceStub,
    signer: PartnerSigner,
    retry: ReplayRetry,
) -> None:
    """Get ready to send again after the ``refusals``-th refusal in a row, or raise.

    Anything but an overtaken write, or one refused more than ``retry``
    allows, raises HubCallError. Otherwise the signer numbers on above the
    hub's last sequence.
    """
    if not overtaken_write(error) or refusals > retry.resends:
        raise HubCallError(rpc, error) from error
    retry.pause(refusals)
    try:
        last = last_recorded_sequence(stub, signer.partner)
    except grpc.RpcError as failed:
        raise HubCallError("GetPartnerSequence", failed) from failed
    signer.catch_up(last)


def signed_call(
    rpc: str,
    send: Callable[..., R],
    payload_type: PayloadType,
    request: SequencedMessage,
    *,
    stub: pb_grpc.PartnerServiceStub,
    signer: PartnerSigner,
    retry: ReplayRetry,
) -> R:
    """A unary signed write, the same request signed anew each time it is sent."""
    refusals = 0
    while True:
        try:
            return send(signer.sign(payload_type, request), timeout=UNARY_TIMEOUT)
        except grpc.RpcError as error:
            refusals += 1
            after_refusal(rpc, error, refusals, stub, signer, retry)
