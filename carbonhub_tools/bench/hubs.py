"""The bench's hubs: one or several `carbon-hub serve` processes on the run's database.

Several hubs (``--hubs N``, PostgreSQL only) are replicas of one hub: the
same database, certificates and settings, each its own OS process and
port. They are started together as the race drill starts its replicas
(carbonhub_tools.drills.processes.start_all): the registrar has migrated
the database before, so each one's own migration at start finds the schema
at head and changes nothing.

Only the first hub signs audit checkpoints (and integrates the transparency
log), as docs/scaling.md advises for replicas: with it on everywhere each
replica re-reads and re-hashes the whole chain since the last checkpoint,
holding the audit head FOR SHARE page by page, and all but one throw the
work away, so a run of N hubs would pay for N checkpointers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import make_url

from carbonhub_tools.bench.databases import DatabaseRefused
from carbonhub_tools.drills.processes import start_all
from hub.serving.serve_process import HubProcess


def check_hubs(hubs: int, database_url: str | None, partners: int) -> None:
    """Refuse a run of several hubs that could not measure replicas."""
    if hubs < 1:
        raise DatabaseRefused("--hubs must be at least 1")
    if hubs == 1:
        return
    backend = "sqlite" if database_url is None else make_url(database_url).get_backend_name()
    if backend != "postgresql":
        raise DatabaseRefused(
            f"--hubs {hubs} needs PostgreSQL (--database-url postgresql://...): SQLite takes "
            "one writer at a time, so replicas on it measure only its file lock"
        )
    if partners < hubs:
        # Client i streams to hub i mod N: with fewer clients a hub would idle.
        raise DatabaseRefused(
            f"--hubs {hubs} needs --partners {hubs} or more (client i streams to hub i mod "
            f"{hubs}), not {partners}"
        )


class BenchHubs:
    """``count`` hub processes of one run; client ``i`` is served by hub ``i mod count``."""

    def __init__(
        self,
        count: int,
        database_url: str,
        folder: Path,
        *,
        pki_dir: Path,
        env: dict[str, str],
        command_prefix: Sequence[str] = (),
        patience: float = 1.0,
    ) -> None:
        # One hub keeps the folder and name a run of one always had.
        self.processes = [
            HubProcess(
                "bench" if count == 1 else f"bench-{n}",
                database_url,
                folder / ("hub" if count == 1 else f"hub-{n}"),
                pki_dir=pki_dir,
                env=env if n == 0 else {**env, "HUB_AUDIT_CHECKPOINT_INTERVAL": "0"},
                command_prefix=command_prefix,
                patience=patience,
            )
            for n in range(count)
        ]
        self.addresses: list[str] = []

    def start(self) -> list[str]:
        """Start them all at once (they import and load in parallel)."""
        self.addresses = start_all(self.processes)
        return self.addresses

    def address_for(self, client: int) -> str:
        return self.addresses[client % len(self.addresses)]

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid is not None]

    def cpu_each(self) -> list[float | None]:
        return [p.cpu_seconds() for p in self.processes]

    def cpu_seconds(self) -> float | None:
        """CPU all the hubs have used so far (None when none can be read)."""
        known = [cpu for cpu in self.cpu_each() if cpu is not None]
        return sum(known) if known else None

    def peak_rss_each(self) -> list[int | None]:
        """Each hub's VmHWM (read before they stop: their /proc entries go then)."""
        return [p.peak_rss_bytes() for p in self.processes]

    def stop(self) -> None:
        """Stop every hub, even when stopping one fails (its error is raised
        after the others have been stopped: no hub is left running)."""
        failed: BaseException | None = None
        for process in self.processes:
            try:
                process.stop()
            except BaseException as error:
                failed = failed or error
        if failed is not None:
            raise failed
