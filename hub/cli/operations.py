"""The operator's commands: ``carbon-hub --version``, ``carbon-hub status``,
``carbon-hub bureau queue``.

Each takes ``--json`` for scripts. Without it, a terminal gets a table and
anything else (a pipe, a file) gets one tab-separated line per row with a
header line: never wrapped or cut to a terminal's width.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from importlib import metadata
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hub.cli.ledger import ConfigFile, DatabaseUrl, DataDir, ledger, set_logging_flags

DISTRIBUTION = "carbon-inclusion-federation-hub"
AsJson = Annotated[bool, typer.Option("--json", help="one JSON document on standard output")]


def hub_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree never installed
        return "unknown"


def _print_version(value: bool) -> None:
    if value:
        print(f"carbon-hub {hub_version()}")
        raise typer.Exit()


def global_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="print the hub's version and exit",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
    log_level: Annotated[
        str | None,
        typer.Option(
            "--log-level",
            help="debug, info (one line per bureau action, key or certificate change, "
            "issuance, delivery, reconciliation; the default), warning or error; also "
            "HUB_LOG_LEVEL",
        ),
    ] = None,
    log_format: Annotated[
        str | None,
        typer.Option(
            "--log-format",
            help="json, text or auto (text on a terminal, JSON lines otherwise); log lines "
            "go to stderr, a command's own output to stdout; also HUB_LOG_FORMAT",
        ),
    ] = None,
) -> None:
    """Carbon Inclusion Federation Hub"""
    set_logging_flags(log_level, log_format)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def status(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
    as_json: AsJson = False,
) -> None:
    """The ledger at a glance: claims, blocks, backlog, checkpoint, held queue, partners.

    Claims by decision, blocks by state, the blocks the exchange has not
    acknowledged (outbox lag), the last signed audit checkpoint, the claims
    held for review, and each partner's signing keys by state.
    """
    from hub.storage.database import redacted_url
    from hub.storage.operations_queries import EXCHANGE_CONSUMER, ledger_status

    with ledger(data_dir, database_url, config) as hub:
        found = ledger_status(hub.read_engine)
        partners = sorted(set(hub.standard.partners()) | set(found.partner_keys))
        report: dict[str, Any] = {
            "version": hub_version(),
            "database": redacted_url(hub.settings.resolved_database_url()),
            "standard": hub.standard.version,
            "claims": found.claims,
            "blocks": found.blocks,
            "reconciliations": found.reconciliations,
            "held_queue": found.held_claims,
            "outbox": {
                consumer: {
                    "undelivered": found.outbox_undelivered.get(consumer, 0),
                    "oldest_undelivered_at": _iso(found.outbox_oldest_undelivered.get(consumer)),
                }
                for consumer in (EXCHANGE_CONSUMER,)
            },
            "audit": {
                "events": found.audit_events,
                "last_checkpoint_seq": found.last_checkpoint_seq,
                "last_checkpoint_at": _iso(found.last_checkpoint_at),
            },
            "partners": {partner: found.partner_keys.get(partner, {}) for partner in partners},
        }
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for line in _status_lines(report):
        print(line)


def _counts(values: dict[str, int]) -> str:
    return ", ".join(f"{key} {count}" for key, count in sorted(values.items())) or "none"


def _status_lines(report: dict[str, Any]) -> list[str]:
    audit = report["audit"]
    checkpoint = (
        f"row {audit['last_checkpoint_seq']} at {audit['last_checkpoint_at']}"
        if audit["last_checkpoint_seq"] is not None
        else "none yet"
    )
    lines = [
        f"carbon-hub {report['version']}, standard {report['standard']}",
        f"database: {report['database']}",
        f"claims: {_counts(report['claims'])}",
        f"held queue: {report['held_queue']} claims awaiting review (carbon-hub bureau queue)",
        f"blocks: {_counts(report['blocks'])}",
        f"reconciliations: {_counts(report['reconciliations'])}",
    ]
    for consumer, backlog in report["outbox"].items():
        oldest = backlog["oldest_undelivered_at"]
        since = f", oldest since {oldest}" if oldest else ""
        lines.append(f"outbox ({consumer}): {backlog['undelivered']} not acknowledged{since}")
    lines.append(f"audit: {audit['events']} events, last checkpoint {checkpoint}")
    for partner, keys in report["partners"].items():
        lines.append(f"partner {partner}: signing keys {_counts(keys)}")
    return lines


_QUEUE_COLUMNS = (
    "partner",
    "record_id",
    "claim_id",
    "received_at",
    "methodology",
    "vintage",
    "credited_tco2e",
    "hold_reason",
    "check_codes",
)


def bureau_queue(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    config: ConfigFile = None,
    as_json: AsJson = False,
) -> None:
    """The claims HELD for a reviewer, oldest first (approve-claim / reject-claim)."""
    from hub.services.review_queue import ReviewQueueService
    from hub.storage.review_queue_queries import SqlAlchemyReviewQueueQueries

    rows: list[dict[str, Any]] = []
    with ledger(data_dir, database_url, config) as hub:
        queue = ReviewQueueService(SqlAlchemyReviewQueueQueries(hub.read_engine))
        cursor: str | None = None
        while True:
            page = queue.held_claims(cursor, limit=500)
            rows.extend(_held_row(claim) for claim in page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if sys.stdout.isatty():
        table = Table(*_QUEUE_COLUMNS, title=f"{len(rows)} claims held for review")
        for row in rows:
            table.add_row(*(_cell(row[column]) for column in _QUEUE_COLUMNS))
        Console().print(table)
        return
    print("\t".join(_QUEUE_COLUMNS))
    for row in rows:
        print("\t".join(_cell(row[column]) for column in _QUEUE_COLUMNS))


def _held_row(claim: Any) -> dict[str, Any]:
    return {
        "partner": claim.partner,
        "record_id": claim.record_id,
        "claim_id": claim.claim_id,
        "received_at": claim.received_at.isoformat(),
        "methodology": claim.methodology,
        "vintage": claim.vintage,
        "credited_tco2e": None if claim.credited_tco2e is None else str(claim.credited_tco2e),
        "hold_reason": claim.hold_reason,
        "check_codes": list(claim.check_codes),
    }


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(value) or "-"
    return str(value).replace("\t", " ").replace("\n", " ")
