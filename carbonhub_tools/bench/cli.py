"""`carbon-hub bench`: typer commands; the work is in carbonhub_tools.bench.ingest."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

bench_app = typer.Typer(no_args_is_help=True, help="measure the hub from outside")
# Progress lines are not wrapped at 80 columns when stderr is a file.
_console = Console(stderr=True, soft_wrap=True)


@bench_app.command("ingest")
def ingest(
    claims: Annotated[int, typer.Option("--claims", min=1, help="claims to stream")] = 20_000,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="PostgreSQL: fresh schemas made and dropped in this database; "
            "SQLite: a file that does not exist yet (default: SQLite in the data dir)",
        ),
    ] = None,
    partners: Annotated[
        int, typer.Option("--partners", min=1, max=64, help="clients, each its own certificate")
    ] = 1,
    preload: Annotated[
        int, typer.Option("--preload", min=0, help="claims recorded before the run")
    ] = 0,
    envelope_size: Annotated[
        int, typer.Option("--envelope-size", min=1, max=100_000, help="claims per envelope")
    ] = 1000,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="folder for the PKI and SQLite files (default: temporary)"),
    ] = None,
    window: Annotated[
        int, typer.Option("--window", min=1, max=64, help="unanswered envelopes per client")
    ] = 2,
    personal_only: Annotated[
        bool,
        typer.Option(
            "--personal-only",
            help="no PV project: only persons' claims (then `carbon-hub issue` pools them)",
        ),
    ] = False,
    people: Annotated[
        int | None,
        typer.Option(
            "--people",
            min=1,
            help="pseudonymous people the claims spread over, three modes a day each "
            "(default: claims / 90, so about thirty days each)",
        ),
    ] = None,
    baseline_claims: Annotated[
        int | None,
        typer.Option(
            "--baseline-claims",
            min=1,
            help="copy only the first N claims into the baseline (its database needs as "
            "much disk again as the hub's; default: all)",
        ),
    ] = None,
    hub_under: Annotated[
        str | None,
        typer.Option(
            "--hub-under",
            help="a command the hub process runs under, split as a shell would, e.g. "
            "'valgrind --tool=callgrind --callgrind-out-file=F' to count its instructions "
            "(every hub of --hubs runs under it: put %p in F for a file per hub); the "
            "program must exec the hub, as valgrind does, since the bench signals and "
            "reads the CPU of the process it started",
        ),
    ] = None,
    hubs: Annotated[
        int,
        typer.Option(
            "--hubs",
            min=1,
            max=16,
            help="hub processes on the one database, replicas (PostgreSQL only; "
            "client i streams to hub i mod N, so give --partners N or more); "
            "the cost sums them all",
        ),
    ] = 1,
) -> None:
    """Stream generated claims through `carbon-hub serve` (mutual TLS, signed
    envelopes) and compare with a bulk insert of the same rows. The last line
    printed is one JSON object with the figures."""
    # Imported here: the rest of the command line need not load gRPC and the hub.
    from carbonhub_tools.bench.databases import DatabaseRefused
    from carbonhub_tools.bench.ingest import IngestOptions, report_lines, run_ingest

    options = IngestOptions(
        claims=claims,
        database_url=database_url,
        partners=partners,
        preload=preload,
        envelope_size=envelope_size,
        data_dir=data_dir,
        window=window,
        baseline_claims=baseline_claims,
        personal_only=personal_only,
        people=people,
        hub_under=tuple(shlex.split(hub_under)) if hub_under else (),
        hubs=hubs,
    )
    try:
        figures = run_ingest(options, lambda line: _console.print(line))
    except DatabaseRefused as refused:
        _console.print(f"[red]{refused}[/red]")
        raise typer.Exit(2) from refused
    for line in report_lines(figures):
        print(line, flush=True)
