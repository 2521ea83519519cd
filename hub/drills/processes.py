"""The hub under drill: `carbon-hub serve` OS processes, their database, PKI and standard.

Everything a drill makes lives in its data folder or in a database it made
for itself: a PostgreSQL database is created fresh on the given server and
dropped at the end, so a drill never touches another database's tables.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from hub.bootstrap import build_hub
from hub.demo_trust import DemoTrust, prepare_trust
from hub.settings import HubSettings
from hub.standard.loader import default_standards_dir

START_TIMEOUT = 90.0  # import, migrate, load the standard and bind, on a busy machine
TEMPLATE_PARTNER = "CN-GD"
# Partners the drills add to their copy of the standard, each with Guangdong's
# recognitions and crosswalk under its own code and region (see drill_standard).
EXTRA_PARTNERS: dict[str, str] = {
    "CN-GX": "45",
    "CN-GZ": "52",
    "CN-YN": "53",
    "CN-XZ": "54",
    "CN-XJ": "65",
    "CN-HN": "43",
    "CN-JX": "36",
}


def drill_partners(count: int) -> list[str]:
    """``count`` partner codes: Guangdong first, then the drill's own partners."""
    codes = [TEMPLATE_PARTNER, *EXTRA_PARTNERS]
    if not 1 <= count <= len(codes):
        raise ValueError(f"between 1 and {len(codes)} partners")
    return codes[:count]


def drill_standard(folder: Path) -> Path:
    """A copy of the repository's standard with the drill's partners added.

    A partner's signed writes carry one strictly increasing sequence, so
    concurrent streams of one partner overtake and refuse each other; the
    drills stream as several partners at once instead. Each added partner
    is Guangdong's agreement and crosswalk under its own code and region.
    """
    target = folder / "standards"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(default_standards_dir(), target)
    for code, prefix in EXTRA_PARTNERS.items():
        for kind in ("agreements", "crosswalks"):
            source = (target / kind / f"{TEMPLATE_PARTNER}.yaml").read_text(encoding="utf-8")
            cloned = re.sub(
                rf"^partner: {TEMPLATE_PARTNER}$", f"partner: {code}", source, flags=re.M
            )
            cloned = cloned.replace(
                f'iso_3166_2: {TEMPLATE_PARTNER}, gbt2260_prefix: "44"',
                f'iso_3166_2: {code}, gbt2260_prefix: "{prefix}"',
            )
            (target / kind / f"{code}.yaml").write_text(cloned, encoding="utf-8")
    return target


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


@contextlib.contextmanager
def fresh_postgres_database(server_url: str, label: str) -> Iterator[str]:
    """A new, empty database on the server of ``server_url`` (whose own
    database is only used to create and drop it), dropped afterwards."""
    admin_url = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"drill_{label}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 10}
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def prepare_drill_trust(
    folder: Path, database_url: str, standards_dir: Path, partners: Sequence[str]
) -> DemoTrust:
    """The drill's PKI (CA, hub certificate and signing key, client certificates
    for ``partners`` and the exchange) in ``folder/pki``, and each partner's
    signing key registered in the database, as `carbon-hub keys register`
    leaves it; the database is migrated before any hub process starts."""
    settings = HubSettings(
        database_url=database_url, data_dir=folder / "registrar", standards_dir=standards_dir
    )
    hub = build_hub(settings)
    try:
        return prepare_trust(folder, list(partners), hub.partner_keys, bureau_officers=())
    finally:
        hub.close()


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
        standards_dir: Path,
        port: int = 0,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
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

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def launch(self) -> None:
        """Start the process; ``wait_listening`` waits for it to serve."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "HUB_DATABASE_URL": self.database_url,
            "HUB_DATA_DIR": str(self.data_dir),
            "HUB_STANDARDS_DIR": str(self.standards_dir),
            "HUB_HTTP_PORT": "0",
            **self.env,
        }
        self.starts += 1
        # stderr to a file: an unread pipe would fill with the hub's log and block it.
        stderr_path = self.data_dir / f"serve-{self.starts}.stderr"
        with stderr_path.open("w", encoding="utf-8") as stderr:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from hub.cli import main; main()",
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
        self._listening.wait(timeout=START_TIMEOUT)
        if not self._found:
            self.kill()
            error = self._stderr_path.read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"hub {self.name} did not start: {error[-2000:]}")
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
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def start_all(hubs: Sequence[HubProcess]) -> list[str]:
    """Start several hubs at once (they import and load in parallel)."""
    for hub in hubs:
        hub.launch()
    return [hub.wait_listening() for hub in hubs]


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
