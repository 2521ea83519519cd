"""Lean audit rows (0021): a ledger's events survive the migration both ways
with their ids, seqs and hashes, ``audit verify`` finds the chain intact each
time, and tampering is still found after it. SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from hub.domain.audit_chain import GENESIS, AuditReport, ProblemKind, canonical_event, link
from hub.services.audit import AuditService
from hub.services.audit_port import LedgerEvent
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.instant_column import instant_from_micros
from hub.storage.packed_details import unpack_details
from hub.storage.serialisation import dumps
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hub.trust.audit_signing import audit_service

PREVIOUS = "0020_lean_points"
T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
# More events than the SQLite rebuild copies in one batch: the copy crosses batches.
BATCH: int = importlib.import_module("hub.storage.migrations.versions.0021_lean_audit")._BATCH
EVENTS = BATCH + 3

_INSERT_0020 = text(
    "INSERT INTO ledger_events (subject_kind, subject_id, event, actor, at, details, seq,"
    " prev_hash, hash) VALUES (:k, :i, :e, :a, :at, :d, :s, :p, :h)"
)


def _event(n: int) -> LedgerEvent:
    return LedgerEvent(
        "claim" if n % 3 else "block",
        f"S-{n}",
        "ACCEPTED" if n % 2 else "ISSUED",
        "CN-GD" if n % 2 else "hub",
        T0 + timedelta(seconds=n, microseconds=n),
        {"units": str(n), "备注": f'屋顶 "{n}"\n'},
    )


def _fill_0020(connection: Connection, count: int) -> str:
    """``count`` chained events as the hub wrote them under 0020: hex hash and
    prev_hash; the head advanced. The last hash."""
    prev, rows = GENESIS, []
    for seq in range(1, count + 1):
        e = _event(seq)
        digest = link(
            prev,
            canonical_event(
                seq, e.subject_kind, e.subject_id, e.event, e.actor, e.at, dict(e.details)
            ),
        )
        rows.append(
            {
                "k": e.subject_kind,
                "i": e.subject_id,
                "e": e.event,
                "a": e.actor,
                # What UtcDateTime writes: aware on PostgreSQL, naive UTC text on SQLite.
                "at": e.at
                if connection.dialect.name == "postgresql"
                else e.at.replace(tzinfo=None),
                "d": dumps(dict(e.details)),
                "s": seq,
                "p": prev,
                "h": digest,
            }
        )
        prev = digest
    connection.execute(_INSERT_0020, rows)
    connection.execute(text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": count, "h": prev})
    return prev


def _hex(value: Any) -> Any:
    """A hash as 0020 stored it (hex text) from either form; other values as they are."""
    if isinstance(value, bytes | memoryview) and len(value) == 32:
        return bytes(value).hex()
    return value


def _contents(engine: Engine) -> list[tuple[Any, ...]]:
    """Every event with its hash in hex and its details as JSON text, whichever
    column holds them (0025 packs them): the same under 0020, 0021 and after."""
    columns = _columns(engine)
    packed = "NULL" if "packed" not in columns else "packed"
    # Since 0037 the row's id is its seq.
    row_id = "id" if "id" in columns else "seq"
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                f"SELECT {row_id}, seq, subject_kind, subject_id, event, actor, at, details, hash,"
                f" {packed} FROM ledger_events ORDER BY {row_id}"
            )
        )
        # At 0031 on SQLite an event's instant is kept as its integer (and a
        # claim's id as its bytes): read as the text the earlier heads kept.
        return [
            (
                *row[:3],
                _id(row[3]),
                *row[4:6],
                _instant(row[6]),
                _json(row[7], row[9]),
                _hex(row[8]),
            )
            for row in rows
        ]


def _id(value: Any) -> Any:
    return value.hex() if isinstance(value, bytes) else value


def _instant(value: Any) -> Any:
    if isinstance(value, int):
        moment = instant_from_micros(value)
        assert moment is not None
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _json(details: str, packed: bytes | None) -> str:
    if packed is None:
        return details
    unpacked = unpack_details(bytes(packed))
    assert details == "" and unpacked is not None
    return dumps(unpacked)


def _prev_hashes(engine: Engine) -> list[tuple[int, str, str]]:
    with engine.connect() as connection:
        return [
            (int(seq), str(prev), str(digest))
            for seq, prev, digest in connection.execute(
                text("SELECT seq, prev_hash, hash FROM ledger_events ORDER BY seq")
            )
        ]


def _columns(engine: Engine) -> set[str]:
    return {str(c["name"]) for c in inspect(engine).get_columns("ledger_events")}


def _intact(audit: AuditService, rows: int, checkpoints: int = 0) -> None:
    for batch in (BATCH, 7):
        report = audit.verify(batch)
        assert report.ok, report.problem
        assert (report.rows_checked, report.checkpoints_checked) == (rows, checkpoints)


def _problem(report: AuditReport) -> tuple[ProblemKind, int | None, str | None]:
    assert report.problem is not None, "the tampering went unnoticed"
    return report.problem.kind, report.problem.seq, report.problem.subject


def _sql(engine: Engine, statement: str, **params: Any) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement), params)


def test_a_ledger_survives_the_migration_both_ways_and_verifies_each_time(
    database_url: str, pki_dir: Path
) -> None:
    config = alembic_config(url=database_url)
    command.upgrade(config, PREVIOUS)
    engine = create_engine_for(database_url)
    try:
        with engine.begin() as connection:
            last_hash = _fill_0020(connection, EVENTS)
        before = _contents(engine)
        chained = _prev_hashes(engine)

        migrate(database_url)
        assert _contents(engine) == before
        assert "prev_hash" not in _columns(engine)
        with engine.connect() as connection:
            stored = connection.execute(
                text("SELECT hash FROM ledger_events WHERE seq = :s"), {"s": EVENTS}
            ).scalar_one()
        assert isinstance(stored, bytes) and stored == bytes.fromhex(last_hash)
        factory = SqlAlchemyUnitOfWorkFactory(engine)
        audit = audit_service(factory, pki_dir, lambda: T0)
        _intact(audit, EVENTS)
        with factory() as uow:  # the hub appends after the converted rows
            uow.events.append([_event(EVENTS + 1), _event(EVENTS + 2)])
            uow.commit()
        assert audit.checkpoint() is not None
        _intact(audit, EVENTS + 2, 1)
        after = _contents(engine)
        assert after[:EVENTS] == before
        # The seq stays unique and the subject index is kept.
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO ledger_events (subject_kind, subject_id, event, actor, at,"
                    " details, seq, hash) SELECT subject_kind, subject_id, event, actor, at,"
                    " details, seq, hash FROM ledger_events WHERE seq = 1"
                )
            )
        indexes = {str(i["name"]) for i in inspect(engine).get_indexes("ledger_events")}
        assert "ix_ledger_events_subject_id" in indexes  # by the id alone since 0042

        command.downgrade(config, PREVIOUS)
        assert _contents(engine) == after
        # prev_hash recomputed from the row before: what 0020 had, and the appended rows'.
        restored = _prev_hashes(engine)
        assert restored[:EVENTS] == chained
        assert [prev for _, prev, _ in restored] == [
            GENESIS,
            *(digest for _, _, digest in restored[:-1]),
        ]

        migrate(database_url)
        assert _contents(engine) == after
        _intact(audit, EVENTS + 2, 1)

        # Tampering after the upgrade is still named: an edit, a removal, a swap.
        _sql(engine, "UPDATE ledger_events SET actor = 'bureau:mallory' WHERE seq = 3")
        assert _problem(audit.verify()) == (ProblemKind.EDITED, 3, "block S-3")
        _sql(engine, "UPDATE ledger_events SET actor = 'CN-GD' WHERE seq = 3")
        _sql(engine, "UPDATE ledger_events SET seq = -1 WHERE seq = 5")
        _sql(engine, "UPDATE ledger_events SET seq = 5 WHERE seq = 6")
        _sql(engine, "UPDATE ledger_events SET seq = 6 WHERE seq = -1")
        assert _problem(audit.verify(batch=5)) == (ProblemKind.EDITED, 5, "block S-6")
        _sql(engine, "DELETE FROM ledger_events WHERE seq = 5")
        assert _problem(audit.verify())[:2] == (ProblemKind.REMOVED, 5)
    finally:
        engine.dispose()


def test_rows_edited_before_the_migration_are_still_named_after_it(
    database_url: str, pki_dir: Path
) -> None:
    config = alembic_config(url=database_url)
    command.upgrade(config, PREVIOUS)
    engine = create_engine_for(database_url)
    try:
        with engine.begin() as connection:
            _fill_0020(connection, 8)
        _sql(engine, "UPDATE ledger_events SET actor = 'bureau:mallory' WHERE seq = 6")
        _sql(engine, "UPDATE ledger_events SET hash = upper(hash) WHERE seq = 4")
        before = _contents(engine)
        migrate(database_url)
        audit = audit_service(SqlAlchemyUnitOfWorkFactory(engine), pki_dir, lambda: T0)
        # The upper-case hash is no hash the hub writes: kept as its text's bytes.
        assert _problem(audit.verify()) == (ProblemKind.EDITED, 4, "claim S-4")
        command.downgrade(config, PREVIOUS)
        assert _contents(engine) == before  # the odd value comes back as it was
        migrate(database_url)
        _sql(
            engine,
            "UPDATE ledger_events SET hash = :h WHERE seq = 4",
            h=bytes.fromhex(before[3][-1].lower()),
        )
        assert _problem(audit.verify()) == (ProblemKind.EDITED, 6, "block S-6")
    finally:
        engine.dispose()
