"""A mobility claim's travel rows and the counted travel read back from them
(hub.storage.mobility_repository), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import Engine, text

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.mobility import DAY_ZONE, Travel
from hub.services.ingestion import IngestionService
from hub.standard import Standard, default_standards_dir, load_standard
from hub.storage.claim_bulk import bulk_insert, bulk_insert_values
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.day_column import day_from_number
from hub.storage.hex_digest_column import digest_text
from hub.storage.hex_id_column import id_bytes, id_text
from hub.storage.person_prefix import person_prefix
from hub.storage.travel_tables import PersonTravelDayRow
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.table_sizes import assert_written_afresh
from tests.unit.services.builders import PERSON_A, PERSON_B, pseudonym
from tests.unit.services.test_person_travel_ingestion import gd_day, gd_trip

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
OCT_2, OCT_3 = date(2024, 10, 2), date(2024, 10, 3)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    migrate(database_url)
    engine = create_engine_for(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def standard() -> Standard:
    return load_standard(default_standards_dir())


def _rows(engine: Engine) -> list[tuple[str, bytes, str, str]]:
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT day, person_prefix, claim_id, passenger_km FROM person_travel_days")
        ).all()
    # SQLite keeps the day as its days since 1970 (0032), PostgreSQL as a date;
    # the person as the first eight bytes of its stored form (0041).
    return sorted(
        (str(d if isinstance(d, date) else day_from_number(d)), bytes(p), id_text(c), km)
        for d, p, c, km in found
    )


def test_each_day_a_claim_touches_has_its_row_and_counts_once(
    engine: Engine, standard: Standard
) -> None:
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    service = IngestionService(factory, standard, lambda: NOW)
    day, night, other = service.submit(
        "CN-GD",
        [
            gd_day("B-DAY", "GD-BUS", "120"),
            # 22:00 to 02:00 Shenzhen time: two hours on each day.
            gd_trip(
                "M-NIGHT",
                "GD-METRO",
                "22:00",
                "22:00",
                period_end="2024-10-03 02:00:00",
                activity_quantity="40",
            ),
            gd_day("B-OTHER", "GD-BUS", "30", person_pseudonym=PERSON_B),
        ],
    )
    assert [v.decision for v in (day, night, other)] == [Decision.ACCEPTED] * 3
    assert _rows(engine) == sorted(
        [
            ("2024-10-02", person_prefix(PERSON_A), day.claim_id, "120"),
            ("2024-10-02", person_prefix(PERSON_A), night.claim_id, "40"),
            ("2024-10-03", person_prefix(PERSON_A), night.claim_id, "40"),
            ("2024-10-02", person_prefix(PERSON_B), other.claim_id, "30"),
        ]
    )
    modes = ["SZ-TRANSIT-METRO", "SZ-TRANSIT-BUS"]
    with factory() as uow:
        counted = uow.mobility.counted_travel({(PERSON_A, OCT_2), (PERSON_A, OCT_3)}, modes[:1])
        both = uow.mobility.counted_travel({(PERSON_A, OCT_2), (PERSON_A, OCT_3)}, modes)
        third = uow.mobility.counted_travel({(PERSON_A, OCT_3)}, modes)
        b_days = uow.mobility.counted_travel({(PERSON_B, OCT_3), (PERSON_B, OCT_2)}, modes)
        none = uow.mobility.counted_travel({(PERSON_B, OCT_3)}, modes)
    # The night trip has a row on each day and is one Travel, split by its hours.
    (metro,) = counted
    assert metro == Travel(
        PERSON_A,
        datetime(2024, 10, 2, 22, tzinfo=DAY_ZONE),
        datetime(2024, 10, 3, 2, tzinfo=DAY_ZONE),
        Decimal(40),
    )
    assert metro.start.tzinfo is UTC and metro.end.tzinfo is UTC
    assert metro.days == ((OCT_2, Decimal(20)), (OCT_3, Decimal(20)))
    assert sorted(t.passenger_km for t in both) == [Decimal(40), Decimal(120)]
    # Only the claims on the days asked of each person.
    assert [t.passenger_km for t in third] == [Decimal(40)]
    assert [(t.person, t.passenger_km) for t in b_days] == [(PERSON_B, Decimal(30))]
    assert none == []
    # A claim the bureau rejected on review no longer counts.
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE claims SET decision = 'REJECTED' WHERE claim_id = :c"),
            {"c": id_bytes(night.claim_id)},
        )
    with factory() as uow:
        assert uow.mobility.counted_travel({(PERSON_A, OCT_3)}, modes) == []


def test_rows_as_tuples_are_stored_as_rows_as_dicts(engine: Engine) -> None:
    columns = ("person_prefix", "day", "claim_id", "passenger_km")
    prefix = person_prefix(PERSON_A)
    with engine.begin() as connection:
        bulk_insert(
            connection,
            PersonTravelDayRow,
            [dict(zip(columns, (prefix, OCT_2, "c-dict", "12.50"), strict=True))],
        )
        # Another column order: the values follow ``columns``.
        bulk_insert_values(
            connection,
            PersonTravelDayRow,
            ("claim_id", "passenger_km", "day", "person_prefix"),
            [("c-tuple", "12.50", OCT_2, prefix), ("c-tuple", "3", OCT_3, prefix)],
        )
        bulk_insert_values(connection, PersonTravelDayRow, columns, [])
    rows = _rows(engine)
    assert [(d, p, km) for d, p, c, km in rows if c == "c-dict"] == [
        ("2024-10-02", prefix, "12.50")
    ]
    assert [(d, p, km) for d, p, c, km in rows if c == "c-tuple"] == [
        ("2024-10-02", prefix, "12.50"),
        ("2024-10-03", prefix, "3"),
    ]


def test_persons_sharing_a_prefix_count_only_their_own_travel(
    engine: Engine, standard: Standard
) -> None:
    # Two digests with the same first eight bytes, and another person.
    twin_a, twin_b, named = "ab" * 8 + "01" * 24, "ab" * 8 + "02" * 24, "cd" * 32
    assert person_prefix(twin_a) == person_prefix(twin_b)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    service = IngestionService(factory, standard, lambda: NOW)
    verdicts = service.submit(
        "CN-GD",
        [
            gd_day("T-A", "GD-BUS", "120", person_pseudonym=twin_a),
            gd_day("T-B", "GD-BUS", "30", person_pseudonym=twin_b),
            gd_day("T-N", "GD-BUS", "7", person_pseudonym=named),
        ],
    )
    assert [v.decision for v in verdicts] == [Decision.ACCEPTED] * 3
    modes = ["SZ-TRANSIT-BUS"]
    with factory() as uow:
        found = {
            person: [
                (t.person, t.passenger_km)
                for t in uow.mobility.counted_travel({(person, OCT_2)}, modes)
            ]
            for person in (twin_a, twin_b, named)
        }
        both = uow.mobility.counted_travel({(twin_a, OCT_2), (twin_b, OCT_2)}, modes)
    assert found == {
        twin_a: [(twin_a, Decimal(120))],
        twin_b: [(twin_b, Decimal(30))],
        named: [(named, Decimal(7))],
    }
    assert sorted((t.person, t.passenger_km) for t in both) == [
        (twin_a, Decimal(120)),
        (twin_b, Decimal(30)),
    ]


def test_the_migration_keys_the_rows_by_prefix_and_gives_the_persons_back(
    database_url: str, standard: Standard
) -> None:
    """0041 both ways on a hub-written ledger: the downgrade gives every row
    its claim's whole person, the upgrade its prefix, the same travel read."""
    migrate(database_url)
    engine = create_engine_for(database_url)
    config = alembic_config(url=database_url)
    try:
        factory = SqlAlchemyUnitOfWorkFactory(engine)
        service = IngestionService(factory, standard, lambda: NOW)
        verdicts = service.submit(
            "CN-GD",
            [
                gd_day("B-DAY", "GD-BUS", "120"),
                gd_day("B-OTHER", "GD-BUS", "30", person_pseudonym=PERSON_B),
            ],
        )
        assert [v.decision for v in verdicts] == [Decision.ACCEPTED] * 2
        keys = {(PERSON_A, OCT_2), (PERSON_B, OCT_2)}
        with factory() as uow:
            read = uow.mobility.counted_travel(keys, ["SZ-TRANSIT-BUS"])
        at_head = _rows(engine)

        command.downgrade(config, "0040_adjustment_index")
        with engine.connect() as connection:
            persons = connection.execute(
                text("SELECT claim_id, person FROM person_travel_days ORDER BY claim_id")
            ).all()
        assert sorted((id_text(c), digest_text(p)) for c, p in persons) == sorted(
            [(verdicts[0].claim_id, PERSON_A), (verdicts[1].claim_id, PERSON_B)]
        )

        command.upgrade(config, "head")
        assert _rows(engine) == at_head
        with factory() as uow:
            assert uow.mobility.counted_travel(keys, ["SZ-TRANSIT-BUS"]) == read
    finally:
        engine.dispose()


def test_postgresql_writes_the_travel_table_afresh_both_ways(
    postgres_schema_url: str, standard: Standard
) -> None:
    """0041 cuts every row's person to its prefix (upgrade) or writes the
    claim's person back (downgrade, an UPDATE of every row): either way the
    table is written afresh, no old row versions left behind."""
    migrate(postgres_schema_url)
    engine = create_engine_for(postgres_schema_url)
    config = alembic_config(url=postgres_schema_url)
    try:
        service = IngestionService(SqlAlchemyUnitOfWorkFactory(engine), standard, lambda: NOW)
        days = [
            gd_day(f"B{n}", "GD-BUS", "12", person_pseudonym=pseudonym(f"rider-{n}"))
            for n in range(400)
        ]
        assert {v.decision for v in service.submit("CN-GD", days)} == {Decision.ACCEPTED}
        command.downgrade(config, "0040_adjustment_index")
        assert_written_afresh(engine, "person_travel_days", "downgrade to 0040")
        command.upgrade(config, "head")
        assert_written_afresh(engine, "person_travel_days", "upgrade to head")
    finally:
        engine.dispose()
