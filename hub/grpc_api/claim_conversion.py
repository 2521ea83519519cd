"""NeutralityClaim between the wire (exchange.proto) and hub.domain.neutrality.

Shape only (dates, decimals, a known claimant kind); what a claim must say
for its purpose is the domain's (claim_problems)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as exchange_pb
from hub.domain.neutrality import ClaimantKind, NeutralityClaim, tonnes_text
from hub.errors import InvalidRequest

_KIND = {
    ClaimantKind.ORGANISATION: exchange_pb.CLAIMANT_KIND_ORGANISATION,
    ClaimantKind.PERSON: exchange_pb.CLAIMANT_KIND_PERSON,
    ClaimantKind.EVENT: exchange_pb.CLAIMANT_KIND_EVENT,
}
_KIND_FROM = {wire: kind for kind, wire in _KIND.items()}


def _malformed(field: str, message: str, retirement_id: str) -> InvalidRequest:
    return InvalidRequest(
        "CLAIM_MALFORMED",
        f"claim.{field}: {message}",
        {"retirement_id": retirement_id, "field": f"claim.{field}"},
    )


def _day(text: str, field: str, retirement_id: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as error:
        raise _malformed(field, "a date YYYY-MM-DD", retirement_id) from error


def claim_from_proto(
    message: exchange_pb.ReportRetirementRequest,
) -> NeutralityClaim | None:
    if not message.HasField("claim"):
        return None
    wire = message.claim
    rid = message.retirement_id
    kind = _KIND_FROM.get(wire.claimant_kind)
    if kind is None:
        raise _malformed("claimant_kind", f"{wire.claimant_kind} is missing or unknown", rid)
    try:
        footprint = Decimal(wire.footprint_tco2e.strip())
    except InvalidOperation as error:
        raise _malformed("footprint_tco2e", "a decimal number of tCO2e", rid) from error
    if not footprint.is_finite():
        raise _malformed("footprint_tco2e", "a decimal number of tCO2e", rid)
    return NeutralityClaim(
        claim_id=wire.claim_id,
        claimant_kind=kind,
        claimant_name=wire.claimant_name.strip(),
        event_name=wire.event_name.strip() or None,
        period_start=_day(wire.period_start, "period_start", rid),
        period_end=_day(wire.period_end, "period_end", rid),
        footprint_tco2e=footprint,
        total_units=wire.total_units,
    )


def claim_to_proto(claim: NeutralityClaim) -> exchange_pb.NeutralityClaim:
    return exchange_pb.NeutralityClaim(
        claim_id=claim.claim_id,
        claimant_kind=_KIND[claim.claimant_kind],
        claimant_name=claim.claimant_name,
        event_name=claim.event_name or "",
        period_start=claim.period_start.isoformat(),
        period_end=claim.period_end.isoformat(),
        footprint_tco2e=tonnes_text(claim.footprint_tco2e),
        total_units=claim.total_units,
    )
