"""A checkpoint held outside the database catches what the database alone
cannot: someone who can write it deletes the last rows (or rewrites one and
recomputes every hash after it), sets the head record to match and deletes
the stored checkpoints that would tell. Plain ``audit verify`` then finds a
consistent chain; ``audit verify --against`` an exported checkpoint names the
truncation or the rewrite. A checkpoint file that is unreadable, malformed or
not signed by this hub is refused with one coded line (exit 2). SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from carbonhub_contract.key_files import write_ed25519_keypair
from hub.domain.audit_chain import GENESIS, Checkpoint, canonical_event, checkpoint_statement, link
from hub.domain.published_checkpoint import published
from hub.services.audit_port import LedgerEvent
from hub.services.unit_of_work import UnitOfWorkFactory
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hub.trust.audit_signing import hub_checkpoint_signer

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def append(factory: UnitOfWorkFactory, *numbers: int) -> None:
    with factory() as uow:
        uow.events.append(
            [
                LedgerEvent(
                    "block",
                    f"B-{n}",
                    "ISSUED",
                    "hub",
                    T0 + timedelta(seconds=n, microseconds=n),
                    {"units": str(n), "账户": "项目 7"},
                )
                for n in numbers
            ]
        )
        uow.commit()


def sql(engine: Engine, statement: str, **params: Any) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement), params)


def head_hash(engine: Engine, seq: int) -> str:
    """The row's chain hash (stored as 32 bytes since 0021) as the head holds it: hex."""
    with engine.connect() as connection:
        found: bytes = connection.execute(
            text("SELECT hash FROM ledger_events WHERE seq = :s"), {"s": seq}
        ).scalar_one()
        return bytes(found).hex()


def cover_up(engine: Engine, last: int, changed_from: int) -> None:
    """What a thorough tamperer does once the chain ends at ``last`` and was
    changed from ``changed_from`` on: the head record made to agree, and the
    stored checkpoints that would tell deleted, and the transparency log's
    tree and tree heads with them (they would tell too)."""
    sql(engine, "UPDATE audit_head SET seq = :s, hash = :h", s=last, h=head_hash(engine, last))
    sql(engine, "DELETE FROM audit_checkpoints WHERE seq >= :s", s=changed_from)
    sql(engine, "DELETE FROM merkle_tree_heads")
    sql(engine, "DELETE FROM merkle_nodes")


def rewrite_actor(engine: Engine, factory: UnitOfWorkFactory, seq: int, actor: str) -> None:
    """Edit one row and recompute its hash and every hash after it."""
    with factory() as uow:
        rows = uow.audit.rows(0, 1000)
    prev = GENESIS
    for row in rows:
        assert row.seq is not None and row.at is not None and row.details is not None
        assert row.subject_kind and row.subject_id and row.event and row.actor
        who = actor if row.seq == seq else row.actor
        digest = link(
            prev,
            canonical_event(
                row.seq, row.subject_kind, row.subject_id, row.event, who, row.at, row.details
            ),
        )
        sql(
            engine,
            "UPDATE ledger_events SET actor = :a, hash = :h WHERE seq = :s",
            a=who,
            h=bytes.fromhex(digest),
            s=row.seq,
        )
        prev = digest
    cover_up(engine, rows[-1].seq or 0, seq)


class Audit:
    """``carbon-hub audit ...`` on this test's database and PKI."""

    def __init__(self, url: str, pki_dir: Path) -> None:
        self._where = ["--database-url", url, "--pki-dir", str(pki_dir)]
        self._runner = CliRunner()

    def __call__(self, *args: str) -> Any:
        from hub.cli.app import app

        return self._runner.invoke(app, ["audit", args[0], *self._where, *args[1:]])


@pytest.fixture
def audit(migrated_url: str, pki_dir: Path) -> Audit:
    return Audit(migrated_url, pki_dir)


def exported(audit: Audit, path: Path, *extra: str) -> Path:
    result = audit("export-checkpoint", "--out", str(path), *extra)
    assert result.exit_code == 0, result.output
    return path


def signed(audit: Audit) -> None:
    result = audit("checkpoint")
    assert result.exit_code == 0 and "signed checkpoint" in result.output, result.output


def test_a_covered_up_truncation_is_seen_only_against_a_held_checkpoint(
    audit: Audit, factory: SqlAlchemyUnitOfWorkFactory, engine: Engine, tmp_path: Path
) -> None:
    append(factory, 1, 2, 3, 4, 5, 6)
    signed(audit)
    held = exported(audit, tmp_path / "checkpoint.json")
    assert json.loads(held.read_text())["seq"] == 6
    sql(engine, "DELETE FROM ledger_events WHERE seq > 4")
    cover_up(engine, 4, 5)
    plain = audit("verify")
    assert plain.exit_code == 0 and "audit log intact (head seq 4" in plain.output, plain.output
    against = audit("verify", "--against", str(held))
    assert against.exit_code == 1, against.output
    assert "AUDIT LOG TAMPERED: TRUNCATED" in against.output
    assert "seq: 5" in against.output
    assert "vouches for 6 rows; the log holds 4: truncated" in against.output


def test_a_plain_truncation_is_reported_against_a_held_checkpoint_too(
    audit: Audit, factory: SqlAlchemyUnitOfWorkFactory, engine: Engine, tmp_path: Path
) -> None:
    append(factory, 1, 2, 3)
    signed(audit)
    held = exported(audit, tmp_path / "checkpoint.json")
    sql(engine, "DELETE FROM ledger_events WHERE seq = 3")
    against = audit("verify", "--against", str(held))
    assert against.exit_code == 1, against.output
    assert "AUDIT LOG TAMPERED: TRUNCATED" in against.output and "seq: 3" in against.output


def test_a_rewritten_row_with_recomputed_hashes_is_seen_against_a_held_checkpoint(
    audit: Audit, factory: SqlAlchemyUnitOfWorkFactory, engine: Engine, tmp_path: Path
) -> None:
    append(factory, 1, 2, 3, 4)
    signed(audit)
    held = exported(audit, tmp_path / "checkpoint.json")
    rewrite_actor(engine, factory, 3, "bureau:mallory")
    plain = audit("verify")
    assert plain.exit_code == 0, plain.output  # the database alone agrees with itself
    against = audit("verify", "--against", str(held))
    assert against.exit_code == 1, against.output
    assert "AUDIT LOG TAMPERED: CHECKPOINT_MISMATCH" in against.output
    assert "seq: 4" in against.output and "rewritten" in against.output


def test_a_log_grown_since_the_held_checkpoints_is_intact_against_all_of_them(
    audit: Audit, factory: SqlAlchemyUnitOfWorkFactory, tmp_path: Path
) -> None:
    refused = audit("export-checkpoint")
    assert refused.exit_code == 1 and "AUDIT_CHECKPOINT_NONE" in refused.output, refused.output
    append(factory, 1, 2)
    signed(audit)
    append(factory, 3)
    signed(audit)
    held = exported(audit, tmp_path / "all.json", "--all")
    assert [item["seq"] for item in json.loads(held.read_text())["items"]] == [2, 3]
    append(factory, 4, 5)
    against = audit("verify", "--against", str(held))
    assert against.exit_code == 0, against.output
    assert "checked 5 rows and 4 checkpoints" in against.output  # 2 stored + 2 held
    assert "held checkpoint(s) up to seq 3 match the log" in against.output
    latest = audit("export-checkpoint")
    assert latest.exit_code == 0 and json.loads(latest.output)["seq"] == 3


def test_export_refuses_a_stored_checkpoint_without_a_valid_signature(
    audit: Audit, factory: SqlAlchemyUnitOfWorkFactory, engine: Engine, tmp_path: Path
) -> None:
    append(factory, 1, 2)
    signed(audit)
    sql(engine, "UPDATE audit_checkpoints SET head_hash = :h", h="0" * 64)
    result = audit("export-checkpoint", "--out", str(tmp_path / "forged.json"))
    assert result.exit_code == 1 and "AUDIT_CHECKPOINT_FORGED" in result.output, result.output
    assert not (tmp_path / "forged.json").exists()


def _foreign_checkpoint(tmp_path: Path, seq: int, head: str) -> dict[str, Any]:
    other = tmp_path / "other-pki"
    write_ed25519_keypair(other / "hub-signing.key", other / "hub-signing.pub")
    signer = hub_checkpoint_signer(other)
    assert signer is not None
    key_id, signature = signer(checkpoint_statement(seq, head, T0))
    return published(Checkpoint(seq, head, T0, key_id, signature))


@pytest.mark.parametrize(
    ("spoil", "code"),
    [
        ("missing", "AUDIT_CHECKPOINT_FILE_UNREADABLE"),
        ("not json", "AUDIT_CHECKPOINT_INVALID"),
        ("no signature", "AUDIT_CHECKPOINT_INVALID"),
        ("statement not the fields'", "AUDIT_CHECKPOINT_INVALID"),
        ("empty page", "AUDIT_CHECKPOINT_INVALID"),
        ("altered and restated", "AUDIT_CHECKPOINT_SIGNATURE_INVALID"),
        ("foreign key", "AUDIT_CHECKPOINT_KEY_UNKNOWN"),
    ],
)
def test_a_bad_checkpoint_file_is_refused_with_one_coded_line(
    audit: Audit,
    factory: SqlAlchemyUnitOfWorkFactory,
    engine: Engine,
    tmp_path: Path,
    spoil: str,
    code: str,
) -> None:
    append(factory, 1, 2)
    signed(audit)
    path = exported(audit, tmp_path / "checkpoint.json")
    good = json.loads(path.read_text())
    bad: object = dict(good)
    if spoil == "missing":
        path.unlink()
    elif spoil == "not json":
        path.write_bytes(b"\xff{seq")
    else:
        if spoil == "no signature":
            del good["signature"]
            bad = good
        elif spoil == "statement not the fields'":
            bad = {**good, "seq": 1}
        elif spoil == "empty page":
            bad = {"items": [], "next_cursor": None}
        elif spoil == "altered and restated":
            bad = {**good, "seq": 1}
            bad["head_hash"] = head_hash(engine, 1)
            bad["statement"] = (
                good["statement"]
                .replace('"seq":2', '"seq":1')
                .replace(good["head_hash"], bad["head_hash"])
            )
        elif spoil == "foreign key":
            bad = _foreign_checkpoint(tmp_path, 2, good["head_hash"])
        path.write_text(json.dumps(bad))
    result = audit("verify", "--against", str(path))
    assert result.exit_code == 2, result.output
    assert result.output.strip().startswith(code), result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "Traceback" not in result.output
