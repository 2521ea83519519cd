"""Issuing a batch marks its claims ISSUED through the claims' primary key on
SQLite, however many claims are still pending.

Without statistics SQLite planned ``claim_id IN (...) AND issuance = 'PENDING'
AND decision = 'ACCEPTED'`` on the (decision, issuance, received_at) index:
every batch read every pending claim, and issuing a million-claim ledger ran
at a few hundred claims a second (docs/ingestion-profile.md, "Issuing a
million personal claims").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from hub.storage.database import create_engine_for, migrate
from hub.storage.hex_id_column import id_bytes
from hub.storage.issuance_repository import mark_issued

PENDING_CLAIMS = 5_000


def _id(n: int) -> str:
    return f"{n:032x}"  # 32 hex digits, as the hub's UUIDv7 ids


def test_marking_claims_issued_looks_them_up_by_primary_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    migrate(url)
    engine = create_engine_for(url)
    executed: list[tuple[str, Any]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _keep(_c: Any, _k: Any, statement: str, parameters: Any, *_: Any) -> None:
        executed.append((statement, parameters))

    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO claims (claim_id, partner, record_id, delivery_id,"
                    " content_digest, decision, body, received_at, issuance)"
                    " VALUES (:id, 'CN-GD', :record, 'D', :record, 'ACCEPTED', x'80',"
                    " '2024-01-01 00:00:00', 'PENDING')"
                ),
                [{"id": id_bytes(_id(n)), "record": f"C{n:08d}"} for n in range(PENDING_CLAIMS)],
            )
        wanted = [_id(n) for n in range(100, 1100)]
        statement = mark_issued(wanted)
        with engine.begin() as connection:
            marked = connection.execute(statement).rowcount
            # The plan of the statement just run, with its own parameters
            # (claim ids bound in their stored form, which no literal spells).
            sql, parameters = executed[-1]
            plan = " | ".join(
                str(row[-1])
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
            )
            # Only PENDING, ACCEPTED claims move: the same chunk again moves none.
            again = connection.execute(mark_issued(wanted)).rowcount
            issued = connection.execute(
                text("SELECT count(*) FROM claims WHERE issuance = 'ISSUED'")
            ).scalar_one()
    finally:
        engine.dispose()

    assert "ix_claims_decision_issuance_received_at" not in plan, plan
    assert "(claim_id=?)" in plan, plan
    assert (marked, again, issued) == (1000, 0, 1000)
