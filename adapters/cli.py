"""carbon-hub-adapter: read a partner delivery and send it to the hub.

    carbon-hub-adapter guangdong --delivery DIR --hub HOST:PORT [--batch-size N]
    carbon-hub-adapter hongkong  --delivery DIR --hub HOST:PORT [--batch-size N]
    carbon-hub-adapter template  --delivery DIR --hub HOST:PORT [--batch-size N]

Exit codes: 0 the delivery was processed (rows may have been refused: see
the report); 2 the delivery was refused whole (manifest or every file bad),
nothing was sent; 3 the hub was unreachable or a call to it failed.
The channel is plaintext for now; mutual TLS replaces it later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import grpc
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from adapters.delivery import Delivery
from adapters.delivery_report import DeliveryReport
from adapters.hub_client import HubCallError, HubProtocolError, submit_delivery
from adapters.registry import ADAPTERS, adapter_for
from adapters.report import render_refused, render_report

EXIT_REFUSED = 2
EXIT_HUB = 3

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

DeliveryOption = Annotated[
    Path,
    typer.Option(
        "--delivery",
        exists=True,
        file_okay=False,
        dir_okay=True,
        help="the delivery folder (manifest.json and its files)",
    ),
]
HubOption = Annotated[str, typer.Option("--hub", help="the hub's gRPC address, HOST:PORT")]
BatchOption = Annotated[
    int, typer.Option("--batch-size", min=1, help="claims per envelope on the stream")
]
TimeoutOption = Annotated[
    float, typer.Option("--connect-timeout", min=0.1, help="seconds to wait for the hub")
]


def _send(
    delivery: Delivery, hub: str, batch_size: int, timeout: float, console: Console
) -> DeliveryReport:
    channel = grpc.insecure_channel(hub)
    try:
        try:
            grpc.channel_ready_future(channel).result(timeout=timeout)
        except grpc.FutureTimeoutError:
            console.print(f"[red]hub {hub} is unreachable (no connection within {timeout:g} s)[/]")
            raise typer.Exit(EXIT_HUB) from None
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task(f"{delivery.delivery_id}: claims", total=len(delivery.claims))
            return submit_delivery(
                delivery,
                channel,
                batch_size=batch_size,
                on_progress=lambda n: progress.advance(task, n),
            )
    except (HubCallError, HubProtocolError) as error:
        console.print(f"[red]hub {hub}: {error}[/]")
        raise typer.Exit(EXIT_HUB) from error
    finally:
        channel.close()


def run(name: str, delivery_dir: Path, hub: str, batch_size: int, timeout: float) -> None:
    console = Console()
    delivery = adapter_for(name).read(delivery_dir)
    if delivery.refused:
        render_refused(delivery.problems, delivery.delivery_id, console)
        console.print(f"[red]delivery {delivery.delivery_id} refused whole; nothing was sent[/]")
        raise typer.Exit(EXIT_REFUSED)
    console.print(
        f"{delivery.partner} {delivery.delivery_id}: {delivery.rows_read} rows read, "
        f"{len(delivery.projects)} projects and {len(delivery.claims)} claims to send, "
        f"{len(delivery.problems)} problems found by the adapter"
    )
    report = _send(delivery, hub, batch_size, timeout, console)
    render_report(report, console)


def _command(name: str) -> None:
    def command(
        delivery: DeliveryOption,
        hub: HubOption,
        batch_size: BatchOption = 500,
        connect_timeout: TimeoutOption = 10.0,
    ) -> None:
        run(name, delivery, hub, batch_size, connect_timeout)

    command.__doc__ = f"Read a {name} delivery and send it to the hub."
    app.command(name)(command)


for _name in ADAPTERS:
    _command(_name)


def main() -> None:
    app()
