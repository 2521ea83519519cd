"""Migration 0013 on a ledger recorded before it: the daily points totals and
the persons' travel by day it fills are exactly what the hub writes itself,
and after it the daily cap and the daily travel total still count every
earlier claim (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, text

from carbonhub_contract.vocabulary.records import Decision
from hub.bootstrap import build_hub
from hub.settings import HubSettings
from hub.storage.database import alembic_config, create_engine_for, migrate
from tests.unit.services.builders import PERSON_B
from tests.unit.services.test_person_travel_ingestion import gd_day, gd_trip, hk_mtr

PREVIOUS = "0012_asset_index"
BEFORE_0023 = "0022_points_next_expiry"


def _rows(engine: Engine, table: str) -> set[tuple[Any, ...]]:
    with engine.connect() as connection:
        return {tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}"))}


def _points(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT SUM(points) FROM points_entries")).scalar_one())


def test_the_migration_fills_what_ingestion_writes_and_both_still_count(
    database_url: str, tmp_path: Path
) -> None:
    settings = HubSettings(database_url=database_url, data_dir=tmp_path)
    hub = build_hub(settings)
    try:
        hub.ingestion.submit(
            "CN-GD",
            [
                gd_trip("T-METRO", "GD-METRO", "08:05", "08:40"),
                gd_trip("T-BUS", "GD-BUS", "08:15", "08:30"),  # overlaps: rejected, kept too
                gd_day("D-BUS-B", "GD-BUS", "40", person_pseudonym=PERSON_B),
                # Three days of rides: one row for each day it touches.
                gd_trip(
                    "M-BIKE",
                    "GD-BIKE",
                    "00:00",
                    "00:00",
                    period_start="2024-10-05",
                    period_end="2024-10-07",
                    activity_quantity="30",
                ),
            ],
        )
        hub.ingestion.submit("CN-HK", [hk_mtr("MTR-1", "18:00", "18:40", activity_quantity="90")])
    finally:
        hub.close()
    engine = create_engine_for(database_url)
    config = alembic_config(url=database_url)
    try:
        # The daily totals as the hub kept them until 0023 (which reads the
        # awards instead; its downgrade sums them as the hub added them).
        command.downgrade(config, BEFORE_0023)
        daily, travel = _rows(engine, "points_daily"), _rows(engine, "person_travel_days")
        assert daily and _points(engine) > 0
        by_claim: dict[str, int] = {}
        for _, _, claim_id, _ in travel:
            by_claim[claim_id] = by_claim.get(claim_id, 0) + 1
        assert sorted(by_claim.values()) == [1, 1, 1, 1, 3]

        command.downgrade(config, PREVIOUS)
        command.upgrade(config, BEFORE_0023)

        assert _rows(engine, "points_daily") == daily
        assert _rows(engine, "person_travel_days") == travel
        migrate(database_url)
    finally:
        engine.dispose()

    hub = build_hub(settings)
    try:
        # 6.5 (metro) + 90 (MTR) counted that day: 210 more is over 300 pkm.
        (held,) = hub.ingestion.submit("CN-GD", [gd_day("D-BUS", "GD-BUS", "210")])
        # B's bus day counted 40: 250 in all.
        (fine,) = hub.ingestion.submit("CN-GD", [gd_day("D-METRO-B", "GD-METRO", "210", **_b())])
    finally:
        hub.close()
    assert held.decision is Decision.HELD
    counted = [c.details for c in held.checks if c.code == "PERSON_DAILY_MOBILITY_IMPLAUSIBLE"]
    assert [(d["day"], d["counted"], d["total"]) for d in counted] == [
        ("2024-10-02", "96.5", "306.5")
    ]
    assert fine.decision is Decision.ACCEPTED, [c.code for c in fine.checks]


def _b() -> dict[str, str]:
    return {"person_pseudonym": PERSON_B}
