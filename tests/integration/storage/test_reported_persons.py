"""Which persons a partner has reported, once per person (0035): a person whose
claims earned nothing has a balance of 0, a person never sent is not told,
two hubs noting one new person at once both commit, and a ledger's persons
come through the migration both ways."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, text

from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision
from hub.errors import NotFound
from hub.services.ingestion import IngestionService
from hub.services.points import PointsService
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.hex_digest_column import digest_text
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.records import record
from tests.unit.services.builders import PERSON_A, PERSON_B
from tests.unit.services.test_person_travel_ingestion import gd_trip

BEFORE = "0034_activity_once"
AT = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)


def _reported(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT partner, person FROM reported_persons"))
        return sorted((partner, digest_text(person)) for partner, person in rows)


def _ingest(engine: Engine, *claims: ClaimSubmission) -> list[Decision]:
    standard = load_standard(default_standards_dir())
    service = IngestionService(SqlAlchemyUnitOfWorkFactory(engine), standard, lambda: AT)
    return [verdict.decision for verdict in service.submit("CN-GD", list(claims))]


def test_a_person_whose_claims_earned_nothing_has_a_balance_of_zero(engine: Engine) -> None:
    # A bus ride in kilowatt-hours: refused, but the person was reported.
    refused = gd_trip("T1", "GD-BUS", "08:00", "08:30", activity_unit="kWh")
    padded = gd_trip("T2", "GD-BUS", "09:00", "09:30", person_pseudonym=f"  {PERSON_B} ")
    assert _ingest(engine, refused, padded) == [Decision.REJECTED, Decision.ACCEPTED]
    assert _reported(engine) == [("CN-GD", PERSON_A), ("CN-GD", PERSON_B)]
    points = PointsService(SqlAlchemyUnitOfWorkFactory(engine), lambda: AT)
    assert points.balance("CN-GD", PERSON_A) == 0
    for partner, person in (("CN-HK", PERSON_A), ("CN-GD", "0" * 64)):
        with pytest.raises(NotFound) as unknown:
            points.balance(partner, person)
        assert unknown.value.code == "PERSON_NOT_REPORTED"
    # Another claim of a person reported before adds no row.
    assert _ingest(engine, gd_trip("T3", "GD-BUS", "10:00", "10:30")) == [Decision.ACCEPTED]
    assert len(_reported(engine)) == 2


def test_two_hubs_noting_one_new_person_at_once_both_commit(engine: Engine) -> None:
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    errors: list[BaseException] = []

    def store(record_id: str, hold: float) -> None:
        claim = record(record_id)
        claim = replace(claim, submission=replace(claim.submission, person_pseudonym=PERSON_A))
        try:
            with factory() as uow:
                uow.claims.add([claim])
                time.sleep(hold)  # the other hub reads and inserts meanwhile
                uow.commit()
        except BaseException as error:
            errors.append(error)

    first = threading.Thread(target=store, args=("R-1", 0.5))
    second = threading.Thread(target=store, args=("R-2", 0.0))
    first.start()
    time.sleep(0.1)
    second.start()
    first.join(10)
    second.join(10)
    assert errors == []
    assert _reported(engine) == [("CN-GD", PERSON_A)]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM claims")).scalar_one() == 2


def _indexed(engine: Engine) -> bool:
    with engine.connect() as connection:
        return bool(
            connection.execute(
                text(
                    "SELECT count(*) FROM sqlite_master WHERE name = :name"
                    if engine.dialect.name == "sqlite"
                    else "SELECT count(*) FROM pg_indexes"
                    " WHERE indexname = :name AND schemaname = current_schema()"
                ),
                {"name": "ix_claims_person_pseudonym_period_start"},
            ).scalar_one()
        )


def test_a_ledgers_persons_come_through_the_migration_both_ways(database_url: str) -> None:
    migrate(database_url)
    engine = create_engine_for(database_url)
    config = alembic_config(url=database_url)
    try:
        refused = gd_trip("T1", "GD-BUS", "08:00", "08:30", activity_unit="kWh")
        other = gd_trip("T2", "GD-METRO", "09:00", "09:30", person_pseudonym=PERSON_B)
        assert _ingest(engine, refused, other) == [Decision.REJECTED, Decision.ACCEPTED]
        assert not _indexed(engine)
        command.downgrade(config, BEFORE)
        assert _indexed(engine)
        # Upgrading fills the table from the stored claims, refused ones too.
        migrate(database_url)
        assert not _indexed(engine)
        assert _reported(engine) == [("CN-GD", PERSON_A), ("CN-GD", PERSON_B)]
        points = PointsService(SqlAlchemyUnitOfWorkFactory(engine), lambda: AT)
        assert points.balance("CN-GD", PERSON_A) == 0
    finally:
        engine.dispose()
