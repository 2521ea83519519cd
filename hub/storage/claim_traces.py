"""The shared parts of calculation traces, stored once (claim_traces, 0018).

A claim's trace is the same for every claim of one (standard version,
formula, factor set) but for the claim's own inputs; the shared text is kept
once, keyed by its SHA-256, and each claim names it by ``trace_id``
(hub.storage.claim_body). Rows are only ever added, never changed or
removed, so an id read from a claim always names the text it was written
with.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from hub.storage.claim_tables import ClaimTraceRow
from hub.storage.transaction import chunks

__all__ = ["trace_ids"]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _stored(connection: Connection, digests: Collection[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunks(sorted(digests)):
        rows = connection.execute(
            select(ClaimTraceRow.digest, ClaimTraceRow.trace_id).where(
                ClaimTraceRow.digest.in_(chunk)
            )
        )
        found.update({digest: trace_id for digest, trace_id in rows})
    return found


def trace_ids(connection: Connection, texts: Collection[str]) -> dict[str, int]:
    """The id of each shared trace text, adding the texts not stored yet.

    One query for the batch's distinct texts (a few per envelope), and for
    the new ones an insert that leaves a text another process added first
    alone (ON CONFLICT DO NOTHING on the digest: on PostgreSQL it waits for
    that process's commit), then one more query for their ids.
    """
    by_digest = {_digest(text): text for text in texts}
    found = _stored(connection, by_digest)
    missing = [digest for digest in by_digest if digest not in found]
    if missing:
        rows = [{"digest": digest, "shared": by_digest[digest]} for digest in missing]
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        connection.execute(
            dialect.insert(ClaimTraceRow).on_conflict_do_nothing(index_elements=["digest"]),
            rows,
        )
        found.update(_stored(connection, missing))
    return {by_digest[digest]: trace_id for digest, trace_id in found.items()}
