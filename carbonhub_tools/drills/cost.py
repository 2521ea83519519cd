"""What a run cost: CPU seconds of the hub processes and of PostgreSQL, and lock waits.

On a shared 2-core machine wall time says little about replicas (four hubs
and the database compete for the same cores), so the race drill and the
ingest bench judge a run by what it cost per claim instead:

* **hub CPU**: user + system CPU of the given hub PIDs over the run, read
  from /proc/<pid>/stat (utime + stime; children excluded, a hub has none).
* **PostgreSQL CPU**, from /proc/<pid>/stat of the server's processes
  (PostgreSQL runs on this machine as another user; its stat files are
  world-readable), in two parts:
  - *the run's backends*: every process pg_stat_activity lists for the run's
    database (or the run's application_name), client backends and
    autovacuum workers alike, each from when it was first seen (its whole
    life when it started during the run) to when it was last seen;
  - *cluster background*: the postmaster and the processes of no database
    (checkpointer, background writer, WAL writer, autovacuum launcher, ...):
    they write the run's WAL and pages, but also serve any other database of
    the server, so on a shared server this part is an upper bound.
* **lock waits**: a sampler polls pg_stat_activity every ``interval``
  seconds; of the samples in which one of the run's backends was executing
  a statement (state ``active``), the share with ``wait_event_type = 'Lock'``
  is "the share of sampled backend time waiting on a shared row". Each
  waiting sample is named by what it waits for: the table from its
  ungranted lock or from the tuple lock it holds while waiting for the row's
  holder; an advisory lock as such; else the table its statement writes (a
  unique or exclusion key's wait names no relation).

The sampler's own backend is excluded, and it uses one connection in
autocommit, so each poll sees a fresh snapshot of pg_stat_activity.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, make_url, text

SAMPLE_INTERVAL = 0.05

# One row per server process but the sampler's own; for a backend waiting on
# a lock, the relations of its ungranted locks and of the tuple locks it
# holds (a row waiter holds the tuple lock while it waits for the holder's
# transaction id), resolved in this database.
_SAMPLE = text(
    """
    SELECT a.pid, a.datname, a.application_name, a.backend_type, a.state,
           a.wait_event_type, a.wait_event, left(a.query, 200) AS query,
           CASE WHEN a.wait_event_type = 'Lock' THEN (
               SELECT string_agg(DISTINCT l.relation::regclass::text, ',')
               FROM pg_locks l
               WHERE l.pid = a.pid AND l.relation IS NOT NULL
                 AND (NOT l.granted OR l.locktype = 'tuple')
           ) END AS relations
    FROM pg_stat_activity a
    WHERE a.pid <> pg_backend_pid()
    """
)
_WRITTEN_TABLE = re.compile(
    r"\b(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM|FROM)\s+\"?(?:\w+\"?\.\"?)?(\w+)", re.IGNORECASE
)


@dataclass(frozen=True)
class ProcStat:
    ppid: int
    utime: int  # clock ticks
    stime: int
    starttime: int  # clock ticks after boot

    @property
    def cpu_seconds(self) -> float:
        return (self.utime + self.stime) / os.sysconf("SC_CLK_TCK")


def parse_proc_stat(line: str) -> ProcStat:
    """Fields of /proc/<pid>/stat (proc(5)); children's times (cutime,
    cstime) are not counted. The command name (field 2) may hold spaces and
    parentheses: the fields are counted from its last ")"."""
    after_name = line[line.rindex(")") + 2 :].split()
    # after_name[0] is field 3 (state): field n is after_name[n - 3].
    return ProcStat(
        ppid=int(after_name[1]),
        utime=int(after_name[11]),
        stime=int(after_name[12]),
        starttime=int(after_name[19]),
    )


def read_proc_stat(pid: int) -> ProcStat | None:
    try:
        return parse_proc_stat(Path(f"/proc/{pid}/stat").read_text(encoding="ascii"))
    except (OSError, ValueError, IndexError):
        return None


def wait_target(relations: str | None, query: str, wait_event: str | None = None) -> str:
    """What a lock wait is on: the table from the locks when they name one
    (schema dropped); an advisory lock (which names no table) as such; else
    the table the waiting statement writes or reads."""
    if relations:
        return ",".join(sorted({r.rsplit(".", 1)[-1].strip('"') for r in relations.split(",")}))
    if wait_event == "advisory":
        return "advisory lock"
    found = _WRITTEN_TABLE.search(query or "")
    return f"{found.group(1)} (statement)" if found else "unknown"


@dataclass
class WaitTally:
    """Samples of the run's backends: how many were executing a statement,
    how many of those waited on a lock, and on what."""

    polls: int = 0
    active: int = 0
    idle_in_transaction: int = 0
    lock_waits: int = 0
    by_target: Counter[str] = field(default_factory=Counter)
    by_event: Counter[str] = field(default_factory=Counter)

    def add(self, state: str | None, waiting_on: str | None, wait_event: str | None) -> None:
        """One backend in one poll; ``waiting_on`` is set when it waits on a lock."""
        if state == "idle in transaction":
            self.idle_in_transaction += 1
        if state != "active":
            return
        self.active += 1
        if waiting_on is not None:
            self.lock_waits += 1
            self.by_target[waiting_on] += 1
            self.by_event[wait_event or "?"] += 1

    @property
    def share(self) -> float | None:
        """Lock-wait samples / active-backend samples (None before any active one)."""
        return self.lock_waits / self.active if self.active else None

    def as_json(self) -> dict[str, Any]:
        share = self.share
        return {
            "polls": self.polls,
            "active_backend_samples": self.active,
            "idle_in_transaction_samples": self.idle_in_transaction,
            "lock_wait_samples": self.lock_waits,
            "lock_wait_share": None if share is None else round(share, 4),
            "lock_waits_by_table": dict(self.by_target.most_common()),
            "lock_waits_by_event": dict(self.by_event.most_common()),
        }


@dataclass
class _CpuTrack:
    """CPU of one process between its first and last sighting."""

    first: float
    last: float

    @property
    def used(self) -> float:
        return self.last - self.first


@dataclass(frozen=True)
class RunCost:
    claims: int
    seconds: float
    hub_cpu_seconds: float
    backend_cpu_seconds: float  # the run's backends
    background_cpu_seconds: float  # postmaster and processes of no database (shared)
    backends_seen: int
    waits: WaitTally

    @property
    def postgres_cpu_seconds(self) -> float:
        return self.backend_cpu_seconds + self.background_cpu_seconds

    @property
    def total_cpu_seconds(self) -> float:
        return self.hub_cpu_seconds + self.postgres_cpu_seconds

    def per_claim_us(self, seconds: float) -> float | None:
        return 1e6 * seconds / self.claims if self.claims else None

    def as_json(self) -> dict[str, Any]:
        def us(seconds: float) -> float | None:
            value = self.per_claim_us(seconds)
            return None if value is None else round(value, 1)

        return {
            "claims": self.claims,
            "seconds": round(self.seconds, 3),
            "hub_cpu_seconds": round(self.hub_cpu_seconds, 3),
            "postgres_backend_cpu_seconds": round(self.backend_cpu_seconds, 3),
            "postgres_background_cpu_seconds": round(self.background_cpu_seconds, 3),
            "postgres_backends_seen": self.backends_seen,
            "hub_cpu_us_per_claim": us(self.hub_cpu_seconds),
            "postgres_cpu_us_per_claim": us(self.postgres_cpu_seconds),
            "postgres_backend_cpu_us_per_claim": us(self.backend_cpu_seconds),
            "total_cpu_us_per_claim": us(self.total_cpu_seconds),
            **self.waits.as_json(),
        }

    def line(self) -> str:
        def us(seconds: float) -> str:
            value = self.per_claim_us(seconds)
            return "n/a" if value is None else f"{value:,.0f}"

        share = self.waits.share
        tables = ", ".join(f"{k} {v}" for k, v in self.waits.by_target.most_common(4))
        return (
            f"CPU per claim: hubs {us(self.hub_cpu_seconds)} us, PostgreSQL "
            f"{us(self.postgres_cpu_seconds)} us (run's backends {us(self.backend_cpu_seconds)}, "
            f"cluster background {us(self.background_cpu_seconds)}), total "
            f"{us(self.total_cpu_seconds)} us; backends waiting on a lock in "
            f"{'n/a' if share is None else f'{100 * share:.2f} %'} of "
            f"{self.waits.active:,} active-backend samples" + (f" ({tables})" if tables else "")
        )


def cost_ratio(many: RunCost, one: RunCost) -> float | None:
    """Total CPU per claim of a run of several hubs over that of one."""
    a, b = many.per_claim_us(many.total_cpu_seconds), one.per_claim_us(one.total_cpu_seconds)
    return None if a is None or not b else a / b


class CostMeter:
    """Measures one run: ``start()`` when the hubs are up, ``stop(claims)`` when
    the run's last answer is in (before the hubs stop: their /proc goes then).

    ``database_url`` is where the sampler connects (its relation names are
    resolved there); the run's backends are those of ``database`` (default:
    the URL's) or, when given, of ``application_name`` only.
    """

    def __init__(
        self,
        database_url: str,
        hub_pids: Sequence[int],
        *,
        database: str | None = None,
        application_name: str | None = None,
        interval: float = SAMPLE_INTERVAL,
        read_stat: Callable[[int], ProcStat | None] = read_proc_stat,
    ) -> None:
        url = make_url(database_url).set(drivername="postgresql+psycopg")
        self._database = database or url.database
        self._application_name = application_name
        self._engine: Engine = create_engine(
            url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 10}
        )
        self._hub_pids = list(hub_pids)
        self._interval = interval
        self._read_stat = read_stat
        self._hub_start: dict[int, float] = {}
        self._backends: dict[int, _CpuTrack] = {}
        self._background: dict[int, _CpuTrack] = {}
        self._waits = WaitTally()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = 0.0
        self._first_poll = True
        self._error: BaseException | None = None

    def start(self) -> None:
        self._started = time.monotonic()
        for pid in self._hub_pids:
            stat = self._read_stat(pid)
            if stat is not None:
                self._hub_start[pid] = stat.cpu_seconds
        self._poll()  # the processes already there are measured from now
        self._thread = threading.Thread(target=self._run, name="cost-sampler", daemon=True)
        self._thread.start()

    def stop(self, claims: int) -> RunCost:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        try:
            self._poll()  # the last CPU readings
        finally:
            self._engine.dispose()
        if self._error is not None:
            raise RuntimeError(f"the cost sampler failed: {self._error}") from self._error
        hub = 0.0
        for pid, first in self._hub_start.items():
            stat = self._read_stat(pid)
            if stat is not None:
                hub += stat.cpu_seconds - first
        return RunCost(
            claims=claims,
            seconds=time.monotonic() - self._started,
            hub_cpu_seconds=hub,
            backend_cpu_seconds=sum(t.used for t in self._backends.values()),
            background_cpu_seconds=sum(t.used for t in self._background.values()),
            backends_seen=len(self._backends),
            waits=self._waits,
        )

    def _run(self) -> None:
        try:
            while not self._stop.wait(self._interval):
                self._poll()
        except BaseException as error:  # reported by stop(), not lost in the thread
            self._error = error

    def _poll(self) -> None:
        with self._engine.connect() as connection:
            rows = connection.execute(_SAMPLE).mappings().all()
        first = self._first_poll
        self._first_poll = False
        self._waits.polls += 1
        postmasters: set[int] = set()
        for row in rows:
            pid = int(row["pid"])
            stat = self._read_stat(pid)
            if stat is not None:
                postmasters.add(stat.ppid)
            if self._is_run(row):
                self._track(self._backends, pid, stat, first)
                if row["backend_type"] == "client backend":
                    waiting = (
                        wait_target(row["relations"], row["query"], row["wait_event"])
                        if row["wait_event_type"] == "Lock"
                        else None
                    )
                    self._waits.add(row["state"], waiting, row["wait_event"])
            elif row["datname"] is None:
                self._track(self._background, pid, stat, first)
        for pid in postmasters:
            self._track(self._background, pid, self._read_stat(pid), first)

    def _is_run(self, row: Any) -> bool:
        if self._application_name is not None:
            return bool(row["application_name"] == self._application_name)
        return bool(row["datname"] == self._database)

    @staticmethod
    def _track(
        tracks: dict[int, _CpuTrack], pid: int, stat: ProcStat | None, first_poll: bool
    ) -> None:
        if stat is None:
            return
        now = stat.cpu_seconds
        track = tracks.get(pid)
        if track is None:
            # Seen after the first poll: it started during the run, so all of
            # its CPU (connection start-up included) is the run's.
            tracks[pid] = _CpuTrack(now if first_poll else 0.0, now)
        else:
            track.last = now
