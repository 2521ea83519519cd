"""``carbon-hub bureau``: the bureau's operations on the ledger, each audited.

Officers of the web console, cancelling a block, suspending and resuming a
project, deciding held claims and project reviews, resolving a
reconciliation's discrepancy. Each works on the hub's existing database (no
running hub needed) and names the officer acting; ``queue`` (the held
claims, hub.cli.operations) is listed first.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from hub.cli.ledger import ConfigFile, DatabaseUrl, DataDir, Officer, Reason, ledger
from hub.cli.operations import bureau_queue

bureau_app = typer.Typer(no_args_is_help=True, help="The bureau's operations, each audited.")
bureau_app.command("queue")(bureau_queue)


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
    from hub.cli.ledger_views import render_reconciliation

    with ledger(data_dir, database_url, config) as hub:
        reconciliation = hub.reconciliations.resolve(discrepancy, resolution, officer)
        render_reconciliation(reconciliation, Console())
