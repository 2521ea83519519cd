"""``carbon-hub``: the hub's command line, its typer app and ``main``.

The app gathers the command groups of this package (one module each:
``hub.cli.bureau``, ``hub.cli.keys``, ``hub.cli.audit`` ...), holds the few
commands that stand alone (issue, reconcile, receipt verify) and adds the
tools' commands found through entry points. Typer gives typed options, help
text and exit codes without hand-written argument parsing; rich renders
tables and progress bars.
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

from hub.cli.audit import audit_app
from hub.cli.bureau import bureau_app
from hub.cli.certificate import certificate_app
from hub.cli.export import export_app, report_app
from hub.cli.help import install as install_help
from hub.cli.issuance import issuance_app
from hub.cli.keys import keys_app, public_key_or_exit
from hub.cli.ledger import (
    EXIT_REFUSED,
    ConfigFile,
    DatabaseUrl,
    DataDir,
    console,
    enable_process_logging,
    ledger,
)
from hub.cli.operations import global_options, status
from hub.cli.pki import pki_app
from hub.cli.points import points_app
from hub.cli.refusals import refusals
from hub.cli.registers import registers_app
from hub.cli.serve import serve

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
    from hub.cli.ledger_views import render_blocks
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
            f"{run.rejected} claims rejected (inventory exclusion revoked); "
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
    from hub.cli.ledger_views import render_reconciliation
    from hub.domain.reconciliation import EXCHANGE, ReconciliationStatus

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

app.add_typer(bureau_app, name="bureau")
app.add_typer(pki_app, name="pki")
app.add_typer(audit_app, name="audit")
app.add_typer(certificate_app, name="certificate")
app.add_typer(issuance_app, name="issuance")
app.add_typer(points_app, name="points")
app.add_typer(registers_app, name="registers")


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
    # Commands on the ledger then write their event lines (hub.cli.ledger).
    enable_process_logging()
    with refusals():
        app()
