"""The transparency log end to end: a ``carbon-hub serve`` process integrates
the audit events into the Merkle tree and signs tree heads as it checkpoints;
scripts/verify_inclusion.py (written from docs/transparency-log.md alone)
checks a claim's inclusion proof and the consistency between two tree heads
against the live hub's HTTP answers; an event edited in the database makes
that verifier fail and ``audit verify`` name the row. Real OS processes, the
embedded database, HTTP on a loopback port."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from hub.services.audit_port import LedgerEvent
from hub.storage.database import create_engine_for, migrate
from hub.storage.packed_details import pack_details
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.e2e.test_serve_cli import ROOT, _environment, running_hub

pytestmark = pytest.mark.slow

VERIFIER = ROOT / "scripts" / "verify_inclusion.py"
WAIT = 30.0
HUB_COMMAND = (sys.executable, "-c", "from hub.cli.app import main; main()")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _append(engine: Engine, *claims: str) -> None:
    now = datetime.now(UTC)
    with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
        uow.events.append(
            [
                LedgerEvent("claim", c, "ACCEPTED", "CN-GD", now, {"record_id": f"GD-{c}"})
                for c in claims
            ]
            + [LedgerEvent("block", f"B-{claims[0]}", "ISSUED", "hub", now, {})]
        )
        uow.commit()


def _get(base: str, path: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"{base}{path}", timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _tree_size_reaches(base: str, size: int) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT
    while True:
        try:
            status, head = _get(base, "/api/v1/audit/tree-heads/latest")
            if status == 200 and head["tree_size"] >= size:
                return head
        except OSError:
            pass  # uvicorn starts just after gRPC reports LISTENING
        assert time.monotonic() < deadline, f"no tree head of {size} events in {WAIT} s"
        time.sleep(0.2)


def _verify(base: str, key: Path, claim: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(VERIFIER), "--hub", base, "--key", str(key), "--claim", claim, *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_partner_verifies_its_claims_event_and_the_logs_growth_from_the_docs_alone(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    url = f"sqlite:///{data_dir / 'hub.db'}"
    migrate(url)
    engine = create_engine_for(url)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    key = data_dir / "pki" / "hub-signing.pub"
    env = _environment(HUB_AUDIT_CHECKPOINT_INTERVAL="0.5")
    try:
        _append(engine, "C-1", "C-2", "C-3")
        with running_hub(
            tmp_path,
            "--insecure",
            "--grpc-port",
            "0",
            "--http-port",
            str(port),
            "--data-dir",
            str(data_dir),
            env=env,
        ) as hub:
            _tree_size_reaches(base, 4)
            saved = tmp_path / "head.json"
            first = _verify(base, key, "C-2", "--save", str(saved))
            assert first.returncode == 0, first.stdout + first.stderr + hub.stderr()
            assert "claim C-2: its event is in the signed tree of 4 events" in first.stdout
            assert json.loads(saved.read_text())["tree_size"] == 4

            _append(engine, "C-4", "C-5")  # as another hub process would
            _tree_size_reaches(base, 7)
            grown = _verify(base, key, "C-5", "--since", str(saved))
            assert grown.returncode == 0, grown.stdout + grown.stderr
            assert "the tree of 7 events extends the one of 4" in grown.stdout

            status, body = _get(base, "/api/v1/audit/proofs/inclusion?claim=C-404")
            assert (status, body["code"]) == (404, "TRANSPARENCY_EVENT_UNKNOWN")
            status, body = _get(base, "/api/v1/audit/proofs/consistency?first=7&second=4")
            assert (status, body["code"]) == (400, "TRANSPARENCY_RANGE_INVALID")
            status, body = _get(base, "/api/v1/audit/proofs/inclusion?event=2&tree_size=99")
            assert (status, body["code"]) == (404, "TRANSPARENCY_TREE_SIZE_BEYOND_HEAD")

            # Someone with the database edits claim C-2's logged event, in
            # the form the hub keeps it (packed details, docs/audit-log.md).
            with engine.begin() as connection:
                connection.execute(
                    text("UPDATE ledger_events SET packed = :p WHERE subject_id = 'C-2'"),
                    {"p": pack_details({"record_id": "GD-forged"})},
                )
            edited = _verify(base, key, "C-2")
            assert edited.returncode == 1, edited.stdout + edited.stderr
            assert "FAILED: the leaf hash is not the hash of the event bytes" in edited.stdout
        verify = subprocess.run(
            [*HUB_COMMAND, "audit", "verify", "--data-dir", str(data_dir)],
            cwd=ROOT,
            env=_environment(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert verify.returncode == 1, verify.stdout + verify.stderr
        assert "TRANSPARENCY LOG TAMPERED: LEAF_MISMATCH" in verify.stdout
        assert "subject: claim C-2" in verify.stdout
    finally:
        engine.dispose()
