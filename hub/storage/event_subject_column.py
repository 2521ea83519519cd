"""A claim event's subject id kept on SQLite as its 16 bytes (migration 0031).

Most audit events are a claim's decision, and a claim's id is a UUIDv7 in 32
lower-case hex digits (hub.services.ingestion): 33 bytes of text in the row
and again in the (subject kind, subject id) index, where the id is 16 bytes
of information. The claims table and every row naming a claim keep it as
those 16 bytes already (hub.storage.hex_id_column, migration 0028); now the
audit events about a claim do too, on SQLite, so a claim joins its events
with ``claims.claim_id = ledger_events.subject_id`` as it is.

Only claim subjects: a block, a project, a key, a partner keep their ids as
the text they are, so SQL written by hand that joins the events of a block
with ``blocks.block_id`` still finds them. Whether an id is kept as bytes is
therefore decided with its kind (``subject_form``), by the audit repository
where it writes or looks events up; the column type only carries the form
to the database: on SQLite as given, on PostgreSQL (which keeps ``text``:
a column holds one type there) always as the text. The hub reads back the
very same text either way, so every row's canonical bytes (over the text id,
docs/audit-log.md) and every chain hash stay as they were.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from hub.storage.hex_id_column import id_bytes

__all__ = ["CLAIM", "EventSubject", "stored_subject", "subject_form", "subject_text"]

CLAIM = "claim"
_ID_BYTES = 16


def subject_form(subject_kind: str, subject_id: str) -> str | bytes:
    """How an event's subject id is kept: a claim's id of 32 lower-case hex
    digits as its 16 bytes, anything else as the text it is."""
    if subject_kind != CLAIM:
        return subject_id
    # The claims' own codec (hub.storage.hex_id_column): exactly 16 bytes for
    # a hub id, never for other text, which is kept here as it is instead.
    stored = id_bytes(subject_id)
    return stored if len(stored) == _ID_BYTES else subject_id


def stored_subject(dialect: str, subject_kind: str, subject_id: str) -> str | bytes:
    """The value SQL written by hand compares ``ledger_events.subject_id``
    with, on the database named ``dialect`` ("sqlite", "postgresql")."""
    return subject_form(subject_kind, subject_id) if dialect == "sqlite" else subject_id


def subject_text(stored: object) -> str | None:
    """The subject id of a stored value: text, or the 16 bytes of an id in
    hex; None for anything else (an edited row: the audit walk names it).

    Either form reads as the same id, as docs/audit-log.md's verifier reads
    it: the chain covers the id, not how the database spells it. (A claim's
    id spelt as text by hand on SQLite verifies, but lookups by the claim,
    which bind its bytes, do not find that event.)"""
    if isinstance(stored, str):
        return stored
    if isinstance(stored, bytes | memoryview) and len(stored) == _ID_BYTES:
        return bytes(stored).hex()
    return None


def _as_text(value: Any) -> Any:
    return value.hex() if isinstance(value, bytes) else value


def _read(stored: Any) -> Any:
    # A typed read (a subject's history) never fails on an edited value: any
    # bytes read as their hex, which names no subject the hub wrote.
    return bytes(stored).hex() if isinstance(stored, bytes | memoryview) else stored


class EventSubject(TypeDecorator[str]):
    """``ledger_events.subject_id``: binds ``subject_form``'s value (on
    PostgreSQL as text), reads text back."""

    impl = String(200)
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Any:
        return None if dialect.name == "sqlite" else _as_text

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        return _read if dialect.name == "sqlite" else None

    def literal_processor(self, dialect: Dialect) -> Any:
        def literal(value: str | bytes) -> str:
            if isinstance(value, bytes) and dialect.name == "sqlite":
                return f"X'{value.hex()}'"
            text = value.hex() if isinstance(value, bytes) else value
            return "'" + text.replace("'", "''") + "'"

        return literal
