"""Texts many claims share, stored once (claim_traces and claim_check_lists,
0018; claim_contexts, 0045).

A claim's trace is the same for every claim of one (standard version,
formula, factor set) but for the claim's own inputs and notes (kept in its
body: hub.storage.shared_traces), and most claims of a batch fire the same
checks with the same parameters, and the claims of a delivery share their
delivery id, time zone and more (hub.storage.claim_contexts); each shared
text is kept once, keyed by its SHA-256, and a claim names it by
``trace_id``, ``checks_id`` or ``context_id`` (hub.storage.claim_body).
Rows are only ever added, never changed or removed, so an id read from a
claim always names the text it was written with.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from hub.storage.claim_tables import ClaimCheckListRow, ClaimContextRow, ClaimTraceRow
from hub.storage.transaction import chunks

__all__ = ["check_list_ids", "context_ids", "trace_ids"]

_Shared = type[ClaimTraceRow] | type[ClaimCheckListRow] | type[ClaimContextRow]
# Each table's id and text columns.
_COLUMNS: dict[_Shared, tuple[str, str]] = {
    ClaimTraceRow: ("trace_id", "shared"),
    ClaimCheckListRow: ("checks_id", "checks"),
    ClaimContextRow: ("context_id", "context"),
}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _stored(connection: Connection, model: _Shared, digests: Collection[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    table = model.__table__
    key = table.c[_COLUMNS[model][0]]
    for chunk in chunks(sorted(digests)):
        rows = connection.execute(select(table.c.digest, key).where(table.c.digest.in_(chunk)))
        found.update({digest: trace_id for digest, trace_id in rows})
    return found


def trace_ids(connection: Connection, texts: Collection[str]) -> dict[str, int]:
    """The id of each shared trace text (claim_traces), adding the new ones."""
    return _ids(connection, ClaimTraceRow, texts)


def check_list_ids(connection: Connection, texts: Collection[str]) -> dict[str, int]:
    """The id of each check list text (claim_check_lists), adding the new ones."""
    return _ids(connection, ClaimCheckListRow, texts)


def context_ids(connection: Connection, texts: Collection[str]) -> dict[str, int]:
    """The id of each submission context text (claim_contexts), adding the new ones."""
    return _ids(connection, ClaimContextRow, texts)


def _ids(connection: Connection, model: _Shared, texts: Collection[str]) -> dict[str, int]:
    """The id of each text, adding the texts not stored yet.

    One query for the batch's distinct texts (a few per envelope), and for
    the new ones an insert that leaves a text another process added first
    alone (ON CONFLICT DO NOTHING on the digest: on PostgreSQL it waits for
    that process's commit), then one more query for their ids.
    """
    by_digest = {_digest(text): text for text in texts}
    found = _stored(connection, model, by_digest)
    # In digest order: two processes adding the same new texts take their
    # index entries in one order and never deadlock (as the claim locks).
    missing = sorted(digest for digest in by_digest if digest not in found)
    if missing:
        column = _COLUMNS[model][1]
        rows = [{"digest": digest, column: by_digest[digest]} for digest in missing]
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(
            dialect.insert(model).on_conflict_do_nothing(index_elements=["digest"]), rows
        )
        found.update(_stored(connection, model, missing))
    return {by_digest[digest]: trace_id for digest, trace_id in found.items()}
