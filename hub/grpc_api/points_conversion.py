"""Carbon points on the wire: RedeemPointsRequest in, PointsRedemption and
PointsBalance out. Parsing only; the rules are the PointsService's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from hub.domain.points_statement import PointsStatement
from hub.errors import InvalidRequest
from hub.grpc_api.ledger_conversion import parse_rfc3339, rfc3339
from hub.services.points import Redemption


@dataclass(frozen=True, slots=True)
class RedemptionArgs:
    """PointsService.redeem's arguments, parsed. The id and the number of
    points are the service's to judge (REDEMPTION_ID_INVALID, POINTS_NOT_POSITIVE)."""

    partner: str
    person: str
    redemption_id: str
    points: int
    purpose: str
    redeemed_at: datetime | None


def redemption_from_proto(message: pb.RedeemPointsRequest) -> RedemptionArgs:
    redeemed_at: datetime | None = None
    if message.redeemed_at.strip():
        try:
            redeemed_at = parse_rfc3339(message.redeemed_at)
        except ValueError as problem:
            raise InvalidRequest(
                "REDEMPTION_MALFORMED",
                f"redeemed_at: {problem}",
                {"redemption_id": message.redemption_id, "field": "redeemed_at"},
            ) from problem
    return RedemptionArgs(
        partner=message.partner,
        person=message.person_pseudonym,
        redemption_id=message.redemption_id,
        points=message.points,
        purpose=message.purpose,
        redeemed_at=redeemed_at,
    )


def redemption_to_proto(redemption: Redemption) -> pb.PointsRedemption:
    return pb.PointsRedemption(
        partner=redemption.partner,
        redemption_id=redemption.redemption_id,
        person_pseudonym=redemption.person,
        points=redemption.points,
        balance=redemption.balance,
        repeated=redemption.repeated,
    )


def balance_to_proto(partner: str, person: str, statement: PointsStatement) -> pb.PointsBalance:
    return pb.PointsBalance(
        partner=partner,
        person_pseudonym=person,
        balance=statement.balance,
        awarded=statement.awarded,
        redeemed=statement.redeemed,
        expired=statement.expired,
        reversed=statement.reversed,
        next_expiry=rfc3339(statement.next_expiry) if statement.next_expiry else "",
        next_expiry_points=statement.next_expiry_points,
    )
