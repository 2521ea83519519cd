"""Migration 0031 on a hub-written ledger (SQLite and PostgreSQL): a claim
event's subject id and every event's instant are kept in their own size on
SQLite, read back as the very same text and instant both ways, so the chain,
its checkpoints and the transparency log verify before and after; a block's
id stays text; PostgreSQL is unchanged. A claim's id spelt back as text by
hand is the same id (it verifies); another claim's id is an edited row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from carbonhub_contract.key_files import write_ed25519_keypair
from carbonhub_contract.vocabulary.records import Decision
from hub.services.ingestion import IngestionService
from hub.standard import default_standards_dir, load_standard
from hub.standard.points import load_points_rules
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hub.trust.audit_signing import audit_service
from tests.integration.storage.test_audit_checkpoints_held import T0, append
from tests.unit.services.test_person_travel_ingestion import gd_trip

BEFORE = "0030_tree_tiles"


def _raw(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT seq, subject_kind, subject_id, at FROM ledger_events ORDER BY seq")
        )
        return [tuple(row) for row in rows]


def _answers(factory: SqlAlchemyUnitOfWorkFactory, claim_ids: list[str]) -> tuple[Any, ...]:
    with factory() as uow:
        chain = uow.audit.rows(0, 1000)
        events = uow.events.for_subjects("claim", claim_ids)
        blocks = uow.events.for_subjects("block", ["B-1", "B-2"])
    return chain, sorted(events, key=repr), sorted(blocks, key=repr)


def _verify(url: str, pki: Path) -> tuple[int, str]:
    from hub.cli.app import app

    result = CliRunner().invoke(
        app, ["audit", "verify", "--database-url", url, "--pki-dir", str(pki)]
    )
    return result.exit_code, result.output


def test_events_read_back_as_written_across_the_migration(
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
        at_head = _raw(engine)
        assert {kind for _, kind, _, _ in at_head} == {"claim", "block"}
        for _, kind, subject, at in at_head:
            if sqlite:
                assert isinstance(at, int)
                assert isinstance(subject, bytes) == (kind == "claim")
            else:
                assert isinstance(subject, str)
        assert _verify(database_url, pki)[0] == 0

        command.downgrade(config, BEFORE)
        before = _raw(engine)
        for _, _, subject, at in before:
            assert isinstance(subject, str)
            assert isinstance(at, str) if sqlite else not isinstance(at, int)
        assert {subject for _, kind, subject, _ in before if kind == "claim"} == set(claim_ids)
        if sqlite:  # 0030 kept SQLAlchemy's ISO text
            assert before[0][3] == "2026-11-24 08:00:00.000000"

        command.upgrade(config, "head")
        assert _raw(engine) == at_head
        assert _answers(factory, claim_ids) == answers
        code, output = _verify(database_url, pki)
        assert code == 0, output

        if sqlite:
            # A claim's id spelt back as its text is the same id: it verifies,
            # as docs/audit-log.md's verifier reads it; another id does not.
            with engine.begin() as connection:
                connection.execute(
                    text("UPDATE ledger_events SET subject_id = :t WHERE subject_id = :b"),
                    {"t": claim_ids[0], "b": bytes.fromhex(claim_ids[0])},
                )
            assert _verify(database_url, pki)[0] == 0
            with engine.begin() as connection:
                connection.execute(
                    text("UPDATE ledger_events SET subject_id = :o WHERE subject_id = :t"),
                    {"o": bytes.fromhex(claim_ids[1]), "t": claim_ids[0]},
                )
            code, output = _verify(database_url, pki)
            assert code == 1 and "AUDIT LOG TAMPERED" in output, output
            # An instant no calendar holds, written by hand: named, and kept
            # as it is by the downgrade (which converts every other row).
            with engine.begin() as connection:
                connection.execute(
                    text("UPDATE ledger_events SET at = :a WHERE seq = 3"), {"a": 2**62}
                )
            command.downgrade(config, BEFORE)
            with engine.connect() as connection:
                ats = connection.execute(text("SELECT seq, at FROM ledger_events ORDER BY seq"))
                assert [at for seq, at in ats if not isinstance(at, str)] == [2**62]
    finally:
        engine.dispose()
