"""scripts/check_points.py's comparison (carbonhub_tools.bench.points_check) on SQLite and
PostgreSQL: a ledger the hub wrote is exact, capped awards included; an award,
a daily total or a balance changed by one point is named."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from carbonhub_tools.bench.points_check import check_points
from hub.bootstrap import build_hub
from hub.settings import HubSettings
from hub.standard import default_standards_dir
from hub.standard.points import load_points_rules
from tests.unit.services.builders import PERSON_B
from tests.unit.services.test_person_travel_ingestion import gd_day, gd_trip


def test_the_hubs_points_are_exact_and_a_changed_point_is_named(
    database_url: str, tmp_path: Path
) -> None:
    hub = build_hub(HubSettings(database_url=database_url, data_dir=tmp_path))
    try:
        hub.ingestion.submit(
            "CN-GD",
            [
                gd_trip("T1", "GD-METRO", "08:00", "08:30", activity_quantity="40"),
                gd_trip("T2", "GD-METRO", "09:00", "09:30", activity_quantity="40"),
                gd_day("D1", "GD-BUS", "30", person_pseudonym=PERSON_B),
            ],
        )
        hub.ingestion.submit("CN-GD", [gd_trip("T3", "GD-METRO", "18:00", "18:30")])
        rules = load_points_rules(default_standards_dir(), hub.standard)
        report = check_points(hub.engine, rules)
        assert report.exact, report.as_json()
        assert report.credited_claims == 4
        assert report.awards >= 3 and report.ledger_points == report.expected_points > 0

        with hub.engine.begin() as connection:
            award = connection.execute(
                text(
                    "SELECT e.claim_id FROM points_entries e JOIN claims c"
                    " ON c.claim_id = e.claim_id WHERE c.record_id = 'D1'"
                )
            ).scalar_one()
            connection.execute(
                text("UPDATE points_entries SET points = points + 1 WHERE claim_id = :c"),
                {"c": award},
            )
        changed = check_points(hub.engine, rules)
        assert not changed.exact
        assert changed.different == [award]
        assert changed.balances_wrong == [f"CN-GD|{PERSON_B}"]
        assert len(changed.daily_totals_wrong) == 1
    finally:
        hub.close()
