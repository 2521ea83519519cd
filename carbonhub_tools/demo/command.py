"""``carbon-hub demo``: a hub started in process, the sample deliveries sent
through the Guangdong, Hong Kong and Macao adapters, its figures printed
(and, with ``--serve``, the hub kept serving). Registered as a command of
``carbon-hub`` by the ``carbon_hub.commands`` entry point."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()


def demo(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", help="keep the hub's database here (default: a new temp folder)"
        ),
    ] = None,
    serve: Annotated[
        bool,
        typer.Option(
            "--serve", help="then keep serving: disclosure and console URLs, until Ctrl-C"
        ),
    ] = False,
    http_port: Annotated[
        int, typer.Option("--http-port", help="HTTP port with --serve (0: any free port)")
    ] = 8080,
) -> None:
    """Start a hub and run the Guangdong and Hong Kong adapters over the sample deliveries."""
    import tempfile

    from carbonhub_tools.demo.run import run_demo, serve_demo

    folder = data_dir
    if serve and folder is None:
        folder = Path(tempfile.mkdtemp(prefix="carbon-hub-demo-"))
    from hub.http_api.server import HttpStartFailed

    run_demo(folder, Console())
    if serve and folder is not None:
        try:
            serve_demo(folder, Console(), http_port=http_port)
        except HttpStartFailed as failed:
            console.print(f"[red]refused:[/red] {failed} (choose another --http-port)")
            raise typer.Exit(2) from failed
