"""``carbon-hub-adapter NAME --delivery DIR --check``: what the hub would
accept, hold and refuse of a delivery, by code, without a hub and without
sending anything, through the offline checker an installed hub distribution
offers (adapters/offline_checker.py).

For people: the delivery report's tables (rows not accepted, with the
decision the hub would give and its code; totals; refusals by code), then
what an offline check cannot know. With ``--json``: one document, the
delivery report's fields plus ``checked`` and ``not_checked`` (schema
``carbon-hub-adapter/check-report``, adapters/README.md).

Exit codes: 0 checked (rows may be refused: see the report); 2 the delivery
was refused whole (manifest, or no file readable) or the standard does not
load; 4 a file of the delivery was refused whole (the rest was checked).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from adapters.cli_access import EXIT_PARTLY_REFUSED, EXIT_REFUSED, CommandStopped, stopped
from adapters.delivery import Delivery
from adapters.delivery_report import DeliveryReport
from adapters.offline_checker import CheckerUnusable, OfflineChecker, installed_checker
from adapters.registry import adapter_for
from adapters.report import render_refused, render_report, say
from adapters.report_json import delivery_document, dump
from adapters.report_language import DEFAULT_LANG

SCHEMA = "carbon-hub-adapter/check-report"
VERSION = 1
_EXIT = {"CHECKED": 0, "REFUSED": EXIT_REFUSED, "PARTLY_REFUSED": EXIT_PARTLY_REFUSED}


def _required(checker: OfflineChecker | None) -> OfflineChecker:
    """The installed checker, or the command stops: the kit alone cannot check."""
    if checker is None:
        raise CommandStopped(
            EXIT_REFUSED,
            "checking offline needs the Shenzhen standard, which the partner kit alone does not "
            "carry: install the hub's distribution beside it, or pass `conformance` and send "
            "the delivery to the bureau's sandbox hub (carbon-hub serve --sandbox)",
            "OFFLINE_CHECK_UNAVAILABLE",
            coded_line=True,
        )
    return checker


def _checked(
    checker: OfflineChecker, delivery: Delivery, standards_dir: Path | None
) -> tuple[str, DeliveryReport | None]:
    if delivery.refused:
        return "REFUSED", None
    try:
        report = checker.check(delivery, standards_dir)
    except CheckerUnusable as problem:
        raise CommandStopped(EXIT_REFUSED, f"the standard does not load: {problem}") from problem
    partly = any(p.file_level for p in delivery.problems)
    return ("PARTLY_REFUSED" if partly else "CHECKED"), report


def run_check(
    name: str,
    delivery_dir: Path,
    lang: str = DEFAULT_LANG,
    as_json: bool = False,
    standards_dir: Path | None = None,
) -> None:
    if as_json:
        _run_json(name, delivery_dir, lang, standards_dir)
        return
    console = Console()
    with stopped(Console(stderr=True)):
        checker = _required(installed_checker())
        delivery = adapter_for(name).read(delivery_dir)
        outcome, report = _checked(checker, delivery, standards_dir)
    if report is None:
        render_refused(delivery.problems, delivery.delivery_id, console, lang)
        say(console, f"delivery {delivery.delivery_id} refused whole; nothing to check", "red")
        raise typer.Exit(EXIT_REFUSED)
    say(
        console,
        f"{delivery.partner} {delivery.delivery_id}: checked offline, nothing sent: "
        f"{delivery.rows_read} rows read, {len(delivery.projects)} projects and "
        f"{len(delivery.claims)} claims as the hub would assess them",
    )
    render_report(report, console, lang)
    for item in checker.not_checked:
        say(console, f"not checked offline: {item}", "yellow")
    if outcome == "PARTLY_REFUSED":
        refused = sorted({p.file for p in delivery.problems if p.file_level})
        say(console, f"refused whole: {', '.join(refused)} (see above)", "red")
    raise typer.Exit(_EXIT[outcome])


def check_document(
    name: str,
    lang: str,
    outcome: str,
    delivery: Delivery | None,
    report: DeliveryReport | None,
    not_checked: tuple[str, ...],
) -> dict[str, Any]:
    """The delivery report's document of a check: nothing was sent."""
    document = delivery_document(
        adapter=name,
        lang=lang,
        outcome="REFUSED" if outcome == "REFUSED" else "PROCESSED",
        delivery=delivery,
        report=report,
    )
    document.update(
        schema=SCHEMA,
        version=VERSION,
        outcome=outcome,
        exit_code=_EXIT[outcome],
        sent=False,
        checked="offline",
        not_checked=list(not_checked),
    )
    return document


def _run_json(name: str, delivery_dir: Path, lang: str, standards_dir: Path | None) -> None:
    delivery = adapter_for(name).read(delivery_dir)
    checker = installed_checker()
    not_checked = checker.not_checked if checker is not None else ()
    try:
        outcome, report = _checked(_required(checker), delivery, standards_dir)
    except CommandStopped as stop:
        stop.print(Console(stderr=True))
        document = check_document(name, lang, "REFUSED", delivery, None, not_checked)
        document["error"] = {"code": stop.code, "message": stop.message}
    else:
        document = check_document(name, lang, outcome, delivery, report, not_checked)
    sys.stdout.write(dump(document) + "\n")
    sys.stdout.flush()
    if document["exit_code"]:
        raise typer.Exit(document["exit_code"])
