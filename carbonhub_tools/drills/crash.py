"""Crash: the hub killed with SIGKILL at random moments, again and again, and restarted.

A partner sends projects and claims (PV months that issue blocks, and
personal trips with duplicates) and resends whatever was not answered; the
hub issues every 50 ms and delivers to the reference exchange client,
which follows the block stream and resumes from its state file (a new
client after every kill). Kills fall while envelopes are in flight, while
the issuer runs and while blocks stream out. At the end: no acknowledged
claim lost, no claim issued twice, the exchange holding each qualified
block once, `carbon-hub audit verify` clean.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.signing import Signer
from carbonhub_tools.demo.trust import EXCHANGE_NAME, DemoTrust
from carbonhub_tools.drills.ledger_checks import (
    LedgerProbe,
    audit_verify,
    check_ledger,
    pending_work,
)
from carbonhub_tools.drills.processes import (
    drill_standard,
    fresh_postgres_database,
    is_postgres,
    prepare_drill_trust,
    wait_until,
)
from carbonhub_tools.drills.report import DrillReport
from carbonhub_tools.drills.senders import DrillGaveUp, ResendingSender
from carbonhub_tools.drills.traffic import (
    drill_project,
    envelopes_of,
    project_claims,
    project_ids,
    race_traffic,
)
from hub.exchange_client.client import ExchangeClient
from hub.exchange_client.connection import Backoff
from hub.exchange_client.receipts import HubKey
from hub.serving.serve_process import HubProcess, free_port

PARTNER = "CN-GD"
DELIVERY = 4  # envelopes per delivery
SERVE_ENV = {
    "HUB_ISSUANCE_INTERVAL": "0.05",
    "HUB_EXCHANGE_POLL_INTERVAL": "0.05",
    "HUB_AUDIT_CHECKPOINT_INTERVAL": "1",
}


@dataclass(frozen=True)
class CrashOptions:
    data_dir: Path
    database_url: str | None = None  # None: SQLite in data_dir; PostgreSQL: a fresh database
    kills: int = 20
    projects: int = 12
    months: int = 20
    personal_claims: int = 2000
    envelope: int = 20
    seed: int = 6


@contextlib.contextmanager
def drill_database(database_url: str | None, folder: Path, label: str) -> Iterator[str]:
    if database_url is not None and is_postgres(database_url):
        with fresh_postgres_database(database_url, label) as url:
            yield url
        return
    yield database_url or f"sqlite:///{(folder / 'hub.db').resolve()}"


class ExchangeRunner:
    """The reference exchange client following the hub, replaced by a new one on demand."""

    def __init__(self, trust: DemoTrust, address: str, state_path: Path) -> None:
        self._trust = trust
        self._address = address
        self._state_path = state_path
        self._client: ExchangeClient | None = None
        self._thread: threading.Thread | None = None
        self.errors: list[str] = []
        self.clients = 0

    def start(self) -> None:
        channel = self._trust.channel(self._address, EXCHANGE_NAME)
        client = ExchangeClient(
            channel,
            self._state_path,
            backoff=Backoff(initial=0.05, maximum=0.5),
            idle_seconds=0.2,
            hub_key=HubKey.from_file(self._trust.pki_dir / "hub-signing.pub"),
        )
        self._client = client
        self.clients += 1

        def run() -> None:
            try:
                client.sync(follow=True)
            except Exception as error:  # reported by the drill, never silent
                self.errors.append(f"{type(error).__name__}: {error}")
            finally:
                channel.close()

        self._thread = threading.Thread(target=run, name="exchange", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._client is not None:
            self._client.stop()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._client = None
        self._thread = None


def run_crash(options: CrashOptions, emit: Callable[[str], None] = print) -> DrillReport:
    report = DrillReport("crash")
    rng = random.Random(options.seed)
    folder = options.data_dir
    standards = drill_standard(folder)
    projects = project_ids(options.projects)
    personal = race_traffic(options.personal_claims, [PARTNER], seed=options.seed).streams[PARTNER]
    claims = project_claims(projects, options.months)
    # Project months interleaved with the personal trips, so issuance has work throughout.
    mixed: list[pb.Claim] = []
    step = max(1, len(personal) // max(1, len(claims)))
    for i, claim in enumerate(claims):
        mixed.append(claim)
        mixed.extend(personal[i * step : (i + 1) * step])
    mixed.extend(personal[len(claims) * step :])
    envelopes = envelopes_of(PARTNER, mixed, options.envelope, "CRASH")
    records = len({c.record_id for c in mixed})
    report.note(
        f"traffic: {len(mixed)} claims ({len(claims)} PV months of {len(projects)} projects, "
        f"{len(personal)} personal trips with duplicates) in {len(envelopes)} envelopes"
    )
    emit(report.notes[-1])
    with drill_database(options.database_url, folder, "crash") as database_url:
        trust = prepare_drill_trust(folder / "trust", database_url, standards, [PARTNER])
        hub = HubProcess(
            "hub",
            database_url,
            folder / "hub",
            pki_dir=trust.pki_dir,
            standards_dir=standards,
            port=free_port(),
            env=SERVE_ENV,
        )
        address = hub.start()
        exchange = ExchangeRunner(trust, address, folder / "exchange-state.json")
        channel = trust.channel(address, PARTNER)
        sender = ResendingSender(
            PARTNER,
            Signer.from_file(trust.signing_keys[PARTNER]),
            channel,
            seed=options.seed,
            patience=600,
        )
        problems: list[str] = []
        try:
            sender.register_projects([drill_project(p) for p in projects], "CRASH-PROJECTS")
            exchange.start()
            # Deliveries of a few envelopes, paced to span the kills.
            pause = options.kills * 2.5 / max(1, len(envelopes) / DELIVERY)
            sending = threading.Thread(
                target=_send,
                args=(sender, envelopes, pause, problems),
                name="partner",
                daemon=True,
            )
            sending.start()
            phases = {"ingestion": 0, "issuance": 0, "delivery": 0}
            probe = LedgerProbe(database_url)
            try:
                for kill in range(options.kills):
                    time.sleep(rng.uniform(0.3, 1.2))
                    # Every kill but each third falls at a random moment; the
                    # others wait (briefly) for claims to issue or blocks in
                    # delivery, so every phase gets its share of kills.
                    aim = kill % 3
                    if aim:
                        wait_until(_has_work(probe, aim - 1), 2.0, 0.01)
                    in_flight = sender.log.envelopes_sent > sender.log.envelopes_answered
                    pending, undelivered = probe.pending()
                    phases["ingestion"] += in_flight
                    phases["issuance"] += pending > 0
                    phases["delivery"] += undelivered > 0
                    hub.kill()
                    exchange.stop()
                    emit(
                        f"kill {kill + 1}: envelopes in flight {in_flight}, claims to issue "
                        f"{pending}, blocks undelivered {undelivered}"
                    )
                    hub.start()
                    exchange.start()
            finally:
                probe.close()
            sending.join(timeout=600)
            finished = wait_until(lambda: pending_work(database_url) == (0, 0), timeout=120)
            report.require(
                "issuance and delivery finished after the last restart",
                finished,
                pending_work(database_url),
            )
        finally:
            exchange.stop()
            channel.close()
            hub.stop()
        report.check("kills (SIGKILL) during the run", options.kills, hub.starts - 1)
        report.note(f"kills that fell during: {phases}")
        report.check("partner sender finished", "yes", "yes" if not problems else problems[0])
        report.check("exchange client errors", 0, len(exchange.errors))
        for error in exchange.errors:
            report.note(f"exchange: {error}")
        report.note(f"envelopes resent after a failed call: {len(sender.log.failures)}")
        check_ledger(report, database_url, sender.log, records, folder / "exchange-state.json")
        audit_verify(report, database_url, trust.pki_dir)
    report.figures["kills"] = hub.starts - 1
    report.figures["claims"] = len(mixed)
    return report


def _has_work(probe: LedgerProbe, index: int) -> Callable[[], bool]:
    return lambda: probe.pending()[index] > 0


def _send(
    sender: ResendingSender,
    envelopes: Sequence[pb.ClaimEnvelope],
    pause: float,
    problems: list[str],
) -> None:
    try:
        for start in range(0, len(envelopes), DELIVERY):
            sender.send(envelopes[start : start + DELIVERY], timeout=60)
            time.sleep(pause)
    except DrillGaveUp as error:
        problems.append(str(error))
