"""The audit log in SQL (hub.services.audit_port): chained appends and the
verifier's reads.

``append_chained`` is what SqlAlchemyEventRepository.append does: it locks
the ``audit_head`` row (PostgreSQL: SELECT ... FOR UPDATE; SQLite writers
are serialised by BEGIN IMMEDIATE already), numbers and hashes the events
from the head, inserts them and advances the head, all in the unit of
work's transaction. Two hub processes appending at once therefore queue on
the head row and chain in commit order; the chain never forks. The lock is
held until commit, so the events are serialised before it is taken and
only the seq and the hashes are computed under it.

Each row stores its chain hash as 32 raw bytes and no previous hash
(migration 0021): the previous hash is the hash of the row at seq - 1
(``GENESIS`` for seq 1), so ``rows`` carries it along a page and reads it
for the page's first row. From here on, hashes are the domain's hex.

The reads are lenient on purpose: a row somebody edited in the database
(a text where a number belongs, details that are not what the hub writes,
a hash that is not 32 bytes) comes back with that value as None, so the
verifier reports the row instead of the read failing.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, type_coerce, update
from sqlalchemy.types import NullType

from hub.domain.audit_chain import (
    GENESIS,
    ChainHead,
    ChainRow,
    Checkpoint,
    link_digest,
    prepare_event,
)
from hub.services.audit_port import LedgerEvent
from hub.storage.audit_tables import AuditCheckpointRow, AuditHeadRow, LedgerEventRow
from hub.storage.claim_bulk import bulk_insert
from hub.storage.event_subject_column import subject_form, subject_text
from hub.storage.instant_column import instant_from_micros
from hub.storage.packed_details import pack_details, unpack_details
from hub.storage.serialisation import dumps
from hub.storage.transaction import Transaction, chunks

__all__ = [
    "CHECKPOINT_COLUMNS",
    "SqlAlchemyAuditRepository",
    "SqlAlchemyEventRepository",
    "append_chained",
    "checkpoint_of",
    "decode_details",
    "decode_hash",
    "decode_instant",
    "readable_details",
    "stored_details",
]

# What an unreadable checkpoint value reads as: values no hub signature
# covers, so such a checkpoint is reported forged rather than failing the read.
_UNSIGNABLE_INSTANT = datetime.min.replace(tzinfo=UTC)


def decode_instant(value: object) -> datetime | None:
    """A stored instant as an aware UTC datetime, or None when it is not one.

    PostgreSQL hands back an aware datetime; SQLite the integer microseconds
    since 1970 that CompactInstant writes (an event's ``at`` since 0031), or
    the naive UTC text that UtcDateTime wrote (``2026-11-24 08:00:00.000000``).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return instant_from_micros(value)
        except OverflowError:
            return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def decode_details(value: object) -> dict[str, str] | None:
    """Stored details as the hub wrote them (``dumps`` of a dict of strings), else None.

    The text must read back to a JSON object of strings *and* be exactly
    what ``dumps`` makes of it: an edit that keeps the JSON's meaning but
    not its bytes (spacing, escapes, a duplicated key) is an edit too.
    """
    if not isinstance(value, str):
        return None
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return None
    if dumps(data) != value:
        return None
    return data


def stored_details(details: object, packed: object) -> dict[str, str] | None:
    """A row's details from its two columns (see audit_tables.LedgerEventRow),
    else None: packed with ``details`` empty, or JSON text with nothing packed."""
    if packed is None:
        return decode_details(details)
    if details != "" or not isinstance(packed, bytes | memoryview):
        return None
    return unpack_details(bytes(packed))


def readable_details(details: object, packed: object) -> dict[str, str]:
    """A row's details for display (claim status, the console): as
    ``stored_details``; an unreadable row raises (``audit verify`` names it)."""
    found = stored_details(details, packed)
    if found is None:
        raise ValueError("an audit event's details are unreadable: run `carbon-hub audit verify`")
    return found


def decode_hash(value: object) -> str | None:
    """A stored chain hash (32 raw bytes) as the domain's hex, else None."""
    if isinstance(value, bytes | memoryview) and len(value) == 32:
        return bytes(value).hex()
    return None


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def append_chained(tx: Transaction, events: Sequence[LedgerEvent]) -> None:
    """Number, hash and insert ``events`` after the chain's head; advance the head."""
    if not events:
        return
    prepared = []
    for event in events:
        details = {str(k): str(v) for k, v in event.details.items()}
        values = {
            "subject_kind": event.subject_kind,
            "subject_id": subject_form(event.subject_kind, event.subject_id),
            "event": event.event,
            "actor": event.actor,
            "at": event.at,
            "details": "",
            "packed": pack_details(details),
        }
        canonical = prepare_event(
            event.subject_kind, event.subject_id, event.event, event.actor, event.at, details
        )
        prepared.append((values, canonical))
    with tx.writing() as connection:
        head = connection.execute(
            select(AuditHeadRow.seq, AuditHeadRow.hash)
            .where(AuditHeadRow.id == 1)
            .with_for_update()
        ).one_or_none()
        if head is None:
            raise RuntimeError("the audit_head row is missing: the audit log was tampered with")
        seq, digest = int(head.seq), bytes.fromhex(str(head.hash))
        rows: list[dict[str, Any]] = []
        for values, canonical in prepared:
            seq += 1
            digest = link_digest(digest, canonical.canonical(seq))
            rows.append({**values, "seq": seq, "hash": digest})
        bulk_insert(connection, LedgerEventRow, rows)
        connection.execute(
            update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=seq, hash=digest.hex())
        )


# Raw columns: no result processing, so an odd stored value reaches the decoders.
# The row is named by its seq (the key since 0037), read as the row's id too.
_ROW_COLUMNS = (
    LedgerEventRow.seq.label("row_id"),
    type_coerce(LedgerEventRow.seq, NullType()).label("seq"),
    type_coerce(LedgerEventRow.subject_kind, NullType()).label("subject_kind"),
    type_coerce(LedgerEventRow.subject_id, NullType()).label("subject_id"),
    type_coerce(LedgerEventRow.event, NullType()).label("event"),
    type_coerce(LedgerEventRow.actor, NullType()).label("actor"),
    type_coerce(LedgerEventRow.at, NullType()).label("at"),
    type_coerce(LedgerEventRow.details, NullType()).label("details"),
    type_coerce(LedgerEventRow.packed, NullType()).label("packed"),
    type_coerce(LedgerEventRow.hash, NullType()).label("hash"),
)

CHECKPOINT_COLUMNS = (
    type_coerce(AuditCheckpointRow.seq, NullType()).label("seq"),
    type_coerce(AuditCheckpointRow.head_hash, NullType()).label("head_hash"),
    type_coerce(AuditCheckpointRow.at, NullType()).label("at"),
    type_coerce(AuditCheckpointRow.key_id, NullType()).label("key_id"),
    type_coerce(AuditCheckpointRow.signature, NullType()).label("signature"),
)


def _hash_at(connection: Connection, seq: int | None) -> str | None:
    """The hash of the row at ``seq`` (``GENESIS`` at 0, before the first row)."""
    if seq is None or seq < 0:
        return None
    if seq == 0:
        return GENESIS
    stored = connection.execute(
        select(type_coerce(LedgerEventRow.hash, NullType())).where(LedgerEventRow.seq == seq)
    ).first()
    return None if stored is None else decode_hash(stored[0])


def _chain_rows(connection: Connection, stored: Iterable[Any]) -> list[ChainRow]:
    """Rows read with _ROW_COLUMNS in stored order, each with the previous
    row's hash as its ``prev_hash``: the row before it in the page when that
    is at seq - 1, the row at seq - 1 read for the page's first row, None
    when there is no row at seq - 1 (the verifier reports the gap first)."""
    chained: list[ChainRow] = []
    last_seq: int | None = None
    last_hash: str | None = None
    for row in stored:
        # Unpacked by position: attribute access on a Row costs more, per row of millions.
        row_id, raw_seq, subject_kind, subject_id, event, actor, at, details, packed, raw_hash = row
        seq = _integer(raw_seq)
        if not chained:
            prev_hash = _hash_at(connection, None if seq is None else seq - 1)
        elif seq is not None and last_seq == seq - 1:
            prev_hash = last_hash
        else:
            prev_hash = None
        digest = decode_hash(raw_hash)
        chained.append(
            ChainRow(
                row_id=int(row_id),
                seq=seq,
                subject_kind=_text(subject_kind),
                subject_id=subject_text(subject_id),
                event=_text(event),
                actor=_text(actor),
                at=decode_instant(at),
                details=stored_details(details, packed),
                prev_hash=prev_hash,
                hash=digest,
            )
        )
        last_seq, last_hash = seq, digest
    return chained


def checkpoint_of(row: Any) -> Checkpoint:
    """A row read with CHECKPOINT_COLUMNS; unreadable values read as ones no
    signature covers, so the checkpoint is reported forged, never a crash."""
    seq = _integer(row.seq)
    signature = row.signature
    return Checkpoint(
        seq=-1 if seq is None else seq,
        head_hash=_text(row.head_hash) or "",
        at=decode_instant(row.at) or _UNSIGNABLE_INSTANT,
        key_id=_text(row.key_id) or "",
        signature=bytes(signature) if isinstance(signature, bytes | memoryview) else b"",
    )


class SqlAlchemyAuditRepository:
    """Implements hub.services.audit_port.AuditRepository."""

    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def rows(self, after_seq: int, limit: int) -> list[ChainRow]:
        connection = self._tx.connection
        query = select(*_ROW_COLUMNS)
        if after_seq > 0:
            query = query.where(LedgerEventRow.seq > after_seq)
        # From the start, every row: one slipped in below seq 1 is read first
        # and named by the verifier, not skipped.
        rows = connection.execute(query.order_by(LedgerEventRow.seq).limit(limit)).all()
        return _chain_rows(connection, rows)

    def head(self) -> ChainHead | None:
        # FOR SHARE (PostgreSQL): an appender holding the head commits first
        # and later ones wait until this unit of work ends, so rows read after
        # this in the same unit of work are exactly the ones this head covers.
        row = self._tx.connection.execute(
            select(
                type_coerce(AuditHeadRow.seq, NullType()).label("seq"),
                type_coerce(AuditHeadRow.hash, NullType()).label("hash"),
            )
            .where(AuditHeadRow.id == 1)
            .with_for_update(read=True)
        ).one_or_none()
        if row is None:
            return None
        seq, digest = _integer(row.seq), _text(row.hash)
        if seq is None or digest is None:
            return None
        return ChainHead(seq=seq, hash=digest)

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        with self._tx.writing() as connection:
            connection.execute(
                insert(AuditCheckpointRow),
                [
                    {
                        "seq": checkpoint.seq,
                        "head_hash": checkpoint.head_hash,
                        "at": checkpoint.at,
                        "key_id": checkpoint.key_id,
                        "signature": checkpoint.signature,
                    }
                ],
            )

    def checkpoints(self) -> list[Checkpoint]:
        rows = self._tx.connection.execute(
            select(*CHECKPOINT_COLUMNS).order_by(AuditCheckpointRow.seq)
        )
        return [checkpoint_of(row) for row in rows]

    def last_checkpoint(self) -> Checkpoint | None:
        row = self._tx.connection.execute(
            select(*CHECKPOINT_COLUMNS).order_by(AuditCheckpointRow.seq.desc()).limit(1)
        ).one_or_none()
        return None if row is None else checkpoint_of(row)


class SqlAlchemyEventRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def append(self, events: Sequence[LedgerEvent]) -> None:
        # A hash chain with a locked head: see append_chained above.
        append_chained(self._tx, events)

    def for_subjects(self, subject_kind: str, subject_ids: Collection[str]) -> list[LedgerEvent]:
        found: list[tuple[int, LedgerEvent]] = []
        connection = self._tx.connection
        for chunk in chunks(sorted(set(subject_ids))):
            for row in connection.execute(
                select(
                    LedgerEventRow.seq,
                    LedgerEventRow.subject_id,
                    LedgerEventRow.event,
                    LedgerEventRow.actor,
                    LedgerEventRow.at,
                    LedgerEventRow.details,
                    LedgerEventRow.packed,
                ).where(
                    LedgerEventRow.subject_kind == subject_kind,
                    LedgerEventRow.subject_id.in_([subject_form(subject_kind, s) for s in chunk]),
                )
            ):
                event = LedgerEvent(
                    subject_kind=subject_kind,
                    subject_id=row.subject_id,
                    event=row.event,
                    actor=row.actor,
                    at=row.at,
                    details=readable_details(row.details, row.packed),
                )
                found.append((int(row.seq), event))
        found.sort(key=lambda item: item[0])
        return [event for _, event in found]
