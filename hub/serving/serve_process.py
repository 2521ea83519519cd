"""`carbon-hub serve` as a child OS process: started, watched from outside,
stopped or killed, restarted on its port. The benchmark and the drills run
the hub this way, so what they measure and break is the real server.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

START_TIMEOUT = 90.0  # import, migrate, load the standard and bind, on a busy machine
STOP_TIMEOUT = 20.0  # SIGTERM to exit, before SIGKILL


class HubDidNotStart(RuntimeError):
    """The process ended or stayed silent without printing its LISTENING line."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class HubProcess:
    """One `carbon-hub serve` process with mutual TLS; restartable on its port."""

    def __init__(
        self,
        name: str,
        database_url: str,
        data_dir: Path,
        *,
        pki_dir: Path,
        standards_dir: Path | None = None,
        port: int = 0,
        env: dict[str, str] | None = None,
        command_prefix: Sequence[str] = (),
        patience: float = 1.0,
    ) -> None:
        self.name = name
        # A program the hub runs under (say valgrind, to count its
        # instructions); ``patience`` scales the start and stop timeouts for
        # such a slow start and a slow flush at exit.
        self.command_prefix = tuple(command_prefix)
        self.patience = patience
        self.database_url = database_url
        self.data_dir = data_dir
        self.pki_dir = pki_dir
        self.standards_dir = standards_dir
        self.port = port
        self.env = dict(env or {})
        self.address = ""
        self.starts = 0
        self._process: subprocess.Popen[str] | None = None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def peak_rss_bytes(self) -> int | None:
        """VmHWM, the kernel's high-water mark of the resident set, read from
        outside the process (None when it is not running or /proc lacks it)."""
        pid = self.pid
        return None if pid is None else _status_bytes(pid, "VmHWM")

    def cpu_seconds(self) -> float | None:
        """User + system CPU the process has used so far, read from outside
        (/proc/<pid>/stat); unlike wall time it does not count waiting for a
        core other processes hold."""
        pid = self.pid
        if pid is None:
            return None
        try:
            fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
        except OSError:
            return None
        # The command name (field 2) may hold spaces: count from its ")".
        after_name = fields[fields.rindex(")") + 2 :].split()
        utime, stime = int(after_name[11]), int(after_name[12])
        return (utime + stime) / os.sysconf("SC_CLK_TCK")

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def returncode(self) -> int | None:
        """How the last start ended (-9 after ``kill``); None while it runs."""
        return None if self._process is None else self._process.poll()

    def launch(self) -> None:
        """Start the process; ``wait_listening`` waits for it to serve."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "HUB_DATABASE_URL": self.database_url,
            "HUB_DATA_DIR": str(self.data_dir),
            # No HTTP side: several hubs at once would contend for its port.
            "HUB_HTTP_PORT": "0",
            **self.env,
        }
        if self.standards_dir is not None:
            env["HUB_STANDARDS_DIR"] = str(self.standards_dir)
        self.starts += 1
        # stderr to a file: an unread pipe would fill with the hub's log and block it.
        stderr_path = self.data_dir / f"serve-{self.starts}.stderr"
        with stderr_path.open("w", encoding="utf-8") as stderr:
            self._process = subprocess.Popen(
                [
                    *self.command_prefix,
                    sys.executable,
                    "-c",
                    "from hub.cli.app import main; main()",
                    "serve",
                    "--secure",
                    "--pki-dir",
                    str(self.pki_dir),
                    "--grpc-port",
                    str(self.port),
                ],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        self._stderr_path = stderr_path
        self._listening = threading.Event()
        self._found: list[str] = []
        process = self._process

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                match = re.match(r"LISTENING (\S+)", line)
                if match and not self._found:
                    self._found.append(match.group(1))
                    self._listening.set()
            self._listening.set()

        threading.Thread(target=read, name=f"{self.name}-stdout", daemon=True).start()

    def wait_listening(self) -> str:
        self._listening.wait(timeout=START_TIMEOUT * self.patience)
        if not self._found:
            self.kill()
            error = self._stderr_path.read_text(encoding="utf-8", errors="replace")
            raise HubDidNotStart(f"hub {self.name} did not start: {error[-4000:]}")
        self.address = self._found[0]
        self.port = int(self.address.rsplit(":", 1)[1])
        return self.address

    def start(self) -> str:
        self.launch()
        return self.wait_listening()

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as in a power cut or an OOM kill."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=30)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=STOP_TIMEOUT * self.patience)
            except subprocess.TimeoutExpired:
                self.kill()


def _status_bytes(pid: int, field: str) -> int | None:
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    match = re.search(rf"^{field}:\s+(\d+)\s+kB", text, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else None
