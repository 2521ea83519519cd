"""Migration 0023 on a hub-written ledger (SQLite and PostgreSQL): the daily
cap reads the awards themselves, ``points_daily`` goes; its downgrade gives
back the totals the hub kept, and across both ways the cap still counts
every award of the person's day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from alembic import command
from sqlalchemy import inspect, text

from hub.domain.points import PointsRules
from hub.services.ingestion import IngestionService
from hub.standard import default_standards_dir, load_standard
from hub.standard.points import load_points_rules
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.index_definitions import index_definition
from tests.unit.services.builders import PERSON_A
from tests.unit.services.test_person_travel_ingestion import gd_trip

BEFORE = "0022_points_next_expiry"
METRO = ("CN-GD", "SZ-TRANSIT-METRO")


def test_the_cap_counts_the_days_awards_across_the_migration(database_url: str) -> None:
    standard = load_standard(default_standards_dir())
    loaded = load_points_rules(default_standards_dir(), standard)
    rule = loaded.rules[METRO]
    migrate(database_url)
    engine = create_engine_for(database_url)
    try:
        first = IngestionService(
            SqlAlchemyUnitOfWorkFactory(engine), standard, lambda: datetime.now(UTC), points=loaded
        )
        (probe,) = first.submit("CN-GD", [gd_trip("T1", "GD-METRO", "08:00", "08:30")])
        full = rule.points_for(probe.credited_tco2e or Decimal(0))
        assert full > 1

        command.downgrade(alembic_config(url=database_url), BEFORE)
        with engine.connect() as connection:
            daily = connection.execute(
                text("SELECT partner, person, methodology, awarded FROM points_daily")
            ).all()
        assert [tuple(row) for row in daily] == [("CN-GD", PERSON_A, METRO[1], full)]
        indexes = {str(i["name"]) for i in inspect(engine).get_indexes("points_entries")}
        assert "ix_points_entries_partner_person_id" in indexes

        migrate(database_url)
        assert "points_daily" not in inspect(engine).get_table_names()
        indexes = {str(i["name"]) for i in inspect(engine).get_indexes("points_entries")}
        # The index 0023 made, by the person's prefix since 0039.
        assert index_definition(engine, "ix_points_entries_person_prefix_day") is not None
        assert "ix_points_entries_partner_person_id" not in indexes

        # A cap of one point above the first award: the second trip earns one.
        capped = PointsRules(
            {**loaded.rules, METRO: replace(rule, daily_cap=full + 1)},
            loaded.default_platforms,
        )
        second = IngestionService(
            SqlAlchemyUnitOfWorkFactory(engine), standard, lambda: datetime.now(UTC), points=capped
        )
        second.submit("CN-GD", [gd_trip("T2", "GD-METRO", "09:00", "09:30")])
        with engine.connect() as connection:
            awards = connection.execute(
                text("SELECT points FROM points_entries WHERE kind = 'AWARD' ORDER BY id")
            ).scalars()
            assert list(awards) == [full, 1]
    finally:
        engine.dispose()
