"""`carbon-hub bench ingest`: the real hub, from outside, against a storage baseline.

1. Fresh databases (carbonhub_tools.bench.databases); a PKI in the run's folder with the
   hub's server certificate and K partner certificates of CN-GD; the
   partner's signing key registered in the hub's database (audited, as
   `carbon-hub keys register` does).
2. ``--preload M``: M valid claims of other people recorded through the
   IngestionService on the same database before the hub starts (the same
   storage code, audit chain included; unsigned, as an internal write).
3. `carbon-hub serve` as its own OS process with mutual TLS on that database
   (the periodic issuer off: this measures ingestion, not issuance);
   ``--hubs N`` (PostgreSQL only): N such processes on the one database,
   client i streaming to hub i mod N (carbonhub_tools.bench.hubs).
4. The run's PV projects registered over gRPC (signed), then the claims
   streamed by the K clients at once, split by person or project
   (carbonhub_tools.bench.claims): claims/s over the streaming wall clock, latency per
   envelope, the hub's VmHWM read from /proc. The envelopes are built while
   the run goes (carbonhub_tools.bench.streaming.EnvelopeFeed), so the bench's own
   memory, reported too, stays flat in N; the run's tenths are timed as
   their verdicts arrive ("segments"), to show the rate as the ledger grows.
5. The storage baseline on the same rows (carbonhub_tools.bench.baseline) and the ratio.

On PostgreSQL the streaming is also costed (carbonhub_tools.drills.cost): the
hubs' connections carry an application_name of the run, so the CPU of
exactly their backends (plus the cluster's background processes) and the
share of their sampled time spent waiting on a lock are reported beside the
hubs' own CPU per claim (all hubs summed, and each hub's).
"""

from __future__ import annotations

import json
import resource
import shutil
import statistics
import tempfile
import uuid
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

from adapters.wire_records import claim_to_proto, project_to_proto
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from carbonhub_contract.signing import PublicKey, Signer
from carbonhub_contract.vocabulary.envelopes import PayloadType
from carbonhub_contract.vocabulary.records import ClaimSubmission
from carbonhub_tools.bench.baseline import run_baseline
from carbonhub_tools.bench.claims import PARTNER, BenchClaim, ClaimStream, preload_stream
from carbonhub_tools.bench.databases import fresh_databases
from carbonhub_tools.bench.disk import DiskObject, DiskUsage, disk_usage
from carbonhub_tools.bench.hubs import BenchHubs, check_hubs
from carbonhub_tools.bench.streaming import (
    FEED_DEPTH,
    ClientIdentity,
    EnvelopeFeed,
    Progress,
    SharedSequence,
    StreamingClient,
    stream_all,
)
from carbonhub_tools.bench.tally import Tally
from carbonhub_tools.demo.trust import ensure_authority, prepare_trust
from carbonhub_tools.drills.cost import CostMeter, RunCost
from hub.bootstrap import build_hub
from hub.domain.identity import Role
from hub.services.clock import system_clock
from hub.services.ingestion import IngestionService
from hub.settings import HubSettings
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hub.trust.pki_layout import PkiLayout
from hub.trust.tls import secure_channel

PRELOAD_BATCH = 5000
PRELOAD_RECORD_PREFIX = "GDPRE"
UNARY_TIMEOUT = 120.0
# valgrind runs Python some 50 times slower: start-up and exit wait as long.
HUB_UNDER_PATIENCE = 60.0
Say = Callable[[str], None]


@dataclass(frozen=True)
class IngestOptions:
    claims: int
    database_url: str | None = None
    partners: int = 1
    preload: int = 0
    envelope_size: int = 1000
    data_dir: Path | None = None
    window: int = 2
    baseline_claims: int | None = None  # copy only the first rows into the baseline
    seed: int = 6
    personal_only: bool = False  # no PV project: every claim a person's (pooled issuance)
    people: int | None = None  # pseudonymous people the claims spread over (default: claims/90)
    # A program the hub process runs under, e.g. valgrind's callgrind to count
    # its instructions (scripts/bench_ab.py --instructions); it waits longer.
    hub_under: tuple[str, ...] = ()
    # Replicas on one PostgreSQL database; client i streams to hub i mod hubs.
    hubs: int = 1


def plan_envelopes(
    claims: Sequence[BenchClaim], clients: int, size: int
) -> list[list[list[ClaimSubmission]]]:
    """Per client, its envelopes: claims split by group (person or project), order kept.

    All in memory: the reference the in-process check and the tests use;
    the run itself sends ``planned_envelopes``.
    """
    shares: list[list[ClaimSubmission]] = [[] for _ in range(clients)]
    for claim in claims:
        shares[zlib.crc32(claim.group.encode()) % clients].append(claim.submission)
    return [
        [share[start : start + size] for start in range(0, len(share), size)] for share in shares
    ]


def planned_envelopes(
    claims: Iterable[BenchClaim], clients: int, size: int
) -> Iterator[tuple[int, list[ClaimSubmission]]]:
    """``plan_envelopes`` read once and lazily: (client, envelope) as each fills.

    The same split and order per client; an envelope leaves as soon as it is
    full, the partial last ones at the end, so at most ``clients * size``
    claims wait here whatever the run's size.
    """
    filling: list[list[ClaimSubmission]] = [[] for _ in range(clients)]
    for claim in claims:
        client = zlib.crc32(claim.group.encode()) % clients
        envelope = filling[client]
        envelope.append(claim.submission)
        if len(envelope) == size:
            yield client, envelope
            filling[client] = []
    for client, envelope in enumerate(filling):
        if envelope:
            yield client, envelope


def wire_envelopes(
    stream: ClaimStream, clients: int, size: int
) -> Iterator[tuple[int, pb.ClaimEnvelope]]:
    """The run's envelopes as sent (the sequence is set when signed)."""
    for client, envelope in planned_envelopes(stream, clients, size):
        yield (
            client,
            pb.ClaimEnvelope(
                partner=PARTNER,
                delivery_id=stream.delivery_id,
                claims=[claim_to_proto(c) for c in envelope],
            ),
        )


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[round(fraction * 1000) - 1]


def record_preload(
    ingestion: IngestionService,
    count: int,
    *,
    batch: int = PRELOAD_BATCH,
    after_batch: Callable[[int], None] | None = None,
) -> None:
    """``count`` preload claims (preload_stream) recorded in envelopes of
    ``batch``; ``after_batch`` gets the number recorded so far after each."""
    pending: list[ClaimSubmission] = []
    done = 0
    for claim in preload_stream(count):
        pending.append(claim)
        if len(pending) == batch:
            ingestion.submit(PARTNER, pending)
            done += len(pending)
            pending = []
            if after_batch is not None:
                after_batch(done)
    if pending:
        ingestion.submit(PARTNER, pending)
        if after_batch is not None:
            after_batch(done + len(pending))


def _preload(hub_url: str, folder: Path, count: int, say: Say) -> None:
    hub = build_hub(HubSettings(database_url=hub_url, data_dir=folder / "preload"))
    try:
        ingestion = IngestionService(
            SqlAlchemyUnitOfWorkFactory(hub.engine), hub.standard, system_clock
        )

        def progress(done: int) -> None:
            if done % 100_000 == 0:
                say(f"preloaded {done:,} claims")

        record_preload(ingestion, count, after_batch=progress)
    finally:
        hub.close()


def _identities(pki_dir: Path, clients: int) -> list[ClientIdentity]:
    authority = ensure_authority(pki_dir)
    found: list[ClientIdentity] = []
    for index in range(clients):
        issued = authority.issue(Role.PARTNER, partner=PARTNER, name=f"{PARTNER}-bench-{index}")
        found.append(ClientIdentity(issued.certificate_path, issued.key_path))
    return found


def run_ingest(options: IngestOptions, say: Say) -> dict[str, Any]:
    """Run the benchmark; the figures (also the JSON line's)."""
    check_hubs(options.hubs, options.database_url, options.partners)
    owned = options.data_dir is None
    folder = Path(tempfile.mkdtemp(prefix="hub-bench-")) if owned else options.data_dir
    assert folder is not None
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with fresh_databases(options.database_url, folder) as databases:
            return _run(
                options, folder, databases.kind, databases.hub_url, databases.baseline_url, say
            )
    finally:
        if owned:
            shutil.rmtree(folder, ignore_errors=True)


def _run(
    options: IngestOptions, folder: Path, kind: str, hub_url: str, baseline_url: str, say: Say
) -> dict[str, Any]:
    pki_dir = folder / "pki"
    registrar = build_hub(
        HubSettings(database_url=hub_url, data_dir=folder / "registrar", pki_dir=pki_dir)
    )
    try:
        trust = prepare_trust(folder, [PARTNER], registrar.partner_keys, bureau_officers=())
    finally:
        registrar.close()
    identities = _identities(pki_dir, options.partners)
    if options.preload:
        say(f"preloading {options.preload:,} claims")
        _preload(hub_url, folder, options.preload, say)

    stream = ClaimStream(
        options.claims,
        seed=options.seed,
        personal_only=options.personal_only,
        people=options.people,
    )
    feed = EnvelopeFeed(
        wire_envelopes(stream, options.partners, options.envelope_size),
        options.partners,
        FEED_DEPTH,
    )
    hub_key = PublicKey.from_file(PkiLayout(pki_dir).signing_public_key)
    signer = Signer.from_file(trust.signing_keys[PARTNER])
    ca = PkiLayout(pki_dir).ca_certificate

    env = {
        "HUB_ISSUANCE_INTERVAL": "0",
        "HUB_MAX_STREAMS_PER_CALLER": str(max(4, options.partners + 1)),
        "HUB_MAX_CLAIMS_PER_ENVELOPE": str(max(5000, options.envelope_size)),
    }
    say(f"starting {_hubs_phrase(options.hubs)} on {kind}")
    # The hubs' own connections are told apart from the bench's and from
    # other users' of the same database by an application_name of the run.
    application = f"carbonhub_bench_{uuid.uuid4().hex[:10]}"
    serve_url = (
        make_url(hub_url)
        .update_query_dict({"application_name": application})
        .render_as_string(hide_password=False)
        if kind == "postgresql"
        else hub_url
    )
    hubs = BenchHubs(
        options.hubs,
        serve_url,
        folder,
        pki_dir=pki_dir,
        env=env,
        command_prefix=options.hub_under,
        patience=HUB_UNDER_PATIENCE if options.hub_under else 1.0,
    )
    progress = Progress(options.claims, options.preload, say, hub_cpu=hubs.cpu_seconds)
    try:
        hubs.start()
        first = identities[0]
        with secure_channel(
            hubs.address_for(0), ca=ca, cert=first.certificate, key=first.key
        ) as channel:
            stub = pb_grpc.PartnerServiceStub(channel)  # type: ignore[no-untyped-call]
            last = stub.GetPartnerSequence(
                pb.GetPartnerSequenceRequest(partner=PARTNER), timeout=UNARY_TIMEOUT
            ).last_sequence
            sequence = SharedSequence(signer, last)
            if stream.projects:  # none when --personal-only
                request = pb.RegisterProjectsRequest(
                    partner=PARTNER, projects=[project_to_proto(p) for p in stream.projects]
                )
                registered = stub.RegisterProjects(
                    sequence.sign(request, PayloadType.PROJECTS), timeout=UNARY_TIMEOUT
                )
                refused = [
                    r.project_id for r in registered.results if r.decision != pb.DECISION_ACCEPTED
                ]
                if refused:
                    raise RuntimeError(f"the hub refused the run's PV projects: {refused}")
        clients = [
            StreamingClient.over_tls(
                hubs.address_for(index),
                ca,
                identity,
                PARTNER,
                sequence,
                feed.source(index),
                window=options.window,
                hub_key=hub_key,
                progress=progress,
            )
            for index, identity in enumerate(identities)
        ]
        for client in clients:
            client.connect()
        say(
            f"streaming {options.claims:,} claims from {len(clients)} client(s)"
            + (f" to {options.hubs} hubs" if options.hubs > 1 else "")
        )
        meter = (
            CostMeter(hub_url, hubs.pids, application_name=application)
            if kind == "postgresql" and hubs.pids
            else None
        )
        cpu_before = hubs.cpu_each()
        if meter is not None:
            meter.start()
        try:
            seconds = stream_all(clients, feed, progress)
        finally:
            # While the hubs run: their /proc entries go when they stop.
            cost: RunCost | None = None if meter is None else meter.stop(options.claims)
            cpu_each = _used(cpu_before, hubs.cpu_each())
        peak_rss_each = hubs.peak_rss_each()
    finally:
        hubs.stop()
    known_rss = [rss for rss in peak_rss_each if rss is not None]
    peak_rss = max(known_rss) if known_rss else None

    tally = Tally()
    latencies: array[float] = array("d")
    for client in clients:
        tally.merge(client.result.tally)
        latencies.extend(client.result.latencies)
    answered = sum(tally.decisions.values())
    if answered != options.claims:
        raise RuntimeError(f"{answered} verdicts for {options.claims} claims")
    segments = progress.segments
    if sum(segment.claims for segment in segments) != answered:
        raise RuntimeError(f"segments of {[s.claims for s in segments]} for {answered} claims")

    # Measured before the baseline reads the ledger: the hub's files as it left them.
    disk = disk_usage(hub_url)
    say("storage baseline: the same claim rows, bulk-inserted without the hub")
    baseline = run_baseline(
        hub_url,
        baseline_url,
        batch=options.envelope_size,
        skip_record_prefix=PRELOAD_RECORD_PREFIX,
        limit=options.baseline_claims,
    )
    rate = options.claims / seconds if seconds > 0 else 0.0
    return {
        "database": kind,
        "claims": options.claims,
        "partners": options.partners,
        "hubs": options.hubs,
        "envelope_size": options.envelope_size,
        "preload": options.preload,
        "people": stream.people,
        "seconds": round(seconds, 3),
        "claims_per_second": round(rate, 1),
        "latency_p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "latency_p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "envelopes": len(latencies),
        "replays": sum(c.result.replays for c in clients),
        "segments": [segment.as_json() for segment in segments],
        # The largest of the hubs' (the only one's when one), and each hub's.
        "hub_peak_rss_mb": None if peak_rss is None else round(peak_rss / 2**20, 1),
        "hub_peak_rss_mb_each": [
            None if rss is None else round(rss / 2**20, 1) for rss in peak_rss_each
        ],
        # Each hub's CPU over the streaming (the cost's hub CPU is their sum).
        "hub_cpu_seconds_each": [None if cpu is None else round(cpu, 3) for cpu in cpu_each],
        # The bench's own high-water mark (setup, streaming and baseline):
        # flat in --claims when the client keeps only a few envelopes.
        "bench_peak_rss_mb": round(_own_peak_rss_bytes() / 2**20, 1),
        "bench_producer_cpu_seconds": round(feed.cpu_seconds, 3),
        "baseline_claims_per_second": round(baseline.claims_per_second, 1),
        "baseline_rows": {"claims": baseline.claims, "claim_locks": baseline.locks},
        "baseline_claims_limit": options.baseline_claims,
        "ratio_to_baseline": round(rate / baseline.claims_per_second, 3)
        if baseline.claims_per_second
        else None,
        **tally.as_json(),
        "disk": disk.as_json(),
        "cost": None if cost is None else cost.as_json(),
    }


def _hubs_phrase(count: int) -> str:
    return "the hub" if count == 1 else f"{count} hubs"


def _used(before: Sequence[float | None], after: Sequence[float | None]) -> list[float | None]:
    return [None if a is None or b is None else b - a for a, b in zip(before, after, strict=True)]


def _own_peak_rss_bytes() -> int:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS, where the bench is not run).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _segments_line(segments: Sequence[dict[str, Any]]) -> str:
    if not segments:
        return "segments: none"
    first, last = segments[0], segments[-1]
    ratio = (
        f"{last['claims_per_second'] / first['claims_per_second']:.2f}"
        if first["claims_per_second"]
        else "n/a"
    )
    line = (
        f"first segment: {first['claims_per_second']:,.0f} claims/s from "
        f"{first['claims_before']:,} claims in the ledger; last: "
        f"{last['claims_per_second']:,.0f} claims/s from {last['claims_before']:,}; "
        f"last / first segment: {ratio}"
    )
    first_cpu, last_cpu = first.get("hub_cpu_us_per_claim"), last.get("hub_cpu_us_per_claim")
    if first_cpu and last_cpu:
        line += (
            f"; hub CPU per claim {first_cpu:,.0f} -> {last_cpu:,.0f} us "
            f"(last / first {last_cpu / first_cpu:.2f})"
        )
    return line


def report_lines(figures: dict[str, Any]) -> list[str]:
    """What a reader wants first; the JSON object is the last line."""
    lines = [
        f"database: {figures['database']}, claims: {figures['claims']:,}, "
        f"clients: {figures['partners']}, hubs: {figures.get('hubs', 1)}, "
        f"envelope: {figures['envelope_size']}, "
        f"preloaded: {figures['preload']:,}",
        f"end to end: {figures['claims_per_second']:,.0f} claims/s "
        f"({figures['seconds']} s, {figures['envelopes']} envelopes, "
        f"{figures['replays']} replays)",
        f"verdict latency per envelope: p50 {figures['latency_p50_ms']} ms, "
        f"p99 {figures['latency_p99_ms']} ms",
        _segments_line(figures["segments"]),
        *_cost_lines(figures.get("cost")),
        *_each_hub_lines(figures),
        f"hub peak resident memory (VmHWM): {_rss_phrase(figures)}; "
        f"bench's own: {figures['bench_peak_rss_mb']} MB "
        f"(building envelopes: {figures['bench_producer_cpu_seconds']} s CPU)",
        f"storage baseline: {figures['baseline_claims_per_second']:,.0f} claims/s "
        f"({figures['baseline_rows']['claims']:,} claims, "
        f"{figures['baseline_rows']['claim_locks']:,} locks)",
        f"ratio hub / baseline: {figures['ratio_to_baseline']}",
        "decisions: "
        + ", ".join(f"{k} {v:,}" for k, v in figures["decisions"].items())
        + f" (resubmissions {figures['resubmissions']:,})",
        "rejections by code: "
        + (", ".join(f"{k} {v:,}" for k, v in figures["rejections"].items()) or "none"),
        "holds by code: "
        + (", ".join(f"{k} {v:,}" for k, v in figures["holds"].items()) or "none"),
    ]
    if "disk" in figures:
        lines.extend(_disk_lines(figures["disk"]))
    lines.append(json.dumps(figures, sort_keys=True))
    return lines


def _each_hub_lines(figures: dict[str, Any]) -> list[str]:
    each = figures.get("hub_cpu_seconds_each") or []
    if len(each) <= 1:
        return []
    listed = ", ".join("n/a" if cpu is None else f"{cpu:,.2f}" for cpu in each)
    return [f"CPU of each of the {len(each)} hubs over the streaming: {listed} s"]


def _rss_phrase(figures: dict[str, Any]) -> str:
    each = figures.get("hub_peak_rss_mb_each") or []
    if len(each) <= 1:
        return f"{figures['hub_peak_rss_mb']} MB"
    listed = ", ".join("n/a" if mb is None else f"{mb}" for mb in each)
    return f"{figures['hub_peak_rss_mb']} MB the largest of {len(each)} hubs ({listed} MB)"


def _cost_lines(cost: dict[str, Any] | None) -> list[str]:
    if not cost:
        return []
    share = cost["lock_wait_share"]
    tables = ", ".join(f"{k} {v}" for k, v in cost["lock_waits_by_table"].items())
    events = ", ".join(f"{k} {v}" for k, v in cost.get("lock_waits_by_event", {}).items())
    return [
        f"CPU per claim over the streaming: hub {cost['hub_cpu_us_per_claim']:,.0f} us, "
        f"PostgreSQL {cost['postgres_cpu_us_per_claim']:,.0f} us (the hub's backends "
        f"{cost['postgres_backend_cpu_us_per_claim']:,.0f}, the rest the cluster's background "
        f"processes), total {cost['total_cpu_us_per_claim']:,.0f} us",
        f"backends waiting on a lock: {'n/a' if share is None else f'{100 * share:.2f} %'} "
        f"of {cost['active_backend_samples']:,} active-backend samples"
        + (f" ({tables})" if tables else "")
        + (f"; lock types: {events}" if events else ""),
    ]


def _disk_lines(disk: dict[str, Any]) -> list[str]:
    objects = tuple(
        DiskObject(o["name"], o["kind"], o["table"], o["bytes"]) for o in disk["objects"]
    )
    return DiskUsage(disk["claims"], objects).lines()
