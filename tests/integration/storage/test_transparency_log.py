"""The transparency log on a real database (SQLite and PostgreSQL): the events
a checkpoint covers become leaves, tree heads are signed, proofs read from the
stored subtrees verify against the signed roots (and equal what the whole
tree recomputed gives), two integrators at once leave one tree, and
``carbon-hub audit verify`` names an event edited, removed or reordered, a
stored subtree hash edited, a tree head forged, and a rewrite that also
rebuilt the stored tree."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from hub.domain.audit_chain import ChainRow, canonical_event, link
from hub.domain.checked_leaves import CheckedLeaves
from hub.domain.merkle import (
    inclusion_proof,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from hub.domain.tree_head import leaf_bytes
from hub.errors import FailedPrecondition, NotFound
from hub.services.audit import AuditService
from hub.services.transparency import TransparencyLog
from hub.storage.merkle_repository import SqlAlchemyTreeStore, SqlAlchemyTreeStores
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hub.trust.audit_signing import audit_service, transparency_log
from tests.integration.storage.test_audit_checkpoints_held import (
    T0,
    append,
    head_hash,
    rewrite_actor,
    sql,
)


@pytest.fixture
def hub_audit(factory: SqlAlchemyUnitOfWorkFactory, pki_dir: Path) -> AuditService:
    return audit_service(factory, pki_dir)


def _log(service: AuditService) -> TransparencyLog:
    assert service.transparency is not None
    return service.transparency


def _publish(service: AuditService) -> None:
    service.checkpoint()
    service.extend_tree()


def _leaves(factory: SqlAlchemyUnitOfWorkFactory) -> list[bytes]:
    with factory() as uow:
        rows = uow.audit.rows(0, 10_000)
    found = [leaf_bytes(row) for row in rows]
    assert all(found)
    return [leaf_hash(data) for data in found if data is not None]


def _verify(migrated_url: str, pki_dir: Path) -> tuple[int, str]:
    from hub.cli.app import app

    result = CliRunner().invoke(
        app, ["audit", "verify", "--database-url", migrated_url, "--pki-dir", str(pki_dir)]
    )
    return result.exit_code, result.output


def test_proofs_from_stored_subtrees_verify_against_signed_heads(
    hub_audit: AuditService, factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    log = _log(hub_audit)
    append(factory, *range(1, 6))
    _publish(hub_audit)
    append(factory, *range(6, 14))
    _publish(hub_audit)
    assert [log.tree_head(5).tree_size, log.latest().tree_size] == [5, 13]
    hashes = _leaves(factory)
    assert log.latest().root_hash == root_of(hashes).hex()
    assert log.tree_head(5).root_hash == root_of(hashes[:5]).hex()
    for seq in range(1, 14):
        answer = log.inclusion(seq=seq)
        assert answer.leaf_hash == hashes[seq - 1] and answer.event is None
        assert answer.audit_path == inclusion_proof(seq - 1, 13, lambda a, b: root_of(hashes[a:b]))
        root = bytes.fromhex(answer.tree_head.root_hash)
        assert verify_inclusion(seq - 1, 13, answer.leaf_hash, answer.audit_path, root)
    early = log.inclusion(seq=3, tree_size=5)
    assert verify_inclusion(
        2, 5, hashes[2], early.audit_path, bytes.fromhex(early.tree_head.root_hash)
    )
    proof = log.consistency(5, 13)
    assert verify_consistency(
        5,
        13,
        bytes.fromhex(proof.first.root_hash),
        bytes.fromhex(proof.second.root_hash),
        proof.consistency_path,
    )


def test_nothing_is_signed_twice_and_only_checkpointed_events_enter(
    hub_audit: AuditService, factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    log = _log(hub_audit)
    append(factory, 1, 2, 3)
    assert hub_audit.extend_tree() is None  # no checkpoint yet: nothing vouched for
    _publish(hub_audit)
    append(factory, 4)  # appended after the checkpoint: waits for the next one
    assert hub_audit.extend_tree() is None
    assert log.latest().tree_size == 3
    _publish(hub_audit)
    assert log.latest().tree_size == 4


def test_two_integrators_at_once_leave_one_tree(
    engine: Engine, factory: SqlAlchemyUnitOfWorkFactory, pki_dir: Path
) -> None:
    append(factory, *range(1, 40))
    first = audit_service(factory, pki_dir)
    checkpoint = first.checkpoint()
    assert checkpoint is not None and checkpoint.seq == 39
    logs = [transparency_log(SqlAlchemyTreeStores(engine), pki_dir) for _ in range(2)]
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def integrate(log: TransparencyLog) -> None:
        try:
            barrier.wait()
            log.integrate(39, checkpoint.head_hash, page=7)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=integrate, args=(log,)) for log in logs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    first.extend_tree()  # whatever either left undone
    assert _log(first).latest().root_hash == root_of(_leaves(factory)).hex()


def test_a_checkpoint_hands_its_walks_leaves_to_the_integrator(
    hub_audit: AuditService, factory: SqlAlchemyUnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The periodic checkpointer's path: the events the checkpoint was signed
    # over go into the tree as its walk hashed them, and none is read again.
    read: list[tuple[int, int]] = []
    rows = SqlAlchemyTreeStore.rows

    def counted(store: SqlAlchemyTreeStore, after_seq: int, limit: int) -> list[ChainRow]:
        read.append((after_seq, limit))
        return rows(store, after_seq, limit)

    monkeypatch.setattr(SqlAlchemyTreeStore, "rows", counted)
    append(factory, *range(1, 6))
    checkpoint, head = hub_audit.checkpoint_and_extend_tree()
    append(factory, *range(6, 14))
    later, second = hub_audit.checkpoint_and_extend_tree()
    assert read == []
    assert checkpoint is not None and later is not None and head is not None and second is not None
    assert (checkpoint.seq, head.tree_size, later.seq, second.tree_size) == (5, 5, 13, 13)
    hashes = _leaves(factory)
    assert second.root_hash == root_of(hashes).hex()
    assert head.root_hash == root_of(hashes[:5]).hex()
    assert hub_audit.checkpoint_and_extend_tree() == (None, None)  # nothing new


def test_leaves_go_in_only_with_the_head_their_walk_vouched_for(
    hub_audit: AuditService, factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    append(factory, 1, 2, 3)
    checkpoint = hub_audit.checkpoint()
    assert checkpoint is not None
    checked = CheckedLeaves(0)
    with factory() as uow:
        for row in uow.audit.rows(0, 10):
            data = leaf_bytes(row)
            assert row.seq is not None and data is not None
            checked.add(row.seq, data)
    checked.head_hash = checkpoint.head_hash
    # Another hash at seq 3: the leaves are not taken, the events are read
    # and found not to lead to it.
    with pytest.raises(FailedPrecondition) as refused:
        _log(hub_audit).integrate(3, "f" * 64, checked=checked)
    assert refused.value.code == "AUDIT_CHAIN_BROKEN"
    assert _log(hub_audit).integrate(3, checkpoint.head_hash, checked=checked) == 3


def test_a_tree_behind_the_last_checkpoint_reads_the_events_it_lacks(
    hub_audit: AuditService, factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    append(factory, 1, 2, 3)
    assert hub_audit.checkpoint() is not None  # signed, not integrated
    append(factory, 4, 5, 6)
    checkpoint, head = hub_audit.checkpoint_and_extend_tree()
    assert checkpoint is not None and head is not None
    assert (checkpoint.seq, head.tree_size) == (6, 6)
    assert head.root_hash == root_of(_leaves(factory)).hex()


def _forge(factory: SqlAlchemyUnitOfWorkFactory, engine: Engine, seq: int) -> None:
    """Edit the event at ``seq`` and recompute its hash (none after it): it
    hashes as chained, the event after it no longer."""
    with factory() as uow:
        rows = uow.audit.rows(seq - 1, 1)
    row = rows[0]
    assert row.seq == seq and row.at is not None and row.details is not None
    assert row.subject_kind and row.subject_id and row.event and row.prev_hash
    canonical = canonical_event(
        seq, row.subject_kind, row.subject_id, row.event, "forged", row.at, row.details
    )
    sql(
        engine,
        "UPDATE ledger_events SET actor = 'forged', hash = :h WHERE seq = :s",
        h=bytes.fromhex(link(row.prev_hash, canonical)),
        s=seq,
    )


def _refused_at(log: TransparencyLog, up_to_seq: int, head_hash: str, page: int) -> str:
    with pytest.raises(FailedPrecondition) as refused:
        log.integrate(up_to_seq, head_hash, page=page)
    assert refused.value.code == "AUDIT_CHAIN_BROKEN"
    assert f"the audit event at seq {refused.value.details['seq']} " in refused.value.message
    return refused.value.details["seq"]


def _size(log: TransparencyLog) -> int:
    with log.stores() as store:
        return store.size()


def test_the_integrator_checks_each_events_link_also_the_first_of_a_page(
    hub_audit: AuditService, factory: SqlAlchemyUnitOfWorkFactory, engine: Engine
) -> None:
    """No previous hash is stored (0021): event 6 links to event 5's stored
    hash, read from the page before when event 6 starts a page; and event 5,
    the last of that page, goes in only once event 6 links to it."""
    append(factory, *range(1, 9))
    checkpoint = hub_audit.checkpoint()
    assert checkpoint is not None and checkpoint.seq == 8
    _forge(factory, engine, 5)
    log = _log(hub_audit)
    for page in (8, 5):  # event 6 inside a page, then first of one
        assert _refused_at(log, 8, checkpoint.head_hash, page) == "6"
    assert _size(log) == 0  # the forged event 5 ended a page: not in the tree


def test_a_forged_event_ending_a_page_never_enters_the_tree(
    hub_audit: AuditService, factory: SqlAlchemyUnitOfWorkFactory, engine: Engine
) -> None:
    """Event 6 ends the second page of three; edited after the checkpoint with
    its hash recomputed, it hashes as chained to event 5: only event 7's link
    tells, and the page holding event 6 is refused whole."""
    append(factory, *range(1, 10))
    checkpoint = hub_audit.checkpoint()
    assert checkpoint is not None and checkpoint.seq == 9
    _forge(factory, engine, 6)
    log = _log(hub_audit)
    assert _refused_at(log, 9, checkpoint.head_hash, 3) == "7"
    assert _size(log) == 3  # the first page went in, not the one ending with event 6
    assert _refused_at(log, 9, checkpoint.head_hash, 3) == "7"  # and again, from there
    assert _size(log) == 3


def test_a_forged_event_at_the_checkpoints_seq_never_enters_the_tree(
    hub_audit: AuditService, factory: SqlAlchemyUnitOfWorkFactory, engine: Engine
) -> None:
    """The checkpoint's own event edited after it was signed, its hash
    recomputed: no event after it within the checkpoint tells, the signed
    head hash does."""
    append(factory, *range(1, 9))
    checkpoint = hub_audit.checkpoint()
    assert checkpoint is not None and checkpoint.seq == 8
    append(factory, 9)  # after the checkpoint: not what vouches for event 8
    _forge(factory, engine, 8)
    with pytest.raises(FailedPrecondition) as refused:
        hub_audit.extend_tree()
    assert refused.value.code == "AUDIT_CHAIN_BROKEN" and refused.value.details["seq"] == "8"
    log = _log(hub_audit)
    assert _size(log) == 0
    with pytest.raises(NotFound):
        log.latest()
    assert _refused_at(log, 8, checkpoint.head_hash, 5) == "8"
    assert _size(log) == 5  # the page before the checkpoint's event went in, not event 8


def test_unknown_events_and_sizes_are_refused_with_codes(hub_audit: AuditService) -> None:
    from hub.errors import HubError

    log = _log(hub_audit)
    with pytest.raises(HubError) as none_yet:
        log.latest()
    assert none_yet.value.code == "TRANSPARENCY_NO_TREE_HEAD"


def test_audit_verify_names_an_edited_removed_or_reordered_event(
    hub_audit: AuditService,
    factory: SqlAlchemyUnitOfWorkFactory,
    engine: Engine,
    migrated_url: str,
    pki_dir: Path,
) -> None:
    append(factory, *range(1, 9))
    _publish(hub_audit)
    code, output = _verify(migrated_url, pki_dir)
    assert code == 0, output
    assert "transparency log intact (tree size 8" in output

    sql(engine, "UPDATE ledger_events SET actor = 'forged' WHERE seq = 3")
    code, output = _verify(migrated_url, pki_dir)
    assert code == 1
    assert "TRANSPARENCY LOG TAMPERED: LEAF_MISMATCH" in output and "seq: 3" in output
    sql(engine, "UPDATE ledger_events SET actor = 'hub' WHERE seq = 3")

    sql(engine, "UPDATE ledger_events SET seq = 100 WHERE seq = 5")
    sql(engine, "UPDATE ledger_events SET seq = 5 WHERE seq = 6")
    sql(engine, "UPDATE ledger_events SET seq = 6 WHERE seq = 100")
    code, output = _verify(migrated_url, pki_dir)
    assert code == 1
    assert "TRANSPARENCY LOG TAMPERED: LEAF_MISMATCH" in output and "seq: 5" in output
    assert "subject: block B-6" in output  # the row now at seq 5 is B-6's

    sql(engine, "DELETE FROM ledger_events WHERE subject_id IN ('B-5', 'B-6')")
    code, output = _verify(migrated_url, pki_dir)
    assert code == 1
    assert "TRANSPARENCY LOG TAMPERED: LEAF_MISMATCH" in output and "seq: 5" in output


def test_audit_verify_names_an_edited_tree_a_forged_head_and_a_rebuilt_tree(
    hub_audit: AuditService,
    factory: SqlAlchemyUnitOfWorkFactory,
    engine: Engine,
    migrated_url: str,
    pki_dir: Path,
) -> None:
    append(factory, *range(1, 9))
    _publish(hub_audit)
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE merkle_nodes SET hash = :h WHERE level = 1 AND idx = 2"),
            {"h": bytes(32)},
        )
    code, output = _verify(migrated_url, pki_dir)
    assert code == 1
    assert "TRANSPARENCY LOG TAMPERED: NODE_MISMATCH" in output and "events 5..6" in output

    # An event rewritten with every hash after it recomputed, the checkpoints and
    # the tree removed and the tree rebuilt: every stored hash agrees, but the
    # root the hub signed (a tree head kept, or held elsewhere) does not.
    signed = _log(hub_audit).latest()
    rewrite_actor(engine, factory, 2, "forged")
    _log(hub_audit).integrate(8, head_hash(engine, 8))
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO merkle_tree_heads (tree_size, root_hash, at, key_id, signature) "
                "VALUES (:s, :r, :a, :k, :g)"
            ),
            {
                "s": signed.tree_size,
                "r": signed.root_hash,
                "a": signed.at,
                "k": signed.key_id,
                "g": signed.signature,
            },
        )
    code, output = _verify(migrated_url, pki_dir)
    assert code == 1
    assert "TRANSPARENCY LOG TAMPERED: TREE_HEAD_MISMATCH" in output

    sql(engine, "UPDATE merkle_tree_heads SET root_hash = :r", r="0" * 64)
    code, output = _verify(migrated_url, pki_dir)
    assert code == 1
    assert "TRANSPARENCY LOG TAMPERED: TREE_HEAD_FORGED" in output


def test_audit_prove_and_consistency_print_what_the_api_serves(
    hub_audit: AuditService,
    factory: SqlAlchemyUnitOfWorkFactory,
    migrated_url: str,
    pki_dir: Path,
) -> None:
    import json

    from hub.cli.app import app
    from hub.services.audit_port import LedgerEvent

    append(factory, 1, 2)
    with factory() as uow:
        uow.events.append(
            [LedgerEvent("claim", "C-9", "ACCEPTED", "CN-GD", T0, {"record_id": "GD-9"})]
        )
        uow.commit()
    _publish(hub_audit)
    append(factory, 4, 5)
    _publish(hub_audit)
    where = ["--database-url", migrated_url, "--pki-dir", str(pki_dir)]
    runner = CliRunner()
    proved = runner.invoke(app, ["audit", "prove", "--claim", "C-9", "--tree-size", "3", *where])
    assert proved.exit_code == 0, proved.output
    answer = json.loads(proved.output)
    assert answer["seq"] == 3 and '"subject_id":"C-9"' in answer["event"]
    root = bytes.fromhex(answer["tree_head"]["root_hash"])
    path = [bytes.fromhex(h) for h in answer["audit_path"]]
    assert verify_inclusion(2, 3, leaf_hash(answer["event"].encode()), path, root)
    grown = runner.invoke(app, ["audit", "consistency", "--first", "3", "--second", "5", *where])
    assert grown.exit_code == 0, grown.output
    proof = json.loads(grown.output)
    assert verify_consistency(
        3,
        5,
        bytes.fromhex(proof["first_tree_head"]["root_hash"]),
        bytes.fromhex(proof["second_tree_head"]["root_hash"]),
        [bytes.fromhex(h) for h in proof["consistency_path"]],
    )
    unknown = runner.invoke(app, ["audit", "prove", "--event", "99", *where])
    assert unknown.exit_code == 1 and "TRANSPARENCY_EVENT_UNKNOWN" in unknown.output
    beyond = runner.invoke(app, ["audit", "prove", "--event", "1", "--tree-size", "9", *where])
    assert beyond.exit_code == 1 and "TRANSPARENCY_TREE_SIZE_BEYOND_HEAD" in beyond.output
