"""The exchange's side of a reconciliation: the holdings it states, and the hub's report read back.

The exchange states only what it confirmed holding (acknowledged blocks),
by block id, with the retirements that moved each; phase-1 totals are
counted from the same holdings, so the two never disagree with each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger
from hub.exchange_client.state import BlockStatus, ExchangeState, RetirementStatus

EXCHANGE = "EXCHANGE"  # the counterpart name the hub gives the exchange in reconciliations

# How the exchange states its holdings: the hub's BlockState names.
_HOLDING_STATE: dict[BlockStatus, str] = {
    BlockStatus.HELD: "DELIVERED",
    BlockStatus.RETIRED: "RETIRED",
    BlockStatus.CANCELLED: "CANCELLED",
}


@dataclass(frozen=True, slots=True)
class DiscrepancyView:
    """One difference the hub found between its ledger and the exchange's holdings."""

    phase: str
    kind: str
    subject_id: str
    hub_value: str
    counterpart_value: str


@dataclass(frozen=True, slots=True)
class ReconciliationOutcome:
    """The hub's report on one reconciliation the exchange answered."""

    reconciliation_id: str
    status: str  # CONSISTENT, INCONSISTENT, ...
    discrepancies: tuple[DiscrepancyView, ...] = ()
    frozen_block_ids: tuple[str, ...] = ()


def holdings_of(state: ExchangeState) -> list[ledger.Holding]:
    """The exchange's holdings as it states them for reconciliation, by block id."""
    trails: dict[str, list[str]] = {}
    for r in state.retirements.values():
        if r.status is RetirementStatus.DONE:
            trails.setdefault(r.retired_block_id, []).append(f"RETIRED:{r.retirement_id}")
    return [
        ledger.Holding(
            subject_id=b.block_id,
            state=_HOLDING_STATE[b.status],
            vintage=b.vintage,
            quantity=str(b.units),
            serial=b.serial,
            trail=sorted(trails.get(b.block_id, [])),
        )
        for b in sorted(state.blocks.values(), key=lambda b: b.block_id)
        # Only what the exchange confirmed holding: a block never acknowledged
        # was never the exchange's, at the hub either (even if cancelled since).
        if b.status in _HOLDING_STATE and b.acknowledged
    ]


def totals_of(holdings: list[ledger.Holding]) -> list[ledger.HoldingTotal]:
    """Phase-1 totals per (state, vintage): count and units."""
    sums: dict[tuple[str, int], tuple[int, int]] = {}
    for h in holdings:
        count, units = sums.get((h.state, h.vintage), (0, 0))
        sums[(h.state, h.vintage)] = (count + 1, units + int(h.quantity))
    return [
        ledger.HoldingTotal(state=s, vintage=v, count=c, quantity=str(q))
        for (s, v), (c, q) in sorted(sums.items())
    ]


def reconciliation_outcome(report: ledger.ReconciliationReport) -> ReconciliationOutcome:
    """The hub's reconciliation report as the client shows it."""
    status = ledger.ReconciliationStatus.Name(report.status).removeprefix("RECONCILIATION_STATUS_")
    return ReconciliationOutcome(
        reconciliation_id=report.reconciliation_id,
        status=status,
        discrepancies=tuple(
            DiscrepancyView(d.phase, d.kind, d.subject_id, d.hub_value, d.counterpart_value)
            for d in report.discrepancies
        ),
        frozen_block_ids=tuple(report.frozen_block_ids),
    )
