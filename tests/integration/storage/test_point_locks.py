"""Content locks under a unique key (0019): what the database refuses, who wins
a race, what a conflict names, and the migration of a ledger's stored locks."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.locks import ClaimLock, LockKind, site_lock_key
from hub.services.claim_port import VerdictChange
from hub.services.unit_of_work import ConcurrentWriteConflict
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.hex_id_column import id_bytes, id_text
from hub.storage.lock_key_column import lock_key_bytes, lock_key_text
from hub.storage.lock_kind_column import lock_kind_text
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage import workers
from tests.integration.storage.records import PERIOD_HI, PERIOD_LO, lock, record, submission

PREVIOUS = "0018_lean_claims"


def _content(key: str) -> ClaimLock:
    return ClaimLock(LockKind.CONTENT, key, 0, 0)


def _content_locks(engine: Engine) -> dict[str, str]:
    """key -> claim id, the keys as text whatever their stored form (0027)."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT key, claim_id FROM claim_content_locks")).all()
    return {lock_key_text(key): id_text(claim_id) for key, claim_id in rows}


def _range_kinds(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT kind FROM claim_locks"))
        return sorted(lock_kind_text(kind) for (kind,) in rows)


def test_a_second_claim_of_the_same_content_is_refused_and_the_first_named(
    engine: Engine,
) -> None:
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    first = record("R-1", [_content("digest-1"), lock("site-1", 0, 99)], claim_id="first")
    with factory() as uow:
        uow.claims.add([first])
        uow.commit()
    assert _content_locks(engine) == {"digest-1": "first"}
    assert _range_kinds(engine) == ["PROJECT_PERIOD"]

    with factory() as uow:
        conflicts = uow.claims.find_lock_conflicts(
            [_content("digest-1"), _content("digest-2"), lock("site-1", 50, 60)]
        )
    assert [(c.requested, c.held_by_claim_id, c.held_by_record_id) for c in conflicts] == [
        (_content("digest-1"), "first", "R-1"),
        (lock("site-1", 50, 60), "first", "R-1"),
    ]
    # Not looking first: the unique key alone refuses it.
    with pytest.raises(ConcurrentWriteConflict), factory() as uow:
        uow.claims.add([record("R-2", [_content("digest-1")])])
        uow.commit()
    with factory() as uow:
        uow.claims.add([record("R-3", [_content("digest-2")], claim_id="third")])
        uow.commit()
    assert _content_locks(engine) == {"digest-1": "first", "digest-2": "third"}


@pytest.mark.parametrize(
    "key",
    [submission("R-1", site_id="site-1").digest_without_identity(), "not-the-submissions-digest"],
    ids=["its-digest", "another-key"],
)
def test_a_released_claim_frees_its_content_for_another(engine: Engine, key: str) -> None:
    """Found by its key (the stored submission's digest), or by a scan when
    the lock was taken under another key (as these tests' own locks are)."""
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    # The range lock under the key the claim's site gives (hub.domain.locks.range_lock_keys).
    site = lock(site_lock_key("CN-GD", "site-1"), PERIOD_LO, PERIOD_HI)
    first = record("R-1", [_content(key), site], site_id="site-1", claim_id="first")
    kept = record("R-9", [_content("kept")], claim_id="kept")
    with factory() as uow:
        uow.claims.add([first, kept])
        uow.commit()
    voided = VerdictChange(
        claim_id="first",
        expected_decision=Decision.ACCEPTED,
        expected_issuance=first.issuance,
        verdict=replace(first.verdict, decision=Decision.REJECTED),
        issuance=None,
        hold_reason=None,
        release_locks=True,
    )
    with factory() as uow:
        uow.claims.change_verdicts([voided])
        uow.commit()
    assert _content_locks(engine) == {"kept": "kept"}
    assert _range_kinds(engine) == []
    with factory() as uow:
        uow.claims.add([record("R-2", [_content(key)], claim_id="second")])
        uow.commit()
    assert _content_locks(engine) == {"kept": "kept", key: "second"}


def _claim(connection: Connection, claim_id: str, *, at_head: bool = True) -> None:
    # At head a claim id is kept in its stored form (hub.storage.hex_id_column).
    stored = id_bytes(claim_id) if at_head else claim_id
    connection.execute(
        text(
            "INSERT INTO claims (claim_id, partner, record_id, delivery_id, content_digest,"
            " decision, received_at)"
            " VALUES (:c, 'CN-GD', :r, 'D', 'x', 'ACCEPTED', CURRENT_TIMESTAMP)"
        ),
        {"c": stored, "r": claim_id},
    )


def _lock_row(
    connection: Connection, claim_id: str | bytes, kind: str, key: str | bytes, lo: int, hi: int
) -> None:
    connection.execute(
        text(
            "INSERT INTO claim_locks (claim_id, kind, key, lo, hi) VALUES (:c, :kind, :k, :lo, :hi)"
        ),
        {"c": claim_id, "kind": kind, "k": key, "lo": lo, "hi": hi},
    )


def test_plain_sql_cannot_store_a_content_lock_twice_or_among_the_ranges(engine: Engine) -> None:
    with engine.begin() as connection:
        _claim(connection, "c1")
        _claim(connection, "c2")
        connection.execute(
            text("INSERT INTO claim_content_locks (key, claim_id) VALUES ('k', :c)"),
            {"c": id_bytes("c1")},
        )
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text("INSERT INTO claim_content_locks (key, claim_id) VALUES ('k', :c)"),
            {"c": id_bytes("c2")},
        )
    # A CONTENT row in claim_locks would escape the unique key: refused.
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _lock_row(connection, id_bytes("c2"), "CONTENT", lock_key_bytes("other"), 0, 0)
    if engine.dialect.name == "sqlite":
        # And by its code there (0036); and a range kind written by its name,
        # which every comparison of the hub's would miss.
        for kind in ("5", "PERSON_PERIOD"):
            with pytest.raises(IntegrityError), engine.begin() as connection:
                _lock_row(connection, id_bytes("c2"), kind, lock_key_bytes("other"), 0, 0)
    assert _content_locks(engine) == {"k": "c1"}
    assert _range_kinds(engine) == []


@pytest.mark.slow
def test_concurrent_processes_inserting_one_content_lock_leave_one_winner(
    migrated_url: str,
) -> None:
    """No Python check: three processes insert claims of the same contents at once."""
    slots, processes = 90, 3
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(processes)
        with ProcessPoolExecutor(processes, mp_context=context) as pool:
            futures = [
                pool.submit(
                    workers.insert_content_blindly,
                    migrated_url,
                    f"W{n}",
                    workers.shuffled(slots, seed=n),
                    barrier,
                )
                for n in range(processes)
            ]
            won = [future.result(timeout=300) for future in futures]
    assert sorted(slot for slots_won in won for slot in slots_won) == list(range(slots))
    engine = create_engine_for(migrated_url)
    try:
        stored = _content_locks(engine)
        with engine.connect() as connection:
            record_of: dict[str, str] = {
                id_text(claim_id): record_id
                for claim_id, record_id in connection.execute(
                    text("SELECT claim_id, record_id FROM claims")
                )
            }
        # Exactly one claim per content, the one whose insert won, and no other claim stored.
        assert len(record_of) == slots
        assert sorted(stored) == sorted(f"content-{slot}" for slot in range(slots))
        winners = {
            f"content-{slot}": f"W{n}-{slot:04}" for n, mine in enumerate(won) for slot in mine
        }
        assert {key: record_of[claim] for key, claim in stored.items()} == winners
        with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
            conflicts = uow.claims.find_lock_conflicts([_content("content-7")])
        assert [c.held_by_record_id for c in conflicts] == [winners["content-7"]]
    finally:
        engine.dispose()


def test_migration_moves_stored_content_locks_and_back(database_url: str) -> None:
    config = alembic_config(url=database_url)
    command.upgrade(config, PREVIOUS)
    engine = create_engine_for(database_url)
    try:
        with engine.begin() as connection:
            for claim_id in ("c1", "c2", "c3"):
                _claim(connection, claim_id, at_head=False)
            _lock_row(connection, "c1", "CONTENT", "digest-1", 0, 0)
            _lock_row(connection, "c1", "PROJECT_PERIOD", "CN-GD|site|S-1", 100, 199)
            _lock_row(connection, "c2", "CONTENT", "digest-2", 0, 0)
            _lock_row(connection, "c2", "ORIGIN_SERIAL", "GDPH-1", 11, 20)
            _lock_row(connection, "c3", "PERSON_PERIOD", "p|SZ-BIKE|", 5, 9)

        migrate(database_url)
        assert _content_locks(engine) == {"digest-1": "c1", "digest-2": "c2"}
        assert _range_kinds(engine) == ["ORIGIN_SERIAL", "PERSON_PERIOD", "PROJECT_PERIOD"]
        factory = SqlAlchemyUnitOfWorkFactory(engine)
        with factory() as uow:
            conflicts = uow.claims.find_lock_conflicts(
                [_content("digest-2"), lock("CN-GD|site|S-1", 150, 150)]
            )
        assert [(c.requested.kind, c.held_by_claim_id) for c in conflicts] == [
            (LockKind.CONTENT, "c2"),
            (LockKind.PROJECT_PERIOD, "c1"),
        ]
        with pytest.raises(ConcurrentWriteConflict), factory() as uow:
            uow.claims.add([record("R-again", [_content("digest-1")])])
            uow.commit()

        command.downgrade(config, PREVIOUS)
        with engine.connect() as connection:
            back = connection.execute(
                text("SELECT claim_id, kind, key, lo, hi FROM claim_locks ORDER BY claim_id, kind")
            ).all()
        assert [tuple(row) for row in back] == [
            ("c1", "CONTENT", "digest-1", 0, 0),
            ("c1", "PROJECT_PERIOD", "CN-GD|site|S-1", 100, 199),
            ("c2", "CONTENT", "digest-2", 0, 0),
            ("c2", "ORIGIN_SERIAL", "GDPH-1", 11, 20),
            ("c3", "PERSON_PERIOD", "p|SZ-BIKE|", 5, 9),
        ]
        # The range constraint guards them again.
        with pytest.raises(IntegrityError), engine.begin() as connection:
            _lock_row(connection, "c3", "CONTENT", "digest-1", 0, 0)
    finally:
        engine.dispose()


def test_migration_refuses_a_content_lock_that_is_not_a_point(database_url: str) -> None:
    config = alembic_config(url=database_url)
    command.upgrade(config, PREVIOUS)
    engine = create_engine_for(database_url)
    try:
        with engine.begin() as connection:
            _claim(connection, "c1", at_head=False)
            _lock_row(connection, "c1", "CONTENT", "digest-1", 0, 5)
        with pytest.raises(RuntimeError, match="range other than"):
            migrate(database_url)
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT count(*) FROM claim_locks")).scalar_one()
        assert kept == 1
    finally:
        engine.dispose()
