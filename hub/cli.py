"""``carbon-hub``: the hub's command line.

Typer gives typed options, help text and exit codes without hand-written
argument parsing; rich renders tables and progress bars.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from hub.settings import HubSettings

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Carbon Inclusion Federation Hub"
)
console = Console(stderr=True)

GrpcPort = Annotated[int | None, typer.Option("--grpc-port", help="gRPC port (0: any free port)")]
GrpcHost = Annotated[str | None, typer.Option("--grpc-host", help="address to bind")]
DataDir = Annotated[Path | None, typer.Option("--data-dir", help="folder of the embedded database")]
DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="SQLAlchemy URL (PostgreSQL)")
]
ConfigFile = Annotated[Path | None, typer.Option("--config", help="TOML settings file")]
Insecure = Annotated[
    bool | None,
    typer.Option("--insecure/--secure", help="plaintext gRPC on loopback (development only)"),
]


def build_settings(**flags: Any) -> HubSettings:
    """Settings from the flags that were given, then HUB_* environment, then the config file."""
    given = {name: value for name, value in flags.items() if value is not None}
    try:
        return HubSettings(**given)
    except (ValidationError, ValueError) as problem:
        console.print(f"[red]invalid settings:[/red] {problem}")
        raise typer.Exit(2) from problem


@app.command()
def serve(
    grpc_port: GrpcPort = None,
    grpc_host: GrpcHost = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
    insecure: Insecure = None,
) -> None:
    """Run the hub until interrupted (Ctrl-C or SIGTERM)."""
    from hub.grpc_api.server import InsecureBindRefused, check_bind_allowed

    settings = build_settings(
        grpc_port=grpc_port,
        grpc_host=grpc_host,
        data_dir=data_dir,
        database_url=database_url,
        config_file=config,
        insecure=insecure,
    )
    try:
        check_bind_allowed(settings)
    except InsecureBindRefused as refused:
        console.print(f"[red]refused:[/red] {refused}")
        raise typer.Exit(2) from refused
    # Handlers first: a signal arriving once the port is announced must
    # still stop the hub gracefully.
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    hub = _build_or_exit(settings)
    running = hub.serve()
    console.print(
        "[bold yellow]WARNING: plaintext gRPC (--insecure), "
        "for development on loopback only[/bold yellow]\n"
        f"carbon-hub serving on {settings.grpc_host}:{running.port} "
        f"(database {_redacted(settings.resolved_database_url())}, standard {hub.standard.version})"
    )
    # Machine-readable line for scripts and tests that start the hub on port 0.
    print(f"LISTENING {settings.grpc_host}:{running.port}", flush=True)
    stop.wait()
    console.print("stopping")
    running.stop()
    hub.close()


def _build_or_exit(settings: HubSettings) -> Any:
    from hub.bootstrap import build_hub
    from hub.standard import StandardError

    try:
        return build_hub(settings)
    except StandardError as problem:
        console.print(f"[red]the standard does not load:[/red] {problem}")
        raise typer.Exit(2) from problem


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def demo(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", help="keep the hub's database here (default: a new temp folder)"
        ),
    ] = None,
) -> None:
    """Start a hub and run the Guangdong and Hong Kong adapters over the sample deliveries."""
    from hub.demo import run_demo

    run_demo(data_dir, Console())


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
