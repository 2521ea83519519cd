"""Pseudonyms and content digests kept as bytes (0026) on a hub-written
ledger: every pseudonym, well-formed or not, and every content digest reads
back as the very text across the migration both ways, well-formed ones take
32 bytes, and the ledger's rules still find a person's rows after it.
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Engine, inspect, select, text

from carbonhub_contract.vocabulary.records import Decision
from hub.services.ingestion import IngestionService
from hub.services.points import PointsService
from hub.standard import default_standards_dir, load_standard
from hub.standard.points import load_points_rules
from hub.storage.claim_tables import ClaimRow
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.builders import PERSON_A
from tests.unit.services.test_person_travel_ingestion import gd_trip

BEFORE = "0025_packed_audit_details"
MALFORMED = "Not A Pseudonym 甲"
THIRTY_ONE = "x" * 31  # its UTF-8 and one marker byte would make 32: two markers
PLACES = (
    ("claims", "person_pseudonym"),
    ("claims", "content_digest"),
    ("points_entries", "person"),
    ("points_balances", "person"),
    ("person_travel_days", "person"),
)


def _stored(engine: Engine) -> dict[str, list[str | bytes]]:
    """Each place's values as stored (text or bytes), keyed by table, and
    "digests" for the claims' content digests."""
    travel = {c["name"] for c in inspect(engine).get_columns("person_travel_days")}
    with engine.connect() as connection:
        return {
            ("digests" if column == "content_digest" else table): sorted(
                (value if isinstance(value, str) else bytes(value))
                for (value,) in connection.execute(
                    text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")
                )
            )
            # Since 0041 a travel row keeps the first eight bytes of the person's.
            for table, column in (
                (
                    t,
                    "person_prefix"
                    if t == "person_travel_days" and "person_prefix" in travel
                    else c,
                )
                for t, c in PLACES
            )
        }


def test_pseudonyms_read_back_as_written_across_the_migration(database_url: str) -> None:
    standard = load_standard(default_standards_dir())
    points = load_points_rules(default_standards_dir(), standard)
    migrate(database_url)
    engine = create_engine_for(database_url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    clock = lambda: datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # noqa: E731
    try:
        ingestion = IngestionService(factory, standard, clock, points=points)
        trips = [
            gd_trip("T1", "GD-METRO", "08:00", "08:30"),
            gd_trip("T2", "GD-METRO", "09:00", "09:30", person_pseudonym=MALFORMED),
            gd_trip("T3", "GD-METRO", "10:00", "10:30", person_pseudonym=THIRTY_ONE),
        ]
        contents = sorted(trip.content_digest() for trip in trips)
        verdicts = ingestion.submit("CN-GD", trips)
        assert [v.decision for v in verdicts] == [
            Decision.ACCEPTED,
            Decision.REJECTED,
            Decision.REJECTED,
        ]
        stored = _stored(engine)
        digest = bytes.fromhex(PERSON_A)
        every = sorted([digest, b"\xff" + MALFORMED.encode(), b"\xff\xff" + THIRTY_ONE.encode()])
        # A refused trip keeps its travel rows too (a review may make it count).
        assert stored["claims"] == every
        assert stored["person_travel_days"] == sorted(person[:8] for person in every)
        for table in ("points_entries", "points_balances"):
            assert stored[table] == [digest], table
        # Since 0043 a claim's digest is its decision event's: the row keeps
        # the empty text (one 0xFF byte); the downgrade below writes them back.
        assert stored["digests"] == [b"\xff"] * len(contents)
        balance = PointsService(factory, clock).balance("CN-GD", PERSON_A)
        assert balance > 0

        command.downgrade(alembic_config(url=database_url), BEFORE)
        back = _stored(engine)
        texts = sorted([PERSON_A, MALFORMED, THIRTY_ONE])
        assert back["claims"] == back["person_travel_days"] == texts
        for table in ("points_entries", "points_balances"):
            assert back[table] == [PERSON_A], table
        assert back["digests"] == contents

        migrate(database_url)
        assert _stored(engine) == stored
        with engine.connect() as connection:  # through the column's type
            read = connection.execute(
                select(ClaimRow.record_id, ClaimRow.person_pseudonym, ClaimRow.content_digest)
            ).all()
        assert {r: p for r, p, _ in read} == {"T1": PERSON_A, "T2": MALFORMED, "T3": THIRTY_ONE}
        assert [d for _, _, d in read] == [""] * len(contents)  # the events' (0043)
        with factory() as uow:
            found = uow.claims.get_by_record_ids("CN-GD", ["T1", "T2", "T3"])
        assert sorted(c.content_digest for c in found.values()) == contents
        assert PointsService(factory, clock).balance("CN-GD", PERSON_A) == balance
        # The travel rule still finds the person's day: the same trip again
        # overlaps it (one person, one place at a time).
        (again,) = ingestion.submit("CN-GD", [gd_trip("T4", "GD-BUS", "08:10", "08:20")])
        assert again.decision is not Decision.ACCEPTED
    finally:
        engine.dispose()
