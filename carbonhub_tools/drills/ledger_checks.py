"""What the crash and outage drills check in the ledger once the hub is back.

Acknowledged claims (a verdict reached the sender) must be in the database
as answered; a resent envelope must have been answered with the original
verdicts; no claim issued twice and no two live blocks overlapping; the
exchange's state file holding every qualified block exactly once.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_tools.drills.report import DrillReport
from carbonhub_tools.drills.senders import SendLog
from hub.exchange_client.state import load_state
from hub.storage.hex_id_column import id_text

_DECISIONS = {
    pb.DECISION_ACCEPTED: "ACCEPTED",
    pb.DECISION_REJECTED: "REJECTED",
    pb.DECISION_HELD: "HELD",
}
OVERLAPPING_BLOCKS = (
    "SELECT count(*) FROM blocks x JOIN blocks y ON x.series = y.series "
    "AND x.block_id < y.block_id AND x.state <> 'SPLIT' AND y.state <> 'SPLIT' "
    "AND x.first_unit <= y.last_unit AND y.first_unit <= x.last_unit"
)


class LedgerProbe:
    """Reads how much work is in progress, on one engine kept open."""

    def __init__(self, database_url: str) -> None:
        self._engine = create_engine(database_url)

    def pending(self) -> tuple[int, int]:
        """(claims still to issue, blocks not yet acknowledged by the exchange)."""
        with self._engine.connect() as connection:
            pending = connection.execute(
                text("SELECT count(*) FROM claims WHERE issuance = 'PENDING'")
            ).scalar_one()
            undelivered = connection.execute(
                text("SELECT count(*) FROM blocks WHERE state = 'ISSUED'")
            ).scalar_one()
        return int(pending), int(undelivered)

    def close(self) -> None:
        self._engine.dispose()


def pending_work(database_url: str) -> tuple[int, int]:
    """(claims still to issue, blocks not yet acknowledged by the exchange)."""
    probe = LedgerProbe(database_url)
    try:
        return probe.pending()
    finally:
        probe.close()


def check_ledger(
    report: DrillReport, database_url: str, log: SendLog, records_sent: int, state_path: Path
) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            stored = {
                # Claim ids in their stored form (hub.storage.hex_id_column).
                id_text(row.claim_id): (row.record_id, row.decision)
                for row in connection.execute(
                    text("SELECT claim_id, record_id, decision FROM claims")
                )
            }
            issued = connection.execute(text("SELECT count(*) FROM claim_issuances")).scalar_one()
            issued_claims = connection.execute(
                text("SELECT count(DISTINCT claim_id) FROM claim_issuances")
            ).scalar_one()
            overlapping = connection.execute(text(OVERLAPPING_BLOCKS)).scalar_one()
            qualified = [
                row[0]
                for row in connection.execute(
                    text("SELECT block_id FROM outbox WHERE kind = 'QUALIFIED'")
                )
            ]
            states: dict[str, int] = dict(
                connection.execute(text("SELECT state, count(*) FROM blocks GROUP BY state")).all()
            )
    finally:
        engine.dispose()
    lost = 0
    changed = 0
    for record_id, answers in log.verdicts.items():
        first = answers[0]
        held = stored.get(first.claim_id)
        if held is None or held[0] != record_id:
            lost += 1
        elif held[1] != _DECISIONS.get(first.decision):
            changed += 1
        changed += sum(
            1 for a in answers[1:] if (a.claim_id, a.decision) != (first.claim_id, first.decision)
        )
    report.check("records sent and answered", records_sent, len(log.verdicts))
    report.check("acknowledged claims missing from the ledger", 0, lost)
    report.check("answers that changed on a resend or in the ledger", 0, changed)
    report.check("claims stored (one per record id)", records_sent, len(stored))
    report.check("claims issued twice", 0, issued - issued_claims)
    report.check("overlapping live blocks", 0, overlapping)
    state = load_state(state_path)
    holding = set(state.blocks)
    known = set(qualified)
    serials = [b.serial for b in state.blocks.values()]
    report.check("blocks qualified once in the outbox", len(set(qualified)), len(qualified))
    report.check(
        "blocks the exchange holds (state file) = blocks qualified",
        f"{len(known)}, 0 other",
        f"{len(holding & known)}, {len(holding - known)} other",
    )
    report.check("serials the exchange holds twice", 0, len(serials) - len(set(serials)))
    report.check(
        "blocks acknowledged by the exchange",
        len(set(qualified)),
        sum(1 for b in state.blocks.values() if b.acknowledged),
    )
    report.figures["blocks"] = len(set(qualified))
    report.figures["block_states"] = {str(k): int(v) for k, v in states.items()}


def audit_verify(report: DrillReport, database_url: str, pki_dir: Path) -> None:
    """`carbon-hub audit verify` on the drill's database, as an operator runs it."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from hub.cli.app import main; main()",
            "audit",
            "verify",
            "--database-url",
            database_url,
            "--pki-dir",
            str(pki_dir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    last = (done.stdout.strip().splitlines() or [done.stderr.strip()[-200:]])[-1]
    report.check("`carbon-hub audit verify` exit code", 0, done.returncode)
    report.note(f"audit verify: {last}")
