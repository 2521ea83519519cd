"""Outage: the exchange away for a while, then the database unreachable for a few seconds.

The hub reaches PostgreSQL through a TCP proxy the drill runs (the shared
server is never stopped). First the exchange client is not running: the
hub goes on accepting claims and issuing blocks into its outbox. Then the
proxy cuts every connection and refuses new ones: nothing can be recorded
safely, so every write and read must be answered UNAVAILABLE with a retry
hint, while the process keeps serving. After the database is back the
partner's resends are decided, the exchange client starts and receives the
whole backlog, each block once.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.signing import Signer
from carbonhub_tools.drills.crash import PARTNER, SERVE_ENV, ExchangeRunner
from carbonhub_tools.drills.ledger_checks import audit_verify, check_ledger, pending_work
from carbonhub_tools.drills.processes import (
    drill_standard,
    fresh_postgres_database,
    prepare_drill_trust,
    wait_until,
)
from carbonhub_tools.drills.report import DrillReport
from carbonhub_tools.drills.senders import DrillGaveUp, ResendingSender
from carbonhub_tools.drills.tcp_proxy import TcpProxy
from carbonhub_tools.drills.traffic import (
    drill_project,
    envelopes_of,
    project_claims,
    project_ids,
    race_traffic,
)
from hub.serving.serve_process import HubProcess


@dataclass(frozen=True)
class OutageOptions:
    data_dir: Path
    database_url: str  # the PostgreSQL server; the drill makes its own database there
    exchange_down: float = 10.0  # seconds the exchange client is away at the start
    database_down: float = 8.0  # seconds the proxy refuses the hub's connections
    projects: int = 8
    months: int = 20
    personal_claims: int = 2000
    envelope: int = 20
    seed: int = 6


def run_outage(options: OutageOptions, emit: Callable[[str], None] = print) -> DrillReport:
    report = DrillReport("outage")
    folder = options.data_dir
    standards = drill_standard(folder)
    projects = project_ids(options.projects)
    personal = race_traffic(options.personal_claims, [PARTNER], seed=options.seed).streams[PARTNER]
    claims = [*project_claims(projects, options.months), *personal]
    random.Random(options.seed).shuffle(claims)
    envelopes = envelopes_of(PARTNER, claims, options.envelope, "OUTAGE")
    records = len({c.record_id for c in claims})
    with fresh_postgres_database(options.database_url, "outage") as direct_url:
        trust = prepare_drill_trust(folder / "trust", direct_url, standards, [PARTNER])
        target = make_url(direct_url)
        proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
        proxied = target.set(host="127.0.0.1", port=proxy.port)
        hub = HubProcess(
            "hub",
            proxied.render_as_string(hide_password=False),
            folder / "hub",
            pki_dir=trust.pki_dir,
            standards_dir=standards,
            env=SERVE_ENV,
        )
        address = hub.start()
        exchange = ExchangeRunner(trust, address, folder / "exchange-state.json")
        channel = trust.channel(address, PARTNER)
        sender = ResendingSender(
            PARTNER, Signer.from_file(trust.signing_keys[PARTNER]), channel, seed=options.seed
        )
        problems: list[str] = []
        outage_failures = 0
        try:
            sender.register_projects([drill_project(p) for p in projects], "OUTAGE-PROJECTS")
            total = options.exchange_down + options.database_down + 4
            pause = total / max(1, len(envelopes))
            sending = threading.Thread(
                target=_send, args=(sender, envelopes, pause, problems), daemon=True
            )
            sending.start()
            time.sleep(options.exchange_down)
            _, backlog = pending_work(direct_url)
            answered_before = sender.log.envelopes_answered
            emit(f"exchange away {options.exchange_down:.0f} s: {backlog} blocks waiting")
            report.require("blocks issued while the exchange was away", backlog > 0, backlog)
            report.require(
                "envelopes answered while the exchange was away",
                answered_before > 0,
                answered_before,
            )
            failures_before = len(sender.log.failures)
            proxy.cut()
            emit(f"database cut for {options.database_down:.0f} s")
            time.sleep(options.database_down)
            outage_failures = len(sender.log.failures) - failures_before
            proxy.restore()
            emit(f"database back; {outage_failures} calls were refused meanwhile")
            report.require("hub process alive through the outage", hub.alive(), hub.alive())
            exchange.start()
            sending.join(timeout=300)
            finished = wait_until(lambda: pending_work(direct_url) == (0, 0), timeout=120)
            report.require(
                "backlog issued and delivered after recovery", finished, pending_work(direct_url)
            )
        finally:
            exchange.stop()
            channel.close()
            hub.stop()
            proxy.close()
        failures = sender.log.failures
        hinted = [f for f in failures if f.code == "UNAVAILABLE" and f.retry_after]
        report.require("calls refused during the outage", outage_failures > 0, outage_failures)
        report.check("refusals that were UNAVAILABLE with a retry hint", len(failures), len(hinted))
        reasons = sorted({f"{f.code} {f.reason}" for f in failures})
        report.note(f"refusals seen by the partner: {reasons}")
        report.check("partner sender finished", "yes", "yes" if not problems else problems[0])
        report.check("exchange client errors", 0, len(exchange.errors))
        check_ledger(report, direct_url, sender.log, records, folder / "exchange-state.json")
        audit_verify(report, direct_url, trust.pki_dir)
    report.figures["refused_during_outage"] = outage_failures
    report.figures["claims"] = len(claims)
    return report


def _send(
    sender: ResendingSender,
    envelopes: Sequence[pb.ClaimEnvelope],
    pause: float,
    problems: list[str],
) -> None:
    try:
        for envelope in envelopes:
            sender.send([envelope], timeout=30)
            time.sleep(pause)
    except DrillGaveUp as error:
        problems.append(str(error))
