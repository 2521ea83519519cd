"""``carbon-hub export cadt`` and ``carbon-hub report annual|verify``: the
ledger for readers outside China, on the hub's existing database (no
running hub needed).

``export cadt`` writes CAD Trust v2 records (docs/cadt-mapping.md);
``report annual`` writes one partner's Article 6.2-style annual report and,
beside it, ``<file>.receipt.jsonl``: the hub's signature over the report and
the file's SHA-256, which ``report verify`` (or ``carbon-hub receipt
verify``) checks against hub-signing.pub.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from hub.cli.ledger import EXIT_REFUSED, ConfigFile, DatabaseUrl, DataDir, ledger
from hub.cli.rfc3339_option import rfc3339_option

export_app = typer.Typer(
    no_args_is_help=True, help="Export the ledger in other registries' models."
)
report_app = typer.Typer(no_args_is_help=True, help="Signed reports of the ledger.")

RECEIPT_SUFFIX = ".receipt.jsonl"


def _since(text: str | None) -> datetime | None:
    return None if text is None else rfc3339_option(text, "--since")


@export_app.command("cadt")
def export_cadt(
    out: Annotated[Path, typer.Option("--out", help="folder to write the export into")],
    link_base: Annotated[
        str,
        typer.Option(
            "--link-base",
            help="public URL of this hub's disclosure site (CAD Trust needs a link per "
            "project and unit), e.g. https://hub.example.org",
        ),
    ],
    since: Annotated[
        str | None,
        typer.Option("--since", help="only records changed at or after this RFC 3339 time"),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="json (one file) or xlsx (CAD Trust upload workbooks)")
    ] = "json",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Write projects, issuances, units, locations and labels as CAD Trust v2 records."""
    from hub.interchange.cadt_files import write_export
    from hub.services.exports import CADT_FORMATS, checked_format

    wanted = checked_format(fmt, CADT_FORMATS)
    moment = _since(since)
    with ledger(data_dir, database_url, config) as hub:
        service = hub.exports()
        export = service.cadt(moment, link_base)
        written = write_export(export, wanted, out, moment, service.now())
    counts = ", ".join(f"{len(rows)} {table}" for table, rows in export.tables.items())
    out_console = Console()
    out_console.print(f"CAD Trust v2 records: {counts}")
    for path in written:
        out_console.print(f"wrote {path}")


@report_app.command("annual")
def report_annual(
    partner: Annotated[str, typer.Option("--partner", help="the partner, e.g. CN-HK")],
    year: Annotated[int, typer.Option("--year", help="the calendar year (UTC), e.g. 2026")],
    out: Annotated[Path, typer.Option("--out", help="the report file to write")],
    fmt: Annotated[str, typer.Option("--format", help="json, xlsx or html")] = "json",
    public: Annotated[
        bool,
        typer.Option("--public", help="the public copy: without the reconciliations"),
    ] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
) -> None:
    """Write one partner's annual report and the hub's signed receipt beside it."""
    from hub.interchange.report_files import render_report
    from hub.services.exports import REPORT_FORMATS, checked_format, receipt_line

    wanted = checked_format(fmt, REPORT_FORMATS)
    with ledger(data_dir, database_url, config) as hub:
        service = hub.exports()
        report = service.annual_report(partner, year, public=public)
        signed = service.sign(report, wanted, render_report(report, wanted))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(signed.data)
    receipt_path = out.with_name(out.name + RECEIPT_SUFFIX)
    receipt_path.write_text(receipt_line(signed) + "\n", encoding="utf-8")
    totals = report["totals"]
    Console().print(
        f"{report['partner']} {year}: first transferred {totals['first_transferred']}, "
        f"used {totals['used']}, cancelled {totals['cancelled']}, held at year end "
        f"{totals['held_at_year_end']} (tCO2e)\nwrote {out}\nwrote {receipt_path} "
        f"(signed by {signed.key_id})"
    )


@report_app.command("verify")
def report_verify(
    report: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the report file")],
    hub_key: Annotated[
        Path, typer.Option("--hub-key", exists=True, dir_okay=False, help="hub-signing.pub")
    ],
    receipt: Annotated[
        Path | None,
        typer.Option("--receipt", dir_okay=False, help="default: <report>.receipt.jsonl"),
    ] = None,
) -> None:
    """Check a report's receipt: the hub's signature, and that it covers this very file.
    Exit 0 valid, 1 not."""
    from carbonhub_contract.receipts import verify_receipt_file
    from carbonhub_contract.signing import PublicKey
    from hub.cli.keys import public_key_or_exit
    from hub.services.exports import SIGNED_REPORT_TYPE

    key = PublicKey(public_key_or_exit(hub_key, PublicKey))
    path = receipt or report.with_name(report.name + RECEIPT_SUFFIX)
    out = Console()
    if not path.exists():
        out.print(f"[red]no receipt at {path}[/red]")
        raise typer.Exit(EXIT_REFUSED)
    checks = verify_receipt_file(path, key)
    problem = ""
    if len(checks) != 1:
        problem = "RECEIPT_LINE_MALFORMED"
    elif not checks[0].valid:
        problem = checks[0].reason
    else:
        statement = checks[0].statement
        digest = hashlib.sha256(report.read_bytes()).hexdigest()
        if statement.get("type") != SIGNED_REPORT_TYPE or statement.get("file_sha256") != digest:
            problem = "RECEIPT_DOES_NOT_MATCH_MESSAGE"
    if problem:
        out.print(f"[red]{report}: {problem}[/red]")
        raise typer.Exit(EXIT_REFUSED)
    signed = checks[0].statement["report"]
    out.print(
        f"{report}: valid, signed by {key.key_id}: {signed['partner']} {signed['year']}, "
        f"totals {json.dumps(signed['totals'], sort_keys=True)}"
    )
