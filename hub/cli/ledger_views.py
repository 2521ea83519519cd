"""Rich tables of ledger objects, for the command line and the demo."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from hub.domain.blocks import Block
from hub.services.reconciliation_port import StoredReconciliation


def render_blocks(blocks: Sequence[Block], console: Console, *, title: str) -> None:
    if not blocks:
        console.print(f"{title}: none")
        return
    table = Table(title=title)
    for column in ("serial", "units", "state", "adjustment", "block id"):
        table.add_column(column, justify="right" if column == "units" else "left")
    for block in sorted(blocks, key=lambda b: b.serial):
        adjustment = str(block.adjustment.status)
        if block.adjustment.reference:
            adjustment += f" ({block.adjustment.reference})"
        table.add_row(block.serial, str(block.units), str(block.state), adjustment, block.block_id)
    console.print(table)


def render_reconciliation(reconciliation: StoredReconciliation, console: Console) -> None:
    console.print(
        f"reconciliation {reconciliation.reconciliation_id} with {reconciliation.counterpart}: "
        f"[bold]{reconciliation.status}[/bold]"
    )
    if not reconciliation.discrepancies:
        return
    table = Table(title="Discrepancies")
    for column in ("id", "phase", "kind", "subject", "hub", "counterpart", "resolved", "block"):
        table.add_column(column)
    for stored in reconciliation.discrepancies:
        d = stored.discrepancy
        table.add_row(
            stored.discrepancy_id,
            str(d.phase),
            str(d.kind),
            d.subject_id,
            d.hub_value,
            d.counterpart_value,
            f"yes: {stored.resolution}" if stored.resolved else "no",
            f"{stored.block_id} (frozen)" if stored.block_id and not stored.resolved else "",
        )
    console.print(table)
