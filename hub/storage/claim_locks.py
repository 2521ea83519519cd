"""Where a claim's locks are taken and checked, in the database.

A lock (hub.domain.locks decides which a claim takes) is a range of a (kind,
key) that no two claims may share. The range kinds are the rows of
``claim_locks``, which the database keeps disjoint (PostgreSQL: an exclusion
constraint; SQLite: a trigger under BEGIN IMMEDIATE); the content lock,
always the point [0, 0], is the key of ``claim_content_locks``, which the
database keeps unique (a B-tree primary key on both, since 0019): a second
claim of it is the same unique violation, ConcurrentWriteConflict. A site
bound to a Shenzhen methodology (``site_bindings``) is the other thing two
claims must not disagree on. SqlAlchemyClaimRepository
(hub.storage.claim_repository) takes both when it stores a batch of claims
and asks here for conflicts before it decides (one set-based query over
both lock tables); an attested cancellation at source shrinks a claim's
ORIGIN_SERIAL lock (hub.storage.attestation_repository).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, delete, or_, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.domain.locks import POINT, ClaimLock, LockKind, range_lock_places
from hub.services.claim_port import LockConflict, NewClaimRecord
from hub.storage.claim_body import claim_select, normalised_of, submission_of
from hub.storage.claim_bulk import bulk_insert
from hub.storage.claim_tables import ClaimContentLockRow, ClaimLockRow, ClaimRow, SiteBindingRow
from hub.storage.hex_id_column import id_text
from hub.storage.lock_key_column import lock_key_bytes, lock_key_text
from hub.storage.lock_kind_column import lock_kind_code, lock_kind_text
from hub.storage.transaction import Transaction, chunks

__all__ = [
    "POSTGRESQL_LOCK_CHUNK",
    "LockRows",
    "SiteBindings",
    "bind_sites",
    "find_lock_conflicts",
    "insert_locks",
    "lock_rows",
    "range_locks_of",
    "release_locks",
    "site_bindings",
    "site_bindings_of",
]

# (partner, site id) -> (methodology, the claim that binds it)
SiteBindings = dict[tuple[str, str], tuple[str, str]]

# The one point kind (hub.domain.locks.POINT_KINDS), kept in claim_content_locks;
# another would need a table (or a kind column) of its own (tested).
CONTENT = LockKind.CONTENT
ORIGIN_SERIAL = LockKind.ORIGIN_SERIAL
# (kind, key, claim) places per statement when a claim's range locks are looked up.
_PLACES_CHUNK = 200


@functools.lru_cache(maxsize=64)
def _lock_conflict_sql(count: int) -> str:
    """Stored locks overlapping any of ``count`` requested ones, set-based (SQLite).

    Locks sharing (kind, key) are disjoint (the database guarantees it), so
    the stored locks overlapping a requested [lo, hi] are those starting
    inside it plus at most one predecessor starting before lo and reaching
    into it. Both halves are range scans of the key (kind, key, lo). A
    content lock (the point [0, 0]) is held when its key is stored in
    claim_content_locks: the third part, one probe of that table's key.
    """
    # Positional (pysqlite's qmark style), run as driver SQL: with 2,000
    # named parameters per chunk, SQLAlchemy's per-parameter work for a
    # text() statement cost more than the query (ingestion profile).
    rows = ", ".join(["(?, ?, CAST(? AS BIGINT), CAST(? AS BIGINT))"] * count)
    return f"""
        WITH r (kind, key, lo, hi) AS (VALUES {rows})
        SELECT r.kind, r.key, r.lo, r.hi, l.lo AS held_lo,
               c.claim_id, c.partner, c.record_id
        FROM r
        JOIN claim_locks AS l
          ON l.kind = r.kind AND l.key = r.key AND l.lo >= r.lo AND l.lo <= r.hi
        JOIN claims AS c ON c.claim_id = l.claim_id
        UNION ALL
        SELECT r.kind, r.key, r.lo, r.hi, l.lo AS held_lo,
               c.claim_id, c.partner, c.record_id
        FROM r
        JOIN claim_locks AS l
          ON l.kind = r.kind AND l.key = r.key AND l.lo = (
              SELECT max(p.lo) FROM claim_locks AS p
              WHERE p.kind = r.kind AND p.key = r.key AND p.lo < r.lo
          )
        JOIN claims AS c ON c.claim_id = l.claim_id
        WHERE l.hi >= r.lo
        UNION ALL
        SELECT r.kind, r.key, r.lo, r.hi, 0 AS held_lo,
               c.claim_id, c.partner, c.record_id
        FROM r
        JOIN claim_content_locks AS p ON p.key = r.key
        JOIN claims AS c ON c.claim_id = p.claim_id
        WHERE r.kind = '{lock_kind_code(CONTENT.value)}'
    """


# PostgreSQL: the requested locks travel as four arrays (no per-item
# parameters), joined to the exclusion constraint's GiST index, and the
# content locks to claim_content_locks' primary key.
_POSTGRESQL_LOCK_CONFLICTS = text(
    f"""
    WITH r AS (
        SELECT * FROM unnest(
            CAST(:kinds AS text[]), CAST(:keys AS bytea[]),
            CAST(:los AS bigint[]), CAST(:his AS bigint[])
        ) AS r (kind, key, lo, hi)
    )
    SELECT r.kind, r.key, r.lo, r.hi, l.lo AS held_lo, c.claim_id, c.partner, c.record_id
    FROM r
    JOIN claim_locks AS l
      ON l.kind = r.kind AND l.key = r.key
     AND int8range(l.lo, l.hi, '[]') && int8range(r.lo, r.hi, '[]')
    JOIN claims AS c ON c.claim_id = l.claim_id
    UNION ALL
    SELECT r.kind, r.key, r.lo, r.hi, 0 AS held_lo, c.claim_id, c.partner, c.record_id
    FROM r
    JOIN claim_content_locks AS p ON p.key = r.key
    JOIN claims AS c ON c.claim_id = p.claim_id
    WHERE r.kind = '{CONTENT.value}'
    """
)
POSTGRESQL_LOCK_CHUNK = 5000


@dataclass(slots=True)
class LockRows:
    """A batch's locks as rows: content locks (key, claim id) and range locks."""

    content: list[dict[str, Any]] = field(default_factory=list)
    ranges: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.content) + len(self.ranges)


def lock_rows(records: Sequence[NewClaimRecord]) -> LockRows:
    """The rows of every lock the records take, each for its table."""
    rows = LockRows()
    for record in records:
        claim_id = record.verdict.claim_id
        for lock in record.locks:
            if lock.kind == CONTENT:
                if lock.lo != POINT or lock.hi != POINT:
                    raise ValueError(f"content lock of claim {claim_id} is not a point: {lock}")
                rows.content.append({"key": lock.key, "claim_id": claim_id})
            else:
                rows.ranges.append(
                    {
                        "claim_id": claim_id,
                        "kind": lock.kind.value,
                        "key": lock.key,
                        "lo": lock.lo,
                        "hi": lock.hi,
                    }
                )
    return rows


def insert_locks(connection: Connection, rows: LockRows) -> None:
    """Insert lock rows; the database refuses a content key stored already
    (unique key) and an overlap with a stored range lock (PostgreSQL:
    exclusion constraint; SQLite: trigger) as IntegrityError."""
    # In one global order (kind, key, lo): two batches that collide on
    # several keys then meet at the first of them, where one waits for
    # the other and fails cleanly once it commits. In arrival order each
    # could hold a key the other waits for: a deadlock, which PostgreSQL
    # only breaks after deadlock_timeout (1 s), per collision (race drill).
    # CONTENT sorts before every range kind, so its table comes first.
    rows.content.sort(key=lambda row: row["key"])
    bulk_insert(connection, ClaimContentLockRow, rows.content)
    rows.ranges.sort(key=lambda row: (row["kind"], row["key"], row["lo"]))
    bulk_insert(connection, ClaimLockRow, rows.ranges)


def release_locks(connection: Connection, claim_ids: Sequence[str]) -> None:
    """Delete every lock of these claims (a verdict that no longer counts)."""
    # Neither lock table has an index on claim_id but for origin serials (it
    # would double the tables): a claim's content lock is found by its key,
    # the digest of the claim's stored submission without its record id
    # (what locks_for took), its range locks where the claim starts them
    # (hub.domain.locks.range_lock_places). Only a content lock under another
    # key (written by hand or a test) needs the scan.
    rows = _claim_rows(connection, claim_ids)
    keys = {row.claim_id: submission_of(row).digest_without_identity() for row in rows}
    lock = ClaimContentLockRow
    # Once each: a claim changed twice in one batch is released once.
    for claim_id in dict.fromkeys(claim_ids):
        if claim_id in keys:
            found = connection.execute(
                delete(lock).where(lock.key == keys[claim_id], lock.claim_id == claim_id)
            )
            if found.rowcount:
                continue
        connection.execute(delete(lock).where(lock.claim_id == claim_id))
    for condition in _range_lock_conditions(rows, claim_ids):
        connection.execute(delete(ClaimLockRow).where(condition))


def range_locks_of(connection: Connection, claim_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The stored range locks of these claims, as rows of claim_locks."""
    rows = _claim_rows(connection, claim_ids)
    table = ClaimLockRow.__table__
    return [
        dict(row._mapping)
        for condition in _range_lock_conditions(rows, claim_ids)
        for row in connection.execute(select(table).where(condition))
    ]


def _claim_rows(connection: Connection, claim_ids: Sequence[str]) -> list[Any]:
    return list(connection.execute(claim_select().where(ClaimRow.claim_id.in_(claim_ids))))


def _range_lock_conditions(rows: Sequence[Any], claim_ids: Sequence[str]) -> Iterator[Any]:
    """Conditions selecting every range lock of these claims, chunk by chunk:
    the origin serial locks by their claim id (their own index), the others
    at the (kind, key, lo)s each claim gives (a probe of the key each)."""
    table = ClaimLockRow.__table__
    yield and_(
        table.c.kind == ORIGIN_SERIAL.value, table.c.claim_id.in_(list(dict.fromkeys(claim_ids)))
    )
    places: list[tuple[str, str, int, str]] = []
    for row in rows:
        normalised = normalised_of(row)
        if normalised is None:  # never assessed that far: it took no lock
            continue
        for kind, key, lo in range_lock_places(submission_of(row), normalised):
            places.append((kind.value, key, lo, row.claim_id))
    c = table.c
    for chunk in chunks(places, _PLACES_CHUNK):
        yield or_(
            *(
                and_(c.kind == kind, c.key == key, c.lo == lo, c.claim_id == claim_id)
                for kind, key, lo, claim_id in chunk
            )
        )


def find_lock_conflicts(tx: Transaction, locks: Collection[ClaimLock]) -> list[LockConflict]:
    """Every stored lock overlapping any of ``locks``: ClaimRepository.find_lock_conflicts."""
    requested = list(dict.fromkeys(locks))
    order = {lock: index for index, lock in enumerate(requested)}
    found: list[tuple[int, int, LockConflict]] = []
    for chunk in _lock_conflict_rows(tx, requested):
        for kind, key, lo, hi, held_lo, claim_id, partner, record_id in chunk:
            # The kind and key as requested, from their stored forms
            # (hub.storage.lock_kind_column, lock_key_column).
            lock = ClaimLock(LockKind(lock_kind_text(kind)), lock_key_text(key), int(lo), int(hi))
            found.append(
                (
                    order[lock],
                    int(held_lo),
                    LockConflict(lock, id_text(claim_id), partner, record_id),
                )
            )
    found.sort(key=lambda item: (item[0], item[1]))
    return [conflict for _, _, conflict in found]


def _lock_conflict_rows(tx: Transaction, requested: Sequence[ClaimLock]) -> Iterator[Sequence[Any]]:
    connection = tx.connection
    if tx.dialect == "postgresql":
        for chunk in chunks(requested, POSTGRESQL_LOCK_CHUNK):
            yield connection.execute(
                _POSTGRESQL_LOCK_CONFLICTS,
                {
                    "kinds": [str(lock.kind) for lock in chunk],
                    "keys": [lock_key_bytes(lock.key) for lock in chunk],
                    "los": [lock.lo for lock in chunk],
                    "his": [lock.hi for lock in chunk],
                },
            ).all()
        return
    for chunk in chunks(requested):
        params = tuple(
            value
            for lock in chunk
            for value in (
                lock_kind_code(lock.kind.value),
                lock_key_bytes(lock.key),
                lock.lo,
                lock.hi,
            )
        )
        yield connection.exec_driver_sql(_lock_conflict_sql(len(chunk)), params).all()


def site_bindings_of(tx: Transaction, records: Sequence[NewClaimRecord]) -> SiteBindings:
    """The sites the batch binds, (partner, site id) -> (methodology, claim id);
    two claims of the batch binding one site to two methodologies conflict."""
    bindings: SiteBindings = {}
    for record in records:
        if record.site_binding is None:
            continue
        site_id = record.submission.site_id
        if not site_id:
            raise ValueError(f"claim {record.verdict.claim_id} binds a site but names none")
        site = (record.submission.partner, site_id)
        earlier = bindings.setdefault(site, (record.site_binding, record.verdict.claim_id))
        if earlier[0] != record.site_binding:
            raise tx.conflict(
                f"site {site_id} bound to {earlier[0]} and {record.site_binding} in one batch"
            )
    return bindings


def bind_sites(tx: Transaction, bindings: SiteBindings) -> None:
    """Bind each site unless already bound; refuse a binding to another methodology."""
    rows = [
        {"partner": partner, "site_id": site_id, "methodology": methodology, "claim_id": claim}
        for (partner, site_id), (methodology, claim) in bindings.items()
    ]
    statement_for = postgresql_insert if tx.dialect == "postgresql" else sqlite_insert
    with tx.writing() as connection:
        for chunk in chunks(rows):
            connection.execute(
                statement_for(SiteBindingRow).on_conflict_do_nothing(
                    index_elements=["partner", "site_id"]
                ),
                list(chunk),
            )
    by_partner: dict[str, list[str]] = defaultdict(list)
    for partner, site_id in bindings:
        by_partner[partner].append(site_id)
    for partner, site_ids in by_partner.items():
        stored = site_bindings(tx, partner, site_ids)
        for site_id in site_ids:
            wanted = bindings[(partner, site_id)][0]
            if stored.get(site_id) != wanted:
                raise tx.conflict(
                    f"site {partner}/{site_id} is bound to {stored.get(site_id)}, not {wanted}"
                )


def site_bindings(tx: Transaction, partner: str, site_ids: Collection[str]) -> dict[str, str]:
    """site id -> the methodology it is bound to: ClaimRepository.site_bindings."""
    wanted = sorted(set(site_ids))
    bound: dict[str, str] = {}
    connection = tx.connection
    for chunk in chunks(wanted):
        rows = connection.execute(
            select(SiteBindingRow.site_id, SiteBindingRow.methodology).where(
                SiteBindingRow.partner == partner, SiteBindingRow.site_id.in_(chunk)
            )
        )
        bound.update({site_id: methodology for site_id, methodology in rows})
    return bound
