"""Migration 0037 on a hub-written ledger (SQLite and PostgreSQL): audit
events are keyed by their seq, without the id beside it; every event reads
back the same, the chain, its checkpoints and the transparency log verify
before and after, and the hub appends after the upgrade and after a
downgrade (which gives each row its seq as its id again). On SQLite the
seq is the rowid itself; a seq that is no integer stops the upgrade with a
message naming the way out. Migration 0042: the events found by their
subject's id alone, the same answers both ways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from carbonhub_contract.key_files import write_ed25519_keypair
from carbonhub_contract.vocabulary.records import Decision
from hub.services.ingestion import IngestionService
from hub.standard import default_standards_dir, load_standard
from hub.standard.points import load_points_rules
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hub.trust.audit_signing import audit_service
from tests.integration.storage.test_audit_checkpoints_held import T0, append
from tests.integration.storage.test_compact_audit_events_migration import _answers, _verify
from tests.unit.services.test_person_travel_ingestion import gd_trip

BEFORE = "0036_lock_kind_codes"


def _rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT seq, subject_kind, subject_id, event, actor, at, details, packed, hash"
                " FROM ledger_events ORDER BY seq"
            )
        )
        return [tuple(row) for row in rows]


def _columns(engine: Engine) -> list[str]:
    return [c["name"] for c in inspect(engine).get_columns("ledger_events")]


def test_events_keyed_by_seq_read_back_as_written_both_ways(
    database_url: str, tmp_path: Path
) -> None:
    pki = tmp_path / "pki"
    write_ed25519_keypair(pki / "hub-signing.key", pki / "hub-signing.pub")
    standard = load_standard(default_standards_dir())
    rules = load_points_rules(default_standards_dir(), standard)
    config = alembic_config(url=database_url)
    migrate(database_url)
    engine = create_engine_for(database_url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    sqlite = engine.dialect.name == "sqlite"
    try:
        ingestion = IngestionService(factory, standard, lambda: T0, points=rules)
        verdicts = ingestion.submit(
            "CN-GD",
            [
                gd_trip("T1", "GD-METRO", "08:00", "08:30"),
                gd_trip("T2", "GD-BUS", "18:00", "18:45"),
            ],
        )
        assert [v.decision for v in verdicts] == [Decision.ACCEPTED] * 2
        claim_ids = [v.claim_id for v in verdicts]
        append(factory, 1, 2)
        audit = audit_service(factory, pki)
        audit.checkpoint()
        audit.extend_tree()
        answers = _answers(factory, claim_ids)
        at_head = _rows(engine)
        assert "id" not in _columns(engine)
        assert inspect(engine).get_pk_constraint("ledger_events")["constrained_columns"] == ["seq"]
        if sqlite:  # the rowid itself
            with engine.connect() as connection:
                pairs = connection.execute(text("SELECT rowid, seq FROM ledger_events")).all()
            assert pairs and all(rowid == seq for rowid, seq in pairs)
        assert _verify(database_url, pki)[0] == 0

        command.downgrade(config, BEFORE)
        assert "id" in _columns(engine)
        with engine.connect() as connection:
            pairs = connection.execute(text("SELECT id, seq FROM ledger_events")).all()
        assert sorted(pairs) == [(seq, seq) for seq, *_ in at_head]
        assert _rows(engine) == at_head
        # The older hub appends after the downgrade (its next id is free).
        with engine.begin() as connection:
            last = connection.execute(text("SELECT max(seq) FROM ledger_events")).scalar_one()
            connection.execute(
                text(
                    "INSERT INTO ledger_events (subject_kind, subject_id, event, actor, at,"
                    " details, packed, seq, hash) SELECT subject_kind, subject_id, event, actor,"
                    " at, details, packed, seq + 1, hash FROM ledger_events WHERE seq = :s"
                ),
                {"s": last},
            )
            ids = connection.execute(text("SELECT id FROM ledger_events ORDER BY id")).scalars()
            assert list(ids)[-1] == last + 1
            connection.execute(text("DELETE FROM ledger_events WHERE seq = :s"), {"s": last + 1})

        command.upgrade(config, "head")
        assert _rows(engine) == at_head
        assert _answers(factory, claim_ids) == answers
        code, output = _verify(database_url, pki)
        assert code == 0, output
        # The hub appends after the upgrade, chained on.
        append(factory, 3)
        audit.checkpoint()
        audit.extend_tree()
        assert [row[0] for row in _rows(engine)] == list(range(1, len(at_head) + 2))
        code, output = _verify(database_url, pki)
        assert code == 0, output
    finally:
        engine.dispose()


def test_a_seq_written_as_text_stops_the_sqlite_upgrade_with_the_way_out(
    tmp_path: Path,
) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'hub.db'}"
    config = alembic_config(url=sqlite_url)
    command.upgrade(config, BEFORE)
    engine = create_engine_for(sqlite_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO ledger_events (subject_kind, subject_id, event, actor, at,"
                    " details, seq, hash) VALUES ('block', 'B-1', 'ISSUED', 'hub', 0, '{}',"
                    " 'three', x'00')"
                )
            )
        with pytest.raises(RuntimeError, match="carbon-hub audit verify"):
            command.upgrade(config, "head")
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert version.scalar_one() == BEFORE
            assert connection.execute(text("SELECT seq FROM ledger_events")).scalar_one() == (
                "three"
            )
    finally:
        engine.dispose()


def _event_indexes(engine: Engine) -> set[str]:
    return {str(i["name"]) for i in inspect(engine).get_indexes("ledger_events")}


def test_events_are_found_by_their_subject_id_alone_both_ways(database_url: str) -> None:
    """0042: the subject index holds the id alone; a claim's events and a
    block's read the same through it and through the earlier one."""
    standard = load_standard(default_standards_dir())
    config = alembic_config(url=database_url)
    migrate(database_url)
    engine = create_engine_for(database_url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    try:
        ingestion = IngestionService(factory, standard, lambda: T0)
        (verdict,) = ingestion.submit("CN-GD", [gd_trip("T1", "GD-METRO", "08:00", "08:30")])
        append(factory, 1, 2)
        answers = _answers(factory, [verdict.claim_id])
        assert _event_indexes(engine) == {"ix_ledger_events_subject_id"}
        command.downgrade(config, "0041_travel_person_prefix")
        assert _event_indexes(engine) == {"ix_ledger_events_subject_kind_subject_id"}
        command.upgrade(config, "head")
        assert _event_indexes(engine) == {"ix_ledger_events_subject_id"}
        assert _answers(factory, [verdict.claim_id]) == answers
    finally:
        engine.dispose()
