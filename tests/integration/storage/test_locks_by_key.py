"""Range locks keyed by (kind, key, lo), without a claim index (0033), their
kind a code on SQLite (0036): a voided claim frees every lock it took and no
other claim's, the database still refuses an overlap, and a hub-written
ledger's locks come through the migrations both ways unchanged."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from carbonhub_contract.vocabulary.records import Decision
from hub.services.claim_port import VerdictChange
from hub.services.ingestion import IngestionService
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.hex_id_column import id_text
from hub.storage.lock_key_column import lock_key_text
from hub.storage.lock_kind_column import lock_kind_text
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.test_person_travel_ingestion import gd_trip

BEFORE = "0032_compact_days"
AT = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)


def _locks(engine: Engine) -> list[tuple[str, str, int, int, str]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT kind, key, lo, hi, claim_id FROM claim_locks"))
        return sorted(
            (lock_kind_text(kind), lock_key_text(key), int(lo), int(hi), id_text(claim_id))
            for kind, key, lo, hi, claim_id in rows
        )


def _indexes(engine: Engine) -> set[str]:
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'claim_locks'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes"
        " WHERE tablename = 'claim_locks' AND schemaname = current_schema()"
    )
    with engine.connect() as connection:
        return {name for (name,) in connection.execute(text(query))}


def _ingest(engine: Engine, *claims: Any) -> list[Any]:
    standard = load_standard(default_standards_dir())
    service = IngestionService(SqlAlchemyUnitOfWorkFactory(engine), standard, lambda: AT)
    return service.submit("CN-GD", list(claims))


def _void(engine: Engine, claim_id: str) -> None:
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    with factory() as uow:
        stored = uow.claims.ledger_view(claim_id)
        assert stored is not None
        uow.claims.change_verdicts(
            [
                VerdictChange(
                    claim_id=claim_id,
                    expected_decision=stored.decision,
                    expected_issuance=stored.issuance,
                    verdict=replace(stored.verdict, decision=Decision.REJECTED),
                    issuance=None,
                    hold_reason=None,
                    release_locks=True,
                )
            ]
        )
        uow.commit()


def test_a_voided_trip_frees_every_lock_it_took_and_no_other(engine: Engine) -> None:
    morning, evening = _ingest(
        engine,
        gd_trip("T1", "GD-METRO", "08:00", "08:30"),
        gd_trip("T2", "GD-METRO", "18:00", "18:30"),
    )
    assert (morning.decision, evening.decision) == (Decision.ACCEPTED, Decision.ACCEPTED)
    held = _locks(engine)
    # Each trip locks its person's methodology and its person alone, under
    # the same two keys as the other trip.
    assert sorted(kind for kind, *_ in held) == ["PERSON_PERIOD"] * 2 + ["PERSON_TRAVEL"] * 2
    # The same trip sent again by another platform: refused, held by T1.
    (again,) = _ingest(engine, gd_trip("T1-B", "GD-BUS", "08:10", "08:20"))
    assert again.decision is Decision.REJECTED
    assert "PERSON_TRIP_OVERLAP" in {check.code for check in again.checks}

    _void(engine, morning.claim_id)
    assert _locks(engine) == [row for row in held if row[4] == evening.claim_id]
    # Its time is free: the trip is accepted now; the evening is still held.
    (freed,) = _ingest(engine, gd_trip("T1-C", "GD-BUS", "08:10", "08:20"))
    assert freed.decision is Decision.ACCEPTED
    (late,) = _ingest(engine, gd_trip("T2-B", "GD-BUS", "18:10", "18:20"))
    assert late.decision is Decision.REJECTED


def test_the_database_refuses_an_overlap_and_a_second_lock_at_one_start(engine: Engine) -> None:
    (trip,) = _ingest(engine, gd_trip("T1", "GD-METRO", "08:00", "08:30"))
    with engine.connect() as connection:
        kind, key, lo, hi, claim_id = connection.execute(
            text("SELECT kind, key, lo, hi, claim_id FROM claim_locks ORDER BY kind LIMIT 1")
        ).one()
    for start, end in ((lo + 60, hi + 60), (lo, lo)):
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO claim_locks (kind, key, lo, hi, claim_id)"
                    " VALUES (:kind, :key, :lo, :hi, :claim_id)"
                ),
                {"kind": kind, "key": key, "lo": start, "hi": end, "claim_id": claim_id},
            )
    assert len(_locks(engine)) == 2
    assert trip.decision is Decision.ACCEPTED


def test_a_ledgers_locks_come_through_the_migration_both_ways(database_url: str) -> None:
    migrate(database_url)
    engine = create_engine_for(database_url)
    config = alembic_config(url=database_url)
    try:
        verdicts = _ingest(
            engine,
            gd_trip("T1", "GD-METRO", "08:00", "08:30"),
            gd_trip("T2", "GD-BIKE", "12:00", "12:20"),
            gd_trip("T3", "GD-BUS", "18:00", "18:45"),
        )
        assert [v.decision for v in verdicts] == [Decision.ACCEPTED] * 3
        held = _locks(engine)
        assert len(held) == 6
        assert _indexes(engine) >= {"ix_claim_locks_origin_claim_id"}
        assert "ix_claim_locks_claim_id" not in _indexes(engine)

        command.downgrade(config, BEFORE)
        assert _locks(engine) == held
        assert _indexes(engine) >= {"ix_claim_locks_kind_key_lo", "ix_claim_locks_claim_id"}
        with engine.connect() as connection:
            ids = [i for (i,) in connection.execute(text("SELECT id FROM claim_locks ORDER BY id"))]
        assert ids == list(range(1, 7))

        migrate(database_url)
        assert _locks(engine) == held
        assert "ix_claim_locks_kind_key_lo" not in _indexes(engine)
        if engine.dialect.name == "sqlite":
            with engine.connect() as connection:
                sql = connection.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = 'claim_locks'")
                ).scalar_one()
            assert sql.rstrip().endswith("WITHOUT ROWID")
        # The overlap is refused as before: by the trigger on SQLite, the
        # exclusion constraint on PostgreSQL, and the hub names the holder.
        (again,) = _ingest(engine, gd_trip("T3-B", "GD-METRO", "18:30", "18:50"))
        assert again.decision is Decision.REJECTED
        assert "PERSON_TRIP_OVERLAP" in {check.code for check in again.checks}
    finally:
        engine.dispose()


def _stored_kinds(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(
            kind for (kind,) in connection.exec_driver_sql("SELECT kind FROM claim_locks")
        )


def test_kinds_are_codes_on_sqlite_through_the_migration_both_ways(database_url: str) -> None:
    """0036: a kind kept as its one-character code on SQLite, its name on PostgreSQL."""
    migrate(database_url)
    engine = create_engine_for(database_url)
    config = alembic_config(url=database_url)
    sqlite = engine.dialect.name == "sqlite"
    try:
        verdicts = _ingest(engine, gd_trip("T1", "GD-METRO", "08:00", "08:30"))
        assert [v.decision for v in verdicts] == [Decision.ACCEPTED]
        held = _locks(engine)
        names = ["PERSON_PERIOD", "PERSON_TRAVEL"]
        assert _stored_kinds(engine) == (["1", "2"] if sqlite else names)
        command.downgrade(config, "0035_reported_persons")
        assert _stored_kinds(engine) == names
        assert _locks(engine) == held
        migrate(database_url)
        assert _stored_kinds(engine) == (["1", "2"] if sqlite else names)
        assert _locks(engine) == held
        # Found and refused as before: the trip again by another platform.
        (again,) = _ingest(engine, gd_trip("T1-B", "GD-BUS", "08:10", "08:20"))
        assert again.decision is Decision.REJECTED
        assert "PERSON_TRIP_OVERLAP" in {check.code for check in again.checks}
    finally:
        engine.dispose()
