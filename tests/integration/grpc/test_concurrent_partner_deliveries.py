"""Two adapter runs of one partner delivering at once, against a real hub on loopback.

Each run has its own channel and its own signer, synced with the hub
before either starts, so both number their writes from the same place: the
hub records whichever arrives first and refuses the other as
ENVELOPE_REPLAYED. With envelopes of a few claims the two runs' streams
interleave throughout; each must catch up and send again what was not
answered, so both deliveries finish, every claim is answered once, and the
ledger records every write once.

Whole deliveries contend mostly over their project registrations (unary
calls); with the projects registered beforehand the two runs' claim streams
overtake each other from their first envelope.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.delivery import Delivery
from adapters.delivery_report import DeliveryReport
from adapters.hub_client import submit_delivery
from adapters.registry import adapter_for
from hub.storage.hex_id_column import id_text
from tests.integration.grpc.ledger_helpers import Running, running_hub

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "adapters/guangdong/samples"
DELIVERIES = ("GD-20241031-01", "GD-20241107-02")
BATCH = 3  # claims (and projects) per signed write: many writes, so the runs interleave
WAIT = 120.0  # a guard against a hang only


@pytest.fixture
def hub(tmp_path: Path, database_url: str) -> Iterator[Running]:
    with running_hub(tmp_path, database_url) as running:
        yield running


def _writes(delivery: Delivery) -> int:
    """The signed writes a delivery takes: its project chunks and claim envelopes."""
    return -(-len(delivery.projects) // BATCH) + -(-len(delivery.claims) // BATCH)


@pytest.mark.parametrize("projects_before", [False, True], ids=["whole", "claims_only"])
def test_two_runs_of_one_partner_deliver_at_once_and_each_claim_is_recorded_once(
    hub: Running, projects_before: bool
) -> None:
    adapter = adapter_for("guangdong")
    deliveries = [adapter.read(SAMPLES / name) for name in DELIVERIES]
    trust, address = hub.clients.trust, hub.server.address
    writes_before = 0
    if projects_before:
        signer = hub.clients.signer("CN-GD")
        for delivery in deliveries:
            projects_only = replace(delivery, claims=[])
            submit_delivery(projects_only, hub.clients.channel("CN-GD"), signer, batch_size=BATCH)
            writes_before += _writes(projects_only)
        deliveries = [replace(d, projects=[]) for d in deliveries]
    channels = [trust.channel(address, "CN-GD") for _ in deliveries]
    signers = [trust.signer("CN-GD", channel) for channel in channels]
    # Both start numbering from the same sequence: the second writer's first
    # write is always overtaken.
    assert signers[0].last_sequence == signers[1].last_sequence
    start = threading.Barrier(len(deliveries))
    reports: dict[int, DeliveryReport] = {}
    errors: dict[int, BaseException] = {}

    def run(index: int) -> None:
        try:
            start.wait(timeout=WAIT)
            reports[index] = submit_delivery(
                deliveries[index],
                channels[index],
                signers[index],
                batch_size=BATCH,
                hub_key=trust.hub_key,
            )
        except BaseException as error:  # reported by the test below
            errors[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(deliveries))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=WAIT)
    finally:
        for channel in channels:
            channel.close()
    assert not any(thread.is_alive() for thread in threads)
    assert errors == {}

    # Every claim and project got exactly one answer, in its delivery's order.
    for index, delivery in enumerate(deliveries):
        report = reports[index]
        assert [c.record_id for c in report.claims] == [
            c.submission.record_id for c in delivery.claims
        ]
        assert [c.source for c in report.claims] == [c.source for c in delivery.claims]
        assert [p.project_id for p in report.projects] == [
            p.submission.project_id for p in delivery.projects
        ]

    with hub.hub.engine.connect() as connection:
        ledger = {
            record_id: id_text(claim_id)  # kept as its 16 bytes (migration 0028)
            for record_id, claim_id in connection.execute(
                text("SELECT record_id, claim_id FROM claims WHERE partner = 'CN-GD'")
            )
        }
        kept = connection.execute(
            text("SELECT count(*) FROM signed_payloads WHERE partner = 'CN-GD'")
        ).scalar_one()
    # The ledger holds each claim once (GD-20241107-02 resends four records of
    # GD-20241031-01: one claim each), and every answer names the claim it holds.
    records = {c.submission.record_id for d in deliveries for c in d.claims}
    assert set(ledger) == records
    for report in reports.values():
        for outcome in report.claims:
            assert outcome.claim_id == ledger[outcome.record_id], outcome.record_id
    # Nothing was recorded twice: one signed write per project chunk and
    # claim envelope of the two deliveries, however often they were refused.
    assert kept == writes_before + sum(_writes(d) for d in deliveries)


def test_a_record_id_over_its_limit_is_reported_against_its_row_and_the_rest_delivered(
    hub: Running,
) -> None:
    # The hub echoes the over-long id cut to its limit with its own
    # FIELD_TOO_LONG verdict; the adapter must take that as this claim's
    # answer, not as a protocol fault that stops the delivery.
    delivery = adapter_for("guangdong").read(SAMPLES / DELIVERIES[0])
    first = delivery.claims[0]
    long_id = first.submission.record_id + "X" * 300
    claims = [replace(first, submission=replace(first.submission, record_id=long_id))]
    claims += delivery.claims[1:]
    report = submit_delivery(
        replace(delivery, claims=claims),
        hub.clients.channel("CN-GD"),
        hub.clients.signer("CN-GD"),
        batch_size=BATCH,
    )
    assert len(report.claims) == len(claims)
    cut = report.claims[0]
    assert cut.record_id == long_id
    assert [c.code for c in cut.checks] == ["FIELD_TOO_LONG"]
    assert not cut.claim_id
    answered = [c.record_id for c in report.claims[1:]]
    assert answered == [s.submission.record_id for s in claims[1:]]
