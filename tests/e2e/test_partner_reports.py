"""The partner kit's reports as a script and a log see them, against a real mutual-TLS hub.

``carbon-hub serve`` runs as its own OS process; Hechi (451200, projects
reviewed by the bureau, so its claims are HELD with PROJECT_NOT_APPROVED)
delivers its sample with ``carbon-hub-adapter hechi``, output captured as a
pipe (not a terminal) with a narrow COLUMNS. The --json documents are read
only through the field names adapters/README.md documents; the piped text
report and ``carbon-hub keys list`` keep codes and key ids whole on one
line, and the listed key id is the one ``keys retire`` takes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from adapters.problem_messages import code_message
from tests.e2e.test_serve_cli import running_hub
from tests.unit.adapters.documented_json import check_documented

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "adapters/hechi/samples/HC-20241105-01"
PARTNER = "451200"
OFFICER = "李科长"
RECORDS = ("HC-JC-2024-0001", "HC-JC-2024-0002", "HC-JC-2024-0003", "HC-JC-2024-0004")

pytestmark = pytest.mark.slow


def _env(home: Path) -> dict[str, str]:
    # Narrow: a report that wrapped or cut at COLUMNS would split the codes.
    return {"COLUMNS": "40", "PATH": "/usr/bin:/bin", "HOME": str(home), "HUB_HTTP_PORT": "0"}


def _run(module: str, *args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", f"from {module} import main; main()", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=_env(home),
    )


def _hub(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    done = _run("hub.cli.app", *args, home=home)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def _document(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    (line,) = done.stdout.splitlines()  # stdout holds the document and nothing else
    document: dict[str, Any] = json.loads(line)
    check_documented(document)
    assert document["exit_code"] == done.returncode
    return document


def test_reports_are_machine_readable_and_whole_when_piped(tmp_path: Path) -> None:
    data = tmp_path / "hub-data"
    ledger = ("--data-dir", str(data))
    pki = data / "pki"
    _hub("pki", "init", *ledger, home=tmp_path)
    _hub("pki", "issue", "--role", "partner", "--partner", PARTNER, *ledger, home=tmp_path)
    keys = data / "hechi-keys"
    made = _run("adapters.cli", "keygen", "--out", str(keys), home=tmp_path)
    assert made.returncode == 0, made.stderr
    key_id = made.stdout.split()[2].rstrip(":")
    assert key_id.startswith("ed25519:") and len(key_id) > 20  # rich cut it at 16 before
    _hub(
        "keys",
        "register",
        "--partner",
        PARTNER,
        "--public-key",
        str(keys / "signing.pub"),
        "--officer",
        OFFICER,
        *ledger,
        home=tmp_path,
    )

    # keys list, piped: the whole id on its key's line; --json: the same id.
    listed = _hub("keys", "list", *ledger, home=tmp_path)
    (row,) = [line for line in listed.stdout.splitlines() if line.startswith(key_id)]
    assert row.split("\t")[:3] == [key_id, PARTNER, "ACTIVE"]
    assert "…" not in listed.stdout
    as_json = json.loads(_hub("keys", "list", "--json", *ledger, home=tmp_path).stdout)
    assert as_json["version"] == 1
    assert [(k["key_id"], k["partner"]) for k in as_json["keys"]] == [(key_id, PARTNER)]

    with running_hub(tmp_path, *ledger, "--grpc-port", "0", env=_env(tmp_path)) as hub:
        deliver = (
            "adapters.cli",
            "hechi",
            "--delivery",
            str(SAMPLE),
            "--hub",
            hub.address,
            "--ca",
            str(pki / "ca.crt"),
            "--cert",
            str(pki / "issued" / f"{PARTNER}.crt"),
            "--key",
            str(pki / "issued" / f"{PARTNER}.key"),
            "--signing-key",
            str(keys / "signing.key"),
            "--hub-key",
            str(pki / "hub-signing.pub"),
        )
        first = _run(*deliver, "--json", "--lang", "zh-Hant", home=tmp_path)
        assert first.returncode == 0, (first.stdout, first.stderr)
        report = _document(first)
        assert (report["outcome"], report["partner"], report["sent"]) == (
            "PROCESSED",
            PARTNER,
            True,
        )
        claims = {c["record_id"]: c for c in report["claims"]}
        assert set(RECORDS) <= set(claims)
        for record in RECORDS:
            claim = claims[record]
            assert (claim["decision"], claim["state"]) == ("HELD", "HELD")
            assert claim["claim_id"] and claim["line"] and claim["file"] == "monitoring.csv"
            (held,) = [c for c in claim["checks"] if c["code"] == "PROJECT_NOT_APPROVED"]
            assert held["severity"] == "REVIEW" and "尚未通過主管部門審核" in held["message"]
            assert held["details"]["project_id"] in held["message"]
        assert report["counts"]["claims"]["HELD"] == len(RECORDS)
        assert {p["review_state"] for p in report["projects"] if p["decision"] != "REJECTED"} == {
            "SUBMITTED"
        }
        unknown = [p for p in report["problems"] if p["code"] == "ROW_DISTRICT_UNKNOWN"]
        assert unknown and all(
            p["message"].startswith(code_message("ROW_DISTRICT_UNKNOWN", "zh-Hant"))
            and p["line"] is not None
            for p in unknown
        )

        # The same delivery, piped as text: every code and record id whole on its line.
        again = _run(*deliver, home=tmp_path)
        assert again.returncode == 0, (again.stdout, again.stderr)
        rows = [line.split("\t") for line in again.stdout.splitlines()]
        held_rows = {r[4] for r in rows if len(r) == 7 and r[5] == "PROJECT_NOT_APPROVED"}
        assert held_rows == set(RECORDS)
        assert "…" not in again.stdout

        # In Portuguese, the hub's check by its documented template.
        in_pt = _document(_run(*deliver, "--json", "--lang", "pt", home=tmp_path))
        messages = {
            c["message"]
            for claim in in_pt["claims"]
            for c in claim["checks"]
            if c["code"] == "PROJECT_NOT_APPROVED"
        }
        assert messages and all("ainda não foi aprovado pela autoridade" in m for m in messages)
        assert in_pt["counts"]["resubmissions"] == len(in_pt["claims"])

    # The key id keys list printed is the one keys retire takes.
    retired = _hub(
        "keys",
        "retire",
        as_json["keys"][0]["key_id"],
        "--valid-until",
        "2099-01-01T00:00:00+08:00",
        "--officer",
        OFFICER,
        *ledger,
        home=tmp_path,
    )
    assert key_id in retired.stdout
