"""Lock keys kept as bytes (0027) on a hub-written ledger: every key reads back
as itself across the migration both ways, a key that begins with a digest
takes 33 bytes fewer, and what the locks refuse (a second claim of the same
content, one person in two places, an overlapping origin serial, matched
without regard to case) they still refuse after it. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Engine, text

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.locks import ClaimLock, LockKind
from hub.domain.registers import SerialRange
from hub.services.ingestion import IngestionService
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.hex_id_column import id_bytes
from hub.storage.lock_key_column import lock_key_text
from hub.storage.lock_kind_column import LOCK_KIND_CODES, lock_kind_text
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.builders import PERSON_A
from tests.unit.services.test_person_travel_ingestion import gd_trip

BEFORE = "0026_hex_digests_as_bytes"


def _keys(engine: Engine) -> list[tuple[str, str | bytes]]:
    """(table or kind, key as stored) of every lock, in order."""
    with engine.connect() as connection:
        rows = [
            ("CONTENT", key)
            for (key,) in connection.execute(text("SELECT key FROM claim_content_locks"))
        ]
        rows += [
            # The kind's name whether stored as it (before 0036) or its code.
            (lock_kind_text(kind), key)
            for kind, key in connection.execute(text("SELECT kind, key FROM claim_locks"))
        ]
    return sorted((kind, key if isinstance(key, str) else bytes(key)) for kind, key in rows)


def test_lock_keys_read_back_and_still_lock_across_the_migration(database_url: str) -> None:
    standard = load_standard(default_standards_dir())
    clock = lambda: datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # noqa: E731
    migrate(database_url)
    engine = create_engine_for(database_url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    try:
        ingestion = IngestionService(factory, standard, clock)
        (first,) = ingestion.submit("CN-GD", [gd_trip("T1", "GD-METRO", "08:00", "08:30")])
        assert first.decision is Decision.ACCEPTED
        with engine.begin() as connection:  # an origin serial, spelled in lower case
            origin = "ORIGIN_SERIAL"  # as plain SQL writes it: its code on SQLite (0036)
            connection.execute(
                text(
                    "INSERT INTO claim_locks (claim_id, kind, key, lo, hi)"
                    " VALUES (:c, :kind, :k, 11, 20)"
                ),
                {
                    "c": id_bytes(first.claim_id),
                    "kind": LOCK_KIND_CODES[origin] if engine.dialect.name == "sqlite" else origin,
                    "k": b"gdph-1",
                },
            )
        stored = _keys(engine)
        texts = [(kind, lock_key_text(key)) for kind, key in stored]
        person_keys = [key for kind, key in texts if kind.startswith("PERSON_")]
        assert person_keys and all(key.startswith(PERSON_A) for key in person_keys)
        for (kind, key), (_, as_text) in zip(stored, texts, strict=True):
            assert isinstance(key, bytes)
            if kind == "CONTENT" or kind.startswith("PERSON_"):
                assert len(key) == len(as_text) - 31  # 0xFF and 32 bytes for 64 digits
            else:
                assert key == as_text.encode()

        command.downgrade(alembic_config(url=database_url), BEFORE)
        assert _keys(engine) == sorted(texts)

        migrate(database_url)
        assert _keys(engine) == stored
        # The same trip again: its content, and its person at that time.
        (again,) = ingestion.submit("CN-GD", [gd_trip("T2", "GD-METRO", "08:00", "08:30")])
        assert again.decision is Decision.REJECTED
        codes = {check.code for check in again.checks}
        assert "DUPLICATE_CONTENT" in codes
        # Another mode, the same person at the same time: one place at a time.
        (bus,) = ingestion.submit("CN-GD", [gd_trip("T3", "GD-BUS", "08:10", "08:20")])
        assert bus.decision is not Decision.ACCEPTED
        with factory() as uow:
            content = next(key for kind, key in texts if kind == "CONTENT")
            held = uow.claims.find_lock_conflicts([ClaimLock(LockKind.CONTENT, content, 0, 0)])
            assert [conflict.held_by_claim_id for conflict in held] == [first.claim_id]
            recorded = uow.registers.recorded_claims([], [SerialRange("GDPH-1", 15, 30)], [])
        assert [claim.claim_id for claim in recorded] == [first.claim_id]
    finally:
        engine.dispose()
