"""Reconciliation after the Kyoto ITL: totals, unit blocks, audit trail.

The hub and a counterpart (a partner registry or the exchange) each state
their *holdings* in one shape: a set of subjects (partner: its records;
exchange: its blocks), each with a state, vintage, quantity, a digest of
its content and an audit trail. Comparison runs in three phases:

1. totals per (state, vintage): count and quantity;
2. unit blocks: every subject present on both sides with equal state,
   quantity, serial and digest;
3. audit trail: for every subject, the same trail entries on both sides.

Every difference is a Discrepancy naming the subject; the outcome is
CONSISTENT when there are none, INCONSISTENT otherwise. A bureau officer
resolving every discrepancy of an inconsistent reconciliation completes it
WITH_MANUAL_INTERVENTION. Blocks under an open discrepancy are frozen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from hub.domain.claims import ClaimSubmission, OriginStatus

EXCHANGE = "EXCHANGE"  # the counterpart name of the Shenzhen exchange


class ReconciliationStatus(StrEnum):
    REQUESTED = "REQUESTED"  # waiting for the counterpart's answer
    CONSISTENT = "CONSISTENT"
    INCONSISTENT = "INCONSISTENT"  # open discrepancies remain
    COMPLETED_WITH_MANUAL_INTERVENTION = "COMPLETED_WITH_MANUAL_INTERVENTION"


class Phase(StrEnum):
    TOTALS = "TOTALS"
    UNIT_BLOCKS = "UNIT_BLOCKS"
    AUDIT_TRAIL = "AUDIT_TRAIL"


class DiscrepancyKind(StrEnum):
    TOTAL_DIFFERS = "TOTAL_DIFFERS"  # phase 1: count or quantity of one (state, vintage)
    MISSING_AT_COUNTERPART = "MISSING_AT_COUNTERPART"  # the hub holds it, the counterpart not
    MISSING_AT_HUB = "MISSING_AT_HUB"  # the counterpart holds it, the hub not
    STATE_DIFFERS = "STATE_DIFFERS"
    QUANTITY_DIFFERS = "QUANTITY_DIFFERS"
    SERIAL_DIFFERS = "SERIAL_DIFFERS"
    CONTENT_DIFFERS = "CONTENT_DIFFERS"  # digests differ
    TRAIL_DIFFERS = "TRAIL_DIFFERS"  # phase 3: audit trail entries differ


@dataclass(frozen=True, slots=True)
class Total:
    state: str
    vintage: int
    count: int
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Holding:
    subject_id: str  # exchange: block id; partner: record id
    state: str  # exchange: BlockState; partner: OriginStatus as the registry holds it
    vintage: int  # 0 when unknown
    quantity: Decimal  # exchange: units; partner: reported tCO2e (0 when none)
    serial: str = ""  # exchange: SZCER serial; partner: origin serial
    digest: str = ""  # partner: reconciliation digest of the record; exchange: empty
    trail: frozenset[str] = frozenset()  # e.g. "RETIRED:<retirement id>", "SOURCE_CANCELLED:<id>"


@dataclass(frozen=True, slots=True)
class Discrepancy:
    phase: Phase
    kind: DiscrepancyKind
    subject_id: str  # the subject, or "<state>/<vintage>" for a total
    hub_value: str
    counterpart_value: str


def totals_of(holdings: list[Holding]) -> list[Total]:
    """Phase-1 totals of a holding list, sorted by (state, vintage)."""
    sums: dict[tuple[str, int], tuple[int, Decimal]] = {}
    for h in holdings:
        count, quantity = sums.get((h.state, h.vintage), (0, Decimal(0)))
        sums[(h.state, h.vintage)] = (count + 1, quantity + h.quantity)
    return [Total(s, v, c, q) for (s, v), (c, q) in sorted(sums.items())]


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
    )
