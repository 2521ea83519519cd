"""A partner's records and the exchange's blocks as reconciliation holdings.

The hub and a counterpart each state their holdings in this one shape
(hub.domain.reconciliation compares them). A partner's adapter and the hub
both build a record's holding with ``partner_holding``, so equal records
compare equal. Pure standard library.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from carbonhub_contract.vocabulary.records import ClaimSubmission, OriginStatus


@dataclass(frozen=True, slots=True)
class Total:
    state: str
    vintage: int
    count: int
    quantity: Decimal
    platform: str = ""  # partner: the reporting platform of personal records; else ""


@dataclass(frozen=True, slots=True)
class Holding:
    subject_id: str  # exchange: block id; partner: record id
    state: str  # exchange: BlockState; partner: OriginStatus as the registry holds it
    vintage: int  # 0 when unknown
    quantity: Decimal  # exchange: units; partner: reported tCO2e (0 when none)
    serial: str = ""  # exchange: SZCER serial; partner: origin serial
    digest: str = ""  # partner: reconciliation digest of the record; exchange: empty
    trail: frozenset[str] = frozenset()  # e.g. "RETIRED:<retirement id>", "SOURCE_CANCELLED:<id>"
    platform: str = ""  # partner: the platform the record names ("" none); exchange: ""


TotalKey = tuple[str, int, str]  # state, vintage, platform


def totals_of(holdings: list[Holding]) -> list[Total]:
    """Phase-1 totals of a holding list, sorted by (state, vintage, platform)."""
    sums: dict[TotalKey, tuple[int, Decimal]] = {}
    for h in holdings:
        key = (h.state, h.vintage, h.platform)
        count, quantity = sums.get(key, (0, Decimal(0)))
        sums[key] = (count + 1, quantity + h.quantity)
    return [Total(s, v, c, q, p) for (s, v, p), (c, q) in sorted(sums.items())]


def total_subject(state: str, vintage: int, platform: str = "") -> str:
    """A total's subject: "<state>/<vintage>", and "/<platform>" where it has one."""
    return f"{state}/{vintage}/{platform}" if platform else f"{state}/{vintage}"


def source_cancelled_entry(cancellation_id: str) -> str:
    """The trail entry of a cancellation at source attested for the hub."""
    return f"SOURCE_CANCELLED:{cancellation_id}"


def partner_holding(
    submission: ClaimSubmission, origin_status: OriginStatus, trail: Iterable[str] = ()
) -> Holding:
    """One partner record as a holding; the partner's adapter and the hub both
    build it with this function, so equal records compare equal.

    Vintage and quantity are read syntactically (year of the period end,
    reported tCO2e) so they exist even for a record the hub rejected.
    """
    year_text = submission.period_end.strip()[:4]
    vintage = int(year_text) if year_text.isdigit() else 0
    try:
        quantity = Decimal((submission.reported_tco2e or "0").strip() or "0")
    except InvalidOperation:
        quantity = Decimal(0)
    if not quantity.is_finite():
        quantity = Decimal(0)
    return Holding(
        subject_id=submission.record_id,
        state=str(origin_status),
        vintage=vintage,
        quantity=quantity,
        serial=(submission.origin_serial or "").strip(),
        digest=submission.reconciliation_digest(),
        trail=frozenset(trail),
        platform=(submission.platform or "").strip(),
    )
