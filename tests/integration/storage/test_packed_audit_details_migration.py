"""Packed audit details (0025) on a ledger written before them: the events
pack in pages and verify with the same hashes, a row edited before the
migration is left as it was and still named, JSON rows and packed rows
verify side by side, and the downgrade gives back the very JSON text.
SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import importlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, inspect, text

from carbonhub_contract.key_files import write_ed25519_keypair
from hub.domain.audit_chain import GENESIS, ProblemKind, canonical_event, link
from hub.services.audit_port import LedgerEvent
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.packed_details import unpack_details
from hub.storage.serialisation import dumps
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hub.trust.audit_signing import audit_service

PREVIOUS = "0024_signed_payload_codec"
T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
PAGE: int = importlib.import_module(
    "hub.storage.migrations.versions.0025_packed_audit_details"
)._PAGE
EVENTS = PAGE + 3  # the upgrade crosses a page
EDITED = 7


def _details(seq: int) -> dict[str, str]:
    return {
        "record_id": f"GD-{seq:06d}",
        "content_digest": hashlib.sha256(b"%d" % seq).hexdigest(),
        "credited_tco2e": f"0.{seq:06d}",
        "points": str(seq),
        "备注": f'屋顶 "{seq}"\n',
    }


def _fill(connection: Connection) -> list[str]:
    """EVENTS chained claim events as the hub wrote them at 0024 (details as
    JSON text); the head advanced. Their JSON texts."""
    prev, rows, texts = GENESIS, [], []
    for seq in range(1, EVENTS + 1):
        at = T0 + timedelta(seconds=seq)
        details = _details(seq)
        prev = link(
            prev, canonical_event(seq, "claim", f"C-{seq}", "ACCEPTED", "CN-GD", at, details)
        )
        texts.append(dumps(details))
        rows.append(
            {
                "i": f"C-{seq}",
                "at": at if connection.dialect.name == "postgresql" else at.replace(tzinfo=None),
                "d": texts[-1],
                "s": seq,
                "h": bytes.fromhex(prev),
            }
        )
    connection.execute(
        text(
            "INSERT INTO ledger_events (subject_kind, subject_id, event, actor, at, details,"
            " seq, hash) VALUES ('claim', :i, 'ACCEPTED', 'CN-GD', :at, :d, :s, :h)"
        ),
        rows,
    )
    connection.execute(text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": EVENTS, "h": prev})
    return texts


def _stored(engine: Engine) -> list[tuple[str, bytes | None]]:
    with engine.connect() as connection:
        return [
            (str(details), None if packed is None else bytes(packed))
            for details, packed in connection.execute(
                text("SELECT details, packed FROM ledger_events ORDER BY seq")
            )
        ]


def _append(factory: SqlAlchemyUnitOfWorkFactory, count: int) -> None:
    """``count`` claim events appended by the hub (packed)."""
    with factory() as uow:
        uow.events.append(
            [
                LedgerEvent("claim", f"C-{n}", "ACCEPTED", "CN-GD", T0, _details(n))
                for n in range(1, count + 1)
            ]
        )
        uow.commit()


def _sql(engine: Engine, statement: str, **params: Any) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement), params)


def test_a_ledger_packs_verifies_and_unpacks(database_url: str, tmp_path: Path) -> None:
    pki = tmp_path / "pki"
    write_ed25519_keypair(pki / "hub-signing.key", pki / "hub-signing.pub")
    config = alembic_config(url=database_url)
    command.upgrade(config, PREVIOUS)
    engine = create_engine_for(database_url)
    try:
        with engine.begin() as connection:
            texts = _fill(connection)
        # Reformatted by hand before the upgrade: same meaning, other bytes.
        edited = texts[EDITED - 1].replace(",", ", ")
        _sql(engine, "UPDATE ledger_events SET details = :d WHERE seq = :s", d=edited, s=EDITED)

        migrate(database_url)
        stored = _stored(engine)
        assert stored[EDITED - 1] == (edited, None)  # left as it was
        for seq, (details, packed) in enumerate(stored, 1):
            if seq != EDITED:
                assert details == "" and packed is not None
                assert unpack_details(packed) == _details(seq)
                assert len(packed) * 2 < len(texts[seq - 1].encode())
        audit = audit_service(SqlAlchemyUnitOfWorkFactory(engine), pki, lambda: T0)
        report = audit.verify()
        assert report.problem is not None
        assert (report.problem.kind, report.problem.seq) == (ProblemKind.EDITED, EDITED)

        # Mended to the hub's own JSON: a JSON row among packed ones verifies.
        _sql(engine, "UPDATE ledger_events SET details = :d WHERE seq = :s", d=texts[6], s=EDITED)
        report = audit.verify(batch=PAGE)
        assert report.ok and report.rows_checked == EVENTS, report.problem

        command.downgrade(config, PREVIOUS)
        assert "packed" not in {c["name"] for c in inspect(engine).get_columns("ledger_events")}
        with engine.connect() as connection:
            back = connection.execute(text("SELECT details FROM ledger_events ORDER BY seq"))
            assert [str(details) for (details,) in back] == texts

        migrate(database_url)
        assert sum(packed is not None for _, packed in _stored(engine)) == EVENTS
        report = audit.verify(batch=7)
        assert report.ok and report.rows_checked == EVENTS, report.problem
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE ledger_events SET details = '{}' WHERE seq = 3",  # both columns set
        "UPDATE ledger_events SET packed = NULL WHERE seq = 3",  # neither readable
    ],
)
def test_a_packed_row_edited_in_either_column_is_named(
    database_url: str, tmp_path: Path, edit: str
) -> None:
    pki = tmp_path / "pki"
    write_ed25519_keypair(pki / "hub-signing.key", pki / "hub-signing.pub")
    migrate(database_url)
    engine = create_engine_for(database_url)
    try:
        factory = SqlAlchemyUnitOfWorkFactory(engine)
        audit = audit_service(factory, pki, lambda: T0)
        _append(factory, 5)
        assert audit.verify().ok
        _sql(engine, edit)
        report = audit.verify()
        assert report.problem is not None
        assert (report.problem.kind, report.problem.seq) == (ProblemKind.EDITED, 3)
    finally:
        engine.dispose()


def test_a_packed_row_edited_by_hand_keeps_its_bytes_down_and_up(
    database_url: str, tmp_path: Path
) -> None:
    pki = tmp_path / "pki"
    write_ed25519_keypair(pki / "hub-signing.key", pki / "hub-signing.pub")
    migrate(database_url)
    engine = create_engine_for(database_url)
    try:
        factory = SqlAlchemyUnitOfWorkFactory(engine)
        _append(factory, 3)
        _sql(engine, "UPDATE ledger_events SET packed = :p WHERE seq = 2", p=b"\x81\x00\xc0")
        audit = audit_service(factory, pki, lambda: T0)
        for step in ("as edited", "downgraded", "upgraded again"):
            if step == "downgraded":
                command.downgrade(alembic_config(url=database_url), PREVIOUS)
                with engine.connect() as connection:
                    kept = connection.execute(
                        text("SELECT details FROM ledger_events WHERE seq = 2")
                    ).scalar_one()
                assert kept == "packed:8100c0"  # the evidence, not details
                continue
            if step == "upgraded again":
                migrate(database_url)
            report = audit.verify()
            assert report.problem is not None, step
            assert (report.problem.kind, report.problem.seq) == (ProblemKind.EDITED, 2), step
    finally:
        engine.dispose()
