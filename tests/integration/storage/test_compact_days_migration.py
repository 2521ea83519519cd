"""A personal claim's activity day kept on SQLite as days since 1970 (0032)
on a hub-written ledger: every day reads back as the very day across the
migration both ways, the stored form is an integer on SQLite (PostgreSQL
keeps date), and what finds rows by day (a person's daily cap, one person
in one place at a time) answers as before."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from alembic import command
from sqlalchemy import Engine, text

from carbonhub_contract.vocabulary.records import Decision
from hub.services.ingestion import IngestionService
from hub.services.points import PointsService
from hub.standard import default_standards_dir, load_standard
from hub.standard.points import load_points_rules
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.builders import PERSON_A
from tests.unit.services.test_person_travel_ingestion import gd_trip

BEFORE = "0031_compact_audit_events"
AT = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)
PLACES = {"points_entries": "day", "person_travel_days": "day"}


def _stored(engine: Engine) -> dict[str, list[Any]]:
    with engine.connect() as connection:
        return {
            table: sorted(
                (row[0] for row in connection.execute(text(f"SELECT {column} FROM {table}"))),
                key=repr,
            )
            for table, column in PLACES.items()
        }


def test_days_read_back_as_written_across_the_migration(database_url: str) -> None:
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
        points = PointsService(factory, lambda: AT)
        statement = points.statement("CN-GD", PERSON_A)
        stored = _stored(engine)
        every = [v for values in stored.values() for v in values if v is not None]
        assert len(every) == 4
        assert all(isinstance(v, int) for v in every) if sqlite else True

        command.downgrade(config, BEFORE)
        texts = _stored(engine)
        if sqlite:  # as SQLAlchemy's DATE kept them before
            days = {v for values in texts.values() for v in values}
            assert all(isinstance(v, str) for v in days) and len(days) == 1
            assert (
                date.fromisoformat(days.pop()).toordinal() - date(1970, 1, 1).toordinal()
                == (every[0])
            )

        migrate(database_url)
        assert _stored(engine) == stored
        assert points.statement("CN-GD", PERSON_A) == statement
        # The same person on the same metro trip again: its travel row is
        # found by (day, person), so it is refused, and no points are awarded.
        again = ingestion.submit("CN-GD", [gd_trip("T3", "GD-METRO", "08:10", "08:20")])
        assert [v.decision for v in again] == [Decision.REJECTED]
        assert points.statement("CN-GD", PERSON_A) == statement
    finally:
        engine.dispose()
