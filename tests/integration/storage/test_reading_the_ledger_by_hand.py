"""docs/operating.md, "Reading the ledger by hand": its SQL, run as written
against a hub-written SQLite ledger, finds the person's and the claim's rows
(pseudonyms and claim ids are kept as bytes: migrations 0026 and 0028), the
claims received since a time (instants as integers: migration 0029), a
person's travel locks by key with their kind's code (0033, 0036), a
person's claims, a person's travel by its rows' prefix key (0041), a
claim by its content digest, kept in its decision event (0043), and a
delivery's claims, their delivery id kept in a shared context (0045)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from carbonhub_contract.vocabulary.records import Decision
from hub.services.ingestion import IngestionService
from hub.standard import default_standards_dir, load_standard
from hub.standard.points import load_points_rules
from hub.storage.database import create_engine_for, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.builders import PERSON_A, PERSON_B
from tests.unit.services.test_person_travel_ingestion import gd_trip

PAGE = Path(__file__).resolve().parents[3] / "docs" / "operating.md"


def _queries() -> list[str]:
    section = PAGE.read_text(encoding="utf-8").split("## Reading the ledger by hand", 1)[1]
    section = section.split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, flags=re.S)


def _ledger(tmp_path: Path) -> tuple[Engine, str]:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    migrate(url)
    engine = create_engine_for(url)
    standard = load_standard(default_standards_dir())
    points = load_points_rules(default_standards_dir(), standard)
    ingestion = IngestionService(
        SqlAlchemyUnitOfWorkFactory(engine),
        standard,
        lambda: datetime(2026, 1, 15, 12, 0, tzinfo=UTC),
        points=points,
    )
    # Another person's trip in the same delivery: the two share their context (0045).
    trip, other = ingestion.submit(
        "CN-GD",
        [
            gd_trip("T1", "GD-METRO", "08:00", "08:30"),
            gd_trip("T2", "GD-METRO", "08:00", "08:30", person_pseudonym=PERSON_B),
        ],
    )
    assert trip.decision is other.decision is Decision.ACCEPTED
    return engine, trip.claim_id


def test_the_pages_queries_find_the_rows_they_promise(tmp_path: Path) -> None:
    (
        person_query,
        claim_query,
        since_query,
        travel_locks_query,
        person_claims_query,
        person_travel_query,
        digest_query,
        delivery_query,
    ) = _queries()
    engine, claim_id = _ledger(tmp_path)
    digest = gd_trip("T1", "GD-METRO", "08:00", "08:30").content_digest()
    try:
        with engine.connect() as connection:
            entries = connection.exec_driver_sql(
                person_query.replace("<the 64 hex digits of the pseudonym>", PERSON_A).replace(
                    "<the first 16 of those digits>", PERSON_A[:16]
                )
            ).all()
            locks = connection.exec_driver_sql(
                claim_query.replace("<the 32 hex digits of the claim id>", claim_id)
            ).all()
            since = connection.exec_driver_sql(since_query).all()
            later = connection.exec_driver_sql(since_query.replace("01-15", "01-16")).all()
            travel = connection.exec_driver_sql(
                travel_locks_query.replace("<the 64 hex digits>", PERSON_A)
            ).all()
            claims = connection.exec_driver_sql(
                person_claims_query.replace("<the 64 hex digits>", PERSON_A)
            ).all()
            trips = connection.exec_driver_sql(
                person_travel_query.replace("<the 64 hex digits>", PERSON_A).replace(
                    "<the first 16 of the digits>", PERSON_A[:16]
                )
            ).all()
            by_digest = connection.exec_driver_sql(
                digest_query.replace("<the 64 hex digits>", digest)
            ).all()
            delivery = connection.exec_driver_sql(
                delivery_query.replace("<the delivery id>", "GD-20241031-01")
            ).all()
            contexts = connection.exec_driver_sql(
                "SELECT count(*) FROM claims WHERE context_id IS NOT NULL AND delivery_id = ''"
            ).scalar_one()
    finally:
        engine.dispose()
    assert [(kind, points > 0) for kind, points, _ in entries] == [("AWARD", True)]
    assert {(record, decision) for record, decision, *_ in locks} == {("T1", "ACCEPTED")}
    # A lock's kind as its code on SQLite (0036): a person's period, a person's travel.
    assert {kind for _, _, kind, _, _ in locks} == {"1", "2"}
    # The person's travel lock, looked up by its key (0033), names the claim.
    assert [(kind, claim) for kind, _, _, claim in travel] == [("2", claim_id)]
    assert [tuple(row) for row in claims] == [("T1", "ACCEPTED")]
    # The person's travel by the rows' prefix key and the claim's person (0041).
    assert [tuple(row) for row in trips] == [("2024-10-02", "6.5", "T1")]
    # A claim by its content digest, kept in its decision event (0043).
    assert [tuple(row) for row in by_digest] == [("T1", "ACCEPTED")]
    # A delivery's claims, their delivery id in the context they share (0045).
    assert [tuple(row) for row in delivery] == [("T1", "ACCEPTED"), ("T2", "ACCEPTED")]
    assert contexts == 2
    assert [tuple(row) for row in since] == [
        ("T1", "2026-01-15 12:00:00"),
        ("T2", "2026-01-15 12:00:00"),
    ]
    assert later == []
