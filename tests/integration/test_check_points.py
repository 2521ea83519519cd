"""scripts/check_points.py's comparison (carbonhub_tools.bench.points_check) on SQLite and
PostgreSQL: a ledger the hub wrote is exact, capped awards included; an award
or a balance changed by one point is named, and so is an expiry
bound (points_balances.next_expiry) later than an open award's expiry."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import text, update

from carbonhub_tools.bench.points_check import check_points
from hub.bootstrap import build_hub
from hub.settings import HubSettings
from hub.standard import default_standards_dir
from hub.standard.points import load_points_rules
from hub.storage.database import alembic_config, create_engine_for
from hub.storage.hex_id_column import id_text
from hub.storage.points_tables import PointsBalanceRow
from tests.unit.services.builders import PERSON_B
from tests.unit.services.test_person_travel_ingestion import gd_day, gd_trip

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check_points.py"


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
        assert changed.different == [id_text(award)]  # stored as its 16 bytes (0028)
        assert changed.balances_wrong == [f"CN-GD|{PERSON_B}"]
    finally:
        hub.close()


def test_the_script_names_an_expiry_bound_later_than_an_open_award(
    database_url: str, tmp_path: Path
) -> None:
    # The expiry sweep finds persons by points_balances.next_expiry alone: a
    # bound later than an open award's expiry would leave that award unexpired.
    hub = build_hub(HubSettings(database_url=database_url, data_dir=tmp_path))
    try:
        hub.ingestion.submit(
            "CN-GD",
            [
                gd_trip("T1", "GD-METRO", "08:00", "08:30"),
                gd_day("D1", "GD-BUS", "30", person_pseudonym=PERSON_B),
            ],
        )
    finally:
        hub.close()

    def run() -> tuple[int, dict[str, Any]]:
        done = subprocess.run(
            [sys.executable, str(SCRIPT), "--database-url", database_url],
            capture_output=True,
            text=True,
            timeout=300,
        )
        return done.returncode, json.loads(done.stdout)

    code, report = run()
    assert (code, report["exact"], report["expiry_bounds_late"]["count"]) == (0, True, 0)
    engine = create_engine_for(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                update(PointsBalanceRow)
                .where(PointsBalanceRow.person == PERSON_B)
                .values(next_expiry=datetime(2099, 1, 1, tzinfo=UTC))
            )
    finally:
        engine.dispose()
    code, report = run()
    assert (code, report["exact"]) == (1, False)
    assert report["expiry_bounds_late"] == {"count": 1, "first": [f"CN-GD|{PERSON_B}"]}


def test_the_script_says_a_ledger_at_an_older_schema_must_be_upgraded_first(
    database_url: str,
) -> None:
    # 0021: before the points balances' expiry bounds (0022) the script reads.
    command.upgrade(alembic_config(url=database_url), "0021_lean_audit")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--database-url", database_url],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr
    answer = json.loads(done.stdout)
    assert answer["ledger_revision"] == "0021_lean_audit"
    assert answer["head_revision"] == answer["message"].split(" reads ")[1].split(":")[0]
    assert "upgrade it first" in answer["message"]
    assert "Traceback" not in done.stderr
