"""Two hub processes on one database, two partner streams racing.

Each hub is a separate ``carbon-hub serve`` OS process; each stream goes to a
different hub. Every claim of stream A collides with one claim of stream B
(same person and day, or overlapping origin serial blocks). Whatever the
interleaving, exactly one claim of each pair may be accepted, and the
database must hold no two overlapping locks.

The hubs serve mutual TLS and both streams are CN-GD's, signed with its
registered key: the two senders overtake each other's sequence numbers, and
each resends what the hub refused as a replay (``PartnerSender``).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.signing import Signer
from carbonhub_tools.demo.trust import DemoTrust
from tests.integration.hub_processes import PartnerSender, prepare_trust, start_hub, stop_hub

PAIRS = 300
ENVELOPE = 25

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class TwoHubs:
    database_url: str
    address_a: str
    address_b: str
    trust: DemoTrust


@pytest.fixture
def two_hubs(database_url: str, tmp_path: Path) -> Iterator[TwoHubs]:
    trust = prepare_trust(tmp_path / "trust", database_url, ["CN-GD"])
    first, address_a = start_hub(database_url, tmp_path / "a", pki_dir=trust.pki_dir)
    try:
        second, address_b = start_hub(database_url, tmp_path / "b", pki_dir=trust.pki_dir)
        try:
            yield TwoHubs(database_url, address_a, address_b, trust)
        finally:
            stop_hub(second)
    finally:
        stop_hub(first)


def _person(i: int) -> str:
    return hashlib.sha256(f"racer-{i}".encode()).hexdigest()


def _claims(side: str) -> list[pb.Claim]:
    claims: list[pb.Claim] = []
    for i in range(PAIRS):
        day = f"2024-{(i % 12) + 1:02d}-{(i % 28) + 1:02d}"
        if i % 2 == 0:
            # Same person, same day, same methodology: one trip reported twice.
            claims.append(
                pb.Claim(
                    record_id=f"{side}-{i}",
                    partner_methodology="GD-METRO",
                    period_start=day,
                    period_end=day,
                    time_zone="Asia/Shanghai",
                    activity_quantity="15.5" if side == "A" else "16.5",
                    activity_unit="pkm",
                    person_pseudonym=_person(i),
                )
            )
        else:
            # Overlapping origin serial blocks already issued in Guangdong.
            first = 1000 * i + (1 if side == "A" else 2)
            claims.append(
                pb.Claim(
                    record_id=f"{side}-{i}",
                    partner_methodology="GD-BUS",
                    period_start=day,
                    period_end=day,
                    time_zone="Asia/Shanghai",
                    activity_quantity="12" if side == "A" else "13",
                    activity_unit="pkm",
                    person_pseudonym=_person(10_000 + i + (0 if side == "A" else 50_000)),
                    reported_tco2e="3",
                    origin_status=pb.ORIGIN_STATUS_ISSUED,
                    origin_serial=f"GDPH-P-2024-{first}-{first + 2}",
                )
            )
    return claims


def _stream(
    trust: DemoTrust, address: str, claims: list[pb.Claim], start: threading.Barrier
) -> tuple[list[pb.Verdict], int]:
    """The verdicts of ``claims`` sent to the hub at ``address``, and the replays met."""
    with trust.channel(address, "CN-GD") as channel:
        sender = PartnerSender(channel, "CN-GD", Signer.from_file(trust.signing_keys["CN-GD"]))
        envelopes = [
            pb.ClaimEnvelope(partner="CN-GD", delivery_id="RACE", claims=claims[k : k + ENVELOPE])
            for k in range(0, len(claims), ENVELOPE)
        ]
        start.wait(timeout=30)
        batches = sender.submit(envelopes, timeout=300)
    assert [[v.record_id for v in b.verdicts] for b in batches] == [
        [c.record_id for c in e.claims] for e in envelopes
    ], "every envelope answered, in order"
    return [v for b in batches for v in b.verdicts], sender.replays


def test_two_hub_processes_accept_exactly_one_claim_of_each_conflicting_pair(
    two_hubs: TwoHubs,
) -> None:
    database_url = two_hubs.database_url
    start = threading.Barrier(2)
    results: dict[str, list[pb.Verdict]] = {}
    replays: dict[str, int] = {}
    errors: list[BaseException] = []

    def run(side: str, address: str) -> None:
        try:
            results[side], replays[side] = _stream(two_hubs.trust, address, _claims(side), start)
        except BaseException as error:  # surfaced below with its side
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=("A", two_hubs.address_a)),
        threading.Thread(target=run, args=("B", two_hubs.address_b)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors
    a, b = results["A"], results["B"]
    assert len(a) == len(b) == PAIRS
    accepted = pb.DECISION_ACCEPTED
    for i in range(PAIRS):
        wins = (a[i].decision == accepted) + (b[i].decision == accepted)
        assert wins == 1, (i, a[i], b[i])
        loser = b[i] if a[i].decision == accepted else a[i]
        expected = "PERSON_PERIOD_OVERLAP" if i % 2 == 0 else "ORIGIN_SERIAL_OVERLAP"
        assert expected in {c.code for c in loser.checks}, loser
    # Both hubs really took part (each won some pairs) is likely but not
    # guaranteed; what is guaranteed is checked in the database itself.
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            overlapping = connection.execute(
                text(
                    "SELECT count(*) FROM claim_locks x JOIN claim_locks y "
                    "ON x.kind = y.kind AND x.key = y.key "
                    "AND x.lo < y.lo AND y.lo <= x.hi"
                )
            ).scalar_one()
            counted = connection.execute(
                text("SELECT count(*) FROM claims WHERE decision IN ('ACCEPTED', 'HELD')")
            ).scalar_one()
            # Every envelope was recorded once with its signature, whatever
            # the replays: a refused write records nothing.
            kept = connection.execute(
                text("SELECT count(*) FROM signed_payloads WHERE partner = 'CN-GD'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert overlapping == 0
    assert counted == PAIRS
    envelopes = 2 * -(-PAIRS // ENVELOPE)
    assert kept == envelopes, replays
