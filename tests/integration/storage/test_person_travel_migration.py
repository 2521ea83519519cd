"""Migration 0008 on a ledger decided under the old rules: trips of one person
that overlap and a FIT site claimed with two participants stay as decided; the
first of each takes the new lock, and later claims collide with it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from alembic import command
from sqlalchemy import Engine, text

from carbonhub_contract.vocabulary.records import Decision
from hub.bootstrap import build_hub
from hub.settings import HubSettings
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.lock_key_column import lock_key_text
from hub.storage.lock_kind_column import LOCK_KIND_CODES
from tests.unit.services.builders import pseudonym
from tests.unit.services.test_person_travel_ingestion import gd_trip, hk_fit

PREVIOUS = "0007_platform_pools"
A, B = pseudonym("person-a"), pseudonym("person-b")
SITE = "FIT-CLP-2019-04417"


def _decisions(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(connection.execute(text("SELECT record_id, decision FROM claims")).all())


def _locks(engine: Engine, kind: str) -> dict[str, list[str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT c.record_id, l.key FROM claim_locks l JOIN claims c"
                " ON c.claim_id = l.claim_id WHERE l.kind IN (:kind, :code)"
            ),
            # By its name before 0036, by its code on SQLite after.
            {"kind": kind, "code": LOCK_KIND_CODES[kind]},
        ).all()
    found: dict[str, list[str]] = {}
    for record_id, key in rows:
        found.setdefault(record_id, []).append(lock_key_text(key))  # stored as bytes since 0027
    return found


def _as_decided_by_the_old_rules(engine: Engine) -> None:
    """What the hub before 0008 left: B's bus trip was A's (accepted beside A's
    metro trip: the person lock included the mode), and the FIT site claimed
    with a participant took no site lock (FIT-B is on the same site as FIT-A)."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE claims SET person_pseudonym = :a,"
                " submission = REPLACE(submission, :b, CAST(:a2 AS TEXT))"
                " WHERE record_id = 'T-BUS'"
            ),
            {"a": A, "a2": A, "b": B},
        )
        connection.execute(
            text(
                "UPDATE claims SET site_id = :site,"
                " submission = REPLACE(submission, 'FIT-X2', CAST(:site2 AS TEXT))"
                " WHERE record_id = 'FIT-B'"
            ),
            {"site": SITE, "site2": SITE},
        )
        connection.execute(
            text("DELETE FROM claim_locks WHERE kind = 'PROJECT_PERIOD' AND key LIKE '%|site|%'")
        )


def test_counted_claims_get_the_new_locks_and_keep_their_decisions(
    database_url: str, tmp_path: Path
) -> None:
    settings = HubSettings(database_url=database_url, data_dir=tmp_path)
    hub = build_hub(settings)
    try:
        hub.ingestion.submit("CN-GD", [gd_trip("T-METRO", "GD-METRO", "08:05", "08:40")])
        hub.ingestion.submit(
            "CN-GD", [gd_trip("T-BUS", "GD-BUS", "08:15", "08:30", person_pseudonym=B)]
        )
        # A ride naming its station: where it happened, not a claimed site.
        hub.ingestion.submit(
            "CN-GD",
            [gd_trip("T-STATION", "GD-BUS", "12:00", "12:20", person_pseudonym=B, site_id="ST-1")],
        )
        hub.ingestion.submit("CN-HK", [hk_fit("FIT-A", A)])
        hub.ingestion.submit("CN-HK", [replace(hk_fit("FIT-B", B), site_id="FIT-X2")])
    finally:
        hub.close()
    command.downgrade(alembic_config(url=database_url), PREVIOUS)
    engine = create_engine_for(database_url)
    try:
        _as_decided_by_the_old_rules(engine)
        before = _decisions(engine)
        assert set(before.values()) == {"ACCEPTED"}
        assert _locks(engine, "PERSON_TRAVEL") == {}

        migrate(database_url)

        assert _decisions(engine) == before  # no decision changes
        # The first received of the overlapping trips takes the person's time.
        assert _locks(engine, "PERSON_TRAVEL") == {"T-METRO": [A], "T-STATION": [B]}
        sites = {r: k for r, k in _locks(engine, "PROJECT_PERIOD").items() if "|site|" in k[0]}
        assert sites == {"FIT-A": [f"CN-HK|site|{SITE}"]}
    finally:
        engine.dispose()

    hub = build_hub(settings)
    try:
        (bike,) = hub.ingestion.submit("CN-GD", [gd_trip("T-BIKE", "GD-BIKE", "08:35", "08:45")])
        (fit_c,) = hub.ingestion.submit("CN-HK", [hk_fit("FIT-C", None)])
    finally:
        hub.close()
    assert bike.decision is Decision.REJECTED
    assert {c.code: c.details["other_record_id"] for c in bike.checks if c.severity == "ERROR"} == {
        "PERSON_TRIP_OVERLAP": "T-METRO"
    }
    assert fit_c.decision is Decision.REJECTED
    assert any(
        c.code == "PROJECT_PERIOD_OVERLAP" and c.details["other_record_id"] == "FIT-A"
        for c in fit_c.checks
    )
