"""What an operator asks of a running ledger: counts, the exchange's backlog,
the last audit checkpoint, the held queue, partners and their keys.

Read by ``carbon-hub status`` and by the gauges of /metrics (computed at
each scrape, so several hub processes on one database all report the
ledger as it is, not what one process saw). Aggregates only: no row of
a claim leaves here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, text

from carbonhub_contract.vocabulary.records import Decision
from hub.storage.audit_tables import AuditCheckpointRow, AuditHeadRow
from hub.storage.block_tables import BlockRow
from hub.storage.claim_tables import ClaimRow
from hub.storage.key_tables import PartnerKeyRow
from hub.storage.outbox_tables import OutboxRow
from hub.storage.reconciliation_tables import ReconciliationRow

# The exchange is the one consumer of the outbox (it acknowledges each block).
EXCHANGE_CONSUMER = "exchange"


@dataclass(frozen=True)
class LedgerStatus:
    claims: dict[str, int] = field(default_factory=dict)  # decision -> claims
    blocks: dict[str, int] = field(default_factory=dict)  # state -> blocks
    reconciliations: dict[str, int] = field(default_factory=dict)  # status -> count
    held_claims: int = 0
    # Per consumer: outbox entries whose block it has not acknowledged, and
    # the time of the oldest of them.
    outbox_undelivered: dict[str, int] = field(default_factory=dict)
    outbox_oldest_undelivered: dict[str, datetime | None] = field(default_factory=dict)
    audit_events: int = 0
    last_checkpoint_seq: int | None = None
    last_checkpoint_at: datetime | None = None
    partner_keys: dict[str, dict[str, int]] = field(default_factory=dict)  # partner -> state -> n


def database_reachable(engine: Engine) -> None:
    """Raise what the driver raises when the database does not answer."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def ledger_status(engine: Engine) -> LedgerStatus:
    with engine.connect() as connection:

        def grouped(column: Any, counted: Any) -> dict[str, int]:
            rows = connection.execute(select(column, func.count(counted)).group_by(column)).all()
            return {str(key): int(count) for key, count in rows}

        claims = grouped(ClaimRow.decision, ClaimRow.claim_id)
        blocks = grouped(BlockRow.state, BlockRow.block_id)
        reconciliations = grouped(ReconciliationRow.status, ReconciliationRow.reconciliation_id)
        undelivered = connection.execute(
            select(func.count(OutboxRow.cursor), func.min(OutboxRow.at))
            .join(BlockRow, BlockRow.block_id == OutboxRow.block_id)
            .where(BlockRow.delivered_at.is_(None), BlockRow.state != "CANCELLED")
        ).one()
        head = connection.execute(select(AuditHeadRow.seq)).scalar()
        checkpoint = connection.execute(
            select(AuditCheckpointRow.seq, AuditCheckpointRow.at)
            .order_by(AuditCheckpointRow.seq.desc())
            .limit(1)
        ).first()
        keys: dict[str, dict[str, int]] = {}
        for partner, state, count in connection.execute(
            select(PartnerKeyRow.partner, PartnerKeyRow.state, func.count(PartnerKeyRow.key_id))
            .group_by(PartnerKeyRow.partner, PartnerKeyRow.state)
            .order_by(PartnerKeyRow.partner)
        ).all():
            keys.setdefault(str(partner), {})[str(state)] = int(count)
    return LedgerStatus(
        claims=claims,
        blocks=blocks,
        reconciliations=reconciliations,
        held_claims=claims.get(str(Decision.HELD), 0),
        outbox_undelivered={EXCHANGE_CONSUMER: int(undelivered[0] or 0)},
        outbox_oldest_undelivered={EXCHANGE_CONSUMER: undelivered[1]},
        audit_events=int(head or 0),
        last_checkpoint_seq=None if checkpoint is None else int(checkpoint.seq),
        last_checkpoint_at=None if checkpoint is None else checkpoint.at,
        partner_keys=keys,
    )
