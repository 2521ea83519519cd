"""A partner proves its side of the contract against a sandbox hub.

``carbon-hub serve --sandbox`` runs as its own OS process with mutual TLS
(its own PKI, its own ledger, the sandbox partner ZZ-SBX);
``carbon-hub-adapter conformance`` runs as a command line against it, as a
partner would, with the partner's own signing key registered by the
sandbox. Every step passes; with the wrong hub key the receipt step fails
with its reason and the command exits 1; the real ledger is never touched,
and a sandbox pointed at the real ledger does not start.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.conformance_steps import STEP_NAMES
from hub.domain.identity import Role
from hub.trust.pki import init_authority
from tests.e2e.test_serve_cli import ROOT, _command, _environment, running_hub

pytestmark = pytest.mark.slow
README = ROOT / "adapters/README.md"


def _documented_fields() -> set[str]:
    """The conformance document's fields as adapters/README.md's table names them."""
    text = README.read_text(encoding="utf-8")
    table = text.split("`conformance --json` prints one document:", 1)[1].split("\n\n")[1]
    return set(re.findall(r"^\| `([a-z_.\[\]]+)` \|", table, re.MULTILINE))


def _adapter(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from adapters.cli import main; main()", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=_environment(),
    )


def _conformance(address: str, sandbox: Path, keys: Path, *extra: str) -> list[str]:
    pki = sandbox / "pki"
    return [
        "conformance",
        "--hub",
        address,
        "--ca",
        str(pki / "ca.crt"),
        "--cert",
        str(pki / "issued/ZZ-SBX.crt"),
        "--key",
        str(pki / "issued/ZZ-SBX.key"),
        "--signing-key",
        str(keys / "signing.key"),
        *extra,
    ]


def test_a_partner_passes_conformance_against_a_sandbox_and_fails_with_a_wrong_hub_key(
    tmp_path: Path,
) -> None:
    data = tmp_path / "hub-data"
    keys = tmp_path / "partner-keys"
    made = _adapter("keygen", "--out", str(keys))
    assert made.returncode == 0, made.stderr
    args = ("--sandbox", "--sandbox-partner-key", str(keys / "signing.pub"))
    with running_hub(tmp_path, *args, "--data-dir", str(data), "--grpc-port", "0") as hub:
        sandbox = data / "sandbox"
        hub_key = sandbox / "pki/hub-signing.pub"
        passed = _adapter(*_conformance(hub.address, sandbox, keys, "--hub-key", str(hub_key)))
        assert passed.returncode == 0, passed.stdout + passed.stderr
        # Piped: a title, a header and one tab-separated row per step, whole.
        rows = [line.split("\t") for line in passed.stdout.splitlines()[2:-1]]
        assert [row[0] for row in rows] == list(STEP_NAMES)
        assert {row[1] for row in rows} == {"PASS"}
        codes = {row[0]: row[2] for row in rows}
        assert codes["resubmission_changed"] == "DUPLICATE_RECORD_CHANGED"
        assert codes["refused_envelope"] == "SIGNATURE_KEY_UNKNOWN"
        assert codes["catch_up"] == "ENVELOPE_REPLAYED"
        assert passed.stdout.splitlines()[-1] == "PASS: all 10 steps passed"

        stranger = tmp_path / "not-the-hub"
        assert _adapter("keygen", "--out", str(stranger)).returncode == 0
        failed = _adapter(
            *_conformance(
                hub.address, sandbox, keys, "--hub-key", str(stranger / "signing.pub"), "--json"
            )
        )
        assert failed.returncode == 1, failed.stderr
        report = json.loads(failed.stdout)
        # Read by the documentation alone: every field it names, no other.
        fields = _documented_fields()
        assert set(report) == {f for f in fields if "." not in f}
        assert {f"steps[].{k}" for step in report["steps"] for k in step} == {
            f for f in fields if f.startswith("steps[].")
        }
        assert report["schema"] == "carbon-hub-adapter/conformance-report"
        assert report["passed"] is False and report["exit_code"] == 1
        steps = {step["name"]: step for step in report["steps"]}
        assert steps["receipt_verified"]["result"] == "FAIL"
        assert steps["receipt_verified"]["code"] == "RECEIPT_KEY_UNKNOWN"
        assert [s["name"] for s in report["steps"] if s["result"] == "FAIL"] == ["receipt_verified"]
        assert "SANDBOX" in hub.stderr()

        # A certificate of another CA (the real hub's, say): the sandbox refuses
        # the handshake, and the table says so in its first row.
        real = init_authority(tmp_path / "real-pki").issue(Role.PARTNER, partner="CN-MO")
        other_ca = _adapter(
            "conformance",
            "--hub",
            hub.address,
            "--ca",
            str(tmp_path / "real-pki/ca.crt"),
            "--cert",
            str(real.certificate_path),
            "--key",
            str(real.key_path),
            "--signing-key",
            str(keys / "signing.key"),
            "--hub-key",
            str(hub_key),
            "--json",
        )
        assert other_ca.returncode == 1, other_ca.stderr
        first, *rest = json.loads(other_ca.stdout)["steps"]
        assert (first["name"], first["result"], first["code"]) == (
            "mtls_identity",
            "FAIL",
            "TLS_HANDSHAKE_FAILED",
        )
        assert {step["code"] for step in rest} == {"NOT_RUN"}

    # The sandbox's ledger holds the runs' claims; the real ledger was never made.
    with sqlite3.connect(data / "sandbox/hub.db") as connection:
        (claims,) = connection.execute(
            "SELECT count(*) FROM claims WHERE partner = 'ZZ-SBX'"
        ).fetchone()
    assert claims >= 8
    assert not (data / "hub.db").exists()


def test_a_sandbox_on_the_real_ledger_does_not_start(tmp_path: Path) -> None:
    data = tmp_path / "hub-data"
    real = f"sqlite:///{(data / 'hub.db').resolve()}"
    done = subprocess.run(
        [*_command("--sandbox", "--data-dir", str(data), "--database-url", real)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=_environment(),
    )
    assert done.returncode == 2
    assert "SANDBOX_LEDGER_NOT_APART" in done.stderr
    assert not (data / "hub.db").exists()
