"""A claim's content digest kept once, in its decision event (0043), on
SQLite and PostgreSQL: the hub stores the row's digest empty, reads it from
the event, so a record sent again with the same content is answered with
its first verdict and with other content is refused; the migration both
ways writes the digests back and empties them again, with the same answers;
a row whose event is gone is named, not read as another digest."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, text

from carbonhub_contract.vocabulary.records import Decision
from hub.services.ingestion import IngestionService
from hub.standard import default_standards_dir, load_standard
from hub.storage.claim_digests import POSTGRESQL_CLAIM_EVENTS
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.hex_id_column import id_bytes
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.test_audit_checkpoints_held import append
from tests.unit.services.test_person_travel_ingestion import gd_trip

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
BEFORE = "0042_event_subject_index"


def _stored(engine: Engine) -> list[tuple[Any, bytes]]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT record_id, content_digest FROM claims"))
        return sorted((record, bytes(digest)) for record, digest in rows)


def _subject(engine: Engine, claim_id: str) -> Any:
    """A claim event's stored subject: the id's bytes on SQLite (0031), text on PostgreSQL."""
    return id_bytes(claim_id) if engine.dialect.name == "sqlite" else claim_id


def test_the_digest_is_read_from_the_event_and_kept_once(database_url: str) -> None:
    standard = load_standard(default_standards_dir())
    config = alembic_config(url=database_url)
    migrate(database_url)
    engine = create_engine_for(database_url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    try:
        service = IngestionService(factory, standard, lambda: NOW)
        trips = [
            gd_trip("T1", "GD-METRO", "08:00", "08:30"),
            gd_trip("T2", "GD-BUS", "18:00", "18:45"),
        ]
        first = service.submit("CN-GD", trips)
        assert [v.decision for v in first] == [Decision.ACCEPTED] * 2
        # One byte each: the empty text, the digest is the event's.
        assert _stored(engine) == [("T1", b"\xff"), ("T2", b"\xff")]
        with factory() as uow:
            stored = uow.claims.get_by_record_ids("CN-GD", ["T1", "T2"])
            by_id = uow.claims.get_by_claim_id(first[0].claim_id)
        assert {r: s.content_digest for r, s in stored.items()} == {
            t.record_id: t.content_digest() for t in trips
        }
        assert by_id is not None and by_id.content_digest == trips[0].content_digest()

        # The same content again: its first verdict; other content: refused.
        again = service.submit("CN-GD", [trips[0]])
        assert [(v.claim_id, v.decision) for v in again] == [(first[0].claim_id, first[0].decision)]
        changed = service.submit(
            "CN-GD", [gd_trip("T2", "GD-BUS", "18:00", "18:45", activity_quantity="9.5")]
        )
        assert changed[0].decision is Decision.REJECTED
        assert "DUPLICATE_RECORD_CHANGED" in [c.code for c in changed[0].checks]

        command.downgrade(config, BEFORE)
        digests = {t.record_id: bytes.fromhex(t.content_digest()) for t in trips}
        assert _stored(engine) == sorted(digests.items())
        command.upgrade(config, "head")
        assert _stored(engine) == [("T1", b"\xff"), ("T2", b"\xff")]
        with factory() as uow:
            assert {
                r: s.content_digest
                for r, s in uow.claims.get_by_record_ids("CN-GD", ["T1", "T2"]).items()
            } == {t.record_id: t.content_digest() for t in trips}

        # Its events deleted by hand: the claim is named, its digest not made up.
        with engine.begin() as connection:
            connection.execute(
                text("DELETE FROM ledger_events WHERE subject_id = :s"),
                {"s": _subject(engine, first[1].claim_id)},
            )
        with factory() as uow, pytest.raises(RuntimeError, match="carbon-hub audit verify"):
            uow.claims.get_by_record_ids("CN-GD", ["T2"])
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_probes_each_claims_events_by_key_without_statistics(
    postgres_schema_url: str,
) -> None:
    """The digests of a batch's resent claims are read by one probe of the
    subject index a claim, on a ledger_events table never analysed (as IN
    (...), a hundred ids were planned as a scan of every event: review)."""
    migrate(postgres_schema_url)
    engine = create_engine_for(postgres_schema_url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    try:
        append(factory, *range(1, 20_001))
        ids = [f"{n:032x}" for n in range(300)]
        with engine.connect() as connection:
            plan = "\\n".join(
                str(row[0])
                for row in connection.execute(
                    text(f"EXPLAIN {POSTGRESQL_CLAIM_EVENTS.text}"), {"ids": ids}
                )
            )
    finally:
        engine.dispose()
    assert "Seq Scan on ledger_events" not in plan, plan
    assert "ix_ledger_events_subject_id" in plan, plan
