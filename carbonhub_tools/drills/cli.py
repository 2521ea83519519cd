"""``carbon-hub drill race|crash|outage``: the failure drills at full size by default."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from carbonhub_tools.drills.report import DrillReport

# The local trust-auth server; its `postgres` database is only used to create
# and drop each drill's own database.
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

drill_app = typer.Typer(
    no_args_is_help=True,
    help="Failure drills on real hub processes; exit 1 when anything was lost or doubled.",
)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="where the drill keeps its PKI, logs and state (default: temporary)"
    ),
]
Seed = Annotated[int, typer.Option("--seed", help="seed of the generated traffic and kills")]


@contextmanager
def _folder(data_dir: Path | None) -> Iterator[Path]:
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        yield data_dir
        return
    with tempfile.TemporaryDirectory(prefix="carbon-hub-drill-") as folder:
        yield Path(folder)


def _finish(report: DrillReport) -> None:
    report.render(typer.echo)
    if not report.passed:
        raise typer.Exit(1)


@drill_app.command("race")
def race(
    claims: Annotated[
        int, typer.Option("--claims", min=10, help="claims over all streams")
    ] = 100_000,
    hubs: Annotated[int, typer.Option("--hubs", min=1, max=16, help="hub processes")] = 4,
    partners: Annotated[int, typer.Option("--partners", min=2, max=8, help="partner streams")] = 8,
    envelope: Annotated[int, typer.Option("--envelope", min=1, help="claims per envelope")] = 500,
    compare_single: Annotated[
        bool,
        typer.Option(
            "--compare-single/--no-compare-single",
            help="first run the same traffic on one hub process, for the replica figures",
        ),
    ] = True,
    database_url: Annotated[
        str,
        typer.Option(
            "--database-url",
            help="PostgreSQL server; the drill creates a fresh database there and drops it",
        ),
    ] = DEFAULT_POSTGRES_URL,
    data_dir: DataDir = None,
    seed: Seed = 6,
) -> None:
    """Hub processes on one PostgreSQL, partner streams racing with duplicates and overlaps."""
    from carbonhub_tools.drills.race import RaceOptions, run_race

    with _folder(data_dir) as folder:
        options = RaceOptions(
            data_dir=folder,
            claims=claims,
            hubs=hubs,
            partners=partners,
            envelope=envelope,
            seed=seed,
            compare_single=compare_single,
            database_url=database_url,
        )
        _finish(run_race(options, typer.echo))


@drill_app.command("crash")
def crash(
    kills: Annotated[int, typer.Option("--kills", min=1, help="SIGKILLs of the hub")] = 20,
    projects: Annotated[int, typer.Option("--projects", min=1, help="PV projects")] = 12,
    months: Annotated[int, typer.Option("--months", min=1, max=36, help="months per project")] = 20,
    personal_claims: Annotated[
        int, typer.Option("--personal-claims", min=0, help="personal trips, with duplicates")
    ] = 2000,
    envelope: Annotated[int, typer.Option("--envelope", min=1, help="claims per envelope")] = 20,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="default SQLite in the data dir; a PostgreSQL server gets a fresh database",
        ),
    ] = None,
    data_dir: DataDir = None,
    seed: Seed = 6,
) -> None:
    """SIGKILL the hub at random moments of ingestion, issuance and delivery; restart; check."""
    from carbonhub_tools.drills.crash import CrashOptions, run_crash

    with _folder(data_dir) as folder:
        options = CrashOptions(
            data_dir=folder,
            database_url=database_url,
            kills=kills,
            projects=projects,
            months=months,
            personal_claims=personal_claims,
            envelope=envelope,
            seed=seed,
        )
        _finish(run_crash(options, typer.echo))


@drill_app.command("outage")
def outage(
    exchange_down: Annotated[
        float, typer.Option("--exchange-down", min=1, help="seconds the exchange is away")
    ] = 10.0,
    database_down: Annotated[
        float, typer.Option("--database-down", min=1, help="seconds the database is cut off")
    ] = 8.0,
    projects: Annotated[int, typer.Option("--projects", min=1, help="PV projects")] = 8,
    personal_claims: Annotated[
        int, typer.Option("--personal-claims", min=0, help="personal trips, with duplicates")
    ] = 2000,
    envelope: Annotated[int, typer.Option("--envelope", min=1, help="claims per envelope")] = 20,
    database_url: Annotated[
        str,
        typer.Option(
            "--database-url",
            help="PostgreSQL server; the drill creates a fresh database there and drops it",
        ),
    ] = DEFAULT_POSTGRES_URL,
    data_dir: DataDir = None,
    seed: Seed = 6,
) -> None:
    """The exchange away, then PostgreSQL unreachable behind a cut proxy; backlog after recovery."""
    from carbonhub_tools.drills.outage import OutageOptions, run_outage

    with _folder(data_dir) as folder:
        options = OutageOptions(
            data_dir=folder,
            database_url=database_url,
            exchange_down=exchange_down,
            database_down=database_down,
            projects=projects,
            personal_claims=personal_claims,
            envelope=envelope,
            seed=seed,
        )
        _finish(run_outage(options, typer.echo))
