"""`carbon-hub serve` with HTTP, and `carbon-hub bureau add-officer`, as processes."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "a long enough password"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from hub.cli.app import main; main()", *args]


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("HUB_")}
    env["COLUMNS"] = "400"
    return env


def test_serve_answers_http_and_an_added_officer_logs_in(tmp_path: Path) -> None:
    # Officers are added to an existing ledger: `pki init` makes it (as `serve` would).
    made = subprocess.run(
        _cli("pki", "init", "--data-dir", str(tmp_path)),
        capture_output=True,
        text=True,
        env=_environment(),
        cwd=ROOT,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    added = subprocess.run(
        _cli(
            "bureau",
            "add-officer",
            "--username",
            "li",
            "--name",
            "李处长",
            "--password-stdin",
            "--data-dir",
            str(tmp_path),
        ),
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=_environment(),
        cwd=ROOT,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr
    assert "added officer li" in added.stdout
    again = subprocess.run(
        _cli(
            "bureau",
            "add-officer",
            "--username",
            "li",
            "--name",
            "x",
            "--password-stdin",
            "--data-dir",
            str(tmp_path),
        ),
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=_environment(),
        cwd=ROOT,
        timeout=120,
    )
    assert again.returncode == 1 and "OFFICER_EXISTS" in again.stderr

    port = _free_port()
    process = subprocess.Popen(
        _cli(
            "serve",
            "--insecure",
            "--grpc-port",
            "0",
            "--http-port",
            str(port),
            "--data-dir",
            str(tmp_path),
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
        env=_environment(),
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline(), process.stdout.readline()]
        assert lines[0].startswith("LISTENING ")
        assert lines[1].strip() == f"HTTP http://127.0.0.1:{port}"
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", follow_redirects=False) as web:
            assert web.get("/api/v1/summary").json()["issued_units"] == 0
            assert web.get("/openapi.json").json()["info"]["version"] == "1"
            page = web.get("/console/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token is not None
            login = web.post(
                "/console/login",
                data={"username": "li", "password": PASSWORD, "csrf_token": token.group(1)},
            )
            assert login.status_code == 303
            assert "李处长" in web.get("/console").text
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
