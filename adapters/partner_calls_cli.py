"""The partner's calls besides deliveries: reconcile, attest-cancellation, attest-adjustment.

Each prints its outcome for people (plain lines when not on a terminal,
hub check messages in ``--lang``) or, with ``--json``, one JSON document
on stdout (schemas in adapters/README.md) with every other line on stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from adapters.attestation_client import (
    AttestationOutcome,
    attest_adjustment,
    attest_source_cancellation,
)
from adapters.attestation_journal import AttestationJournal, JournalEntry
from adapters.cli_access import (
    EXIT_INCONSISTENT,
    CommandStopped,
    hub_access,
    hub_call,
    hub_channel,
    partner_signer,
)
from adapters.cli_options import (
    DEFAULT_JOURNAL,
    CaOption,
    CertOption,
    HubOption,
    InsecureOption,
    JournalOption,
    JsonOption,
    KeyOption,
    LangOption,
    NameArgument,
    SigningKeyOption,
    TimeoutOption,
    rfc3339_option,
)
from adapters.reconciliation import registry_holdings
from adapters.reconciliation_client import ReconciliationOutcome, list_reconciliation_requests
from adapters.reconciliation_client import submit_reconciliation as submit_holdings
from adapters.registry import adapter_for
from adapters.report import emit_table, say
from adapters.report_json import dump
from adapters.report_language import DEFAULT_LANG, check_text
from carbonhub_contract.vocabulary.records import AdjustmentStatus

VERSION = 1  # of the reconcile-report and attestation-report documents


class AttestedStatus(StrEnum):
    COMMITTED = "COMMITTED"
    COMPLETED = "COMPLETED"
    REVOKED = "REVOKED"  # the origin withdrew its inventory exclusion: terminal


@contextmanager
def _report(as_json: bool, schema: str, document: dict[str, Any]) -> Iterator[Console]:
    """The console for the command's lines; with ``--json`` the document at the end.

    The command fills ``document``; a stop fills its ``error``. The exit
    code is the document's (JSON) or the stop's.
    """
    console = Console(stderr=as_json)
    document.update({"schema": schema, "version": VERSION, "exit_code": 0, "error": None})
    try:
        yield console
    except CommandStopped as stop:
        stop.print(console if not as_json else Console(stderr=True))
        document["exit_code"] = stop.exit_code
        document["error"] = {"code": stop.code, "message": stop.message}
    except typer.Exit as done:
        document["exit_code"] = done.exit_code
    if as_json:
        sys.stdout.write(dump(document) + "\n")
        sys.stdout.flush()
    if document["exit_code"]:
        raise typer.Exit(document["exit_code"])


def _reconciliation_document(outcome: ReconciliationOutcome) -> dict[str, Any]:
    return {
        "reconciliation_id": outcome.reconciliation_id,
        "status": outcome.status,
        "consistent": outcome.consistent,
        "discrepancies": [
            {
                "phase": d.phase,
                "kind": d.kind,
                "subject_id": d.subject_id,
                "hub_value": d.hub_value,
                "partner_value": d.counterpart_value,
                "resolved": d.resolved,
            }
            for d in outcome.discrepancies
        ],
        "frozen_block_ids": list(outcome.frozen_block_ids),
    }


def _render_reconciliation(outcome: ReconciliationOutcome, console: Console) -> None:
    say(
        console,
        f"reconciliation {outcome.reconciliation_id} with the hub: {outcome.status}"
        f" ({len(outcome.discrepancies)} discrepancies)",
        "green" if outcome.consistent else "red",
    )
    if outcome.discrepancies:
        emit_table(
            console,
            f"reconciliation {outcome.reconciliation_id}: discrepancies",
            ("phase", "kind", "subject", "hub", "partner", "resolved"),
            (
                (
                    d.phase,
                    d.kind,
                    d.subject_id,
                    d.hub_value,
                    d.counterpart_value,
                    "yes" if d.resolved else "",
                )
                for d in outcome.discrepancies
            ),
        )
    if outcome.frozen_block_ids:
        say(console, f"blocks frozen by the hub: {', '.join(outcome.frozen_block_ids)}")


def reconcile_command(
    name: NameArgument,
    registry: Annotated[
        Path,
        typer.Option(
            "--registry",
            exists=True,
            file_okay=False,
            dir_okay=True,
            help="folder whose sub-folders are the partner's deliveries",
        ),
    ],
    hub: HubOption,
    ca: CaOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    insecure: InsecureOption = False,
    journal: JournalOption = DEFAULT_JOURNAL,
    start: Annotated[
        bool, typer.Option("--start", help="start a reconciliation when none is requested")
    ] = False,
    connect_timeout: TimeoutOption = 10.0,
    as_json: JsonOption = False,
) -> None:
    """State the partner's holdings from its registry data for the hub's reconciliation."""
    document: dict[str, Any] = {"partner": adapter_for(str(name)).partner, "reconciliations": []}
    with _report(as_json, "carbon-hub-adapter/reconcile-report", document) as console:
        access = hub_access(hub, ca, cert, key, insecure)
        held = registry_holdings(str(name), registry, AttestationJournal(journal))
        document.update(
            deliveries=list(held.deliveries),
            refused_deliveries=[str(folder) for folder in held.refused],
            records=len(held.holdings),
        )
        for folder in held.refused:
            say(console, f"delivery {folder} refused whole by the adapter: not counted", "yellow")
        say(
            console,
            f"{held.partner}: {len(held.holdings)} records from {len(held.deliveries)} "
            f"deliveries ({', '.join(held.deliveries) or 'none'}); journal {journal}",
        )
        with hub_channel(access, connect_timeout) as channel:
            requested = hub_call(hub, lambda: list_reconciliation_requests(channel, held.partner))
            ids: list[str | None] = [r.reconciliation_id for r in requested]
            if not ids and start:
                ids = [None]
            outcomes = [
                hub_call(
                    hub,
                    lambda rid=rid: submit_holdings(  # type: ignore[misc]
                        channel, held.partner, rid, held.totals, held.holdings
                    ),
                )
                for rid in ids
            ]
        if not ids:
            say(console, "no reconciliation requested by the hub (use --start to start one)")
        document["reconciliations"] = [_reconciliation_document(o) for o in outcomes]
        for outcome in outcomes:
            _render_reconciliation(outcome, console)
        if not all(o.consistent for o in outcomes):
            raise typer.Exit(EXIT_INCONSISTENT)


def _now() -> datetime:
    return datetime.now(UTC)


def _moment(text: str | None, option: str) -> datetime:
    return _now() if text is None else rfc3339_option(text, option)


def _unit_range(text: str | None) -> tuple[int, int] | None:
    """--cancelled-units FIRST-LAST as two unit numbers (the hub checks them
    against the block and what it credits)."""
    if text is None:
        return None
    first, dash, last = text.strip().partition("-")
    if not (dash and first.isdecimal() and last.isdecimal()):
        raise typer.BadParameter(
            f"not FIRST-LAST unit numbers: {text!r}", param_hint="--cancelled-units"
        )
    return int(first), int(last)


def _quantity(text: str | None) -> Decimal | None:
    """--quantity as a finite, positive decimal (the hub checks it covers what was issued)."""
    if text is None:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise typer.BadParameter(
            f"not a decimal number: {text!r}", param_hint="--quantity"
        ) from None
    if not value.is_finite() or value <= 0:
        raise typer.BadParameter(
            f"give a positive number of tCO2e, not {text!r}", param_hint="--quantity"
        )
    return value


def _attestation(document: dict[str, Any], outcome: AttestationOutcome, lang: str) -> None:
    document.update(
        accepted=outcome.accepted,
        replay=outcome.replay,
        checks=[
            {"code": c.code, "severity": c.severity.value, "message": check_text(c, lang)}
            for c in outcome.checks
        ],
        claim_ids=list(outcome.claim_ids),
        block_ids=list(outcome.block_ids),
    )


def _render_attestation(outcome: AttestationOutcome, console: Console, lang: str) -> None:
    if outcome.accepted:
        replay = " (recorded before: nothing changed)" if outcome.replay else ""
        say(console, f"accepted{replay}", "green")
        if outcome.claim_ids:
            say(console, f"claims released for issuance: {', '.join(outcome.claim_ids)}")
        if outcome.block_ids:
            say(console, f"blocks made routable: {', '.join(outcome.block_ids)}")
        return
    say(console, "refused", "red")
    for check in outcome.checks:
        say(console, f"  {check.code}: {check_text(check, lang)}")


def _attest(
    console: Console,
    document: dict[str, Any],
    lang: str,
    send: Callable[[], AttestationOutcome],
) -> AttestationOutcome:
    outcome = send()
    _attestation(document, outcome, lang)
    _render_attestation(outcome, console, lang)
    if not outcome.accepted:
        raise typer.Exit(EXIT_INCONSISTENT)
    return outcome


def attest_cancellation_command(
    name: NameArgument,
    hub: HubOption,
    signing_key: SigningKeyOption,
    claim_id: Annotated[str, typer.Option("--claim-id", help="the hub's claim id")],
    origin_serial: Annotated[str, typer.Option("--origin-serial", help="the claim's origin block")],
    cancellation_id: Annotated[
        str, typer.Option("--cancellation-id", help="the registry's cancellation id")
    ],
    note: Annotated[
        str, typer.Option("--note", help="the cancellation note as written at the origin")
    ],
    record_id: Annotated[
        str, typer.Option("--record-id", help="the partner's record id, for the journal")
    ] = "",
    cancelled_at: Annotated[
        str | None,
        typer.Option("--cancelled-at", help="RFC 3339 time of the cancellation (default: now)"),
    ] = None,
    cancelled_units: Annotated[
        str | None,
        typer.Option(
            "--cancelled-units",
            help="FIRST-LAST: the units of the block the origin split off and cancelled, "
            "exactly the units Shenzhen credits (default: the whole block)",
        ),
    ] = None,
    journal: JournalOption = DEFAULT_JOURNAL,
    connect_timeout: TimeoutOption = 10.0,
    ca: CaOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    insecure: InsecureOption = False,
    lang: LangOption = DEFAULT_LANG,
    as_json: JsonOption = False,
) -> None:
    """Attest that the origin registry cancelled a claim's origin block (or the
    part of it Shenzhen credits) for the hub."""
    units = _unit_range(cancelled_units)
    partner = adapter_for(str(name)).partner
    document: dict[str, Any] = {"partner": partner, "lang": str(lang), "journal": None}
    with _report(as_json, "carbon-hub-adapter/attestation-report", document) as console:
        access = hub_access(hub, ca, cert, key, insecure, signing_key)
        moment = _moment(cancelled_at, "--cancelled-at")
        with hub_channel(access, connect_timeout) as channel:
            signer = partner_signer(access, partner, channel)
            _attest(
                console,
                document,
                lang,
                lambda: hub_call(
                    hub,
                    lambda: attest_source_cancellation(
                        channel,
                        signer,
                        claim_id,
                        origin_serial,
                        cancellation_id,
                        note,
                        moment,
                        cancelled_units=units,
                    ),
                ),
            )
        recorded = AttestationJournal(journal).append(
            JournalEntry(
                partner=partner,
                claim_id=claim_id,
                record_id=record_id,
                origin_serial=origin_serial,
                cancellation_id=cancellation_id,
                cancelled_at=moment.isoformat(),
                attested_at=_now().isoformat(),
            )
        )
        document["journal"] = "recorded" if recorded else "already recorded"
        say(console, f"journal {journal}: {document['journal']}")


def attest_adjustment_command(
    name: NameArgument,
    hub: HubOption,
    signing_key: SigningKeyOption,
    reference: Annotated[
        str,
        typer.Option("--reference", help="the inventory-exclusion reference the claims carry"),
    ],
    status: Annotated[AttestedStatus, typer.Option("--status", help="where it moved")],
    note: Annotated[str, typer.Option("--note", help="free text for the hub's record")] = "",
    quantity: Annotated[
        str | None,
        typer.Option(
            "--quantity",
            help="tCO2e the exclusion covers, e.g. 1200 (with --vintage; for COMMITTED or "
            "COMPLETED: at least what was issued under the reference)",
        ),
    ] = None,
    vintage: Annotated[
        int | None,
        typer.Option("--vintage", min=1, max=9999, help="the vintage the exclusion covers"),
    ] = None,
    attested_at: Annotated[
        str | None, typer.Option("--attested-at", help="RFC 3339 (default: now)")
    ] = None,
    connect_timeout: TimeoutOption = 10.0,
    ca: CaOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    insecure: InsecureOption = False,
    lang: LangOption = DEFAULT_LANG,
    as_json: JsonOption = False,
) -> None:
    """Attest that the origin's inventory exclusion (清单排除 / 清單排除; the wire calls
    it an accounting adjustment) moved to COMMITTED or COMPLETED, or was REVOKED."""
    partner = adapter_for(str(name)).partner
    document: dict[str, Any] = {"partner": partner, "lang": str(lang), "journal": None}
    with _report(as_json, "carbon-hub-adapter/attestation-report", document) as console:
        access = hub_access(hub, ca, cert, key, insecure, signing_key)
        moment = _moment(attested_at, "--attested-at")
        tonnes = _quantity(quantity)
        with hub_channel(access, connect_timeout) as channel:
            signer = partner_signer(access, partner, channel)
            _attest(
                console,
                document,
                lang,
                lambda: hub_call(
                    hub,
                    lambda: attest_adjustment(
                        channel,
                        signer,
                        reference,
                        AdjustmentStatus(status.value),
                        moment,
                        note,
                        quantity=tonnes,
                        vintage=vintage,
                    ),
                ),
            )
