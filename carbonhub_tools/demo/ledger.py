"""The demo past the verdicts: issuance, lock at source, the exchange, reconciliation.

Each partner's registry and the exchange are played by their real clients
over the hub's gRPC port: the Guangdong registry cancels its issued PHCER
blocks for the hub and attests it (then its next export shows them 已注销),
Hong Kong commits its inventory exclusions (the wire's accounting
adjustments), the reference exchange client receives, acknowledges and
retires blocks, and every counterpart answers a reconciliation from its own
data.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import grpc
from rich.console import Console
from rich.table import Table

from adapters.attestation_client import attest_adjustment, attest_source_cancellation
from adapters.attestation_journal import AttestationJournal, JournalEntry
from adapters.delivery import Delivery
from adapters.delivery_report import DeliveryReport
from adapters.partner_signing import PartnerSigner
from adapters.reconciliation import registry_holdings
from adapters.reconciliation_client import ReconciliationOutcome, submit_reconciliation
from carbonhub_contract.vocabulary.records import AdjustmentStatus, Decision
from hub.bootstrap import Hub
from hub.domain.blocks import BlockState
from hub.domain.issuance import AWAITING_CHECK
from hub.exchange_client.client import ExchangeClient
from hub.exchange_client.receipts import HubKey


@dataclass
class LedgerTally:
    label: str
    partner: str
    blocks: dict[str, tuple[int, int]] = field(default_factory=dict)  # state -> (blocks, units)
    units_issued: int = 0
    carried: Decimal = Decimal(0)
    awaiting_claims: int = 0
    awaiting_tco2e: Decimal = Decimal(0)
    reconciliation: str = ""
    discrepancies: int = 0


def cancel_at_source(
    channel: grpc.Channel,
    signer: PartnerSigner,
    delivery: Delivery,
    reports: list[DeliveryReport],
    journal: AttestationJournal,
    console: Console,
) -> list[str]:
    """Play the Guangdong registry: cancel each awaiting claim's PHCER block for
    the hub (the note names the hub claim id) and attest it. Returns the
    record ids cancelled."""
    serials = {c.submission.record_id: c.submission.origin_serial for c in delivery.claims}
    cancelled: list[str] = []
    for report in reports:
        for claim in report.claims:
            if claim.decision is not Decision.ACCEPTED or not any(
                c.code == AWAITING_CHECK for c in claim.checks
            ):
                continue
            serial = serials.get(claim.record_id)
            if not serial:
                continue
            cancellation_id = "GDZX-" + hashlib.sha256(serial.encode()).hexdigest()[:10]
            now = datetime.now(UTC)
            outcome = attest_source_cancellation(
                channel,
                signer,
                claim.claim_id,
                serial,
                cancellation_id,
                f"注销用于深圳碳普惠互认 / cancelled for Shenzhen hub claim {claim.claim_id}",
                now,
            )
            if outcome.accepted:
                cancelled.append(claim.record_id)
                journal.append(
                    JournalEntry(
                        partner=delivery.partner,
                        claim_id=claim.claim_id,
                        record_id=claim.record_id,
                        origin_serial=serial,
                        cancellation_id=cancellation_id,
                        cancelled_at=now.isoformat(),
                        attested_at=now.isoformat(),
                    )
                )
            else:
                console.print(f"attestation for {claim.record_id} refused: {outcome.check_codes}")
    return cancelled


def write_cancellation_export(
    samples: list[Path], cancelled: set[str], into: Path, created_at: datetime
) -> Path | None:
    """The registry's next export: the cancelled records again, now 已注销."""
    if not cancelled:
        return None
    header: list[str] | None = None
    project_header_line = ""
    rows: list[list[str]] = []
    for folder in samples:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        encoding = "utf-8-sig" if manifest["encoding"].lower() == "utf-8" else manifest["encoding"]
        projects_text = (folder / manifest["files"]["projects"]).read_text(encoding=encoding)
        project_header_line = project_header_line or projects_text.splitlines()[0]
        text = (folder / manifest["files"]["reductions"]).read_text(encoding=encoding)
        table = list(csv.reader(io.StringIO(text)))
        header = header or table[0]
        record, status = table[0].index("记录编号"), table[0].index("签发状态")
        for row in table[1:]:
            if len(row) == len(table[0]) and row[record].strip() in cancelled:
                row = [c.strip() for c in row]
                row[status] = "已注销"
                # Latest export wins: a record seen again replaces the earlier row.
                rows = [r for r in rows if r[header.index("记录编号")] != row[record]]
                rows.append(row)
    if header is None:
        return None
    delivery_id = f"GD-{created_at:%Y%m%d}-CANCELLED"
    folder = into / delivery_id
    folder.mkdir(parents=True, exist_ok=True)
    files = {"projects": "projects.csv", "reductions": "reductions.csv"}
    # The export lists no project again: the projects file is its header alone.
    project_header = project_header_line + "\n"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    contents = {"projects.csv": project_header, "reductions.csv": out.getvalue()}
    for name, content in contents.items():
        (folder / name).write_text(content, encoding="utf-8")
    manifest_data = {
        "partner": "CN-GD",
        "delivery_id": delivery_id,
        "encoding": "utf-8",
        "created_at": created_at.isoformat(),
        "files": files,
        "sha256": {
            name: hashlib.sha256(content.encode("utf-8")).hexdigest()
            for name, content in contents.items()
        },
    }
    (folder / "manifest.json").write_text(
        json.dumps(manifest_data, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return folder


def commit_adjustments(
    channel: grpc.Channel, signer: PartnerSigner, delivery: Delivery, reports: list[DeliveryReport]
) -> int:
    """Play Hong Kong: commit the inventory exclusion (the wire's accounting
    adjustment) of every accepted claim's reference, for the tonnes the hub
    credited under it and their vintage, as Hong Kong's registry would."""
    accepted = {
        c.record_id: c for r in reports for c in r.claims if c.decision is Decision.ACCEPTED
    }
    terms: dict[str, tuple[Decimal, set[int]]] = {}
    for claim in delivery.claims:
        outcome = accepted.get(claim.submission.record_id)
        reference = (claim.submission.adjustment_ref or "").strip()
        if outcome is None or not reference:
            continue
        tonnes, vintages = terms.setdefault(reference, (Decimal(0), set()))
        credited = Decimal(outcome.credited_tco2e or "0")
        terms[reference] = (tonnes + credited, vintages | {outcome.vintage or 0})
    for reference, (tonnes, vintages) in sorted(terms.items()):
        # One vintage per reference is what Hong Kong's registry writes; should a
        # reference span several (or credit nothing), the attestation states no
        # terms and the hub checks none.
        single = len(vintages) == 1 and 0 not in vintages and tonnes > 0
        attest_adjustment(
            channel,
            signer,
            reference,
            AdjustmentStatus.COMMITTED,
            datetime.now(UTC),
            "Hong Kong will not count this reduction in its greenhouse gas inventory",
            quantity=tonnes if single else None,
            vintage=next(iter(vintages)) if single else None,
        )
    return len(terms)


def registry_folder(samples: list[Path], extra: Path | None, into: Path) -> Path:
    """One registry folder of the partner's deliveries, as its reconciliation reads it."""
    into.mkdir(parents=True, exist_ok=True)
    for folder in [*samples, *([extra] if extra else [])]:
        target = into / folder.name
        if not target.exists():
            shutil.copytree(folder, target)
    return into


def reconcile_partner(
    channel: grpc.Channel, adapter_name: str, registry: Path, journal: AttestationJournal
) -> ReconciliationOutcome:
    held = registry_holdings(adapter_name, registry, journal)
    return submit_reconciliation(channel, held.partner, None, held.totals, held.holdings)


def exchange_round(channel: grpc.Channel, state: Path, hub_key: Path) -> tuple[ExchangeClient, int]:
    """Play the exchange: every block's receipt is checked under the hub key."""
    client = ExchangeClient(channel, state, hub_key=HubKey.from_file(hub_key))
    client.sync()
    retired = client.retire_by_policy()
    client.sync()
    return client, len([r for r in retired if not r.refusal])


def tally(hub: Hub, label: str, partner: str) -> LedgerTally:
    summary = hub.issuance.summary(partner)
    return LedgerTally(
        label,
        partner,
        blocks={str(state): value for state, value in summary.blocks.items()},
        units_issued=summary.totals.units_issued,
        carried=summary.totals.carried_tco2e,
        awaiting_claims=summary.awaiting_claims,
        awaiting_tco2e=summary.awaiting_reported_tco2e,
    )


def render_ledger(tallies: list[LedgerTally], exchange: str, console: Console) -> None:
    table = Table(title="Issuance, delivery and retirement per partner (ledger totals)")
    table.add_column("")
    for t in tallies:
        table.add_column(t.label, justify="right")

    def blocks(t: LedgerTally, *states: BlockState) -> str:
        count = sum(t.blocks.get(str(s), (0, 0))[0] for s in states)
        units = sum(t.blocks.get(str(s), (0, 0))[1] for s in states)
        return f"{count} / {units} t"

    live = (BlockState.ISSUED, BlockState.DELIVERED, BlockState.RETIRED, BlockState.CANCELLED)
    rows = [
        ("blocks / tCO2e issued", [f"{blocks(t, *live)}" for t in tallies]),
        ("  waiting for the exchange", [blocks(t, BlockState.ISSUED) for t in tallies]),
        ("  delivered, held at the exchange", [blocks(t, BlockState.DELIVERED) for t in tallies]),
        ("  retired", [blocks(t, BlockState.RETIRED) for t in tallies]),
        ("  cancelled by the bureau", [blocks(t, BlockState.CANCELLED) for t in tallies]),
        ("tCO2e carried (below a whole unit)", [f"{t.carried:f}" for t in tallies]),
        (
            "awaiting source cancellation",
            [f"{t.awaiting_claims} claims / {t.awaiting_tco2e:f} t" for t in tallies],
        ),
        (
            "reconciliation with the registry",
            [f"{t.reconciliation} ({t.discrepancies})" for t in tallies],
        ),
    ]
    for heading, values in rows:
        table.add_row(heading, *values)
    console.print(table)
    console.print(f"reconciliation with the exchange: {exchange}")
