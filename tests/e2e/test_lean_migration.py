"""Migration 0018 (lean claim rows) changes nothing a user can see.

A demo ledger and a small bench ledger are made by the tree just before
0018 (``git archive`` of the parent of the commit that added it), and their
answers captured there: GetClaimStatus of every claim, the console's evidence
page of the held claims and others, the public disclosure. Then this tree
migrates them and answers again: the same bytes. The audit chain still
verifies (migration 0018 changes no audit row; 0021 stores each row's hash
as bytes and drops the previous hash, the same chain).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import msgpack  # type: ignore[import-untyped]
import pytest
from alembic import command
from sqlalchemy import text

from hub.storage.database import alembic_config, create_engine_for, migrate

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = Path(__file__).with_name("lean_answers.py")
MIGRATION = "hub/storage/migrations/versions/0018_lean_claims.py"

pytestmark = pytest.mark.slow


def _base(into: Path) -> Path:
    """The tree before 0018, or a skip where git or its history is missing."""
    try:
        added = subprocess.run(
            ["git", "log", "--diff-filter=A", "--format=%H", "--", MIGRATION],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        archive = subprocess.run(
            ["git", "archive", f"{added[-1]}^"], cwd=ROOT, check=True, capture_output=True
        ).stdout
    except (OSError, subprocess.CalledProcessError, IndexError) as error:
        pytest.skip(f"no git history to take the tree before 0018 from: {error}")
    tree = into / "base"
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(tree, filter="data")
    return tree


def _run(tree: Path, *args: str, timeout: int = 600) -> str:
    env = {**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "160"}
    done = subprocess.run(
        [sys.executable, *args], cwd=tree, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-4000:] + done.stdout[-2000:]
    return done.stdout


def _hub(tree: Path, *args: str) -> str:
    return _run(tree, "-c", "from hub.cli.app import main; main()", *args)


def _answers(tree: Path, data_dir: Path, out: Path, *flags: str) -> dict[str, str]:
    _run(tree, str(ANSWERS), str(data_dir), str(out), *flags)
    answers: dict[str, str] = json.loads(out.read_text(encoding="utf-8"))
    return answers


def _version(data_dir: Path) -> str:
    engine = create_engine_for(f"sqlite:///{data_dir / 'hub.db'}")
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar())
    finally:
        engine.dispose()


def _periods_as_texts_at_0018(data_dir: Path, tmp_path: Path) -> None:
    """Migrated to 0018 alone (a copy), every body keeps the partner's period
    texts as text, as a hub of 0018 to 0043 reads them (0044 keeps them as
    offsets from the period columns; 0018 writes bodies with today's code)."""
    copy = tmp_path / "at-0018.db"
    shutil.copy(data_dir / "hub.db", copy)
    url = f"sqlite:///{copy}"
    command.upgrade(alembic_config(url=url), "0018_lean_claims")
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            bodies = [
                msgpack.unpackb(bytes(body), raw=False, strict_map_key=False)
                for (body,) in connection.execute(text("SELECT body FROM claims"))
            ]
    finally:
        engine.dispose()
    periods = [
        value
        for body in bodies
        for key in (4, 5)
        if (value := body.get(3, {}).get(key)) is not None
    ]
    assert len(periods) > 1000 and all(isinstance(value, str) for value in periods)


@pytest.mark.parametrize("ledger", ["demo", "bench"])
def test_a_ledger_answers_the_same_bytes_after_migration(tmp_path: Path, ledger: str) -> None:
    base = _base(tmp_path)
    data_dir = tmp_path / ledger
    if ledger == "demo":
        _hub(base, "demo", "--data-dir", str(data_dir))
    else:
        _hub(base, "bench", "ingest", "--claims", "1500", "--data-dir", str(data_dir))
    assert _version(data_dir) == "0017_vintage_parts"
    before = _answers(base, data_dir, tmp_path / "before.json", "--add-officer")
    if ledger == "bench":
        _periods_as_texts_at_0018(data_dir, tmp_path)

    migrate(f"sqlite:///{data_dir / 'hub.db'}")
    assert _version(data_dir) == "0045_claim_contexts"  # 0018 and what came after it
    after = _answers(ROOT, data_dir, tmp_path / "after.json")

    statuses = [key for key in before if key.startswith("status ")]
    assert len(statuses) > 100 and any(key.startswith("console ") for key in before)
    assert after.keys() == before.keys()
    different = [key for key in before if before[key] != after[key]]
    assert different == [], different[:5]
    verified = _hub(ROOT, "audit", "verify", "--data-dir", str(data_dir))
    assert "intact" in verified, verified
