"""A claim's content digest: in its row, or in its decision event (0043).

The ingestion appends, with every claim it stores and in the same
transaction, the claim's decision event, whose details name the claim's
content digest (hub.services.ingestion); the audit log keeps it for good, in
its hash chain. Such a claim's row keeps no second copy: its
``content_digest`` is ``IN_EVENT`` (the empty text, one byte stored), and a
read takes the digest from the claim's first event that names one. A claim
stored otherwise (``NewClaimRecord.content_digest_in_event`` false) keeps
its digest in its row, as every claim did before 0043.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, select, text

from hub.storage.audit_repository import stored_details
from hub.storage.audit_tables import LedgerEventRow
from hub.storage.event_subject_column import subject_form
from hub.storage.transaction import chunks

__all__ = ["IN_EVENT", "POSTGRESQL_CLAIM_EVENTS", "content_digests"]

IN_EVENT = ""
CLAIM = "claim"
_E = LedgerEventRow
# PostgreSQL keeps a claim event's subject as the id's text (0031 is SQLite's
# alone). Each id is probed through its own LATERAL subquery on the subject
# index, which OFFSET 0 keeps from being flattened into a join: it can only be
# an index scan (hub.storage.travel_queries says why).
POSTGRESQL_CLAIM_EVENTS = text(
    """
    SELECT e.subject_id, e.details, e.packed
    FROM unnest(CAST(:ids AS text[])) AS w (subject_id)
    CROSS JOIN LATERAL (
        SELECT subject_id, details, packed, seq FROM ledger_events
        WHERE subject_id = w.subject_id AND subject_kind = 'claim' OFFSET 0
    ) AS e
    ORDER BY e.seq
    """
)


def content_digests(connection: Connection, stored: Mapping[str, str]) -> dict[str, str]:
    """claim id -> content digest, for claims read with their row's digest
    ``stored`` (claim id -> the row's ``content_digest``). Raises when a
    claim's row defers to its decision event and no event names its digest
    (an audit log edited by hand: ``carbon-hub audit verify`` names it)."""
    found = dict(stored)
    wanted = sorted(claim_id for claim_id, digest in stored.items() if digest == IN_EVENT)
    postgresql = connection.dialect.name == "postgresql"
    for chunk in chunks(wanted):
        if postgresql:
            # One probe of the subject index a claim, whatever the statistics:
            # as IN (...), a batch of a hundred resent claims was planned as a
            # scan of every event while ledger_events had none (review).
            rows = connection.execute(POSTGRESQL_CLAIM_EVENTS, {"ids": list(chunk)})
        else:
            rows = connection.execute(
                select(_E.subject_id, _E.details, _E.packed)
                .where(
                    _E.subject_kind == CLAIM,
                    # Either spelling of a claim's id is the same id
                    # (docs/audit-log.md): its 16 bytes since 0031, or its text.
                    _E.subject_id.in_(
                        [subject_form(CLAIM, claim_id) for claim_id in chunk] + list(chunk)
                    ),
                )
                .order_by(_E.seq)
            )
        for subject_id, details, packed in rows:
            if found.get(subject_id) != IN_EVENT:
                continue  # its digest is found already (or not asked for)
            digest = (stored_details(details, packed) or {}).get("content_digest")
            if digest:
                found[subject_id] = digest
    missing = [claim_id for claim_id in wanted if found[claim_id] == IN_EVENT]
    if missing:
        raise RuntimeError(
            f"claim {missing[0]} keeps its content digest in its decision event, and no event"
            " of the claim names one: run `carbon-hub audit verify`"
        )
    return found
