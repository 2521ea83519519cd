"""`carbon-hub serve` as a separate OS process, watched from outside.

The hub's peak resident memory is read from /proc/<pid>/status (VmHWM, the
kernel's high-water mark of the resident set), not reported by the hub.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

START_TIMEOUT = 90.0  # import, migrate, load the standard and bind
STOP_TIMEOUT = 30.0


class HubDidNotStart(RuntimeError):
    pass


@dataclass
class HubProcess:
    process: subprocess.Popen[str]
    address: str
    stderr_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def peak_rss_bytes(self) -> int | None:
        """VmHWM of the running process (None where /proc has no such line)."""
        return _status_bytes(self.pid, "VmHWM")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _status_bytes(pid: int, field: str) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    match = re.search(rf"^{field}:\s+(\d+)\s+kB", text, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else None


def start_hub(database_url: str, data_dir: Path, pki_dir: Path, env: dict[str, str]) -> HubProcess:
    """Start a mutual-TLS hub on a free loopback port and wait for its address."""
    data_dir.mkdir(parents=True, exist_ok=True)
    environment = {
        **os.environ,
        **env,
        "HUB_DATABASE_URL": database_url,
        "HUB_DATA_DIR": str(data_dir),
    }
    # stderr to a file: an unread pipe would fill with the hub's log and block it.
    stderr_path = data_dir / "serve.stderr"
    with stderr_path.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from hub.cli import main; main()",
                "serve",
                "--secure",
                "--pki-dir",
                str(pki_dir),
                "--grpc-host",
                "127.0.0.1",
                "--grpc-port",
                "0",
            ],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    found: list[str] = []
    ready = threading.Event()

    def read() -> None:
        # Read stdout to its end, for the same reason as stderr's file.
        assert process.stdout is not None
        for line in process.stdout:
            match = re.match(r"LISTENING (\S+)", line)
            if match and not found:
                found.append(match.group(1))
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    ready.wait(timeout=START_TIMEOUT)
    if not found:
        process.kill()
        process.wait(timeout=10)
        raise HubDidNotStart(stderr_path.read_text(encoding="utf-8", errors="replace")[-4000:])
    return HubProcess(process, found[0], stderr_path)
