"""The hub's Prometheus metrics, defined once, served at /metrics.

Counters and histograms are of this process (what it decided, how long its
envelopes took); the ledger gauges (outbox backlog, checkpoint age, held
queue, claims and blocks by state) are read from the database at each
scrape, so every hub process on one database reports the same ledger.
Each HubMetrics has its own registry: a test's hub never counts another's
calls, and one process serves exactly one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from hub.storage.operations_queries import LedgerStatus

CONTENT_TYPE = CONTENT_TYPE_LATEST

# Envelopes take milliseconds to a few seconds (5,000 claims on a cold database).
_ENVELOPE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class HubMetrics:
    """Every metric the hub exports; transports and the composition root record here."""

    def __init__(self, ledger: Callable[[], LedgerStatus] | None = None) -> None:
        # The *_created series double every counter for no use of ours.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry()
        r = self.registry
        self.rpcs = Counter(
            "hub_rpc_calls",
            "gRPC calls ended, by method and status",
            ["method", "code"],
            registry=r,
        )
        self.rpc_seconds = Histogram(
            "hub_rpc_duration_seconds", "gRPC call duration", ["method"], registry=r
        )
        self.refusals = Counter(
            "hub_refusals",
            "Calls and requests refused, by transport and reason code",
            ["transport", "reason"],
            registry=r,
        )
        self.claims = Counter(
            "hub_claims_decided", "Claims decided, by decision", ["decision"], registry=r
        )
        self.checks = Counter(
            "hub_claim_checks_fired",
            "Checks that fired on decided claims, by check code",
            ["code"],
            registry=r,
        )
        self.envelope_seconds = Histogram(
            "hub_envelope_seconds",
            "From an envelope reaching the servicer to its signed verdicts",
            buckets=_ENVELOPE_BUCKETS,
            registry=r,
        )
        self.open_streams = Gauge(
            "hub_open_streams", "Streaming calls open, by caller", ["caller"], registry=r
        )
        self.issued_claims = Counter(
            "hub_issued_claims", "Claims issued into blocks by this process", registry=r
        )
        self.issued_blocks = Counter(
            "hub_issued_blocks", "Blocks issued by this process", registry=r
        )
        self.issued_units = Counter(
            "hub_issued_units", "Units (tCO2e) issued by this process", registry=r
        )
        self.retirements = Counter(
            "hub_retirements_reported", "Retirements the exchange reported, accepted", registry=r
        )
        self.deliveries = Counter(
            "hub_blocks_delivered",
            "Blocks the exchange acknowledged for the first time (outbox delivered)",
            registry=r,
        )
        self.bureau_actions = Counter(
            "hub_bureau_actions",
            "Bureau actions done through this process (console, gRPC), by action",
            ["action"],
            registry=r,
        )
        self.key_changes = Counter(
            "hub_partner_key_changes",
            "Partner signing keys registered, retiring or revoked, by action",
            ["action"],
            registry=r,
        )
        self.reconciliations = Counter(
            "hub_reconciliation_outcomes",
            "Reconciliations answered, by outcome status",
            ["status"],
            registry=r,
        )
        self.http = Counter(
            "hub_http_requests",
            "HTTP requests, by method, route and status",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_seconds = Histogram(
            "hub_http_request_seconds", "HTTP request duration", ["route"], registry=r
        )
        if ledger is not None:
            r.register(_LedgerGauges(ledger))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _LedgerGauges(Collector):
    """The ledger as the database has it, read at each scrape."""

    def __init__(self, ledger: Callable[[], LedgerStatus]) -> None:
        self._ledger = ledger

    def describe(self) -> list[GaugeMetricFamily]:
        # Named up front, so registration does not query the database.
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        status = self._ledger()
        now = datetime.now(UTC)
        yield _family(
            "hub_ledger_claims", "Claims in the ledger, by decision", "decision", status.claims
        )
        yield _family("hub_ledger_blocks", "Blocks in the ledger, by state", "state", status.blocks)
        yield _family(
            "hub_ledger_reconciliations",
            "Reconciliations, by status",
            "status",
            status.reconciliations,
        )
        yield GaugeMetricFamily(
            "hub_held_claims", "Claims held for review", value=status.held_claims
        )
        yield _family(
            "hub_outbox_lag",
            "Outbox entries a consumer has not acknowledged",
            "consumer",
            status.outbox_undelivered,
        )
        oldest = GaugeMetricFamily(
            "hub_outbox_lag_seconds",
            "Age of the oldest outbox entry a consumer has not acknowledged (0: none)",
            labels=["consumer"],
        )
        for consumer, at in status.outbox_oldest_undelivered.items():
            oldest.add_metric([consumer], 0.0 if at is None else _age(now, at))
        yield oldest
        if status.last_checkpoint_at is not None:
            yield GaugeMetricFamily(
                "hub_audit_checkpoint_age_seconds",
                "Seconds since the last signed audit checkpoint",
                value=_age(now, status.last_checkpoint_at),
            )
        yield GaugeMetricFamily(
            "hub_audit_events", "Events in the audit chain", value=status.audit_events
        )


def _family(name: str, doc: str, label: str, values: Mapping[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


def _age(now: datetime, at: datetime) -> float:
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return max(0.0, (now - moment).total_seconds())
