"""``carbon-hub``: the hub's command line.

Typer gives typed options, help text and exit codes without hand-written
argument parsing; rich renders tables and progress bars.
"""

from __future__ import annotations

# First: grpc core reads its log level when grpc is imported (see the module).
import carbonhub_contract.grpc_logs  # noqa: F401

# isort: split

import logging
import time
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hub.audit_cli import audit_app
from hub.certificate_cli import certificate_app
from hub.cli_errors import refusals
from hub.cli_help import install as install_help
from hub.cli_ledger import (
    EXIT_REFUSED,
    ConfigFile,
    DatabaseUrl,
    DataDir,
    Officer,
    Reason,
    console,
    enable_process_logging,
    ledger,
)
from hub.export_cli import export_app, report_app
from hub.issuance_cli import issuance_app
from hub.keys_cli import keys_app, public_key_or_exit
from hub.operations_cli import bureau_queue, global_options, status
from hub.pki_cli import pki_app
from hub.points_cli import points_app
from hub.registers_cli import registers_app
from hub.serve_cli import serve

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Carbon Inclusion Federation Hub"
)
app.command()(serve)
app.callback()(global_options)
install_help()
app.command()(status)


# --- ledger operations on the hub's database (no server needed) -------------

EXIT_NO_ANSWER = 4


@app.command()
def issue(
    data_dir: DataDir = None, database_url: DatabaseUrl = None, config: ConfigFile = None
) -> None:
    """Void overdue claims, issue every issuable claim and freeze blocks whose
    inventory exclusion is overdue, now (serve does it periodically)."""
    from hub.ledger_views import render_blocks
    from hub.observability.service_events import ObservedIssuance

    with ledger(data_dir, database_url, config) as hub:
        # The issuance and void lines serve's issuer writes, from this process.
        issuance = ObservedIssuance(hub.issuance, None)
        voided = issuance.void_overdue()
        run = issuance.issue_pending()
        frozen = hub.attestations.freeze_overdue()
        out = Console()
        render_blocks(run.blocks, out, title="Blocks issued now")
        out.print(
            f"{run.claims} claims issued ({run.credited_tco2e} tCO2e credited) into "
            f"{len(run.blocks)} blocks of {run.units} units; {len(voided)} claims voided; "
            f"{len(frozen)} blocks frozen (inventory exclusion overdue)"
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
    with ledger(data_dir, database_url, config) as hub:
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
bureau_app.command("queue")(bureau_queue)
app.add_typer(pki_app, name="pki")
app.add_typer(audit_app, name="audit")
app.add_typer(certificate_app, name="certificate")
app.add_typer(issuance_app, name="issuance")
app.add_typer(points_app, name="points")
app.add_typer(registers_app, name="registers")


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
    with ledger(data_dir, database_url, config) as hub:
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
    with ledger(data_dir, database_url, config) as hub:
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
    with ledger(data_dir, database_url, config) as hub:
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
    with ledger(data_dir, database_url, config) as hub:
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
    with ledger(data_dir, database_url, config) as hub:
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
    with ledger(data_dir, database_url, config) as hub:
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
    with ledger(data_dir, database_url, config) as hub:
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
    with ledger(data_dir, database_url, config) as hub:
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
    with ledger(data_dir, database_url, config) as hub:
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

    with ledger(data_dir, database_url, config) as hub:
        reconciliation = hub.reconciliations.resolve(discrepancy, resolution, officer)
        render_reconciliation(reconciliation, Console())


# --- partner signing keys and receipts ----------------------------------------

app.add_typer(keys_app, name="keys")
receipt_app = typer.Typer(no_args_is_help=True, help="Check what the hub signed.")
app.add_typer(receipt_app, name="receipt")
app.add_typer(export_app, name="export")
app.add_typer(report_app, name="report")


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
    from carbonhub_contract.receipts import verify_receipt_file
    from carbonhub_contract.signing import PublicKey

    key = PublicKey(public_key_or_exit(hub_key, PublicKey))
    results = verify_receipt_file(receipts, key)
    out = Console()
    bad = [r for r in results if not r.valid]
    for number, result in enumerate(results, start=1):
        if not result.valid:
            out.print(f"[red]line {number}: {result.reason}[/red]")
    out.print(f"{len(results) - len(bad)} of {len(results)} receipts valid under {key.key_id}")
    if bad or not results:
        raise typer.Exit(EXIT_REFUSED)


def _tool_commands() -> None:
    """The tools' commands (demo, bench, drill): each installed distribution
    names them under the ``carbon_hub.commands`` entry points, so the server
    never imports a tool and a hub installed without them simply lacks them."""
    for entry in sorted(entry_points(group="carbon_hub.commands"), key=lambda e: e.name):
        command = entry.load()
        if isinstance(command, typer.Typer):
            app.add_typer(command, name=entry.name)
        else:
            app.command(entry.name)(command)


_tool_commands()


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Commands on the ledger then write their event lines (hub.cli_ledger).
    enable_process_logging()
    with refusals():
        app()
