"""The transparency log stored by tiles (hub.domain.tree_tiles, migration
0030) on a real database (SQLite and PostgreSQL): a tree of several tiles
keeps no node inside a complete tile, only the tile nodes, those above them
and its last tile's; every inclusion and consistency proof still equals the
one of the whole tree recomputed and verifies against its signed root; a
proof that needs an event edited after it entered the tree is refused with
a code; ``carbon-hub audit verify`` names an edited event inside a complete
tile by its seq, and one rewritten with its chain by its tile."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from hub.domain.audit_chain import canonical_event, link
from hub.domain.merkle import (
    Frontier,
    consistency_proof,
    inclusion_proof,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from hub.errors import FailedPrecondition
from hub.services.audit import AuditService
from hub.services.transparency import stored_subtrees
from hub.storage.merkle_repository import SqlAlchemyTreeStore
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hub.trust.audit_signing import audit_service
from tests.integration.storage.test_audit_checkpoints_held import append, sql
from tests.integration.storage.test_transparency_log import _leaves, _log, _verify

# Tree heads at these sizes: inside tile 0, tile 1 just complete, inside
# tile 3 (tile 2 completed on the way), inside tile 4.
SIZES = (5, 32, 53, 70)


@pytest.fixture
def hub_audit(factory: SqlAlchemyUnitOfWorkFactory, pki_dir: Path) -> AuditService:
    service = audit_service(factory, pki_dir)
    done = 0
    for size in SIZES:
        append(factory, *range(done + 1, size + 1))
        service.checkpoint()
        service.extend_tree()
        done = size
    return service


def stored_nodes(engine: Engine) -> dict[tuple[int, int], bytes]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT level, idx, hash FROM merkle_nodes"))
        return {(int(level), int(idx)): bytes(digest) for level, idx, digest in rows}


def tiled_tree(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    """What the stored tree of these leaves holds, written out by hand: every
    complete subtree from level 4 (sixteen leaves) up, and below it only those
    inside the last, incomplete tile."""
    frontier = Frontier()
    every = {(n.level, n.index): n.hash for leaf in leaves for n in frontier.append(leaf)}
    tail = len(leaves) // 16 * 16
    return {(lv, i): h for (lv, i), h in every.items() if lv >= 4 or i * 2**lv >= tail}


def test_the_stored_tree_is_its_tiles_and_its_last_tiles_inside(
    hub_audit: AuditService, factory: SqlAlchemyUnitOfWorkFactory, engine: Engine
) -> None:
    leaves = _leaves(factory)
    assert len(leaves) == 70
    stored = stored_nodes(engine)
    assert stored == tiled_tree(leaves)
    # 4 tiles, 2 nodes of 32, 1 of 64; leaves 64..69 and their 3 + 1 inner nodes.
    assert len(stored) == 4 + 2 + 1 + 6 + 3 + 1
    assert _log(hub_audit).latest().root_hash == root_of(leaves).hex()


def test_every_proof_equals_the_whole_trees_and_verifies(
    hub_audit: AuditService, factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    log = _log(hub_audit)
    leaves = _leaves(factory)

    def whole(start: int, end: int) -> bytes:
        return root_of(leaves[start:end])

    for size in SIZES:
        root = bytes.fromhex(log.tree_head(size).root_hash)
        assert root == root_of(leaves[:size])
        for seq in range(1, size + 1):
            answer = log.inclusion(seq=seq, tree_size=size)
            assert answer.leaf_hash == leaves[seq - 1]
            assert answer.audit_path == inclusion_proof(seq - 1, size, whole)
            assert verify_inclusion(seq - 1, size, answer.leaf_hash, answer.audit_path, root)
    for first, second in itertools.combinations(SIZES, 2):
        proof = log.consistency(first, second)
        assert proof.consistency_path == consistency_proof(first, second, whole)
        assert verify_consistency(
            first,
            second,
            bytes.fromhex(proof.first.root_hash),
            bytes.fromhex(proof.second.root_hash),
            proof.consistency_path,
        )


def test_a_proof_needing_an_edited_event_is_refused_with_a_code(
    hub_audit: AuditService, engine: Engine
) -> None:
    log = _log(hub_audit)
    sql(engine, "UPDATE ledger_events SET actor = 'forged' WHERE seq = 20")
    with pytest.raises(FailedPrecondition) as refused:
        log.inclusion(seq=20)
    assert refused.value.code == "TRANSPARENCY_EVENTS_ALTERED"
    assert refused.value.details == {"first_seq": "17", "last_seq": "32"}
    # The head of 5 was signed while tile 1 was not begun: its proof of leaf 3
    # rehashes tile 0 only, which is intact; so does every proof outside tile 1.
    assert log.inclusion(seq=3, tree_size=5).tree_head.tree_size == 5
    assert log.inclusion(seq=40).seq == 40
    # Tile 0's inner nodes (rehashed, intact) and tile 1's stored hash: answered.
    assert log.consistency(5, 32).consistency_path


def test_audit_verify_names_an_event_edited_inside_a_complete_tile(
    hub_audit: AuditService, engine: Engine, migrated_url: str, pki_dir: Path
) -> None:
    code, output = _verify(migrated_url, pki_dir)
    assert code == 0, output
    assert "transparency log intact (tree size 70" in output
    sql(engine, "UPDATE ledger_events SET actor = 'forged' WHERE seq = 20")
    code, output = _verify(migrated_url, pki_dir)
    assert code == 1
    assert "TRANSPARENCY LOG TAMPERED: LEAF_MISMATCH" in output and "seq: 20" in output
    assert "subject: block B-20" in output


def _rewrite_chain_from(engine: Engine, factory: SqlAlchemyUnitOfWorkFactory, seq: int) -> None:
    """Edit the event at ``seq`` and recompute its hash and every one after
    it, the head record too: the chain is whole again, the stored tree kept."""
    with factory() as uow:
        rows = uow.audit.rows(seq - 1, 10_000)
    prev = rows[0].prev_hash
    for row in rows:
        assert prev is not None and row.at is not None and row.details is not None
        assert row.subject_kind and row.subject_id and row.event and row.actor
        actor = "forged" if row.seq == seq else row.actor
        prev = link(
            prev,
            canonical_event(
                row.seq or 0,
                row.subject_kind,
                row.subject_id,
                row.event,
                actor,
                row.at,
                row.details,
            ),
        )
        sql(
            engine,
            "UPDATE ledger_events SET actor = :a, hash = :h WHERE seq = :s",
            a=actor,
            h=bytes.fromhex(prev),
            s=row.seq,
        )
    sql(engine, "UPDATE audit_head SET hash = :h", h=prev)


def test_audit_verify_names_the_tile_of_an_event_rewritten_with_its_chain(
    hub_audit: AuditService,
    factory: SqlAlchemyUnitOfWorkFactory,
    engine: Engine,
    migrated_url: str,
    pki_dir: Path,
) -> None:
    _rewrite_chain_from(engine, factory, 20)
    code, output = _verify(migrated_url, pki_dir)
    assert code == 1, output
    assert "TRANSPARENCY LOG TAMPERED: NODE_MISMATCH" in output
    assert "events 17..32 (level 4, index 1)" in output


def test_a_tile_completed_after_the_size_was_read_is_rehashed_not_refused(
    hub_audit: AuditService, factory: SqlAlchemyUnitOfWorkFactory
) -> None:
    """On PostgreSQL (read committed) a proof or an integrator may read the
    tree's size while tile 3 is its tail, and its nodes after another
    integrator completed the tile and dropped its inside: what is stored then
    is the tile's hash, and the inside is rehashed from the events."""
    leaves = _leaves(factory)
    log = _log(hub_audit)
    with log.stores() as store:
        assert store.size() == 70  # tile 3 (leaves 48..63) complete since 53
        subtree = stored_subtrees(store, {(48, 52), (52, 53), (0, 32)}, 53)
        assert subtree(48, 52) == root_of(leaves[48:52])
        assert subtree(52, 53) == leaves[52]
        assert subtree(0, 32) == root_of(leaves[:32])


def test_audit_verify_beside_an_integrator_finds_nothing_missing(
    hub_audit: AuditService,
    migrated_url: str,
    pki_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The walk read the tree heads and the size (53) before an integrator took
    the tree to 70 and dropped the inside of tile 3: those nodes are not
    missing."""
    heads = SqlAlchemyTreeStore.tree_heads
    monkeypatch.setattr(SqlAlchemyTreeStore, "size", lambda self: 53)
    monkeypatch.setattr(
        SqlAlchemyTreeStore,
        "tree_heads",
        lambda self: [head for head in heads(self) if head.tree_size <= 53],
    )
    code, output = _verify(migrated_url, pki_dir)
    assert code == 0, output
    assert "transparency log intact (tree size 53" in output


@pytest.mark.parametrize(
    ("removed", "named"),
    [
        # The tail's last leaf, or the whole tail: the tree reads as 69 or 64.
        ("level = 0 AND idx = 69", "TREE_TRUNCATED"),
        ("level < 4 AND idx * (1 << level) >= 64", "TREE_TRUNCATED"),
        # The last complete tile's hash: the tail still says 70, the hash is missing.
        ("level = 4 AND idx = 3", "NODE_MISMATCH"),
    ],
)
def test_audit_verify_names_stored_hashes_removed_from_the_trees_end(
    hub_audit: AuditService,
    engine: Engine,
    migrated_url: str,
    pki_dir: Path,
    removed: str,
    named: str,
) -> None:
    sql(engine, f"DELETE FROM merkle_nodes WHERE {removed}")
    code, output = _verify(migrated_url, pki_dir)
    assert code == 1, output
    assert f"TRANSPARENCY LOG TAMPERED: {named}" in output
    if named == "TREE_TRUNCATED":
        assert "the tree head of size 70 was signed" in output
