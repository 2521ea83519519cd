"""The partner's carbon points calls: redeem a person's points, read their balance.

A redemption is a signed write (payload type carbonhub.v1.RedeemPointsRequest)
numbered like every other (adapters.partner_signing); overtaken by another
writer of the partner it is signed anew and sent again (signed_calls.ReplayRetry).
Sending it again is always safe: the hub knows it by its redemption id and
answers the first redemption (``repeated``), deregistering nothing more.

The hub's refusals of the request itself (a person the partner never
reported, too few points, an id used for something else ...) come back as
PointsRefused with the hub's code; a hub that cannot be reached or fails
otherwise as HubCallError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import grpc

from adapters.catalogued_refusals import CataloguedRefusal, call_refusing
from adapters.partner_signing import UNARY_TIMEOUT, PartnerSigner
from adapters.signed_calls import REPLAY_RETRY, ReplayRetry, partner_stub, signed_call
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.vocabulary.envelopes import PayloadType

T = TypeVar("T")

# The hub's answers about the points themselves (docs/refusals.md, "Ledger
# requests"): the request was understood and refused, nothing was recorded.
POINTS_REFUSALS = frozenset(
    {
        "PERSON_NOT_REPORTED",
        "POINTS_INSUFFICIENT",
        "REDEMPTION_CONFLICT",
        "REDEMPTION_ID_INVALID",
        "POINTS_NOT_POSITIVE",
        "REDEMPTION_MALFORMED",
    }
)


class PointsRefused(CataloguedRefusal):
    """The hub refused the points request with one of POINTS_REFUSALS."""


@dataclass(frozen=True, slots=True)
class RedemptionOutcome:
    partner: str
    redemption_id: str
    person: str
    points: int
    balance: int  # the person's points with the partner after the redemption
    repeated: bool  # recorded before under this id: nothing more was deregistered


@dataclass(frozen=True, slots=True)
class PointsBalanceInfo:
    partner: str
    person: str
    balance: int
    awarded: int
    redeemed: int
    expired: int
    reversed: int
    next_expiry: str  # RFC 3339; empty: no points held
    next_expiry_points: int


def _points_call(rpc: str, call: Callable[[], T]) -> T:
    return call_refusing(PointsRefused, POINTS_REFUSALS, rpc, call)


def redeem_points(
    channel: grpc.Channel,
    signer: PartnerSigner,
    person: str,
    points: int,
    redemption_id: str,
    *,
    purpose: str = "",
    redeemed_at: datetime | None = None,
    retry: ReplayRetry = REPLAY_RETRY,
) -> RedemptionOutcome:
    """Deregister ``points`` of ``person`` once under ``redemption_id``."""
    if redeemed_at is not None and redeemed_at.tzinfo is None:
        raise ValueError("redeemed_at must carry a time zone")
    request = pb.RedeemPointsRequest(
        partner=signer.partner,
        redemption_id=redemption_id,
        person_pseudonym=person,
        points=points,
        purpose=purpose,
        redeemed_at=redeemed_at.isoformat() if redeemed_at is not None else "",
    )
    stub = partner_stub(channel)
    answer: pb.PointsRedemption = _points_call(
        "RedeemPoints",
        lambda: signed_call(
            "RedeemPoints",
            stub.RedeemPoints,
            PayloadType.POINTS_REDEMPTION,
            request,
            stub=stub,
            signer=signer,
            retry=retry,
        ),
    )
    return RedemptionOutcome(
        partner=answer.partner,
        redemption_id=answer.redemption_id,
        person=answer.person_pseudonym,
        points=answer.points,
        balance=answer.balance,
        repeated=answer.repeated,
    )


def points_balance(channel: grpc.Channel, partner: str, person: str) -> PointsBalanceInfo:
    """The points ``partner`` holds for ``person``, a person it reported itself."""
    stub = partner_stub(channel)
    answer: pb.PointsBalance = _points_call(
        "GetPointsBalance",
        lambda: stub.GetPointsBalance(
            pb.GetPointsBalanceRequest(partner=partner, person_pseudonym=person),
            timeout=UNARY_TIMEOUT,
        ),
    )
    return PointsBalanceInfo(
        partner=answer.partner,
        person=answer.person_pseudonym,
        balance=answer.balance,
        awarded=answer.awarded,
        redeemed=answer.redeemed,
        expired=answer.expired,
        reversed=answer.reversed,
        next_expiry=answer.next_expiry,
        next_expiry_points=answer.next_expiry_points,
    )
