"""The ingestion path's lookup of earlier records on PostgreSQL uses the
(partner, record_id) unique index however stale the statistics are.

Between autovacuum's analyses (or with autovacuum off) a fast-growing claims
table has no statistics; written as ``record_id IN (...)`` the lookup was
then planned as a read of every row of the partner, and ingestion slowed
with the ledger (docs/ingestion-profile.md, "Cost against ledger size").
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hub.storage.claim_repository import _POSTGRESQL_CLAIMS_BY_RECORD_ID
from hub.storage.database import create_engine_for, migrate

pytestmark = pytest.mark.postgres

ROWS = 20_000


def test_earlier_records_are_found_through_the_unique_index_without_statistics(
    postgres_schema_url: str,
) -> None:
    migrate(postgres_schema_url)
    engine = create_engine_for(postgres_schema_url)
    try:
        with engine.begin() as connection:
            # One partner's ledger, never analysed (as between autovacuum runs).
            connection.execute(
                text(
                    """
                    INSERT INTO claims (claim_id, partner, record_id, delivery_id,
                        content_digest, decision, body, received_at)
                    SELECT decode(md5(g::text), 'hex'), 'CN-GD', 'R' || lpad(g::text, 10, '0'), 'D',
                        sha256(g::text::bytea), 'ACCEPTED', decode('80', 'hex'), now()
                    FROM generate_series(1, :rows) AS g
                    """
                ),
                {"rows": ROWS},
            )
        with engine.begin() as connection:
            wanted = [f"R{n:010d}" for n in range(ROWS - 600, ROWS - 100)]
            plan = "\n".join(
                row[0]
                for row in connection.execute(
                    text(f"EXPLAIN {_POSTGRESQL_CLAIMS_BY_RECORD_ID.text}"),
                    {"partner": "CN-GD", "record_ids": wanted},
                )
            )
            found = connection.execute(
                _POSTGRESQL_CLAIMS_BY_RECORD_ID, {"partner": "CN-GD", "record_ids": wanted}
            ).all()
    finally:
        engine.dispose()

    assert "uq_claims_partner_record_id" in plan, plan
    assert sorted(row.record_id for row in found) == wanted
