"""``carbon-hub-adapter NAME --delivery DIR ...``: read a partner delivery, send it, report.

The report is printed for people (rich tables on a terminal, plain lines
elsewhere, in ``--lang``) or, with ``--json``, as one JSON document on
stdout (adapters/report_json.py) with progress and any other line on stderr.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from adapters.cli_access import (
    EXIT_PARTLY_REFUSED,
    EXIT_REFUSED,
    CommandStopped,
    HubAccess,
    hub_channel,
    key_file,
    partner_signer,
)
from adapters.delivery import Delivery
from adapters.delivery_report import DeliveryReport
from adapters.hub_call_errors import HubCallError, HubProtocolError
from adapters.hub_client import submit_delivery
from adapters.registry import adapter_for
from adapters.report import plain_output, render_refused, render_report, say
from adapters.report_json import delivery_document, dump
from adapters.report_language import DEFAULT_LANG
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.signing import PublicKey


class ReceiptFile:
    """Keeps every receipt the hub signed, one JSON line each (the proof)."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def __call__(self, receipt: ledger_pb.Receipt) -> None:
        line = {
            "key_id": receipt.key_id,
            "statement": base64.b64encode(receipt.statement).decode("ascii"),
            "signature": base64.b64encode(receipt.signature).decode("ascii"),
        }
        with self._path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, sort_keys=True) + "\n")


def _send(
    delivery: Delivery,
    access: HubAccess,
    batch_size: int,
    timeout: float,
    progress_console: Console,
    hub_key: PublicKey | None,
    receipts: Path | None,
) -> DeliveryReport:
    with hub_channel(access, timeout) as channel:
        try:
            signer = partner_signer(access, delivery.partner, channel)
            with Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=progress_console,
                transient=False,
            ) as progress:
                task = progress.add_task(
                    f"{delivery.delivery_id}: claims", total=len(delivery.claims)
                )
                return submit_delivery(
                    delivery,
                    channel,
                    signer,
                    batch_size=batch_size,
                    on_progress=lambda n: progress.advance(task, n),
                    hub_key=hub_key,
                    on_receipt=ReceiptFile(receipts) if receipts else None,
                )
        except (HubCallError, HubProtocolError) as error:
            raise CommandStopped(3, f"hub {access.address}: {error}") from error


def _outcome(delivery: Delivery) -> str:
    return "PARTLY_REFUSED" if any(p.file_level for p in delivery.problems) else "PROCESSED"


def run_delivery(
    name: str,
    delivery_dir: Path,
    access: HubAccess,
    batch_size: int,
    timeout: float,
    hub_key: Path | None = None,
    receipts: Path | None = None,
    lang: str = DEFAULT_LANG,
) -> None:
    """The report for people on stdout; exit 0, 2, 3 or 4 (adapters/README.md)."""
    console = Console()
    verifying = key_file("--hub-key", hub_key, PublicKey.from_file) if hub_key else None
    delivery = adapter_for(name).read(delivery_dir)
    if delivery.refused:
        render_refused(delivery.problems, delivery.delivery_id, console, lang)
        say(console, f"delivery {delivery.delivery_id} refused whole; nothing was sent", "red")
        raise typer.Exit(EXIT_REFUSED)
    say(
        console,
        f"{delivery.partner} {delivery.delivery_id}: {delivery.rows_read} rows read, "
        f"{len(delivery.projects)} projects and {len(delivery.claims)} claims to send, "
        f"{len(delivery.problems)} problems found by the adapter",
    )
    # Piped or logged, the progress bar is not part of the report: stderr.
    progress = Console(stderr=True) if plain_output(console) else console
    report = _send(delivery, access, batch_size, timeout, progress, verifying, receipts)
    render_report(report, console, lang)
    refused_files = sorted({p.file for p in delivery.problems if p.file_level})
    if refused_files:
        say(
            console,
            f"delivery {delivery.delivery_id} partly refused: "
            f"{', '.join(refused_files)} refused whole, not sent (see above)",
            "red",
        )
        raise typer.Exit(EXIT_PARTLY_REFUSED)


def run_delivery_json(
    name: str,
    delivery_dir: Path,
    access: HubAccess | CommandStopped,
    batch_size: int,
    timeout: float,
    hub_key: Path | None = None,
    receipts: Path | None = None,
    lang: str = DEFAULT_LANG,
) -> None:
    """One JSON document on stdout, whatever happens; every other line on stderr.

    ``access`` is the stop itself when the hub's access could not even be set
    up (a TLS file): the document then says so, with nothing read.
    """
    stderr = Console(stderr=True)
    delivery: Delivery | None = None
    report: DeliveryReport | None = None
    try:
        if isinstance(access, CommandStopped):
            raise access
        verifying = key_file("--hub-key", hub_key, PublicKey.from_file) if hub_key else None
        delivery = adapter_for(name).read(delivery_dir)
        if delivery.refused:
            outcome = "REFUSED"
        else:
            report = _send(delivery, access, batch_size, timeout, stderr, verifying, receipts)
            outcome = _outcome(delivery)
        document = delivery_document(
            adapter=name, lang=lang, outcome=outcome, delivery=delivery, report=report
        )
    except CommandStopped as stop:
        stop.print(stderr)
        document = delivery_document(
            adapter=name,
            lang=lang,
            outcome="REFUSED" if stop.exit_code == EXIT_REFUSED else "HUB_FAILED",
            delivery=delivery,
            error=(stop.code, stop.message),
        )
    sys.stdout.write(dump(document) + "\n")
    sys.stdout.flush()
    if document["exit_code"]:
        raise typer.Exit(document["exit_code"])
