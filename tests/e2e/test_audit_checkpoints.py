"""``carbon-hub serve`` signs the audit head as it starts and when it stops
cleanly, not only every interval (60 s by default): the rows already in the
log are signed at once, the rows appended while serving are signed on
SIGTERM. An operator exports the latest checkpoint; after someone truncates
the log and covers it up, plain ``audit verify`` finds a consistent chain and
``audit verify --against`` the exported checkpoint reports the truncation.
Real OS processes, the embedded database."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from hub.services.audit_port import LedgerEvent
from hub.storage.database import create_engine_for, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.e2e.test_serve_cli import ROOT, STOP_TIMEOUT, _environment, running_hub

pytestmark = pytest.mark.slow

ORDERED_SEQS = text("SELECT seq FROM audit_checkpoints ORDER BY seq")
# The head record set back to row 6, as one covering up a truncation would
# (SQLite: the row keeps its hash as 32 bytes since 0021, the head as hex).
HEAD_BACK_TO_6 = text(
    "UPDATE audit_head SET seq = 6,"
    " hash = (SELECT lower(hex(hash)) FROM ledger_events WHERE seq = 6)"
)
SIGNED_TIMEOUT = 20.0  # far below the 60 s interval: only the start can sign in time


def _append(engine: Engine, first: int, count: int) -> None:
    with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
        uow.events.append(
            [
                LedgerEvent("block", f"B-{n}", "NOTED", "test", datetime.now(UTC), {"n": str(n)})
                for n in range(first, first + count)
            ]
        )
        uow.commit()


def _checkpoints(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return [int(seq) for (seq,) in connection.execute(ORDERED_SEQS)]


def _audit(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from hub.cli.app import main; main()",
            "audit",
            args[0],
            "--data-dir",
            str(data_dir),
            *args[1:],
        ],
        cwd=ROOT,
        env=_environment(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_signs_on_start_and_on_a_clean_stop_and_a_held_checkpoint_catches_truncation(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    url = f"sqlite:///{data_dir / 'hub.db'}"
    migrate(url)
    engine = create_engine_for(url)
    try:
        _append(engine, 1, 5)
        with running_hub(
            tmp_path, "--insecure", "--grpc-port", "0", "--data-dir", str(data_dir)
        ) as hub:
            deadline = time.monotonic() + SIGNED_TIMEOUT
            while _checkpoints(engine) != [5] and time.monotonic() < deadline:
                time.sleep(0.1)
            assert _checkpoints(engine) == [5], hub.stderr()
            _append(engine, 6, 3)  # as another hub process on the same database would
            hub.process.send_signal(signal.SIGTERM)
            assert hub.process.wait(timeout=STOP_TIMEOUT) == 0, hub.stderr()
        assert _checkpoints(engine) == [5, 8]
        held = tmp_path / "checkpoint.json"
        exported = _audit(data_dir, "export-checkpoint", "--out", str(held))
        assert exported.returncode == 0, exported.stdout + exported.stderr
        assert json.loads(held.read_text())["seq"] == 8
        # The integrator ran with the checkpointer: a tree head per checkpoint.
        with engine.connect() as connection:
            sizes = connection.execute(
                text("SELECT tree_size FROM merkle_tree_heads ORDER BY tree_size")
            ).scalars()
            assert list(sizes) == [5, 8]
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM ledger_events WHERE seq > 6"))
            connection.execute(text("DELETE FROM audit_checkpoints WHERE seq > 6"))
            connection.execute(HEAD_BACK_TO_6)
            # A thorough tamperer removes the transparency log too: it would tell.
            connection.execute(text("DELETE FROM merkle_tree_heads"))
            connection.execute(text("DELETE FROM merkle_nodes"))
        plain = _audit(data_dir, "verify")
        assert plain.returncode == 0, plain.stdout + plain.stderr
        against = _audit(data_dir, "verify", "--against", str(held))
        assert against.returncode == 1, against.stdout + against.stderr
        assert "AUDIT LOG TAMPERED: TRUNCATED" in against.stdout
        assert "vouches for 8 rows; the log holds 6: truncated" in against.stdout
        refused = _audit(data_dir, "verify", "--against", str(tmp_path / "nowhere.json"))
        assert refused.returncode == 2
        assert refused.stderr.startswith("AUDIT_CHECKPOINT_FILE_UNREADABLE"), refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        engine.dispose()
