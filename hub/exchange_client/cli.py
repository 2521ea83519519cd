"""``carbon-hub exchange-client``: run the reference Shenzhen exchange against a hub.

Exit codes: 0 done (or stopped by Ctrl-C / SIGTERM), 1 a reconciliation came
back inconsistent, 2 the state file is unreadable, 3 the hub was unreachable.
"""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path
from typing import Annotated

import grpc
import typer
from rich.console import Console
from rich.table import Table

from hub.exchange_client.client import (
    ExchangeClient,
    ExchangeUnavailable,
    ReconciliationOutcome,
    RetirementOutcome,
    SyncSummary,
)
from hub.exchange_client.state import BlockStatus, ExchangeState, RetirementStatus, StateFileError

EXIT_INCONSISTENT = 1
EXIT_STATE = 2
EXIT_HUB = 3


def exchange_client_command(
    hub: Annotated[str, typer.Option("--hub", help="the hub's gRPC address, HOST:PORT")],
    state: Annotated[
        Path, typer.Option("--state", help="the exchange's state file (created when missing)")
    ],
    follow: Annotated[
        bool, typer.Option("--follow/--no-follow", help="keep the stream open for new blocks")
    ] = False,
    retire: Annotated[
        bool, typer.Option("--retire/--no-retire", help="retire blocks by the reference policy")
    ] = True,
    reconcile: Annotated[
        bool,
        typer.Option("--reconcile/--no-reconcile", help="answer reconciliations the hub requested"),
    ] = True,
    start_reconciliation: Annotated[
        bool, typer.Option("--start-reconciliation", help="start one when none is requested")
    ] = False,
    connect_timeout: Annotated[
        float, typer.Option("--connect-timeout", min=0.1, help="seconds to wait for the hub")
    ] = 10.0,
) -> None:
    """Play the Shenzhen exchange: hold, acknowledge, retire and reconcile the hub's blocks."""
    console = Console()
    channel = grpc.insecure_channel(hub)
    try:
        try:
            grpc.channel_ready_future(channel).result(timeout=connect_timeout)
        except grpc.FutureTimeoutError:
            console.print(
                f"[red]hub {hub} is unreachable (no connection within {connect_timeout:g} s)[/]"
            )
            raise typer.Exit(EXIT_HUB) from None
        try:
            client = ExchangeClient(channel, state)
        except StateFileError as problem:
            console.print(f"[red]{state}: {problem}[/]")
            raise typer.Exit(EXIT_STATE) from problem
        # SIGTERM stops like Ctrl-C: after the event in hand, state file consistent.
        signal.signal(signal.SIGTERM, lambda *_: client.stop())
        reconciled: list[ReconciliationOutcome] = []

        def on_reconciled(outcomes: list[ReconciliationOutcome]) -> None:
            reconciled.extend(outcomes)
            render_reconciliations(outcomes, console)

        try:
            summary = client.run(
                follow=follow,
                retire=retire,
                reconcile=reconcile,
                start_reconciliation=start_reconciliation,
                on_retired=lambda outcomes: render_retirements(outcomes, console),
                on_reconciled=on_reconciled,
            )
        except ExchangeUnavailable as problem:
            console.print(f"[red]hub {hub} unavailable: {problem}[/]")
            render_state(client.state, None, console)
            raise typer.Exit(EXIT_HUB) from problem
        except grpc.RpcError as problem:
            console.print(f"[red]hub {hub}: {problem.code().name}: {problem.details()}[/]")
            raise typer.Exit(EXIT_HUB) from problem
        render_state(client.state, summary, console)
        if any(o.status == "INCONSISTENT" for o in reconciled):
            raise typer.Exit(EXIT_INCONSISTENT)
    finally:
        channel.close()


def render_retirements(outcomes: list[RetirementOutcome], console: Console) -> None:
    for o in outcomes:
        if o.refusal:
            console.print(f"[yellow]retirement {o.retirement_id} refused: {o.refusal}[/]")
        else:
            replay = " (replay)" if o.replay else ""
            console.print(f"retired {o.units} t of {o.block_id} for {o.purpose}{replay}")


def render_reconciliations(outcomes: list[ReconciliationOutcome], console: Console) -> None:
    for o in outcomes:
        colour = "green" if o.status == "CONSISTENT" else "red"
        console.print(f"reconciliation {o.reconciliation_id}: [{colour}]{o.status}[/]")
        if o.discrepancies:
            table = Table("phase", "kind", "subject", "hub", "exchange")
            for d in o.discrepancies:
                table.add_row(d.phase, d.kind, d.subject_id, d.hub_value, d.counterpart_value)
            console.print(table)


def render_state(state: ExchangeState, summary: SyncSummary | None, console: Console) -> None:
    blocks = list(state.blocks.values())
    received = [b for b in blocks if not b.from_retirement]
    table = Table("exchange", "blocks", "tCO2e", title="Shenzhen exchange (reference client)")
    table.add_row("received", str(len(received)), str(sum(b.units for b in received)))
    acknowledged = [b for b in blocks if b.acknowledged]
    table.add_row("acknowledged", str(len(acknowledged)), str(sum(b.units for b in acknowledged)))
    held = [b for b in blocks if b.status is BlockStatus.HELD]
    table.add_row("held", str(len(held)), str(sum(b.units for b in held)))
    done = [r for r in state.retirements.values() if r.status is RetirementStatus.DONE]
    counts = Counter(r.purpose for r in done)
    for purpose in sorted(counts):
        units = sum(r.units for r in done if r.purpose == purpose)
        table.add_row(f"retired {purpose}", str(counts[purpose]), str(units))
    pending = [r for r in state.retirements.values() if r.status is RetirementStatus.PENDING]
    if pending:
        # Interrupted mid-report: the next run reports them again under the same ids.
        table.add_row("retirements pending", str(len(pending)), str(sum(r.units for r in pending)))
    refused = [r for r in state.retirements.values() if r.status is RetirementStatus.REFUSED]
    if refused:
        table.add_row("retirements refused", str(len(refused)), str(sum(r.units for r in refused)))
    cancelled = [b for b in blocks if b.status is BlockStatus.CANCELLED]
    table.add_row("cancelled", str(len(cancelled)), str(sum(b.units for b in cancelled)))
    frozen = [b for b in held if b.frozen]
    if frozen:
        table.add_row("frozen", str(len(frozen)), str(sum(b.units for b in frozen)))
    console.print(table)
    line = f"cursor {state.cursor}"
    if summary is not None:
        line += f"; {summary.events} events this run, {summary.reconnects} reconnections"
        if summary.interrupted:
            line += "; interrupted"
    console.print(line)
