"""A claim's activity kept once in its body (0034) on a hub-written ledger:
every claim reads back as the same verdict, submission and normalised claim
across the migration both ways, and the bodies are smaller after it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgpack  # type: ignore[import-untyped]
from alembic import command
from sqlalchemy import Engine, text

from carbonhub_contract.vocabulary.records import Decision
from hub.services.ingestion import IngestionService
from hub.standard import default_standards_dir, load_standard
from hub.storage.claim_body import claim_select, normalised_of, submission_of, verdict_of
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.serialisation import normalised_to_json, submission_to_json, verdict_to_json
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.test_person_travel_ingestion import gd_trip

BEFORE = "0033_locks_by_key"
AT = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)
_INPUTS, _NORMALISED = 2, 4


def _read(engine: Engine) -> dict[str, tuple[str, str, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(claim_select()).all()
    found = {}
    for row in rows:
        normalised = normalised_of(row)
        found[row.claim_id] = (
            verdict_to_json(verdict_of(row)),
            submission_to_json(submission_of(row)),
            None if normalised is None else normalised_to_json(normalised),
        )
    return found


def _bodies(engine: Engine) -> list[dict[int, Any]]:
    with engine.connect() as connection:
        return [
            msgpack.unpackb(bytes(body), raw=False, strict_map_key=False)
            for (body,) in connection.execute(text("SELECT body FROM claims ORDER BY claim_id"))
        ]


def test_every_claim_reads_back_the_same_across_the_migration(database_url: str) -> None:
    migrate(database_url)
    engine = create_engine_for(database_url)
    config = alembic_config(url=database_url)
    try:
        standard = load_standard(default_standards_dir())
        service = IngestionService(SqlAlchemyUnitOfWorkFactory(engine), standard, lambda: AT)
        verdicts = service.submit(
            "CN-GD",
            [
                gd_trip("T1", "GD-METRO", "08:00", "08:30"),
                gd_trip("T2", "GD-BUS", "12:00", "12:40"),
                # Kilometres by bike, credited as passenger-km: the unit differs.
                gd_trip("T3", "GD-BIKE", "18:00", "18:20"),
                # The same person on the metro again at 08:10: refused (normalised all the same).
                gd_trip("T4", "GD-METRO", "08:10", "08:20"),
            ],
        )
        assert [v.decision for v in verdicts] == [Decision.ACCEPTED] * 3 + [Decision.REJECTED]
        read = _read(engine)
        lean = _bodies(engine)
        normalised = [body for body in lean if _NORMALISED in body]
        assert len(normalised) == 4
        # The value is the submission's text in all four, the unit but by bike.
        assert [body[_NORMALISED][0] for body in normalised] == [None] * 4
        assert sorted(str(body[_NORMALISED][1]) for body in normalised) == ["None"] * 3 + ["pkm"]
        assert all(_INPUTS not in body for body in normalised)

        command.downgrade(config, BEFORE)
        # Read by the hub at head only (below): its reads name tables of
        # later migrations (claim_contexts, 0045).
        full = _bodies(engine)
        assert all(
            body[_NORMALISED][0] == body[_INPUTS]["activity"]
            for body in full
            if _NORMALISED in body
        )
        assert sum(map(len, map(msgpack.packb, full))) > sum(map(len, map(msgpack.packb, lean)))

        migrate(database_url)
        assert _read(engine) == read
        assert _bodies(engine) == lean
    finally:
        engine.dispose()
