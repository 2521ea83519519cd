"""What partners attest: cancellation at source, and inventory exclusions
(the wire's "accounting adjustments": hub.domain.inventory_exclusions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, Decimal

from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.checks import CheckResult, fire
from hub.domain.locks import OriginBlock


@dataclass(frozen=True, slots=True)
class SourceCancellation:
    """The origin registry cancelled (part of) a claim's origin block for the hub.

    Lock at source, then issue (like a bridge retiring at the source registry
    with the bridge's id in the retirement note): the note must name the hub
    claim id, ``origin_serial`` must be the claim's origin block, and no other
    claim or cancellation may have used it. ``cancelled`` is the part of the
    block the origin split off and cancelled, exactly the units Shenzhen
    credits (check_cancelled_range); None: the whole block, as attested before
    partners could name a part. The claim's origin lock then covers only the
    cancelled part: the origin keeps the rest of its block.
    """

    partner: str
    claim_id: str
    origin_serial: str
    cancellation_id: str
    note: str
    cancelled_at: datetime
    attested_at: datetime
    cancelled: OriginBlock | None = None


@dataclass(frozen=True, slots=True)
class AdjustmentAttestation:
    partner: str
    reference: str
    status: AdjustmentStatus  # COMMITTED, COMPLETED or REVOKED
    attested_at: datetime
    note: str = ""
    # What the exclusion covers (tCO2e, and the vintage); None on attestations
    # sent before the wire carried them, and on revocations.
    quantity: Decimal | None = None
    vintage: int | None = None


# Unit numbers of an origin block have at most twelve digits (hub.domain.origin_serials).
UNIT_NUMBER_MAX = 10**12 - 1


def units_to_cancel(credited_tco2e: Decimal) -> int:
    """Origin units to cancel for a claim Shenzhen credits ``credited_tco2e``.

    One unit for every whole tonne and one for a remaining fraction (the
    ceiling): Shenzhen issues whole units from an account's carried
    fractions (hub.domain.issuance), so a fraction credited here may become
    part of a Shenzhen unit; its origin unit is cancelled rather than left
    usable at the origin. The origin gives up less than one unit per claim.
    """
    if credited_tco2e <= 0:
        return 0
    return int(credited_tco2e.to_integral_value(rounding=ROUND_CEILING))


def check_cancelled_range(
    block: OriginBlock, first: int, last: int, credited_tco2e: Decimal
) -> tuple[OriginBlock | None, list[CheckResult]]:
    """The part of the claim's origin ``block`` the origin cancelled, units
    ``first`` to ``last``: within the block, exactly units_to_cancel(credited)
    units, or the whole block when that is fewer. The origin keeps the rest
    of its block. Returns the cancelled part when it holds, else None and why
    not."""
    attested = f"{first}-{last}"
    if not (1 <= first <= last <= UNIT_NUMBER_MAX):
        return None, [
            fire("SOURCE_CANCELLATION_RANGE_MALFORMED", attested=attested, field="cancelled_first")
        ]
    whole = f"{block.first}-{block.last}"
    if first < block.first or last > block.last:
        return None, [
            fire(
                "SOURCE_CANCELLATION_RANGE_OUTSIDE_BLOCK",
                attested=attested,
                block=whole,
                field="cancelled_first",
            )
        ]
    part = OriginBlock(series=block.series, first=first, last=last)
    # Shenzhen may credit more than the origin issued (its own recomputation):
    # the origin then cancels its whole block, all it has.
    expected = min(units_to_cancel(credited_tco2e), block.units)
    if part.units != expected:
        code = (
            "SOURCE_CANCELLATION_RANGE_EXCEEDS_CREDITED"
            if part.units > expected
            else "SOURCE_CANCELLATION_RANGE_SHORT_OF_CREDITED"
        )
        return None, [
            fire(
                code,
                units=str(part.units),
                expected=str(expected),
                credited=str(credited_tco2e),
                field="cancelled_last",
            )
        ]
    return part, []
