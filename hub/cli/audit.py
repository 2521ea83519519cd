"""``carbon-hub audit``: verify the tamper-evident audit log, sign a checkpoint,
export signed checkpoints to hold elsewhere.

All work on the hub's database directly (``--data-dir`` / ``--database-url``)
and need no running hub. ``verify`` and ``export-checkpoint`` need only the
hub's public signing key(s) in the PKI directory, so a copy of the database
can be checked anywhere; ``checkpoint`` needs the private key.

``verify --against FILE`` also holds the log to checkpoints kept outside its
database (exported, or saved from GET /api/v1/audit/checkpoints/latest): one
who can write the database can delete its rows, head record and stored
checkpoints alike, but not a checkpoint held elsewhere. Format:
docs/audit-log.md.

Exit codes: 0 intact (or signed, exported), 1 tampered (or refused), 2 a
setup problem (settings, no database, key files, a checkpoint file that is
unreadable, malformed or not signed by this hub).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from hub.domain.audit_chain import AuditReport, Checkpoint, ProblemKind
from hub.domain.published_checkpoint import published
from hub.errors import HubError
from hub.services.audit import DEFAULT_BATCH, AuditService, held_checkpoints
from hub.services.transparency import (
    TransparencyLog,
    published_consistency,
    published_inclusion,
)
from hub.services.transparency_verify import TreeReport, verify_tree
from hub.settings import load_settings

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
    from hub.storage.database import create_engine_for, migrate, require_hub_database
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
        settings = load_settings(**given)  # one line naming the setting or file
    except (ValidationError, ValueError) as problem:
        errors.print(f"[red]invalid settings:[/red] {problem}")
        raise typer.Exit(EXIT_SETUP) from problem
    url = settings.resolved_database_url()
    # Verifying an empty database made up on the spot would say "intact".
    try:
        require_hub_database(url, settings.data_dir if settings.database_url is None else None)
    except HubError as error:  # LEDGER_NOT_FOUND, DATABASE_UNAVAILABLE, DATABASE_UNSUPPORTED
        errors.print(f"[red]{error.code}[/red]: {error.message}", soft_wrap=True)
        raise typer.Exit(EXIT_SETUP) from error
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


def _refused(error: HubError, exit_code: int) -> typer.Exit:
    """One coded line on stderr, no traceback."""
    errors.print(f"[red]{error.code}[/red]: {escape(error.message)}", soft_wrap=True)
    return typer.Exit(exit_code)


def _read_held(path: Path) -> list[Checkpoint]:
    try:
        document = path.read_bytes()
    except OSError as problem:
        errors.print(
            f"[red]AUDIT_CHECKPOINT_FILE_UNREADABLE[/red]: {escape(str(path))}: {problem.strerror}",
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_SETUP) from problem
    try:
        return held_checkpoints(document)
    except HubError as error:
        raise _refused(error, EXIT_SETUP) from error


@audit_app.command("verify")
def verify(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    pki_dir: PkiDir = None,
    config: ConfigFile = None,
    batch: Annotated[
        int, typer.Option("--batch", min=1, help="rows read per transaction")
    ] = DEFAULT_BATCH,
    against: Annotated[
        Path | None,
        typer.Option(
            "--against",
            help="a checkpoint file held elsewhere (audit export-checkpoint, or the API's)",
        ),
    ] = None,
) -> None:
    """Walk the whole hash chain against the hub's head and its signed checkpoints.

    Names the first row edited, removed or inserted directly in the database.
    With --against, also against the checkpoint(s) in that file, after
    checking they carry this hub's signature: a log shorter than a held
    checkpoint was truncated, one with another hash at its seq rewritten.
    Exit 0 intact, 1 tampered, 2 a bad checkpoint file.
    """
    held = [] if against is None else _read_held(against)
    with _audit(data_dir, database_url, pki_dir, config) as service:
        try:
            report = service.verify_against(held, batch) if held else service.verify(batch)
        except HubError as error:
            raise _refused(error, EXIT_SETUP) from error
        tree = None if service.transparency is None else verify_tree(service.transparency, batch)
    typer.echo(f"checked {report.rows_checked} rows and {report.checkpoints_checked} checkpoints")
    problem = report.problem
    if problem is None:
        head = report.verified_to
        typer.echo(f"audit log intact (head seq {head.seq}, hash {head.hash})")
        if held:
            typer.echo(f"held checkpoint(s) up to seq {max(cp.seq for cp in held)} match the log")
        if not _report_tree(tree):
            raise typer.Exit(EXIT_TAMPERED)
        return
    typer.echo(f"AUDIT LOG TAMPERED: {problem.kind}")
    typer.echo(f"  seq: {'-' if problem.seq is None else problem.seq}")
    typer.echo(f"  row id: {'- (gone)' if problem.row_id is None else problem.row_id}")
    typer.echo(f"  subject: {problem.subject or '-'}")
    typer.echo(f"  {problem.message}")
    vouched = _held_contradicted(report, held)
    if vouched is not None and against is not None:
        typer.echo(f"  the checkpoint in {against} {vouched}")
    _report_tree(tree)
    raise typer.Exit(EXIT_TAMPERED)


def _report_tree(tree: TreeReport | None) -> bool:
    """Print the transparency log's part of verify; True when intact."""
    if tree is None:
        return True
    typer.echo(
        f"checked {tree.leaves_checked} events against the transparency log "
        f"({tree.tree_size} leaves) and {tree.heads_checked} signed tree heads"
    )
    problem = tree.problem
    if problem is None:
        typer.echo(f"transparency log intact (tree size {tree.tree_size}, root {tree.root_hash})")
        return True
    typer.echo(f"TRANSPARENCY LOG TAMPERED: {problem.kind}")
    typer.echo(f"  seq: {'-' if problem.seq is None else problem.seq}")
    typer.echo(f"  row id: {'-' if problem.row_id is None else problem.row_id}")
    typer.echo(f"  subject: {problem.subject or '-'}")
    typer.echo(f"  {problem.message}")
    return False


def _held_contradicted(report: AuditReport, held: list[Checkpoint]) -> str | None:
    """What a held checkpoint says against the log, when it is what caught it."""
    problem = report.problem
    if problem is None or problem.seq is None or not held:
        return None
    ends = report.verified_to.seq
    if problem.kind is ProblemKind.TRUNCATED and problem.seq == ends + 1:
        beyond = [cp for cp in held if cp.seq > ends]
        if beyond:
            top = max(beyond, key=lambda cp: cp.seq)
            return (
                f"(signed {published(top)['at']}) vouches for {top.seq} rows; "
                f"the log holds {ends}: truncated"
            )
    if problem.kind is ProblemKind.CHECKPOINT_MISMATCH:
        at = [cp for cp in held if cp.seq == problem.seq]
        if at:
            return (
                f"vouches for hash {at[0].head_hash} at seq {problem.seq}; "
                "the log has another there: rewritten"
            )
    return None


@audit_app.command("export-checkpoint")
def export_checkpoint(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    pki_dir: PkiDir = None,
    config: ConfigFile = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="write here (default: standard output)")
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="every checkpoint signed, not only the latest")
    ] = False,
) -> None:
    """Write the latest signed checkpoint (--all: every one) as JSON, to keep
    outside the hub's database and check it with `audit verify --against`.

    The same JSON as GET /api/v1/audit/checkpoints/latest (with --all, a page
    of GET /api/v1/audit/checkpoints). Exit 1 when no checkpoint is signed yet
    or a stored one does not carry a valid hub signature.
    """
    with _audit(data_dir, database_url, pki_dir, config) as service:
        try:
            found = service.exportable(every=every)
        except HubError as error:
            raise _refused(error, EXIT_TAMPERED) from error
    if every:
        document: object = {"items": [published(cp) for cp in found], "next_cursor": None}
    else:
        document = published(found[0])
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as problem:
        errors.print(f"[red]cannot write {escape(str(out))}:[/red] {problem.strerror}")
        raise typer.Exit(EXIT_SETUP) from problem
    last = found[-1]
    typer.echo(f"wrote {len(found)} checkpoint(s) to {out} (latest seq {last.seq})")


@audit_app.command("checkpoint")
def checkpoint(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    pki_dir: PkiDir = None,
    config: ConfigFile = None,
) -> None:
    """Sign the chain's head now, if it moved since the last checkpoint, then
    add the checkpointed events to the transparency log and sign its tree head.

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
        try:
            tree_head = service.extend_tree()
        except HubError as error:
            raise _refused(error, EXIT_TAMPERED) from error
    if signed is None:
        typer.echo("nothing to sign: the head has not moved since the last checkpoint")
    else:
        typer.echo(
            f"signed checkpoint at seq {signed.seq} (hash {signed.head_hash}, key {signed.key_id})"
        )
    if tree_head is not None:
        typer.echo(f"signed tree head of {tree_head.tree_size} events (root {tree_head.root_hash})")


def _transparency(service: AuditService) -> TransparencyLog:
    if service.transparency is None:  # only a hub over SQL storage keeps the tree
        errors.print("[red]TRANSPARENCY_NO_TREE_HEAD[/red]: this hub keeps no transparency log")
        raise typer.Exit(EXIT_TAMPERED)
    return service.transparency


@audit_app.command("prove")
def prove(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    pki_dir: PkiDir = None,
    config: ConfigFile = None,
    event: Annotated[int | None, typer.Option("--event", min=1, help="the event's seq")] = None,
    claim: Annotated[
        str | None, typer.Option("--claim", help="a claim's id: its first event, with its bytes")
    ] = None,
    tree_size: Annotated[
        int | None,
        typer.Option("--tree-size", min=1, help="a signed tree head's size (default: latest)"),
    ] = None,
) -> None:
    """Print the inclusion proof of one audit event in a signed tree head, as
    JSON: the same as GET /api/v1/audit/proofs/inclusion (docs/transparency-log.md).
    Exit 1 with a coded line when the event or tree head is unknown."""
    if (event is None) == (claim is None):
        errors.print("[red]TRANSPARENCY_RANGE_INVALID[/red]: give one of --event or --claim")
        raise typer.Exit(EXIT_SETUP)
    with _audit(data_dir, database_url, pki_dir, config) as service:
        try:
            answer = _transparency(service).inclusion(
                seq=event, claim_id=claim, tree_size=tree_size
            )
        except HubError as error:
            raise _refused(error, EXIT_TAMPERED) from error
    typer.echo(json.dumps(published_inclusion(answer), indent=2, ensure_ascii=False))


@audit_app.command("consistency")
def consistency(
    first: Annotated[int, typer.Option("--first", min=1, help="the earlier tree head's size")],
    second: Annotated[int, typer.Option("--second", min=1, help="the later tree head's size")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    pki_dir: PkiDir = None,
    config: ConfigFile = None,
) -> None:
    """Print the consistency proof between two signed tree heads, as JSON: the
    same as GET /api/v1/audit/proofs/consistency (docs/transparency-log.md)."""
    with _audit(data_dir, database_url, pki_dir, config) as service:
        try:
            answer = _transparency(service).consistency(first, second)
        except HubError as error:
            raise _refused(error, EXIT_TAMPERED) from error
    typer.echo(json.dumps(published_consistency(answer), indent=2, ensure_ascii=False))
