"""``carbon-hub audit``: verify the tamper-evident audit log, sign a checkpoint.

Both work on the hub's database directly (``--data-dir`` / ``--database-url``)
and need no running hub. ``verify`` needs only the hub's public signing
key(s) in the PKI directory, so a copy of the database can be checked
anywhere; ``checkpoint`` needs the private key.

Exit codes: 0 intact (or signed), 1 tampered (or refused), 2 a setup problem
(settings, no database, key files).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from hub.errors import HubError
from hub.services.audit import DEFAULT_BATCH, AuditService
from hub.settings import HubSettings

EXIT_TAMPERED = 1
EXIT_SETUP = 2

audit_app = typer.Typer(
    no_args_is_help=True,
    help="The tamper-evident audit log: verify the hash chain, sign checkpoints.",
)
errors = Console(stderr=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="folder of the embedded database")]
DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="SQLAlchemy URL (PostgreSQL)")
]
PkiDir = Annotated[
    Path | None, typer.Option("--pki-dir", help="the hub PKI (default: DATA_DIR/pki)")
]
ConfigFile = Annotated[Path | None, typer.Option("--config", help="TOML settings file")]


@contextmanager
def _audit(
    data_dir: Path | None, database_url: str | None, pki_dir: Path | None, config: Path | None
) -> Iterator[AuditService]:
    """The audit service on the hub's database; setup problems exit 2."""
    from hub.storage.database import SQLITE_FILE_NAME, create_engine_for, migrate
    from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
    from hub.trust.audit_signing import audit_service, hub_public_keys

    given: dict[str, Any] = {
        name: value
        for name, value in (
            ("data_dir", data_dir),
            ("database_url", database_url),
            ("pki_dir", pki_dir),
            ("config_file", config),
        )
        if value is not None
    }
    try:
        settings = HubSettings(**given)
    except (ValidationError, ValueError) as problem:
        errors.print(f"[red]invalid settings:[/red] {problem}")
        raise typer.Exit(EXIT_SETUP) from problem
    # Verifying an empty database made up on the spot would say "intact".
    if settings.database_url is None and not (settings.data_dir / SQLITE_FILE_NAME).exists():
        errors.print(f"[red]no hub database in {settings.data_dir}[/red]")
        raise typer.Exit(EXIT_SETUP)
    url = settings.resolved_database_url()
    migrate(url)  # a database from before the audit chain gets chained first
    engine = create_engine_for(url)
    try:
        pki = settings.resolved_pki_dir()
        try:
            service = audit_service(SqlAlchemyUnitOfWorkFactory(engine), pki)
            if not hub_public_keys(pki):
                errors.print(
                    f"[yellow]no hub signing key in {pki}: no checkpoint can verify[/yellow]"
                )
        except HubError as error:  # an unreadable key file
            errors.print(f"[red]{error.code}[/red]: {error.message}")
            raise typer.Exit(EXIT_SETUP) from error
        yield service
    finally:
        engine.dispose()


@audit_app.command("verify")
def verify(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    pki_dir: PkiDir = None,
    config: ConfigFile = None,
    batch: Annotated[
        int, typer.Option("--batch", min=1, help="rows read per transaction")
    ] = DEFAULT_BATCH,
) -> None:
    """Walk the whole hash chain against the hub's head and its signed checkpoints.

    Names the first row edited, removed or inserted directly in the database.
    Exit 0 intact, 1 tampered.
    """
    with _audit(data_dir, database_url, pki_dir, config) as service:
        report = service.verify(batch)
    typer.echo(f"checked {report.rows_checked} rows and {report.checkpoints_checked} checkpoints")
    problem = report.problem
    if problem is None:
        head = report.verified_to
        typer.echo(f"audit log intact (head seq {head.seq}, hash {head.hash})")
        return
    typer.echo(f"AUDIT LOG TAMPERED: {problem.kind}")
    typer.echo(f"  seq: {'-' if problem.seq is None else problem.seq}")
    typer.echo(f"  row id: {'- (gone)' if problem.row_id is None else problem.row_id}")
    typer.echo(f"  subject: {problem.subject or '-'}")
    typer.echo(f"  {problem.message}")
    raise typer.Exit(EXIT_TAMPERED)


@audit_app.command("checkpoint")
def checkpoint(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    pki_dir: PkiDir = None,
    config: ConfigFile = None,
) -> None:
    """Sign the chain's head now, if it moved since the last checkpoint.

    The rows since the last checkpoint are checked first: a broken chain is
    not signed (exit 1).
    """
    with _audit(data_dir, database_url, pki_dir, config) as service:
        try:
            signed = service.checkpoint()
        except HubError as error:
            errors.print(f"[red]{error.code}[/red]: {error.message}")
            raise typer.Exit(
                EXIT_SETUP if error.code == "AUDIT_SIGNING_KEY_MISSING" else EXIT_TAMPERED
            ) from error
    if signed is None:
        typer.echo("nothing to sign: the head has not moved since the last checkpoint")
        return
    typer.echo(
        f"signed checkpoint at seq {signed.seq} (hash {signed.head_hash}, key {signed.key_id})"
    )
