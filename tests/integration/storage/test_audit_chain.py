"""The audit chain in the database: appends chain in commit order, and whatever
is done to the rows directly in SQL, ``AuditService.verify`` names the first
bad row with the right kind. SQLite and PostgreSQL (and the fake for the
storage contract)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from hub.domain.audit_chain import (
    GENESIS,
    GENESIS_HEAD,
    AuditReport,
    ChainHead,
    Checkpoint,
    ProblemKind,
    canonical_event,
    link,
)
from hub.errors import FailedPrecondition
from hub.services.audit import AuditService
from hub.services.audit_port import LedgerEvent
from hub.services.unit_of_work import ConcurrentWriteConflict, UnitOfWorkFactory
from hub.storage.block_lineage_queries import _audit as lineage_audit
from hub.storage.database import alembic_config, create_engine_for, downgrade, migrate
from hub.storage.serialisation import dumps
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hub.trust.audit_signing import audit_service

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def event(n: int, actor: str = "hub") -> LedgerEvent:
    return LedgerEvent(
        "block",
        f"B-{n}",
        "ISSUED" if n % 2 else "DELIVERED",
        actor,
        T0 + timedelta(seconds=n, microseconds=n),
        {"units": str(n), "账户": "项目 7"},
    )


def append(factory: UnitOfWorkFactory, *numbers: int) -> None:
    with factory() as uow:
        uow.events.append([event(n) for n in numbers])
        uow.commit()


@pytest.fixture
def factory(engine: Engine) -> SqlAlchemyUnitOfWorkFactory:
    return SqlAlchemyUnitOfWorkFactory(engine)


@pytest.fixture
def audit(factory: SqlAlchemyUnitOfWorkFactory, pki_dir: Path) -> AuditService:
    return audit_service(factory, pki_dir, lambda: T0)


def sql(engine: Engine, statement: str, **params: Any) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement), params)


@dataclass(frozen=True)
class Stored:
    id: int
    hash: str  # hex, as audit_head and the checkpoints hold it


def stored(engine: Engine, seq: int) -> Stored:
    """The row at ``seq``: its chain hash is stored as 32 raw bytes (0021);
    the row is named by its seq, its key since 0037."""
    with engine.connect() as connection:
        row_id, digest = connection.execute(
            text("SELECT seq, hash FROM ledger_events WHERE seq = :s"), {"s": seq}
        ).one()
    assert isinstance(digest, bytes) and len(digest) == 32
    return Stored(int(row_id), digest.hex())


def forged_hash(seq: int, prev_hash: str, e: LedgerEvent) -> str:
    canonical = canonical_event(
        seq, e.subject_kind, e.subject_id, e.event, e.actor, e.at, dict(e.details)
    )
    return link(prev_hash, canonical)


def insert_forged(connection: Connection, seq: int, prev_hash: str, e: LedgerEvent) -> str:
    digest = forged_hash(seq, prev_hash, e)
    connection.execute(
        text(
            "INSERT INTO ledger_events (subject_kind, subject_id, event, actor, at, details,"
            " seq, hash) VALUES (:k, :i, :e, :a, :at, :d, :s, :h)"
        ),
        {
            "k": e.subject_kind,
            "i": e.subject_id,
            "e": e.event,
            "a": e.actor,
            # What UtcDateTime writes: aware on PostgreSQL, naive UTC text on SQLite.
            "at": e.at if connection.dialect.name == "postgresql" else e.at.replace(tzinfo=None),
            "d": dumps(dict(e.details)),
            "s": seq,
            "h": bytes.fromhex(digest),
        },
    )
    return digest


def problem_of(report: AuditReport) -> tuple[ProblemKind, int | None, int | None, str | None]:
    assert report.problem is not None, "the tampering went unnoticed"
    p = report.problem
    return p.kind, p.seq, p.row_id, p.subject


# --- the contract: fake, SQLite and PostgreSQL answer alike -------------------------


def test_appends_chain_identically_on_every_store(uow_factory: UnitOfWorkFactory) -> None:
    append(uow_factory, 1)
    append(uow_factory, 2, 3)
    with uow_factory() as uow:  # rolled back: takes no seq
        uow.events.append([event(99)])
    prev, expected = GENESIS, []
    for seq, n in enumerate((1, 2, 3), start=1):
        digest = forged_hash(seq, prev, event(n))
        expected.append((seq, prev, digest, f"block B-{n}", event(n).at))
        prev = digest
    with uow_factory() as uow:
        rows = uow.audit.rows(0, 10)
        assert [(r.seq, r.prev_hash, r.hash, r.subject, r.at) for r in rows] == expected
        assert rows[0].details == {"units": "1", "账户": "项目 7"}
        assert [r.seq for r in uow.audit.rows(1, 1)] == [2]
        assert uow.audit.head() == ChainHead(3, prev)
        assert uow.audit.checkpoints() == [] and uow.audit.last_checkpoint() is None
        assert [e.subject_id for e in uow.events.for_subjects("block", ["B-2", "B-3"])] == [
            "B-2",
            "B-3",
        ]


def test_checkpoints_are_stored_once_per_seq(uow_factory: UnitOfWorkFactory) -> None:
    first = Checkpoint(1, "aa" * 32, T0, "ed25519:k", b"s1")
    second = Checkpoint(3, "bb" * 32, T0 + timedelta(seconds=1), "ed25519:k", b"s3")
    with uow_factory() as uow:
        assert uow.audit.head() == GENESIS_HEAD
        uow.audit.add_checkpoint(second)
        uow.audit.add_checkpoint(first)
        uow.commit()
    with pytest.raises(ConcurrentWriteConflict), uow_factory() as uow:
        uow.audit.add_checkpoint(first)
        uow.commit()
    with uow_factory() as uow:
        assert uow.audit.checkpoints() == [first, second]
        assert uow.audit.last_checkpoint() == second


# --- verify and checkpoint on an intact log -------------------------------------------


def test_an_intact_log_verifies_in_pages_and_checkpoints_once(
    audit: AuditService, factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    assert audit.verify().ok
    assert audit.checkpoint() is None  # nothing appended yet
    append(factory, 1)
    append(factory, *range(2, 7))
    signed = audit.checkpoint()
    assert signed is not None and signed.seq == 6 and signed.at == T0
    assert signed.key_id.startswith("ed25519:")
    assert audit.checkpoint() is None  # the head did not move
    append(factory, 7, 8)
    again = audit.checkpoint()
    assert again is not None and again.seq == 8
    for batch in (1, 3, 8, 10_000):
        report = audit.verify(batch)
        assert report.ok, report.problem
        assert (report.rows_checked, report.checkpoints_checked) == (8, 2)


# --- tampering directly in SQL ---------------------------------------------------------


@pytest.fixture
def eight(audit: AuditService, factory: SqlAlchemyUnitOfWorkFactory) -> AuditService:
    append(factory, 1, 2, 3)
    append(factory, *range(4, 9))
    assert audit.verify().ok
    return audit


def test_an_updated_details_or_actor_is_named_edited(eight: AuditService, engine: Engine) -> None:
    row = stored(engine, 4)
    sql(engine, "UPDATE ledger_events SET details = :d WHERE seq = 4", d=dumps({"units": "400"}))
    assert problem_of(eight.verify(batch=3)) == (ProblemKind.EDITED, 4, row.id, "block B-4")
    sql(engine, "UPDATE ledger_events SET actor = 'bureau:mallory' WHERE seq = 2")
    assert problem_of(eight.verify())[:3] == (ProblemKind.EDITED, 2, stored(engine, 2).id)


def test_an_edited_hash_is_named_edited_and_so_is_the_row_after_a_recomputed_one(
    eight: AuditService, engine: Engine
) -> None:
    # No previous hash is stored: the hash of the row before is the link.
    sql(engine, "UPDATE ledger_events SET hash = :h WHERE seq = 3", h=bytes(32))
    assert problem_of(eight.verify(batch=3)) == (
        ProblemKind.EDITED,
        3,
        stored(engine, 3).id,
        "block B-3",
    )
    sql(engine, "UPDATE ledger_events SET hash = :h WHERE seq = 3", h=b"not 32 bytes")
    report = eight.verify()
    assert problem_of(report)[:2] == (ProblemKind.EDITED, 3)
    assert report.problem is not None and "hash missing" in report.problem.message
    # Row 3 edited and its hash recomputed: row 4 no longer chains after it,
    # also where row 4 is the first of a page (its link read from row 3).
    e = event(3, actor="bureau:mallory")
    recomputed = bytes.fromhex(forged_hash(3, stored(engine, 2).hash, e))
    sql(
        engine,
        "UPDATE ledger_events SET actor = :a, hash = :h WHERE seq = 3",
        a=e.actor,
        h=recomputed,
    )
    for batch in (3, 10):
        assert problem_of(eight.verify(batch=batch)) == (
            ProblemKind.EDITED,
            4,
            stored(engine, 4).id,
            "block B-4",
        )


def test_a_value_that_keeps_its_meaning_but_not_its_bytes_is_an_edit(
    eight: AuditService, engine: Engine
) -> None:
    sql(
        engine,
        """UPDATE ledger_events SET details = '{"units": "5", "账户": "项目 7"}' WHERE seq = 5""",
    )
    kind, seq, *_ = problem_of(eight.verify())
    assert (kind, seq) == (ProblemKind.EDITED, 5)


def test_odd_values_written_into_sqlite_are_reported_not_crashed_on(
    eight: AuditService, engine: Engine
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's column types refuse these values")
    sql(engine, "UPDATE ledger_events SET at = 'not a time' WHERE seq = 6")
    kind, seq, _, _ = problem_of(eight.verify())
    assert (kind, seq) == (ProblemKind.EDITED, 6)
    assert "at" in str(eight.verify().problem)
    # Since 0037 seq is the table's INTEGER PRIMARY KEY: SQLite itself
    # refuses a seq that is no integer, so no row can leave the walk that way.
    with pytest.raises(IntegrityError, match="datatype mismatch"):
        sql(engine, "UPDATE ledger_events SET seq = 'three' WHERE seq = 3")
    assert problem_of(eight.verify())[:2] == (ProblemKind.EDITED, 6)


def test_a_deleted_middle_row_is_named_removed(eight: AuditService, engine: Engine) -> None:
    sql(engine, "DELETE FROM ledger_events WHERE seq = 4")
    report = eight.verify(batch=2)
    assert problem_of(report) == (ProblemKind.REMOVED, 4, None, None)
    assert report.rows_checked == 3


def test_deleted_last_rows_are_named_truncated(eight: AuditService, engine: Engine) -> None:
    sql(engine, "DELETE FROM ledger_events WHERE seq >= 7")
    assert problem_of(eight.verify())[:2] == (ProblemKind.TRUNCATED, 7)


def test_a_checkpoint_catches_truncation_with_a_lowered_head(
    eight: AuditService, engine: Engine
) -> None:
    assert eight.checkpoint() is not None  # signs seq 8
    six = stored(engine, 6)
    sql(engine, "DELETE FROM ledger_events WHERE seq >= 7")
    sql(engine, "UPDATE audit_head SET seq = 6, hash = :h", h=six.hash)
    assert problem_of(eight.verify())[:2] == (ProblemKind.TRUNCATED, 7)


def test_a_forged_row_with_a_fitting_seq_is_named_inserted(
    eight: AuditService, engine: Engine
) -> None:
    # Beyond the head: chained correctly, but the hub never appended it.
    eighth = stored(engine, 8)
    with engine.begin() as connection:
        insert_forged(connection, 9, eighth.hash, event(9, actor="mallory"))
    forged = stored(engine, 9)
    assert problem_of(eight.verify()) == (ProblemKind.INSERTED, 9, forged.id, "block B-9")


def test_a_row_slipped_in_below_the_first_seq_is_named_inserted(
    eight: AuditService, engine: Engine
) -> None:
    # Seqs start at 1: a row at 0 or below was never read ("seq > 0") and
    # passed verification (review finding).
    for seq in (0, -7):
        with engine.begin() as connection:
            insert_forged(connection, seq, GENESIS, event(1, actor="mallory"))
        forged = stored(engine, seq)
        report = eight.verify(batch=3)
        assert problem_of(report) == (ProblemKind.INSERTED, seq, forged.id, "block B-1")
        assert report.problem is not None and "before the chain's first" in report.problem.message
        sql(engine, "DELETE FROM ledger_events WHERE seq = :s", s=seq)
    assert eight.verify().ok


def test_the_block_lineage_shows_an_overwritten_hash_instead_of_failing(
    eight: AuditService, engine: Engine
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's bytea refuses text")
    intact = stored(engine, 4).hash
    sql(engine, "UPDATE ledger_events SET hash = 'deadbeef' WHERE seq = 3")
    with engine.connect() as connection:
        steps = {s.seq: s for s in lineage_audit(connection, ["B-3", "B-4"])}
    assert steps[3].hash == "deadbeef"
    assert steps[4].hash == intact


def test_a_row_slipped_in_by_renumbering_is_named_inserted(
    eight: AuditService, engine: Engine
) -> None:
    three = stored(engine, 3)
    with engine.begin() as connection:
        # Two steps, so that no intermediate state repeats a seq (it is unique).
        connection.execute(text("UPDATE ledger_events SET seq = -seq - 1 WHERE seq >= 4"))
        connection.execute(text("UPDATE ledger_events SET seq = -seq WHERE seq < 0"))
        insert_forged(connection, 4, three.hash, event(40, actor="mallory"))
    forged = stored(engine, 4)
    assert problem_of(eight.verify(batch=4)) == (ProblemKind.INSERTED, 4, forged.id, "block B-40")


def test_a_chain_rewritten_after_a_checkpoint_is_caught_and_never_signed(
    eight: AuditService, engine: Engine, factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    assert eight.checkpoint() is not None  # seq 8
    append(factory, 9, 10, 11)
    # Edit row 3 and recompute every hash from there on, and the head.
    prev = stored(engine, 2).hash
    with engine.begin() as connection:
        rows = connection.execute(
            text("SELECT seq FROM ledger_events WHERE seq >= 3 ORDER BY seq")
        ).all()
        for row in rows:
            e = event(row.seq, actor="bureau:mallory" if row.seq == 3 else "hub")
            digest = forged_hash(row.seq, prev, e)
            connection.execute(
                text("UPDATE ledger_events SET actor = :a, hash = :h WHERE seq = :s"),
                {"a": e.actor, "h": bytes.fromhex(digest), "s": row.seq},
            )
            prev = digest
        connection.execute(text("UPDATE audit_head SET hash = :h"), {"h": prev})
    eighth = stored(engine, 8)
    report = eight.verify()
    assert problem_of(report) == (ProblemKind.CHECKPOINT_MISMATCH, 8, eighth.id, "block B-8")
    assert report.rows_checked == 8
    with pytest.raises(FailedPrecondition) as refused:
        eight.checkpoint()
    assert refused.value.code == "AUDIT_CHAIN_BROKEN"
    assert refused.value.details["seq"] == "9"


def test_a_garbled_hash_at_the_checkpoint_is_named_as_the_row_before_the_next(
    eight: AuditService, factory: SqlAlchemyUnitOfWorkFactory, engine: Engine
) -> None:
    # Signing resumes after the last checkpoint: row 9's previous hash is row
    # 8's, read for it (no previous hash is stored since 0021).
    assert eight.checkpoint() is not None
    append(factory, 9, 10)
    sql(engine, "UPDATE ledger_events SET hash = :h WHERE seq = 8", h=b"xx")
    with pytest.raises(FailedPrecondition) as refused:
        eight.checkpoint()
    assert refused.value.code == "AUDIT_CHAIN_BROKEN"
    assert "the hash of the row before it (seq 8)" in refused.value.message
    assert "prev_hash" not in refused.value.message


def test_an_edited_checkpoint_is_named_forged(eight: AuditService, engine: Engine) -> None:
    assert eight.checkpoint() is not None
    sql(engine, "UPDATE audit_checkpoints SET head_hash = :h", h="ab" * 32)
    assert problem_of(eight.verify())[:2] == (ProblemKind.CHECKPOINT_FORGED, 8)
    with pytest.raises(FailedPrecondition) as refused:
        eight.checkpoint()
    assert refused.value.code == "AUDIT_CHECKPOINT_FORGED"


def test_a_deleted_head_is_reported(eight: AuditService, engine: Engine) -> None:
    sql(engine, "DELETE FROM audit_head")
    assert problem_of(eight.verify())[:2] == (ProblemKind.HEAD_MISMATCH, 1)


# --- concurrency ------------------------------------------------------------------------


def test_concurrent_appenders_make_one_chain_that_verifies_while_it_grows(
    migrated_url: str, pki_dir: Path
) -> None:
    """Writers hold their transaction open a random while after appending; a
    verifier walks the growing chain in small pages all along, never alarmed."""
    writers, rounds = 4, 12
    engine = create_engine_for(migrated_url, pool_size=writers + 3)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    audit = audit_service(factory, pki_dir, lambda: datetime.now(UTC))
    done = threading.Event()
    errors: list[BaseException] = []
    reports: list[AuditReport] = []

    def write(seed: int) -> None:
        chooser = random.Random(seed)
        try:
            for r in range(rounds):
                with factory() as uow:
                    count = chooser.randint(1, 3)
                    uow.events.append([event(1000 * seed + 10 * r + k) for k in range(count)])
                    time.sleep(chooser.uniform(0, 0.01))
                    uow.commit()
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    def watch() -> None:
        try:
            while not done.is_set():
                reports.append(audit.verify(batch=5))
                audit.checkpoint()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    watcher = threading.Thread(target=watch)
    try:
        watcher.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)
        done.set()
        watcher.join(timeout=180)
        assert not errors, errors
        assert reports and all(r.ok for r in reports), [r.problem for r in reports if not r.ok]
        final = audit.verify()
        assert final.ok, final.problem
        with factory() as uow:
            rows = uow.audit.rows(0, 10_000)
            head = uow.audit.head()
        assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
        assert len(rows) >= writers * rounds and final.rows_checked == len(rows)
        assert head == ChainHead(len(rows), str(rows[-1].hash))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_appends_chain_in_commit_order(postgres_schema_url: str) -> None:
    migrate(postgres_schema_url)
    engine = create_engine_for(postgres_schema_url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    try:
        early, late = factory(), factory()
        with early, late:
            early.claims.count_by_decision("CN-GD")  # the earlier transaction is under way
            late.events.append([event(2)])
            appended = threading.Event()

            def append_early() -> None:
                early.events.append([event(1)])
                appended.set()

            thread = threading.Thread(target=append_early)
            thread.start()
            # The earlier transaction queues on the head row behind the later one.
            assert not appended.wait(0.5)
            late.commit()
            thread.join(timeout=30)
            assert appended.is_set()
            early.commit()
        with factory() as uow:
            assert [r.subject_id for r in uow.audit.rows(0, 10)] == ["B-2", "B-1"]
        report = AuditService(factory, lambda: T0, None, lambda *_: False).verify()
        assert report.ok and report.rows_checked == 2
    finally:
        engine.dispose()


# --- the migration chains events recorded before it ----------------------------------


def test_migration_0004_chains_existing_events_in_id_order(
    database_url: str, pki_dir: Path
) -> None:
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as connection:
            command.upgrade(alembic_config(connection=connection), "0003_trust")
            connection.commit()
        events = [event(n) for n in (5, 1, 3)]
        with engine.begin() as connection:
            for e in events:
                connection.execute(
                    text(
                        "INSERT INTO ledger_events (subject_kind, subject_id, event, actor, at,"
                        " details) VALUES (:k, :i, :e, :a, :at, :d)"
                    ),
                    {
                        "k": e.subject_kind,
                        "i": e.subject_id,
                        "e": e.event,
                        "a": e.actor,
                        "at": e.at
                        if connection.dialect.name == "postgresql"
                        else e.at.replace(tzinfo=None),
                        "d": dumps(dict(e.details)),
                    },
                )
        migrate(database_url)
        factory = SqlAlchemyUnitOfWorkFactory(engine)
        audit = audit_service(factory, pki_dir, lambda: T0)
        prev = GENESIS
        for seq, e in enumerate(events, start=1):
            prev = forged_hash(seq, prev, e)
        with factory() as uow:
            assert [r.subject_id for r in uow.audit.rows(0, 10)] == ["B-5", "B-1", "B-3"]
            assert uow.audit.head() == ChainHead(3, prev)
        append(factory, 7)
        assert audit.checkpoint() is not None
        report = audit.verify()
        assert report.ok and (report.rows_checked, report.checkpoints_checked) == (4, 1)
        downgrade(database_url, "0003_trust")
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM ledger_events")).scalar_one()
        assert count == 4
        migrate(database_url)  # and up again: chained afresh, the same hashes
        assert audit_service(factory, pki_dir, lambda: T0).verify().rows_checked == 4
    finally:
        engine.dispose()


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def runner() -> Iterator[CliRunner]:
    yield CliRunner()


def test_audit_verify_on_the_command_line(
    migrated_url: str, pki_dir: Path, runner: CliRunner
) -> None:
    from hub.cli.app import app

    engine = create_engine_for(migrated_url)
    try:
        append(SqlAlchemyUnitOfWorkFactory(engine), 1, 2, 3, 4)
        where = ["--database-url", migrated_url, "--pki-dir", str(pki_dir)]
        signed = runner.invoke(app, ["audit", "checkpoint", *where])
        assert signed.exit_code == 0, signed.output
        assert "signed checkpoint at seq 4" in signed.output
        intact = runner.invoke(app, ["audit", "verify", *where])
        assert intact.exit_code == 0, intact.output
        assert "checked 4 rows and 1 checkpoints" in intact.output
        assert "audit log intact" in intact.output
        row = stored(engine, 3)
        sql(engine, "UPDATE ledger_events SET actor = 'bureau:mallory' WHERE seq = 3")
        tampered = runner.invoke(app, ["audit", "verify", *where])
        assert tampered.exit_code == 1, tampered.output
        assert "AUDIT LOG TAMPERED: EDITED" in tampered.output
        assert "seq: 3" in tampered.output
        assert f"row id: {row.id}" in tampered.output
        assert "subject: block B-3" in tampered.output
        # Nothing appended since the checkpoint at seq 4: nothing to check or sign.
        nothing = runner.invoke(app, ["audit", "checkpoint", *where])
        assert nothing.exit_code == 0, nothing.output
        assert "nothing to sign" in nothing.output
    finally:
        engine.dispose()


def test_audit_verify_without_a_database_is_a_setup_error(
    tmp_path: Path, runner: CliRunner
) -> None:
    from hub.cli.app import app

    result = runner.invoke(app, ["audit", "verify", "--data-dir", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert not (tmp_path / "none" / "hub.db").exists()
