"""The storage port of the audit log (hub.storage.audit_repository).

Every transition of the ledger is a LedgerEvent, appended to a hash chain
(hub.domain.audit_chain) and never changed; the chain's rows, head and the
hub's signed checkpoints are read back to verify it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from hub.domain.audit_chain import ChainHead, ChainRow, Checkpoint


@dataclass(frozen=True, slots=True)
class LedgerEvent:
    """One state transition, appended and never changed (issue 4 chains them)."""

    subject_kind: str  # claim, block, project, reconciliation, adjustment
    subject_id: str
    event: str  # e.g. ISSUED, DELIVERED, SPLIT, RETIRED, CANCELLED, SUSPENDED
    actor: str  # hub, exchange, a partner code, bureau:<name>
    at: datetime
    details: Mapping[str, str] = field(default_factory=dict)


class EventRepository(Protocol):
    def append(self, events: Sequence[LedgerEvent]) -> None:
        """Extend the audit chain (see AuditRepository): seqs follow commit order.
        Holds the chain's head until commit, so append last in a unit of work."""
        ...

    def for_subjects(self, subject_kind: str, subject_ids: Collection[str]) -> list[LedgerEvent]:
        """In append order."""
        ...


class AuditRepository(Protocol):
    """The hash chain over ledger events (hub.domain.audit_chain), for verifying
    and checkpointing it. EventRepository.append extends the chain."""

    def rows(self, after_seq: int, limit: int) -> list[ChainRow]:
        """Stored events with seq > ``after_seq``, by seq then row id, as stored:
        values that do not read as their type come back None, never an error."""
        ...

    def head(self) -> ChainHead | None:
        """The recorded head; None when its row is gone. Appenders wait until this
        unit of work ends, so rows read after it here are the ones it covers."""
        ...

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """ConcurrentWriteConflict when a checkpoint at that seq exists already."""
        ...

    def checkpoints(self) -> list[Checkpoint]:
        """By seq."""
        ...

    def last_checkpoint(self) -> Checkpoint | None: ...
