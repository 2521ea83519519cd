"""The storage baseline: the hub's own claim rows bulk-inserted without the hub.

After the run, the rows the hub wrote to ``claims``, ``claim_locks`` and
``claim_content_locks`` are read back (untimed) and inserted (with the
persons each partner reported, ``reported_persons``) into the same
tables of a fresh, migrated database of the same kind with SQLAlchemy Core
executemany, one transaction per ``batch`` claims (the hub commits once per
envelope of that size), so the database's constraints, indexes, the
lock-overlap trigger or exclusion constraint and the content locks' unique
key do the same work. Only the inserts and commits are timed. The ratio
hub / baseline says what the hub costs on top of storing what it stores.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, insert, select

from hub.storage.claim_body import claim_select, submission_of
from hub.storage.claim_locks import range_locks_of
from hub.storage.claim_tables import (
    ClaimCheckListRow,
    ClaimContentLockRow,
    ClaimContextRow,
    ClaimLockRow,
    ClaimRow,
    ClaimTraceRow,
)
from hub.storage.database import create_engine_for, migrate
from hub.storage.reported_persons import note_reported

READ_CHUNK = 5000


@dataclass(frozen=True)
class BaselineResult:
    claims: int
    locks: int
    seconds: float

    @property
    def claims_per_second(self) -> float:
        return self.claims / self.seconds if self.seconds > 0 else 0.0


def _batches(
    source: Engine, batch: int, skip_record_prefix: str, limit: int | None
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]]:
    """The hub's claim rows in the order it received them, with their range
    and content lock rows.

    The ordered ids come through one server-side cursor, ``batch`` at a
    time, so a ledger of ten million claims is never held here. (Keyset
    pages would need an index on (received_at, claim_id), which the hub
    does not have: every page would sort what is left of the table.)
    """
    claims = ClaimRow.__table__
    content = ClaimContentLockRow.__table__
    # One connection (one read transaction) for every read.
    with source.connect() as connection:
        ordered = connection.execution_options(yield_per=READ_CHUNK).execute(
            select(claims.c.claim_id)
            .where(~claims.c.record_id.startswith(skip_record_prefix))
            .order_by(claims.c.received_at, claims.c.claim_id)
            .limit(limit)
        )
        for partition in ordered.partitions(batch):
            wanted = [claim_id for (claim_id,) in partition]
            claim_rows: list[dict[str, Any]] = []
            lock_rows: list[dict[str, Any]] = []
            content_rows: list[dict[str, Any]] = []
            for index in range(0, len(wanted), 500):
                chunk = wanted[index : index + 500]
                stored = connection.execute(select(claims).where(claims.c.claim_id.in_(chunk)))
                claim_rows.extend(dict(row._mapping) for row in stored)
                # As the hub finds them (claim_locks has no claim_id index but
                # for origin serials): under the keys each claim gives.
                lock_rows.extend(range_locks_of(connection, chunk))
                # By key: claim_content_locks has no claim_id index. A claim's
                # key is the digest of its stored submission without its record
                # id (hub.storage.claim_locks.release_locks finds it the same
                # way); a refused duplicate names the holder's key, not its own.
                mine = set(chunk)
                read = connection.execute(claim_select().where(claims.c.claim_id.in_(chunk)))
                keys = sorted({submission_of(row).digest_without_identity() for row in read})
                content_rows.extend(
                    dict(row._mapping)
                    for row in connection.execute(select(content).where(content.c.key.in_(keys)))
                    if row.claim_id in mine
                )
            yield claim_rows, lock_rows, content_rows


def run_baseline(
    hub_url: str,
    baseline_url: str,
    *,
    batch: int,
    skip_record_prefix: str,
    limit: int | None = None,
) -> BaselineResult:
    """Insert the hub's claim rows (not the preloaded ones) into a fresh database, timed.

    ``limit``: only the first rows the hub received. A copy of every row of
    a ten-million-claim run needs as much disk again as the hub's ledger;
    the first rows also go into a smaller database, so the baseline is then
    if anything faster and the ratio errs against the hub.
    """
    migrate(baseline_url)
    source = create_engine_for(hub_url)
    target = create_engine_for(baseline_url)
    claims = locks = 0
    seconds = 0.0
    try:
        # The shared traces, check lists and submission contexts the claim
        # rows name (few rows; untimed, as the hub writes each once for many
        # claims).
        with source.connect() as reading, target.begin() as writing:
            for model in (ClaimTraceRow, ClaimCheckListRow, ClaimContextRow):
                shared = [dict(row._mapping) for row in reading.execute(select(model))]
                if shared:
                    writing.execute(insert(model), shared)
        for claim_rows, lock_rows, content_rows in _batches(
            source, batch, skip_record_prefix, limit
        ):
            started = time.perf_counter()
            with target.begin() as connection:
                connection.execute(insert(ClaimRow), claim_rows)
                # The persons each partner has reported, as the hub keeps them
                # with the claims (hub.storage.reported_persons, 0035).
                note_reported(
                    connection,
                    {
                        (row["partner"], row["person_pseudonym"])
                        for row in claim_rows
                        if row["person_pseudonym"] is not None
                    },
                )
                if content_rows:
                    connection.execute(insert(ClaimContentLockRow), content_rows)
                if lock_rows:
                    connection.execute(insert(ClaimLockRow), lock_rows)
            seconds += time.perf_counter() - started
            claims += len(claim_rows)
            locks += len(lock_rows) + len(content_rows)
    finally:
        source.dispose()
        target.dispose()
    return BaselineResult(claims, locks, seconds)
