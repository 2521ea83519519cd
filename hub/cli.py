"""``carbon-hub``: the hub's command line.

Typer gives typed options, help text and exit codes without hand-written
argument parsing; rich renders tables and progress bars.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console

from hub.audit_cli import audit_app
from hub.bench.cli import bench_app
from hub.drills.cli import drill_app
from hub.pki_cli import pki_app
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
    typer.Option(
        "--insecure/--secure",
        help="plaintext gRPC with NO authentication, on loopback only (development); "
        "default: mutual TLS with the hub PKI",
    ),
]
PkiDir = Annotated[
    Path | None, typer.Option("--pki-dir", help="the hub PKI (default: DATA_DIR/pki)")
]
HttpPort = Annotated[
    int | None,
    typer.Option("--http-port", help="HTTP port: disclosure and console (default 8080; 0: none)"),
]
HttpHost = Annotated[str | None, typer.Option("--http-host", help="HTTP address to bind")]


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
    pki_dir: PkiDir = None,
    http_port: HttpPort = None,
    http_host: HttpHost = None,
) -> None:
    """Run the hub until interrupted (Ctrl-C or SIGTERM).

    Mutual TLS by default: every caller presents a certificate of the hub PKI
    (`carbon-hub pki init`, `carbon-hub pki issue`), which fixes its role.
    HTTP beside it: the public disclosure at / and /api/v1, the bureau
    console at /console (`carbon-hub bureau add-officer`).
    """
    from hub.gc_tuning import tune_for_serving
    from hub.grpc_api.server import ServeRefused, check_bind_allowed

    settings = build_settings(
        grpc_port=grpc_port,
        grpc_host=grpc_host,
        data_dir=data_dir,
        database_url=database_url,
        config_file=config,
        insecure=insecure,
        pki_dir=pki_dir,
        http_port=http_port,
        http_host=http_host,
    )
    try:
        check_bind_allowed(settings)
    except ServeRefused as refused:
        console.print(f"[red]refused:[/red] {refused}")
        raise typer.Exit(2) from refused
    # Handlers first: a signal arriving once the port is announced must
    # still stop the hub gracefully.
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    hub = _build_or_exit(settings)
    running = hub.serve()
    background = [t for t in (hub.periodic_issuer(), hub.periodic_checkpointer()) if t]
    for task in background:
        task.start()
    if settings.insecure:
        console.print(
            "[bold yellow]WARNING: --insecure: plaintext gRPC and NO authentication: any "
            "local process may act as any partner, the exchange or the bureau. "
            "Development on loopback only.[/bold yellow]"
        )
    transport = "PLAINTEXT" if settings.insecure else "mutual TLS"
    console.print(
        f"carbon-hub serving on {settings.grpc_host}:{running.port} with {transport} "
        f"(database {_redacted(settings.resolved_database_url())}, standard {hub.standard.version})"
    )
    # Machine-readable line for scripts and tests that start the hub on port 0.
    print(f"LISTENING {settings.grpc_host}:{running.port}", flush=True)
    http = _start_http(hub, settings)
    # Last, once everything serving needs is loaded: that heap is frozen.
    tune_for_serving(settings.gc_young_threshold)
    stop.wait()
    console.print("stopping")
    if http is not None:
        http.stop()
    running.stop()  # before the tasks: the checkpoint signed at stop covers every write
    for task in background:
        task.stop()
    hub.close()


def _start_http(hub: Any, settings: HubSettings) -> Any:
    """The HTTP side, or None when its port is 0. A port asked for (flag,
    environment, config) that cannot be bound stops the command; the default
    port being taken only leaves HTTP off, loudly."""
    from hub.http_api.app import create_app
    from hub.http_api.server import HttpStartFailed, is_loopback, start_http_server

    if settings.http_port == 0:
        return None
    try:
        http = start_http_server(create_app(hub, settings), settings.http_host, settings.http_port)
    except HttpStartFailed as failed:
        if "http_port" in settings.model_fields_set:
            console.print(f"[red]refused:[/red] {failed}")
            raise typer.Exit(2) from failed
        console.print(f"[bold yellow]WARNING: no HTTP: {failed} (--http-port)[/bold yellow]")
        return None
    if not is_loopback(settings.http_host) and not settings.session_cookie_secure:
        console.print(
            "[bold yellow]WARNING: HTTP on a public address without "
            "HUB_SESSION_COOKIE_SECURE: put it behind a TLS proxy and set it[/bold yellow]"
        )
    console.print(
        f"disclosure {http.base_url}/ (API {http.base_url}/api/v1, "
        f"OpenAPI {http.base_url}/openapi.json), console {http.base_url}/console"
    )
    print(f"HTTP {http.base_url}", flush=True)
    return http


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

    from hub.demo import run_demo, serve_demo

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


# --- ledger operations on the hub's database (no server needed) -------------

Officer = Annotated[str, typer.Option("--officer", help="the bureau officer acting")]
Reason = Annotated[str, typer.Option("--reason", help="why; kept in the ledger events")]
EXIT_REFUSED = 1
EXIT_NO_ANSWER = 4


@contextlib.contextmanager
def _ledger(data_dir: Path | None, database_url: str | None, config: Path | None) -> Iterator[Any]:
    """The hub's services on its database, for one command; a coded refusal
    is printed with its code and exits 1, and nothing is changed by it."""
    from hub.errors import HubError

    settings = build_settings(data_dir=data_dir, database_url=database_url, config_file=config)
    hub = _build_or_exit(settings)
    try:
        yield hub
    except HubError as error:
        console.print(f"[red]{error.code}[/red]: {error.message}")
        for key, value in sorted(error.details.items()):
            console.print(f"  {key}: {value}")
        raise typer.Exit(EXIT_REFUSED) from error
    finally:
        hub.close()


@app.command()
def issue(
    data_dir: DataDir = None, database_url: DatabaseUrl = None, config: ConfigFile = None
) -> None:
    """Void overdue claims and issue every issuable claim now (serve does it periodically)."""
    from hub.ledger_views import render_blocks

    with _ledger(data_dir, database_url, config) as hub:
        voided = hub.issuance.void_overdue()
        run = hub.issuance.issue_pending()
        out = Console()
        render_blocks(run.blocks, out, title="Blocks issued now")
        out.print(
            f"{run.claims} claims issued ({run.credited_tco2e} tCO2e credited) into "
            f"{len(run.blocks)} blocks of {run.units} units; {len(voided)} claims voided"
        )


@app.command()
def reconcile(
    partner: Annotated[
        str | None, typer.Option("--partner", help="reconcile with this partner, e.g. CN-GD")
    ] = None,
    exchange: Annotated[
        bool, typer.Option("--exchange", help="reconcile with the exchange")
    ] = False,
    wait: Annotated[
        float, typer.Option("--wait", min=0, help="seconds to wait for the counterpart's answer")
    ] = 60.0,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Ask a partner registry or the exchange to reconcile, wait for its answer, print the outcome.

    The counterpart answers through its RPC (`carbon-hub-adapter reconcile ...`,
    `carbon-hub exchange-client --reconcile`). Exit 0 consistent, 1 inconsistent,
    4 no answer within --wait (the request stays open).
    """
    from hub.domain.reconciliation import EXCHANGE, ReconciliationStatus
    from hub.ledger_views import render_reconciliation

    if exchange == (partner is not None):
        console.print("[red]name exactly one counterpart: --partner CODE or --exchange[/red]")
        raise typer.Exit(2)
    counterpart = EXCHANGE if exchange else str(partner)
    with _ledger(data_dir, database_url, config) as hub:
        requested = hub.reconciliations.request(counterpart, "bureau:cli")
        out = Console()
        out.print(f"reconciliation {requested.reconciliation_id} requested from {counterpart}")
        deadline = time.monotonic() + wait
        current = requested
        while current.status is ReconciliationStatus.REQUESTED and time.monotonic() < deadline:
            time.sleep(0.2)
            current = hub.reconciliations.get(requested.reconciliation_id)
        if current.status is ReconciliationStatus.REQUESTED:
            out.print(f"no answer from {counterpart} within {wait:g} s; the request stays open")
            raise typer.Exit(EXIT_NO_ANSWER)
        render_reconciliation(current, out)
        if current.status is ReconciliationStatus.INCONSISTENT:
            raise typer.Exit(EXIT_REFUSED)


def _exchange_client_command() -> None:
    from hub.exchange_client.cli import exchange_client_command

    # Its docstring is the help: it lists the flags' roles and the exit codes.
    app.command("exchange-client")(exchange_client_command)


_exchange_client_command()

bureau_app = typer.Typer(no_args_is_help=True, help="The bureau's operations, each audited.")
app.add_typer(bureau_app, name="bureau")
app.add_typer(pki_app, name="pki")
app.add_typer(audit_app, name="audit")
app.add_typer(bench_app, name="bench")


@bureau_app.command("add-officer")
def add_officer(
    username: Annotated[str, typer.Option("--username", help="login name: a-z 0-9 . _ -")],
    name: Annotated[str, typer.Option("--name", help="the name the ledger records")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Add a bureau officer of the web console (password hashed with Argon2id)."""
    import getpass
    import sys

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with _ledger(data_dir, database_url, config) as hub:
        officer = hub.officers.add_officer(
            username, name, password, added_by=f"cli:{getpass.getuser()}"
        )
        Console().print(f"added officer {officer.username} ({officer.name}), role {officer.role}")


@bureau_app.command("cancel-block")
def cancel_block(
    block: Annotated[str, typer.Argument(help="block id or SZCER serial")],
    reason: Reason,
    officer: Officer,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Cancel a non-terminal block (terminal; the exchange is told)."""
    with _ledger(data_dir, database_url, config) as hub:
        cancelled = hub.bureau.cancel_block(block, reason, officer)
        Console().print(f"cancelled {cancelled.serial} ({cancelled.block_id})")


ProjectPartner = Annotated[str, typer.Option("--partner", help="the project's partner, e.g. CN-GD")]
ProjectId = Annotated[str, typer.Option("--project", help="the partner's project id")]


@bureau_app.command("suspend-project")
def suspend_project(
    partner: ProjectPartner,
    project: ProjectId,
    reason: Reason,
    officer: Officer,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Suspend a project: its claims waiting for issuance, and new ones, are HELD."""
    with _ledger(data_dir, database_url, config) as hub:
        outcome = hub.bureau.suspend_project(partner, project, reason, officer)
        Console().print(f"suspended {partner}/{project}; {len(outcome.claims_changed)} claims held")


@bureau_app.command("resume-project")
def resume_project(
    partner: ProjectPartner,
    project: ProjectId,
    reason: Reason,
    officer: Officer,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Lift a suspension: the claims it held return to what their checks decide."""
    with _ledger(data_dir, database_url, config) as hub:
        outcome = hub.bureau.resume_project(partner, project, reason, officer)
        Console().print(
            f"resumed {partner}/{project}; {len(outcome.claims_changed)} claims released"
        )


Comment = Annotated[
    str, typer.Option("--comment", help="the reviewer's comment, kept in the ledger")
]
OptionalComment = Annotated[
    str | None, typer.Option("--comment", help="the reviewer's comment, kept in the ledger")
]
RecordId = Annotated[str, typer.Option("--record", help="the partner's record id of the claim")]


@bureau_app.command("approve-claim")
def approve_claim(
    partner: ProjectPartner,
    record: RecordId,
    officer: Officer,
    comment: Comment,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Accept a HELD claim: it goes on to issuance, the comment kept with it."""
    with _ledger(data_dir, database_url, config) as hub:
        outcome = hub.review.approve_claim(partner, record, officer=officer, comment=comment)
        Console().print(f"{partner}/{record} ({outcome.claim_id}): {outcome.decision}")


@bureau_app.command("reject-claim")
def reject_claim(
    partner: ProjectPartner,
    record: RecordId,
    officer: Officer,
    comment: Comment,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Reject a HELD claim: its locks are released, the comment kept with it."""
    with _ledger(data_dir, database_url, config) as hub:
        outcome = hub.review.reject_claim(partner, record, officer=officer, comment=comment)
        Console().print(f"{partner}/{record} ({outcome.claim_id}): {outcome.decision}")


@bureau_app.command("review-project")
def review_project(
    partner: ProjectPartner,
    project: ProjectId,
    officer: Officer,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Open the review of a SUBMITTED project (it becomes UNDER_REVIEW)."""
    with _ledger(data_dir, database_url, config) as hub:
        outcome = hub.review.open_project_review(partner, project, officer=officer)
        Console().print(f"{partner}/{project}: {outcome.state}")


@bureau_app.command("approve-project")
def approve_project(
    partner: ProjectPartner,
    project: ProjectId,
    officer: Officer,
    comment: OptionalComment = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Approve a project UNDER_REVIEW: the claims only its review held are decided again."""
    with _ledger(data_dir, database_url, config) as hub:
        outcome = hub.review.approve_project(
            partner, project, officer=officer, comment=comment or ""
        )
        Console().print(
            f"{partner}/{project}: {outcome.state}; {outcome.claims_changed} claims decided again"
        )


@bureau_app.command("reject-project")
def reject_project(
    partner: ProjectPartner,
    project: ProjectId,
    officer: Officer,
    comment: OptionalComment = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Reject a project UNDER_REVIEW: its held claims are REJECTED (PROJECT_REJECTED)."""
    with _ledger(data_dir, database_url, config) as hub:
        outcome = hub.review.reject_project(
            partner, project, officer=officer, comment=comment or ""
        )
        Console().print(
            f"{partner}/{project}: {outcome.state}; {outcome.claims_changed} claims rejected"
        )


@bureau_app.command("resolve-discrepancy")
def resolve_discrepancy(
    discrepancy: Annotated[str, typer.Argument(help="the discrepancy id")],
    resolution: Annotated[str, typer.Option("--resolution", help="what was done")],
    officer: Officer,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Resolve a reconciliation discrepancy by manual intervention (unfreezes its block)."""
    from hub.ledger_views import render_reconciliation

    with _ledger(data_dir, database_url, config) as hub:
        reconciliation = hub.reconciliations.resolve(discrepancy, resolution, officer)
        render_reconciliation(reconciliation, Console())


# --- partner signing keys and receipts ----------------------------------------

keys_app = typer.Typer(
    no_args_is_help=True,
    help="Partner signing keys, registered with the partner agreement; each change audited.",
)
app.add_typer(keys_app, name="keys")
Moment = Annotated[
    str | None, typer.Option(help="RFC 3339 time with its zone, e.g. 2026-12-01T00:00:00+08:00")
]


def _instant(text: str | None, option: str) -> Any:
    from hub.rfc3339_option import rfc3339_option

    return None if text is None else rfc3339_option(text, option)


@keys_app.command("register")
def keys_register(
    partner: Annotated[str, typer.Option("--partner", help="the partner, e.g. CN-GD")],
    public_key: Annotated[
        Path, typer.Option("--public-key", exists=True, dir_okay=False, help="signing.pub (PEM)")
    ],
    officer: Officer,
    valid_from: Moment = None,
    valid_until: Moment = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Register a partner's Ed25519 public key (its writes verify from --valid-from on)."""
    from hub.trust.signing import PublicKey

    with _ledger(data_dir, database_url, config) as hub:
        raw = _public_key_or_exit(public_key, PublicKey)
        key = hub.partner_keys.register(
            partner,
            raw,
            officer,
            valid_from=_instant(valid_from, "--valid-from"),
            valid_until=_instant(valid_until, "--valid-until"),
        )
        Console().print(f"registered {key.key_id} for {key.partner} from {key.valid_from}")


def _public_key_or_exit(path: Path, loader: Any) -> bytes:
    from hub.errors import HubError

    try:
        return bytes(loader.from_file(path).raw)
    except HubError as error:
        console.print(f"[red]{error.code}[/red]: {error.message}")
        raise typer.Exit(EXIT_REFUSED) from error


@keys_app.command("retire")
def keys_retire(
    key_id: Annotated[str, typer.Argument(help="the key id, ed25519:...")],
    valid_until: Annotated[str, typer.Option("--valid-until", help="end of the overlap window")],
    officer: Officer,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """End a key's validity at --valid-until: register the new key first (rotation)."""
    with _ledger(data_dir, database_url, config) as hub:
        key = hub.partner_keys.retire(key_id, _instant(valid_until, "--valid-until"), officer)
        Console().print(f"{key.key_id} of {key.partner} valid until {key.valid_until}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="the key id, ed25519:...")],
    reason: Reason,
    officer: Officer,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Revoke a key now (compromised): nothing signed with it is accepted any more."""
    with _ledger(data_dir, database_url, config) as hub:
        key = hub.partner_keys.revoke(key_id, reason, officer)
        Console().print(f"revoked {key.key_id} of {key.partner} at {key.revoked_at}")


@keys_app.command("list")
def keys_list(
    partner: Annotated[str | None, typer.Option("--partner")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """The registered signing keys and their validity."""
    from rich.table import Table

    with _ledger(data_dir, database_url, config) as hub:
        table = Table("key id", "partner", "state", "valid from", "valid until", "registered by")
        for key in hub.partner_keys.keys(partner):
            table.add_row(
                key.key_id,
                key.partner,
                key.state.value,
                key.valid_from.isoformat(),
                key.valid_until.isoformat() if key.valid_until else "",
                key.registered_by,
            )
        Console().print(table)


receipt_app = typer.Typer(no_args_is_help=True, help="Check what the hub signed.")
app.add_typer(receipt_app, name="receipt")
app.add_typer(drill_app, name="drill")


@receipt_app.command("verify")
def receipt_verify(
    receipts: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="JSON lines of receipts (key_id, statement, "
            "signature; base64), as `carbon-hub-adapter --receipts` keeps them",
        ),
    ],
    hub_key: Annotated[
        Path, typer.Option("--hub-key", exists=True, dir_okay=False, help="hub-signing.pub")
    ],
) -> None:
    """Verify kept receipts against the hub signing key. Exit 0 all valid, 1 otherwise."""
    from hub.trust.receipts import verify_receipt_file
    from hub.trust.signing import PublicKey

    key = PublicKey(_public_key_or_exit(hub_key, PublicKey))
    results = verify_receipt_file(receipts, key)
    out = Console()
    bad = [r for r in results if not r.valid]
    for number, result in enumerate(results, start=1):
        if not result.valid:
            out.print(f"[red]line {number}: {result.reason}[/red]")
    out.print(f"{len(results) - len(bad)} of {len(results)} receipts valid under {key.key_id}")
    if bad or not results:
        raise typer.Exit(EXIT_REFUSED)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
