"""Race: several hub processes on one PostgreSQL database, every partner streaming at once.

Each partner streams its claims over mutual TLS, signed with its key, to one
of the hubs (partner i to hub i mod n), all starting together. The drill
knows from its own traffic how many unique reductions were sent; the ledger
must accept exactly one claim of each, hold no two overlapping locks, and
answer every envelope of every stream. With ``compare_single`` the same
traffic first runs against a single hub process on a database of its own,
so the two throughputs are measured in one run.

Wall time says little about replicas on a 2-core machine shared by the
hubs, PostgreSQL and the drill's own clients, so each run is also judged by
what it cost (carbonhub_tools.drills.cost): CPU seconds per claim of the hub
processes and of PostgreSQL, and the share of sampled backend time spent
waiting on a lock, with the table waited on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.signing import Signer
from carbonhub_tools.demo.trust import DemoTrust
from carbonhub_tools.drills.cost import CostMeter, RunCost, cost_ratio
from carbonhub_tools.drills.processes import (
    drill_partners,
    drill_standard,
    fresh_postgres_database,
    prepare_drill_trust,
    start_all,
)
from carbonhub_tools.drills.report import DrillReport
from carbonhub_tools.drills.senders import DrillGaveUp, ResendingSender, SendLog
from carbonhub_tools.drills.traffic import RaceTraffic, envelopes_of, race_traffic
from hub.serving.serve_process import HubProcess

STREAM_TIMEOUT = 1800.0
CONFLICT_CODES = frozenset({"PERSON_PERIOD_OVERLAP", "DUPLICATE_CONTENT", "ORIGIN_SERIAL_OVERLAP"})
COUNTED = (pb.DECISION_ACCEPTED, pb.DECISION_HELD)
# Written with the range operator so the exclusion constraint's GiST index
# serves the join: all origin blocks of one series share a key, and the
# plain "lo <= hi" form compared each with each (minutes at 20,000 blocks).
# Each pair once: no two locks of one (kind, key) share a start (the key
# since 0033).
OVERLAPPING_LOCKS = (
    "SELECT count(*) FROM claim_locks x JOIN claim_locks y "
    "ON x.kind = y.kind AND x.key = y.key AND x.lo < y.lo "
    "AND int8range(x.lo, x.hi, '[]') && int8range(y.lo, y.hi, '[]')"
)


@dataclass(frozen=True)
class RaceOptions:
    data_dir: Path
    database_url: str  # the PostgreSQL server; the drill makes its own databases there
    claims: int = 100_000
    hubs: int = 4
    partners: int = 8
    envelope: int = 500
    seed: int = 6
    compare_single: bool = True


@dataclass
class _Stream:
    log: SendLog = field(default_factory=SendLog)
    batches: list[pb.VerdictBatch] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0
    error: str = ""


def run_race(options: RaceOptions, emit: Callable[[str], None] = print) -> DrillReport:
    report = DrillReport("race")
    partners = drill_partners(options.partners)
    traffic = race_traffic(options.claims, partners, seed=options.seed, envelope=options.envelope)
    report.note(
        f"traffic: {traffic.claims} claims of {traffic.reductions} unique reductions from "
        f"{len(partners)} partners ({', '.join(partners)}), {traffic.resubmissions} exact "
        f"resubmissions; duplicates made as {traffic.kinds}"
    )
    emit(report.notes[-1])
    standards = drill_standard(options.data_dir)
    phases = [1, options.hubs] if options.compare_single and options.hubs > 1 else [options.hubs]
    costs: dict[int, RunCost] = {}
    for hubs in phases:
        rate, costs[hubs] = _phase(options, report, traffic, partners, standards, hubs, emit)
        suffix = f"{hubs}_hub{'s' if hubs > 1 else ''}"
        report.figures[f"claims_per_second_{suffix}"] = rate
        report.figures[f"cost_{suffix}"] = costs[hubs].as_json()
    if len(costs) == 2:
        ratio = cost_ratio(costs[options.hubs], costs[1])
        report.figures[f"total_cpu_per_claim_ratio_{options.hubs}_to_1"] = (
            None if ratio is None else round(ratio, 3)
        )
        report.note(
            f"total CPU per claim (hubs + PostgreSQL), {options.hubs} hubs / 1: "
            + ("n/a" if ratio is None else f"{ratio:.2f}")
        )
        emit(report.notes[-1])
    report.figures["claims"] = traffic.claims
    report.figures["unique_reductions"] = traffic.reductions
    report.figures["partner_streams"] = len(partners)
    return report


def _phase(
    options: RaceOptions,
    report: DrillReport,
    traffic: RaceTraffic,
    partners: list[str],
    standards: Path,
    hubs: int,
    emit: Callable[[str], None],
) -> tuple[float, RunCost]:
    label = f"{hubs} hub{'s' if hubs > 1 else ''}"
    folder = options.data_dir / f"race-{hubs}"
    with fresh_postgres_database(options.database_url, f"race{hubs}") as database_url:
        trust = prepare_drill_trust(folder / "trust", database_url, standards, partners)
        processes = [
            HubProcess(
                f"hub-{n}",
                database_url,
                folder / f"hub-{n}",
                pki_dir=trust.pki_dir,
                standards_dir=standards,
                env={"HUB_ISSUANCE_INTERVAL": "0", "HUB_AUDIT_CHECKPOINT_INTERVAL": "0"},
            )
            for n in range(hubs)
        ]
        try:
            addresses = start_all(processes)
            emit(f"{label}: serving at {', '.join(addresses)}; streaming")
            # Measured while the hubs run: their /proc entries go when they stop.
            meter = CostMeter(database_url, [p.pid for p in processes if p.pid is not None])
            meter.start()
            try:
                streams = _stream_all(options, traffic, partners, trust, addresses)
            finally:
                cost = meter.stop(traffic.claims)
        finally:
            for process in processes:
                process.stop()
        elapsed = max(s.ended for s in streams.values()) - min(s.started for s in streams.values())
        rate = round(traffic.claims / elapsed) if elapsed > 0 else 0.0
        emit(f"{label}: {traffic.claims} claims answered in {elapsed:.1f} s ({rate} claims/s)")
        report.note(f"{label}: {cost.line()}")
        emit(report.notes[-1])
        _check(report, label, traffic, options.envelope, streams, database_url)
    return rate, cost


def _stream_all(
    options: RaceOptions,
    traffic: RaceTraffic,
    partners: list[str],
    trust: DemoTrust,
    addresses: list[str],
) -> dict[str, _Stream]:
    start = threading.Barrier(len(partners))
    results: dict[str, _Stream] = {p: _Stream() for p in partners}

    def run(index: int, partner: str) -> None:
        result = results[partner]
        address = addresses[index % len(addresses)]
        try:
            with trust.channel(address, partner) as channel:
                sender = ResendingSender(
                    partner, Signer.from_file(trust.signing_keys[partner]), channel, seed=index
                )
                result.log = sender.log
                envelopes = envelopes_of(
                    partner, traffic.streams[partner], options.envelope, "RACE"
                )
                start.wait(timeout=120)
                result.started = time.monotonic()
                sender.send(envelopes, timeout=STREAM_TIMEOUT)
                result.batches = sender.batches
        except DrillGaveUp as error:
            result.error = str(error)
        except threading.BrokenBarrierError:
            result.error = "another stream failed before the start"
        finally:
            result.ended = time.monotonic()
            if not result.started:
                result.started = result.ended
                start.abort()

    threads = [
        threading.Thread(target=run, args=(i, p), name=f"stream-{p}")
        for i, p in enumerate(partners)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _check(
    report: DrillReport,
    label: str,
    traffic: RaceTraffic,
    envelope: int,
    streams: dict[str, _Stream],
    database_url: str,
) -> None:
    unanswered = []
    for partner, stream in streams.items():
        expected = envelopes_of(partner, traffic.streams[partner], envelope, "RACE")
        got = [[v.record_id for v in b.verdicts] for b in stream.batches]
        if stream.error or got != [[c.record_id for c in e.claims] for e in expected]:
            unanswered.append(f"{partner} ({stream.error or 'answers do not match'})")
    report.check(f"{label}: streams answered in full", len(streams), len(streams) - len(unanswered))
    for problem in unanswered:
        report.note(f"{label}: stream {problem}")
    # A batch that lost too many races to concurrent writers is answered
    # UNAVAILABLE with a retry hint, recording nothing; the sender resends it.
    failures = [f for s in streams.values() for f in s.log.failures]
    reasons: dict[str, int] = {}
    for failure in failures:
        name = f"{failure.code} {failure.reason}".strip()
        reasons[name] = reasons.get(name, 0) + 1
    report.note(f"{label}: envelopes resent after a refusal: {len(failures)} {reasons or ''}")
    unhinted = [f for f in failures if not (f.code == "UNAVAILABLE" and f.retry_after)]
    report.check(
        f"{label}: failed calls other than UNAVAILABLE with a retry hint", 0, len(unhinted)
    )
    # What each reduction got, from the verdicts (first answer per record id).
    first: dict[tuple[str, str], pb.Verdict] = {}
    resubmissions = 0
    resubmission_mismatches = 0
    for partner, stream in streams.items():
        for batch in stream.batches:
            for verdict in batch.verdicts:
                key = (partner, verdict.record_id)
                if key in first:
                    resubmissions += 1
                    original = first[key]
                    same = (verdict.claim_id, verdict.decision) == (
                        original.claim_id,
                        original.decision,
                    )
                    resubmission_mismatches += not (same and verdict.resubmission)
                else:
                    first[key] = verdict
    counted: dict[int, set[str]] = {}
    other_refusals = 0
    for key, verdict in first.items():
        reduction = traffic.reduction_of[key]
        if verdict.decision in COUNTED:
            counted.setdefault(reduction, set()).add(verdict.claim_id)
        elif not CONFLICT_CODES & {c.code for c in verdict.checks}:
            other_refusals += 1
    doubled = sum(1 for ids in counted.values() if len(ids) > 1)
    lost = traffic.reductions - len(counted)
    report.check(
        f"{label}: reductions accepted exactly once",
        traffic.reductions,
        traffic.reductions - doubled - lost,
    )
    report.check(f"{label}: reductions accepted twice or more", 0, doubled)
    report.check(f"{label}: reductions with no accepted claim", 0, lost)
    report.check(f"{label}: claims refused for anything but double counting", 0, other_refusals)
    report.check(
        f"{label}: exact resubmissions answered with the original verdict",
        f"{traffic.resubmissions} of {traffic.resubmissions}",
        f"{resubmissions - resubmission_mismatches} of {resubmissions}",
    )
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            stored_counted = connection.execute(
                text("SELECT count(*) FROM claims WHERE decision IN ('ACCEPTED', 'HELD')")
            ).scalar_one()
            stored = connection.execute(text("SELECT count(*) FROM claims")).scalar_one()
            overlapping = connection.execute(text(OVERLAPPING_LOCKS)).scalar_one()
            kept = connection.execute(text("SELECT count(*) FROM signed_payloads")).scalar_one()
    finally:
        engine.dispose()
    envelopes = sum(-(-len(s) // envelope) for s in traffic.streams.values())
    report.check(f"{label}: claims counted in the database", traffic.reductions, stored_counted)
    report.check(
        f"{label}: claims stored (one row per partner and record id)",
        len(traffic.reduction_of),
        stored,
    )
    report.check(f"{label}: overlapping locks (claim_locks self-join)", 0, overlapping)
    report.check(f"{label}: signed envelopes kept", envelopes, kept)
