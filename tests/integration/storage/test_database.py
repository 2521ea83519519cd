"""What the database itself guarantees: schema, constraints, transaction mode."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, inspect, make_url, text
from sqlalchemy.exc import IntegrityError

from hub.storage import (
    asset_tables,  # noqa: F401  (its tables join Base.metadata)
    attestation_tables,  # noqa: F401  (its tables join Base.metadata)
    audit_tables,  # noqa: F401  (its tables join Base.metadata)
    block_tables,  # noqa: F401  (its tables join Base.metadata)
    certificate_tables,  # noqa: F401  (its tables join Base.metadata)
    claim_tables,  # noqa: F401  (its tables join Base.metadata)
    issuance_tables,  # noqa: F401  (its tables join Base.metadata)
    key_tables,  # noqa: F401  (its tables join Base.metadata)
    merkle_tables,  # noqa: F401  (its tables join Base.metadata)
    officer_tables,  # noqa: F401  (its tables join Base.metadata)
    outbox_tables,  # noqa: F401  (its tables join Base.metadata)
    points_tables,  # noqa: F401  (its tables join Base.metadata)
    project_tables,  # noqa: F401  (its tables join Base.metadata)
    reconciliation_tables,  # noqa: F401  (its tables join Base.metadata)
    register_tables,  # noqa: F401  (its tables join Base.metadata)
    retirement_tables,  # noqa: F401  (its tables join Base.metadata)
    travel_tables,  # noqa: F401  (its tables join Base.metadata)
)
from hub.storage.database import create_engine_for, downgrade, migrate
from hub.storage.lock_kind_column import LOCK_KIND_CODES
from hub.storage.serialisation import verdict_to_json
from hub.storage.tables import Base
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.records import lock, record

TABLES_0001 = {"projects", "claims", "claim_locks", "site_bindings", "refused_resubmissions"}
TABLES = TABLES_0001 | {
    "project_supervision",
    "carry_accounts",
    "serial_series",
    "issuances",
    "claim_issuances",
    "blocks",
    "outbox",
    "outbox_counter",
    "retirements",
    "offset_usage",
    "source_cancellations",
    "adjustment_attestations",
    "ledger_events",
    "reconciliations",
    "discrepancies",
    "partner_keys",
    "partner_sequences",
    "signed_payloads",
    "audit_head",
    "audit_checkpoints",
    "asset_guards",
    "officers",
    "points_entries",
    "points_balances",
    "neutrality_claims",
    "neutrality_claim_retirements",
    "certificates",
    "merkle_nodes",
    "merkle_tree_heads",
    "asset_index",
    "project_boundaries",
    "register_imports",
    "register_entries",
    "register_entry_keys",
    "person_travel_days",
    "claim_traces",
    "claim_check_lists",
    "claim_contexts",
    "claim_content_locks",
    "reported_persons",
}
HEAD = "0045_claim_contexts"


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def _version(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_migrations_create_the_schema_and_round_trip(database_url: str) -> None:
    migrate(database_url)
    migrate(database_url)  # idempotent
    engine = create_engine_for(database_url)
    try:
        assert _tables(engine) == TABLES
        assert _version(engine) == HEAD
        downgrade(database_url, "0001_initial")
        assert _tables(engine) == TABLES_0001
        assert _version(engine) == "0001_initial"
        downgrade(database_url)
        assert _tables(engine) == set()
        assert _version(engine) is None
        migrate(database_url)
        assert _tables(engine) == TABLES
        assert _version(engine) == HEAD
    finally:
        engine.dispose()


def test_the_mappings_match_the_migrated_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        assert compare_metadata(context, Base.metadata) == []


def _insert_claim(connection: Connection, claim_id: str, record_id: str) -> None:
    connection.execute(
        text(
            "INSERT INTO claims (claim_id, partner, record_id, delivery_id, content_digest,"
            " decision, received_at)"
            " VALUES (:c, 'CN-GD', :r, 'D', 'x', 'ACCEPTED', CURRENT_TIMESTAMP)"
        ),
        {"c": claim_id, "r": record_id},
    )


def _kind(connection: Connection, name: str) -> str:
    """A lock kind as plain SQL must write it: its code on SQLite (0036)."""
    return LOCK_KIND_CODES[name] if connection.dialect.name == "sqlite" else name


def _insert_lock(
    connection: Connection, claim_id: str, key: str, lo: int, hi: int, kind: str = "PROJECT_PERIOD"
) -> None:
    connection.execute(
        text(
            "INSERT INTO claim_locks (claim_id, kind, key, lo, hi) VALUES (:c, :kind, :k, :lo, :hi)"
        ),
        {"c": claim_id, "kind": _kind(connection, kind), "k": key, "lo": lo, "hi": hi},
    )


@pytest.mark.parametrize(
    ("lo", "hi"),
    [(150, 160), (100, 100), (199, 199), (0, 100), (199, 500), (0, 1000)],
    ids=["inside", "first", "last", "touch-start", "touch-end", "around"],
)
def test_plain_sql_cannot_insert_an_overlapping_lock(engine: Engine, lo: int, hi: int) -> None:
    with engine.begin() as connection:
        _insert_claim(connection, "c1", "R-1")
        _insert_claim(connection, "c2", "R-2")
        _insert_lock(connection, "c1", "p1", 100, 199)
        _insert_lock(connection, "c1", "p1", 10_000, 10_999)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _insert_lock(connection, "c2", "p1", lo, hi)


def test_plain_sql_may_insert_adjacent_and_other_key_locks(engine: Engine) -> None:
    with engine.begin() as connection:
        _insert_claim(connection, "c1", "R-1")
        _insert_lock(connection, "c1", "p1", 100, 199)
        _insert_lock(connection, "c1", "p1", 200, 299)
        _insert_lock(connection, "c1", "p1", 0, 99)
        _insert_lock(connection, "c1", "p2", 100, 199)
        _insert_lock(connection, "c1", "p1", 100, 199, kind="PERSON_PERIOD")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM claim_locks")).scalar_one() == 5


def test_plain_sql_cannot_reverse_a_range_or_repeat_a_record_id(engine: Engine) -> None:
    with engine.begin() as connection:
        _insert_claim(connection, "c1", "R-1")
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _insert_lock(connection, "c1", "p1", 10, 9)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _insert_claim(connection, "c2", "R-1")
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _insert_lock(connection, "no-such-claim", "p9", 0, 1)


def test_stored_verdict_and_decimals_are_exact(engine: Engine) -> None:
    original = record("R-1", [lock("p1", 0, 9)], credited=Decimal("6.7075000"))
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    with factory() as uow:
        uow.claims.add([original])
        uow.commit()
    with engine.connect() as connection:
        credited, reported, received = connection.execute(
            text(
                "SELECT credited_tco2e, reported_tco2e, received_at FROM claims"
                " WHERE record_id = 'R-1'"
            )
        ).one()
    # Never a float: text on SQLite, NUMERIC on PostgreSQL, scale kept.
    assert not isinstance(credited, float)
    assert str(credited) == "6.7075000" and str(reported) == "7.0000"
    with factory() as uow:
        stored = uow.claims.get_by_record_ids("CN-GD", ["R-1"])["R-1"].verdict
        by_id = uow.claims.get_by_claim_id(original.verdict.claim_id)
    # The verdict first written, byte for byte, from the lean row (0018).
    assert verdict_to_json(stored) == verdict_to_json(original.verdict)
    assert by_id is not None and verdict_to_json(by_id.verdict) == verdict_to_json(stored)
    assert received is not None


def test_sqlite_connection_settings(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/hub.db"
    migrate(url)
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            pragma = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar_one()
                for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
        assert pragma == {
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": 30_000,
            "synchronous": 1,
        }
    finally:
        engine.dispose()


def test_sqlite_unit_of_work_holds_the_write_lock_from_its_first_read(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/hub.db"
    migrate(url)
    engine = create_engine_for(url)
    database = make_url(url).database
    assert database is not None
    other = sqlite3.connect(database, timeout=0.2, isolation_level=None)
    try:
        with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
            uow.claims.get_by_record_ids("CN-GD", ["R-1"])  # a read only
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            # Readers are not blocked (WAL).
            assert other.execute("SELECT count(*) FROM claims").fetchone() == (0,)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_runs_read_committed_with_the_exclusion_constraint(
    postgres_schema_url: str,
) -> None:
    migrate(postgres_schema_url)
    engine = create_engine_for(postgres_schema_url)
    try:
        with engine.connect() as connection:
            level = connection.exec_driver_sql("SHOW transaction_isolation").scalar_one()
            constraint = connection.execute(
                text(
                    "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint AS c"
                    " JOIN pg_class AS t ON t.oid = c.conrelid"
                    " WHERE t.relname = 'claim_locks' AND c.contype = 'x'"
                    " AND t.relnamespace = to_regnamespace(current_schema())"
                )
            ).scalar_one()
        assert level == "read committed"
        assert "EXCLUDE USING gist" in constraint
        assert "int8range(lo, hi, '[]'::text) WITH &&" in constraint
    finally:
        engine.dispose()
