"""A personal claim's instants kept on SQLite as integer microseconds (0029)
on a hub-written ledger: every instant reads back as the very instant across
the migration both ways, the stored form is an integer on SQLite (PostgreSQL
keeps timestamptz), and what orders or compares instants in SQL (the held
queue's order, points by month, the expiry sweep) answers as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import Engine, text

from carbonhub_contract.vocabulary.records import Decision
from hub.services.ingestion import IngestionService
from hub.services.points import PointsService
from hub.standard import default_standards_dir, load_standard
from hub.standard.points import load_points_rules
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.serialisation import verdict_to_json
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.builders import PERSON_A
from tests.unit.services.test_person_travel_ingestion import gd_trip

BEFORE = "0028_claim_ids_as_bytes"
AT = datetime(2026, 1, 15, 12, 0, 0, 123456, tzinfo=UTC)
PLACES = {
    "claims": ("period_start", "period_end", "received_at"),
    "points_entries": ("occurred_at", "expires_at"),
    "points_balances": ("next_expiry",),
}


def _stored(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        return {
            table: [
                tuple(row)
                for row in connection.execute(
                    text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(columns)}")
                )
            ]
            for table, columns in PLACES.items()
        }


def _answers(engine: Engine, at: datetime) -> tuple[Any, ...]:
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    points = PointsService(factory, lambda: at)
    with factory() as uow:
        stored = uow.claims.get_by_record_ids("CN-GD", ["T1", "T2"])
        views = [uow.claims.ledger_view(stored[r].claim_id) for r in ("T1", "T2")]
    return (
        sorted((r, c.verdict.decision) for r, c in stored.items()),
        [(v.received_at, verdict_to_json(v.verdict)) for v in views if v is not None],
        points.months(),
        points.statement("CN-GD", PERSON_A),
    )


def test_instants_read_back_as_written_across_the_migration(database_url: str) -> None:
    standard = load_standard(default_standards_dir())
    rules = load_points_rules(default_standards_dir(), standard)
    config = alembic_config(url=database_url)
    migrate(database_url)
    engine = create_engine_for(database_url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    sqlite = engine.dialect.name == "sqlite"
    try:
        ingestion = IngestionService(factory, standard, lambda: AT, points=rules)
        verdicts = ingestion.submit(
            "CN-GD",
            [
                gd_trip("T1", "GD-METRO", "08:00", "08:30"),
                gd_trip("T2", "GD-BUS", "18:00", "18:45"),
            ],
        )
        assert [v.decision for v in verdicts] == [Decision.ACCEPTED] * 2
        answers = _answers(engine, AT)
        stored = _stored(engine)
        every = [v for rows in stored.values() for row in rows for v in row if v is not None]
        assert every and all(isinstance(v, int) is sqlite for v in every)

        command.downgrade(config, BEFORE)
        texts = _stored(engine)
        if sqlite:  # as SQLAlchemy's DATETIME kept them before
            kept = [v for rows in texts.values() for row in rows for v in row if v is not None]
            assert len(kept) == len(every) and all(isinstance(v, str) for v in kept)
            (received,) = {row[2] for row in texts["claims"]}
            assert received == "2026-01-15 12:00:00.123456"
        # Read by the hub at head only: its reads name tables of later
        # migrations (claim_contexts, 0045).

        migrate(database_url)
        assert _stored(engine) == stored
        assert _answers(engine, AT) == answers

        # The sweep compares the stored expiries with its now: nothing due
        # at the award, both awards when their validity has run out.
        assert PointsService(factory, lambda: AT).expire_due() == 0
        expiry = answers[3].next_expiry
        assert expiry is not None and expiry > AT
        assert PointsService(factory, lambda: expiry - timedelta(microseconds=1)).expire_due() == 0
        later = PointsService(factory, lambda: expiry)
        assert later.expire_due() == 2
        assert later.balance("CN-GD", PERSON_A) == 0
    finally:
        engine.dispose()
