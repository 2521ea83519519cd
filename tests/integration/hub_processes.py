"""`carbon-hub serve` as separate OS processes, for races between hub replicas."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start_hub(
    database_url: str, data_dir: Path, **extra_env: str
) -> tuple[subprocess.Popen[str], str]:
    """A `carbon-hub serve --insecure` OS process on a free port, and its address."""
    env = {
        **os.environ,
        "HUB_DATABASE_URL": database_url,
        "HUB_DATA_DIR": str(data_dir),
        **extra_env,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from hub.cli import main; main()",
            "serve",
            "--insecure",
            "--grpc-port",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    found: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            match = re.match(r"LISTENING (\S+)", line)
            if match:
                found.append(match.group(1))
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=60)
    if not found:
        process.kill()
        _, err = process.communicate(timeout=10)
        raise AssertionError(f"hub did not start: {err}")
    return process, found[0]


def stop_hub(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
