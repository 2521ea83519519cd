"""``carbon-hub demo``: a real hub, both partner adapters, the sample deliveries.

The hub runs in this process but is reached only through its gRPC port on
loopback, exactly as a partner would reach it; the adapters are the same
code ``carbon-hub-adapter`` runs.
"""

from __future__ import annotations

import os
import secrets
import signal
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import grpc
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

import adapters
from adapters.attestation_journal import AttestationJournal
from adapters.delivery import Delivery
from adapters.delivery_report import DeliveryReport
from adapters.hub_client import submit_delivery
from adapters.partner_signing import PartnerSigner
from adapters.registry import adapter_for
from carbonhub_contract.vocabulary.checks import Severity
from carbonhub_contract.vocabulary.records import Decision
from carbonhub_tools.demo.commuters import COMMUTERS, demo_points
from carbonhub_tools.demo.ledger import (
    LedgerTally,
    cancel_at_source,
    commit_adjustments,
    exchange_round,
    reconcile_partner,
    registry_folder,
    render_ledger,
    tally,
    write_cancellation_export,
)
from carbonhub_tools.demo.trust import EXCHANGE_NAME, DemoTrust, ensure_authority, prepare_trust
from hub.bootstrap import Hub, build_hub, prepare_data_dir
from hub.cli.issuance import render_pool_totals
from hub.http_api.app import create_app
from hub.http_api.server import start_http_server
from hub.settings import load_settings
from hub.storage.database import SQLITE_FILE_NAME

# The partner kit carries its sample deliveries beside each adapter (package data),
# so the demo finds them wherever the kit is installed.
PARTNER_KIT = Path(adapters.__file__).resolve().parent
# (adapter name, partner label, sample deliveries in the order the partner sent them)
DEMO_PARTNERS: tuple[tuple[str, str], ...] = (
    ("guangdong", "CN-GD 广东"),
    ("hongkong", "CN-HK 香港"),
)


def sample_deliveries(adapter: str) -> list[Path]:
    folder = PARTNER_KIT / adapter / "samples"
    return sorted(p for p in folder.iterdir() if (p / "manifest.json").is_file())


def demo_deliveries(adapter: str, data_dir: Path) -> list[Path]:
    """The samples, then a month of the partner's commuters (pooled issuance)."""
    return [*sample_deliveries(adapter), COMMUTERS[adapter](data_dir / "commuters")]


@dataclass
class PartnerTally:
    label: str
    rows_read: int = 0
    new: Counter[Decision] = field(default_factory=Counter)
    resubmissions: int = 0
    adapter_refused: int = 0
    rejections: Counter[str] = field(default_factory=Counter)
    projects: Counter[Decision] = field(default_factory=Counter)
    reported: Decimal = Decimal(0)
    recomputed: Decimal = Decimal(0)
    credited: Decimal = Decimal(0)

    def add(self, report: DeliveryReport) -> None:
        self.rows_read += report.rows_read
        self.adapter_refused += len(report.problems)
        self.rejections.update(p.code for p in report.problems)
        self.projects.update(p.decision for p in report.projects)
        self.rejections.update(report.project_rejections_by_code())
        for claim in report.claims:
            if claim.resubmission:
                # Recognised: the original verdict came back, nothing new counted.
                self.resubmissions += 1
                continue
            self.new[claim.decision] += 1
            if claim.decision is Decision.REJECTED:
                self.rejections.update(c.code for c in claim.checks if c.severity is Severity.ERROR)
            elif claim.decision is Decision.ACCEPTED:
                self.reported += Decimal(claim.reported_tco2e or 0)
                self.recomputed += Decimal(claim.recomputed_tco2e or 0)
                self.credited += Decimal(claim.credited_tco2e or 0)


def run_demo(data_dir: Path | None, console: Console) -> list[PartnerTally]:
    folder = data_dir if data_dir is not None else Path(tempfile.mkdtemp(prefix="carbon-hub-demo-"))
    # The demo is the embedded default whatever the environment says, with
    # mutual TLS on: its own PKI in the data directory.
    settings = load_settings(
        data_dir=folder,
        database_url=f"sqlite:///{(folder / SQLITE_FILE_NAME).resolve()}",
        grpc_host="127.0.0.1",
        grpc_port=0,
        insecure=False,
        pki_dir=folder / "pki",
    )
    prepare_data_dir(folder)  # DATA_DIR_INVALID, naming it, when it cannot be a folder
    ensure_authority(folder / "pki")  # before the hub: it signs with the PKI's key
    hub = build_hub(settings)
    partners = [adapter_for(name).partner for name, _ in DEMO_PARTNERS]
    trust = prepare_trust(folder, partners, hub.partner_keys)
    running = hub.serve()
    console.print(
        f"hub on {running.address} (mutual TLS, PKI {trust.pki_dir}), database "
        f"{folder / SQLITE_FILE_NAME}, standard {hub.standard.version}"
    )
    tallies: list[PartnerTally] = []
    ledger_tallies: list[LedgerTally] = []
    exchange_outcome = ""
    channels = {party: trust.channel(running.address, party) for party in trust.parties}
    try:
        sessions: dict[str, PartnerSession] = {}
        reports: dict[str, list[DeliveryReport]] = {}
        deliveries: dict[str, list[Delivery]] = {}
        for adapter_name, label in DEMO_PARTNERS:
            adapter = adapter_for(adapter_name)
            channel = channels[adapter.partner]
            grpc.channel_ready_future(channel).result(timeout=10)
            session = PartnerSession(channel, trust.signer(adapter.partner, channel), trust)
            sessions[adapter_name] = session
            tally = PartnerTally(label)
            for delivery_dir in demo_deliveries(adapter_name, folder):
                delivery = adapter.read(delivery_dir)
                report = _submit(session, delivery, console)
                tally.add(report)
                reports.setdefault(adapter_name, []).append(report)
                deliveries.setdefault(adapter_name, []).append(delivery)
            tallies.append(tally)
        exchange_outcome = _ledger_flow(
            hub,
            sessions,
            channels[EXCHANGE_NAME],
            folder,
            deliveries,
            reports,
            ledger_tallies,
            console,
        )
        points_line = demo_points(hub)
        audit_line = _audit(hub)
        pools = hub.issuance.pools()
    finally:
        for channel in channels.values():
            channel.close()
        running.stop(None)
        hub.close()
    render_summary(tallies, console)
    render_ledger(ledger_tallies, exchange_outcome, console)
    # Personal reductions: each platform's pool, issued to its operator.
    render_pool_totals(pools, console)
    console.print(points_line)
    console.print(audit_line)
    console.print(
        f"data directory: {folder} (run again with --data-dir {folder}: nothing new is accepted)"
    )
    return tallies


DEMO_OFFICER = "demo"
DEMO_OFFICER_NAME = "演示科员"
_DEMO_PASSWORD_FILE = "console-demo-password.txt"


def serve_demo(data_dir: Path, console: Console, *, http_port: int) -> None:
    """Serve the demo's hub (gRPC and HTTP) until Ctrl-C or SIGTERM, printing
    the disclosure and console addresses and the demo officer's login."""
    settings = load_settings(
        data_dir=data_dir,
        database_url=f"sqlite:///{(data_dir / SQLITE_FILE_NAME).resolve()}",
        grpc_host="127.0.0.1",
        grpc_port=0,
        insecure=False,
        pki_dir=data_dir / "pki",
        http_host="127.0.0.1",
        http_port=http_port,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    hub = build_hub(settings)
    try:
        password = _demo_officer(hub, data_dir)
        running = hub.serve()
        try:
            http = start_http_server(create_app(hub, settings), "127.0.0.1", http_port)
            try:
                console.print(f"disclosure: {http.base_url}/  (API {http.base_url}/api/v1)")
                console.print(f"console:    {http.base_url}/console")
                console.print(
                    f"console login: {DEMO_OFFICER} / {password}"
                    if password
                    else f"console login: {DEMO_OFFICER} (password set earlier)"
                )
                console.print(f"gRPC on {running.address}; Ctrl-C stops")
                stop.wait()
            finally:
                http.stop()
        finally:
            running.stop(None)
    finally:
        hub.close()


def _demo_officer(hub: Hub, data_dir: Path) -> str | None:
    """The demo's bureau officer, made once; its password kept 0600 beside the database."""
    kept = data_dir / _DEMO_PASSWORD_FILE
    if hub.officers.officer(DEMO_OFFICER) is not None:
        return kept.read_text(encoding="utf-8").strip() if kept.is_file() else None
    password = secrets.token_urlsafe(12)
    descriptor = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    hub.officers.add_officer(DEMO_OFFICER, DEMO_OFFICER_NAME, password, added_by="demo")
    return password


@dataclass
class PartnerSession:
    """One partner's connection: its own certificate, its signing key."""

    channel: grpc.Channel
    signer: PartnerSigner
    trust: DemoTrust


def _submit(session: PartnerSession, delivery: Delivery, console: Console) -> DeliveryReport:
    with _progress(console) as progress:
        task = progress.add_task(
            f"{delivery.partner} {delivery.delivery_id}", total=len(delivery.claims)
        )

        def advance(answered: int, task: TaskID = task) -> None:
            progress.advance(task, answered)

        # Every verdict batch's receipt is checked under the hub signing key.
        return submit_delivery(
            delivery,
            session.channel,
            session.signer,
            on_progress=advance,
            hub_key=session.trust.hub_key,
        )


def _audit(hub: Hub) -> str:
    """Sign a checkpoint of the audit chain and verify the whole of it."""
    checkpoint = hub.audit.checkpoint()
    tree_head = hub.audit.extend_tree()  # the transparency log's tree head over it
    report = hub.audit.verify()
    signed = f", signed checkpoint at row {checkpoint.seq}" if checkpoint else ""
    if tree_head is not None:
        signed += f" and tree head of {tree_head.tree_size} events"
    if report.problem is not None:
        return f"[red]audit log: {report.problem.kind} at row {report.problem.seq}[/]"
    return (
        f"audit log: {report.rows_checked} rows, hash chain intact, "
        f"{report.checkpoints_checked} checkpoints verified{signed} (carbon-hub audit verify)"
    )


def _ledger_flow(
    hub: Hub,
    sessions: dict[str, PartnerSession],
    exchange_channel: grpc.Channel,
    folder: Path,
    deliveries: dict[str, list[Delivery]],
    reports: dict[str, list[DeliveryReport]],
    ledger_tallies: list[LedgerTally],
    console: Console,
) -> str:
    """Issuance, lock at source, the exchange and reconciliation (issue 3)."""
    hub.issuance.issue_pending()
    journal = AttestationJournal(folder / "CN-GD-attestations.jsonl")
    # Guangdong: cancel at source what the hub waits for, attest it, then
    # deliver the registry's next export where those records are 已注销.
    gd = deliveries.get("guangdong", [])
    cancelled: set[str] = set()
    gd_session = sessions["guangdong"]
    for delivery in gd:
        cancelled.update(
            cancel_at_source(
                gd_session.channel,
                gd_session.signer,
                delivery,
                reports["guangdong"],
                journal,
                console,
            )
        )
    export = write_cancellation_export(
        sample_deliveries("guangdong"),
        cancelled,
        folder / "exports",
        datetime.now(UTC),
    )
    if export is not None:
        _submit(gd_session, adapter_for("guangdong").read(export), console)
    # Hong Kong: commit the accounting adjustments of its accepted claims.
    hk_session = sessions["hongkong"]
    for delivery in deliveries.get("hongkong", []):
        commit_adjustments(hk_session.channel, hk_session.signer, delivery, reports["hongkong"])
    issued = hub.issuance.issue_pending()
    console.print(f"issued now: {len(issued.blocks)} blocks, {issued.units} tCO2e")
    # The exchange receives, acknowledges and retires by its policy.
    client, retired = exchange_round(
        exchange_channel, folder / "exchange-state.json", folder / "pki" / "hub-signing.pub"
    )
    console.print(
        f"exchange: {len(client.state.blocks)} blocks held or retired, {retired} retirements now"
    )
    exchange = client.answer_reconciliations(start_if_none=True)
    exchange_text = ", ".join(f"{o.status} ({len(o.discrepancies)})" for o in exchange)
    for adapter_name, label in DEMO_PARTNERS:
        partner = adapter_for(adapter_name).partner
        registry = registry_folder(
            demo_deliveries(adapter_name, folder),
            export if adapter_name == "guangdong" else None,
            folder / "registries" / partner,
        )
        outcome = reconcile_partner(sessions[adapter_name].channel, adapter_name, registry, journal)
        ledger_tally = tally(hub, label, partner)
        ledger_tally.reconciliation = outcome.status
        ledger_tally.discrepancies = len(outcome.discrepancies)
        ledger_tallies.append(ledger_tally)
        for d in outcome.discrepancies:
            console.print(
                f"  {partner} {d.phase} {d.kind} {d.subject_id}: "
                f"hub {d.hub_value!r}, registry {d.counterpart_value!r}"
            )
    return exchange_text


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def render_summary(tallies: list[PartnerTally], console: Console) -> None:
    # One column per partner keeps the table readable in an 80-column terminal.
    table = Table(title="Claims per partner (this run)")
    table.add_column("")
    for t in tallies:
        table.add_column(t.label, justify="right")
    rows: list[tuple[str, list[str]]] = [
        ("rows read", [str(t.rows_read) for t in tallies]),
        ("projects registered or confirmed", [str(t.projects[Decision.ACCEPTED]) for t in tallies]),
        ("projects rejected", [str(t.projects[Decision.REJECTED]) for t in tallies]),
        ("claims accepted", [str(t.new[Decision.ACCEPTED]) for t in tallies]),
        ("claims held for review", [str(t.new[Decision.HELD]) for t in tallies]),
        ("claims rejected by the hub", [str(t.new[Decision.REJECTED]) for t in tallies]),
        ("rows refused by the adapter", [str(t.adapter_refused) for t in tallies]),
        ("resubmissions recognised", [str(t.resubmissions) for t in tallies]),
        ("accepted tCO2e reported", [f"{t.reported:f}" for t in tallies]),
        ("accepted tCO2e recomputed", [f"{t.recomputed:f}" for t in tallies]),
        ("accepted tCO2e credited", [f"{t.credited:f}" for t in tallies]),
    ]
    for heading, values in rows:
        table.add_row(heading, *values)
    console.print(table)
    codes = Table(title="Rejections by check code (hub checks and adapter codes)")
    codes.add_column("code")
    for t in tallies:
        codes.add_column(t.label, justify="right")
    all_codes = sorted({c for t in tallies for c in t.rejections})
    for code in all_codes:
        codes.add_row(code, *(str(t.rejections.get(code, 0)) for t in tallies))
    if not all_codes:
        codes.add_row("(none)", *("0" for _ in tallies))
    console.print(codes)
    console.print(
        "accepted tCO2e: reported = what partners claimed; recomputed = Shenzhen formula with "
        "origin factors; credited = the conservative lower value after caps and discounts"
    )
