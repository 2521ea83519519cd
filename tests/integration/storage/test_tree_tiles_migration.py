"""Migration 0030 on a real database (SQLite and PostgreSQL): a tree stored
node by node, as 0029 kept it, loses only the nodes inside its complete
tiles, and its roots and proofs stay the signed ones; downgrade leaves the
signed tree heads and no tree, and the tree rebuilt from the events has the
signed roots again."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Engine, text

from carbonhub_contract.key_files import write_ed25519_keypair
from hub.domain.merkle import Frontier, inclusion_proof, leaf_hash, root_of
from hub.domain.tree_head import leaf_bytes
from hub.services.audit import AuditService
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hub.trust.audit_signing import audit_service
from tests.integration.storage.test_audit_checkpoints_held import append, sql
from tests.integration.storage.test_transparency_tiles import stored_nodes, tiled_tree

BEFORE = "0029_compact_instants"


def _leaves(factory: SqlAlchemyUnitOfWorkFactory) -> list[bytes]:
    with factory() as uow:
        rows = uow.audit.rows(0, 10_000)
    return [leaf_hash(data) for data in map(leaf_bytes, rows) if data is not None]


def _publish(service: AuditService, factory: SqlAlchemyUnitOfWorkFactory, upto: int) -> None:
    done = len(_leaves(factory))
    append(factory, *range(done + 1, upto + 1))
    service.checkpoint()
    service.extend_tree()


def _as_0029_kept_it(engine: Engine, leaves: list[bytes]) -> None:
    """Every complete subtree's hash, leaves included."""
    frontier = Frontier()
    every = [n for leaf in leaves for n in frontier.append(leaf)]
    sql(engine, "DELETE FROM merkle_nodes")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO merkle_nodes (level, idx, hash) VALUES (:l, :i, :h)"),
            [{"l": n.level, "i": n.index, "h": n.hash} for n in every],
        )


def _verify(url: str, pki: Path) -> str:
    from typer.testing import CliRunner

    from hub.cli.app import app

    result = CliRunner().invoke(
        app, ["audit", "verify", "--database-url", url, "--pki-dir", str(pki)]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_a_node_by_node_tree_keeps_its_tiles_and_its_proofs(
    database_url: str, tmp_path: Path
) -> None:
    pki = tmp_path / "pki"
    write_ed25519_keypair(pki / "hub-signing.key", pki / "hub-signing.pub")
    config = alembic_config(url=database_url)
    migrate(database_url)
    engine = create_engine_for(database_url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    try:
        service = audit_service(factory, pki)
        assert service.transparency is not None
        for size in (21, 53):
            _publish(service, factory, size)
        leaves = _leaves(factory)
        heads = [service.transparency.tree_head(size) for size in (21, 53)]
        hub_written = stored_nodes(engine)

        command.downgrade(config, BEFORE)
        assert stored_nodes(engine) == {}  # the tree goes; the signed heads stay
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM merkle_tree_heads")).scalar() == 2
        _as_0029_kept_it(engine, leaves)
        assert len(stored_nodes(engine)) == 53 + 26 + 13 + 6 + 3 + 1

        command.upgrade(config, "head")
        assert stored_nodes(engine) == hub_written == tiled_tree(leaves)
        log = service.transparency
        assert [log.tree_head(size) for size in (21, 53)] == heads
        whole = lambda a, b: root_of(leaves[a:b])  # noqa: E731
        for seq in (1, 16, 17, 21, 40, 53):
            assert log.inclusion(seq=seq).audit_path == inclusion_proof(seq - 1, 53, whole)
        assert "transparency log intact (tree size 53" in _verify(database_url, pki)

        # Down and up with no tree: rebuilt from the events, the signed roots.
        command.downgrade(config, BEFORE)
        command.upgrade(config, "head")
        assert stored_nodes(engine) == {}
        _publish(service, factory, 60)
        assert log.latest().root_hash == root_of(_leaves(factory)).hex()
        assert stored_nodes(engine) == tiled_tree(_leaves(factory))
        assert "transparency log intact (tree size 60" in _verify(database_url, pki)
    finally:
        engine.dispose()
