"""PostgreSQL's counted-travel read by (day, person) key, in a form whose
plan does not depend on the tables' statistics.

hub.storage.mobility_repository runs it while it holds the persons' travel
locks, so its cost is what every other batch of those persons waits for.

Written as a join of ``person_travel_days`` to ``claims`` by the keys and the
claims' decision and methodology, the read is planned from default
selectivities whenever the tables have no statistics (autovacuum off, or
between its analyses of a fast-growing ledger): a hash join of the keys with
a sequential scan of the travel rows (before 11a9a7f, of every counted claim
too), which cost more with every claim (docs/scaling.md, "PostgreSQL: a
travel read whose plan cannot degrade"). Here each key is probed through
its own LATERAL subquery, and each travel row found probes its claim the
same way. A subquery that OFFSET 0 keeps from being flattened into the join,
parameterised by equality on the leading columns of ``pk_person_travel_days``
or on ``pk_claims``, can only be an index scan (a sequential scan per probe
would cost the whole table), so the statement costs the batch's keys
whatever the statistics say, generic plans included.

The planner's row estimates still grow with the tables (without statistics,
a default selectivity per column), so the statement can pass
``jit_above_cost`` and then spend longer compiling than running (14 ms of
30 for 14,340 keys at 20,000 claims): JIT is switched off for the rest of the
transaction, whose statements all look up or write a batch's rows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row

from hub.storage.hex_digest_column import digest_bytes
from hub.storage.person_prefix import prefix_of

__all__ = ["POSTGRESQL_COUNTED_TRAVEL", "postgresql_counted_travel"]

# Parameters: the keys' days, their persons' prefixes (hub.storage.person_prefix,
# 0041) and their persons (three arrays of one length), the
# methodologies, the decisions that count. Columns: claim id, person,
# passenger-km (exact decimal text), the claim's period start and end.
POSTGRESQL_COUNTED_TRAVEL = (
    "SELECT t.claim_id, k.person, t.passenger_km, c.period_start, c.period_end"
    " FROM unnest(CAST(%s AS date[]), CAST(%s AS bytea[]), CAST(%s AS bytea[]))"
    " AS k (day, prefix, person)"
    " CROSS JOIN LATERAL ("
    "SELECT claim_id, passenger_km FROM person_travel_days"
    " WHERE day = k.day AND person_prefix = k.prefix OFFSET 0"
    ") AS t"
    " CROSS JOIN LATERAL ("
    "SELECT period_start, period_end FROM claims"
    " WHERE claims.claim_id = t.claim_id AND person_pseudonym = k.person"
    " AND methodology = ANY (%s) AND decision = ANY (%s) OFFSET 0"
    ") AS c"
)
_NO_JIT = "SELECT set_config('jit', 'off', true)"  # is_local: until the transaction ends


def postgresql_counted_travel(
    connection: Connection,
    keys: Sequence[tuple[date, str]],
    methodologies: Collection[str],
    decisions: Collection[str],
) -> Sequence[Row[*tuple[Any, ...]]]:
    """The travel rows on ``keys`` (day, person) of the claims in
    ``decisions`` under ``methodologies``, each with its claim's period, as
    the driver gives them: one row per key a claim has."""
    connection.exec_driver_sql(_NO_JIT)
    persons = [digest_bytes(person) for _, person in keys]
    parameters = (
        [day for day, _ in keys],
        [prefix_of(stored) for stored in persons],
        persons,
        sorted(methodologies),
        sorted(decisions),
    )
    return connection.exec_driver_sql(POSTGRESQL_COUNTED_TRAVEL, parameters).fetchall()
