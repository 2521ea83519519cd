"""A day of the bureau read from the logs: each command a real OS process on a
ledger the demo filled, and a reconciliation across three processes (serve,
``carbon-hub reconcile`` and the exchange client). Every change is one JSON
line on stderr with its actors and subjects; the human output stays on
stdout; no pseudonym of the ledger and no partner record id is ever logged."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from hub.storage.hex_digest_column import digest_text
from tests.e2e.test_serve_cli import running_hub

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("HUB_")}
    env.update({"COLUMNS": "200", "HUB_HTTP_PORT": "0", **extra})
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from hub.cli.app import main; main()", *args]


def _hub(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _command(*args),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=_environment(**env),
        stdin=subprocess.DEVNULL,
    )


def _events(stderr: str) -> list[dict[str, Any]]:
    """The stderr of a process that is not on a terminal: JSON lines only."""
    return [json.loads(line) for line in stderr.splitlines() if line.strip()]


def _one(stderr: str, event: str) -> dict[str, Any]:
    found = [line for line in _events(stderr) if line.get("event") == event]
    assert len(found) == 1, stderr
    return found[0]


def _query(data: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(data / "hub.db") as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("day") / "hub"
    done = _hub("demo", "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    return data


def test_bureau_key_and_certificate_changes_are_one_line_each_with_actor_and_subject(
    ledger: Path,
) -> None:
    data = ("--data-dir", str(ledger))
    ((block_id, serial),) = _query(
        ledger, "SELECT block_id, serial FROM blocks WHERE state = 'DELIVERED' LIMIT 1"
    )
    cancelled = _hub(
        "bureau", "cancel-block", serial, "--reason", "核证造假", "--officer", "王科长", *data
    )
    assert cancelled.returncode == 0, cancelled.stderr
    assert f"cancelled {serial}" in cancelled.stdout  # the human answer, on stdout
    line = _one(cancelled.stderr, "bureau_action")
    assert line["level"] == "info" and line["logger"] == "hub.bureau"
    assert line["action"] == "cancel_block" and line["officer"] == "王科长"
    assert (line["block_id"], line["serial"]) == (block_id, serial)

    ((partner, record, claim_id),) = _query(
        ledger,  # the claim id kept as its 16 bytes (migration 0028), spelt in hex
        "SELECT partner, record_id, lower(hex(claim_id)) FROM claims"
        " WHERE decision = 'HELD' LIMIT 1",
    )
    approved = _hub(
        "bureau", "approve-claim", "--partner", partner, "--record", record,
        "--officer", "李审核", "--comment", "现场核查无误", *data,
    )  # fmt: skip
    assert approved.returncode == 0, approved.stderr
    line = _one(approved.stderr, "bureau_action")
    assert line["action"] == "approve_claim" and line["officer"] == "李审核"
    assert (line["partner"], line["claim_id"], line["decision"]) == (partner, claim_id, "ACCEPTED")
    assert record not in approved.stderr  # the hub's claim id, never the partner's record id

    ((key_id, key_partner),) = _query(
        ledger, "SELECT key_id, partner FROM partner_keys WHERE partner = 'CN-HK' LIMIT 1"
    )
    revoked_key = _hub("keys", "revoke", key_id, "--reason", "leaked", "--officer", "王科长", *data)
    assert revoked_key.returncode == 0, revoked_key.stderr
    line = _one(revoked_key.stderr, "key_change")
    assert line["logger"] == "hub.keys" and line["action"] == "revoked"
    assert (line["key_id"], line["partner"], line["state"]) == (key_id, key_partner, "REVOKED")
    assert line["officer"] == "王科长" and "leaked" not in revoked_key.stderr

    revoked_cert = _hub("pki", "revoke", "CN-HK", "--reason", "rotated", *data)
    assert revoked_cert.returncode == 0, revoked_cert.stderr
    line = _one(revoked_cert.stderr, "certificate_change")
    index = json.loads((ledger / "pki" / "index.json").read_text(encoding="utf-8"))
    assert line["serial"] in json.dumps(index) and line["serial"] in revoked_cert.stdout
    assert (line["action"], line["role"], line["partner"]) == ("revoked", "partner", "CN-HK")

    # A refusal is its coded line, and no event: nothing changed.
    again = _hub(
        "bureau", "cancel-block", serial, "--reason", "again", "--officer", "王科长", *data
    )
    assert again.returncode == 1 and again.stderr.startswith("BLOCK_TERMINAL")
    assert '"event"' not in again.stderr

    # Text on request; the level respected (HUB_LOG_LEVEL or --log-level).
    suspend = ("--partner", "CN-GD", "--project", "4401-PV-2023-0007", "--reason", "现场核查")
    text = _hub(
        "--log-format", "text", "bureau", "suspend-project", *suspend, "--officer", "王科长", *data
    )
    assert text.returncode == 0, text.stderr
    assert not text.stderr.startswith("{") and "bureau_action" in text.stderr
    assert "action=suspend_project" in text.stderr and "project_id=4401-PV-2023-0007" in text.stderr
    for quiet in (
        _hub(
            "bureau",
            "resume-project",
            *suspend,
            "--officer",
            "王科长",
            *data,
            HUB_LOG_LEVEL="warning",
        ),
        _hub(
            "--log-level", "error", "bureau", "suspend-project", *suspend, "--officer", "o", *data
        ),
    ):
        assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr

    outputs = [p.stdout + p.stderr for p in (cancelled, approved, revoked_key, revoked_cert, text)]
    _assert_no_personal_data(ledger, outputs)


def test_a_reconciliation_across_processes_is_logged_by_who_asked_and_the_outcome(
    ledger: Path, tmp_path: Path
) -> None:
    pki = ledger / "pki"
    with running_hub(
        tmp_path, "--data-dir", str(ledger), "--grpc-port", "0", "--log-format", "json"
    ) as serving:
        asked_log = tmp_path / "reconcile.stderr"
        with asked_log.open("w", encoding="utf-8") as stderr:
            asking = subprocess.Popen(
                _command("reconcile", "--exchange", "--wait", "120", "--data-dir", str(ledger)),
                cwd=ROOT,
                env=_environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        deadline = time.monotonic() + 60
        while '"requested"' not in asked_log.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline and asking.poll() is None, asked_log.read_text()
            time.sleep(0.1)
        answered = _hub(
            "exchange-client", "--hub", serving.address,
            "--state", str(ledger / "exchange-state.json"),
            "--ca", str(pki / "ca.crt"), "--cert", str(pki / "issued" / "exchange.crt"),
            "--key", str(pki / "issued" / "exchange.key"),
            "--hub-key", str(pki / "hub-signing.pub"),
            "--no-follow", "--no-retire", "--reconcile",
        )  # fmt: skip
        assert answered.returncode == 0, answered.stdout + answered.stderr
        report, _ = asking.communicate(timeout=120)
        time.sleep(0.5)  # serve's line is written before its answer returns; be generous
        served = serving.stderr()

    requested = _one(asked_log.read_text(encoding="utf-8"), "reconciliation")
    assert requested["action"] == "requested" and requested["counterpart"] == "EXCHANGE"
    assert requested["requested_by"] == "bureau:cli"
    outcomes = [
        line
        for line in _events(served)
        if line.get("event") == "reconciliation"
        and line.get("reconciliation_id") == requested["reconciliation_id"]
    ]
    assert len(outcomes) == 1, served
    outcome = outcomes[0]
    assert outcome["action"] == "answered" and outcome["counterpart"] == "EXCHANGE"
    # The same outcome the command reported (exit 0 consistent, 1 inconsistent).
    assert outcome["outcome"] == ("CONSISTENT" if asking.returncode == 0 else "INCONSISTENT")
    assert outcome["outcome"] in report
    assert outcome["level"] == ("info" if outcome["discrepancies"] == 0 else "warning")
    rpc = [line for line in _events(served) if line.get("method") == "SubmitReconciliation"]
    assert rpc and rpc[0]["caller"] == "exchange:exchange", served
    # What serve issued before the exchange streamed (the claim approved above,
    # when the issuer's first tick came first) the exchange took: delivery
    # lines naming the blocks newly delivered. A tick after the stream issues
    # blocks the --no-follow client never asked for.
    streamed = min(line["ts"] for line in _events(served) if line.get("method") == "StreamBlocks")
    issued = sum(
        line["blocks"]
        for line in _events(served)
        if line.get("event") == "issuance" and line["ts"] < streamed
    )
    deliveries = [line for line in _events(served) if line.get("event") == "delivery"]
    assert sum(line["delivered"] for line in deliveries) >= issued, served
    for line in deliveries:
        assert line["consumer"] == "exchange" and line["delivered"] == len(line["block_ids"])
        for block_id in line["block_ids"]:
            assert _query(ledger, f"SELECT state FROM blocks WHERE block_id = '{block_id}'") == [
                ("DELIVERED",)
            ]
    _assert_no_personal_data(ledger, [served, asked_log.read_text(encoding="utf-8"), report])


def _assert_no_personal_data(ledger: Path, outputs: list[str]) -> None:
    pseudonyms = [
        digest_text(value)  # kept as bytes (hub.storage.hex_digest_column)
        for (value,) in _query(
            ledger, "SELECT DISTINCT person_pseudonym FROM claims WHERE person_pseudonym <> ''"
        )
    ]
    assert len(pseudonyms) > 10  # the demo's commuters are in the ledger
    everything = "\n".join(outputs)
    for pseudonym in pseudonyms:
        assert pseudonym not in everything
