"""Onboarding a paired-assistance region as the README's procedure does it.

Hechi (451200) is onboarded with the real command lines, in the README's
order: a partner certificate from the hub PKI, the partner's signing key made
and registered, the hub serving with mutual TLS as its own OS process, the
first delivery sent by ``carbon-hub-adapter hechi``, the bureau opening and
approving each project's review. What a user would notice is asserted on
the hub's database: projects SUBMITTED then APPROVED, claims HELD then
ACCEPTED and issued in blocks whose serial carries Hechi's origin.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from hub.domain.serial_blocks import parse_serial
from tests.e2e.test_serve_cli import running_hub

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "adapters/hechi/samples/HC-20241105-01"
PARTNER = "451200"
OFFICER = "李科长"
PROJECTS = ("HC-PV-2023-001", "HC-PV-2023-002", "HC-FOREST-M-2022-001")
RECORDS = ("HC-JC-2024-0001", "HC-JC-2024-0002", "HC-JC-2024-0003", "HC-JC-2024-0004")
ISSUANCE_TIMEOUT = 60.0  # serve issues every HUB_ISSUANCE_INTERVAL (2 s by default)

pytestmark = pytest.mark.slow


def _env(home: Path) -> dict[str, str]:
    # No HUB_ settings from the caller; the commands that are not serve need no HTTP.
    return {"COLUMNS": "400", "PATH": "/usr/bin:/bin", "HOME": str(home), "HUB_HTTP_PORT": "0"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _disclosed(http_port: int, path: str) -> list[dict[str, object]]:
    """The items of a public disclosure API page (what the README's curl shows)."""
    url = f"http://127.0.0.1:{http_port}{path}"
    deadline = time.monotonic() + 30.0
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                items: list[dict[str, object]] = json.load(response)["items"]
                return items
        except OSError:
            # uvicorn starts on its thread just after gRPC reports LISTENING.
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


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


def _query(data: Path, sql: str, *params: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(data / "hub.db") as connection:
        return connection.execute(sql, params).fetchall()


def _review_states(data: Path) -> dict[str, str]:
    rows = _query(data, "SELECT project_id, review_state FROM projects WHERE partner = ?", PARTNER)
    return {str(project): str(state) for project, state in rows}


def _claims(data: Path) -> dict[str, tuple[str, str | None]]:
    rows = _query(
        data, "SELECT record_id, decision, issuance FROM claims WHERE partner = ?", PARTNER
    )
    return {str(r): (str(d), None if i is None else str(i)) for r, d, i in rows}


def test_hechi_onboards_by_the_readme_procedure(tmp_path: Path) -> None:
    data = tmp_path / "hechi-onboarding"
    ledger = ("--data-dir", str(data))
    pki = data / "pki"

    # 1-3: certificate, signing key, key registered with the agreement.
    _hub("pki", "init", *ledger, home=tmp_path)
    _hub("pki", "issue", "--role", "partner", "--partner", PARTNER, *ledger, home=tmp_path)
    keys = data / "hechi-keys"
    made = _run("adapters.cli", "keygen", "--out", str(keys), home=tmp_path)
    assert made.returncode == 0, made.stderr
    # 3: the partner passes conformance against the sandbox before its key is registered.
    sandbox_args = ("--sandbox", "--sandbox-partner-key", str(keys / "signing.pub"))
    sandbox_serve = (*sandbox_args, *ledger, "--grpc-port", "0")
    with running_hub(tmp_path, *sandbox_serve, env=_env(tmp_path)) as sandbox:
        s = data / "sandbox" / "pki"
        passed = _run(
            "adapters.cli",
            "conformance",
            *("--hub", sandbox.address, "--ca", str(s / "ca.crt")),
            *("--cert", str(s / "issued/ZZ-SBX.crt"), "--key", str(s / "issued/ZZ-SBX.key")),
            *("--signing-key", str(keys / "signing.key"), "--hub-key", str(s / "hub-signing.pub")),
            home=tmp_path,
        )
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.splitlines()[-1] == "PASS: all 10 steps passed"
    registered = _hub(
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
    assert PARTNER in registered.stdout

    # Before step 5: what the hub will decide of the delivery, offline, nothing sent.
    checked = _run("adapters.cli", "hechi", "--delivery", str(SAMPLE), "--check", home=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "PROJECT_NOT_APPROVED" in checked.stdout

    http_port = _free_port()
    serve = (*ledger, "--grpc-port", "0", "--http-port", str(http_port))
    with running_hub(tmp_path, *serve, env=_env(tmp_path)) as hub:
        # 4: the first delivery, over mutual TLS with Hechi's certificate.
        sent = _run(
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
            "--receipts",
            str(data / "hechi-receipts.jsonl"),
            home=tmp_path,
        )
        assert sent.returncode == 0, (sent.stdout, sent.stderr)
        report = " ".join(sent.stdout.split())
        for code in ("ROW_UNIT_UNKNOWN", "ROW_DISTRICT_UNKNOWN", "SITE_OUTSIDE_PARTNER_REGION"):
            assert code in report
        assert report.count("PROJECT_NOT_APPROVED") == len(RECORDS)

        # The bureau reviews: nothing conforming is approved by itself.
        assert _review_states(data) == dict.fromkeys(PROJECTS, "SUBMITTED")
        assert {r: d for r, (d, _) in _claims(data).items()} == dict.fromkeys(RECORDS, "HELD")
        assert _query(data, "SELECT count(*) FROM blocks") == [(0,)]

        # 5: the bureau opens each review and approves it, with a comment.
        for project in PROJECTS:
            who = ("--partner", PARTNER, "--project", project, "--officer", OFFICER)
            opened = _hub("bureau", "review-project", *who, *ledger, home=tmp_path)
            assert "UNDER_REVIEW" in opened.stdout
            approved = _hub(
                "bureau",
                "approve-project",
                *who,
                "--comment",
                "现场核查通过",
                *ledger,
                home=tmp_path,
            )
            assert "APPROVED" in approved.stdout
        assert _review_states(data) == dict.fromkeys(PROJECTS, "APPROVED")

        # 6: the held claims are decided again and the running hub issues them.
        deadline = time.monotonic() + ISSUANCE_TIMEOUT
        while any(issuance != "ISSUED" for _, issuance in _claims(data).values()):
            assert time.monotonic() < deadline, (_claims(data), hub.stderr())
            time.sleep(0.2)
        assert _claims(data) == {record: ("ACCEPTED", "ISSUED") for record in RECORDS}

        # 7: the public disclosure lists the approved projects and their blocks.
        projects = _disclosed(http_port, f"/api/v1/projects?partner={PARTNER}")
        assert {str(p["project_id"]): p["review_state"] for p in projects} == dict.fromkeys(
            PROJECTS, "APPROVED"
        )
        disclosed = _disclosed(http_port, f"/api/v1/blocks?partner={PARTNER}")
        assert sorted(str(b["serial"]) for b in disclosed) == sorted(
            str(serial) for (serial,) in _query(data, "SELECT serial FROM blocks")
        )
        assert {b["origin"] for b in disclosed} == {PARTNER}

    blocks = {
        parse_serial(str(serial)): str(state)
        for serial, state in _query(
            data, "SELECT serial, state FROM blocks WHERE partner = ?", PARTNER
        )
    }
    assert {b.series.origin for b in blocks} == {PARTNER}
    assert set(blocks.values()) == {"ISSUED"}
    # Lower of reported and recomputed, whole units issued per project series.
    # PV at the China Southern grid's 2022 factor (Guangxi reads its regional
    # grid, factors.yaml read_from): 33,600 kWh x 0.3869 = 12.99984 t (reported
    # 13.5) + 35,100 kWh x 0.3869 = 13.58019 t (reported 14.19) = 26.58003 t;
    # school roof 152.4 MWh x 0.3869 = 58.96356 t (reported 61.6); forest
    # 80 ha x 2.5 t/ha for 2023 = 200 t (reported 200).
    assert sorted((b.series.methodology, b.series.project, b.units) for b in blocks) == [
        ("HUB-INTERIM-FOREST-SINK", "HC-FOREST-M-2022-001", 200),
        ("SZ-PV", "HC-PV-2023-001", 26),
        ("SZ-PV", "HC-PV-2023-002", 58),
    ]

    events = _query(
        data,
        "SELECT subject_id, event, actor FROM ledger_events WHERE subject_id LIKE ? ORDER BY seq",
        f"{PARTNER}|%",
    )
    for project in PROJECTS:
        trail = [(e, a) for s, e, a in events if s == f"{PARTNER}|{project}"]
        assert trail[-2:] == [
            ("UNDER_REVIEW", f"bureau:{OFFICER}"),
            ("APPROVED", f"bureau:{OFFICER}"),
        ]

    receipts = _hub(
        "receipt",
        "verify",
        str(data / "hechi-receipts.jsonl"),
        "--hub-key",
        str(pki / "hub-signing.pub"),
        home=tmp_path,
    )
    assert receipts.returncode == 0
    assert _run("hub.cli.app", "audit", "verify", *ledger, home=tmp_path).returncode == 0
