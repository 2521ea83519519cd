"""Two hub processes on one database, Guangdong and Hong Kong at once: each
pair is one person's trip reported by both (overlapping times, other modes'
record ids), or one person's day reported by both as daily aggregates that
together exceed the plausible daily travel. Whatever the interleaving, one
trip of each pair is accepted and the other refused naming it, and of each
day exactly one is accepted and the other held: never both counted clean.
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

PAIRS = 120
ENVELOPE = 10

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class TwoHubs:
    database_url: str
    address_gd: str
    address_hk: str
    trust: DemoTrust


@pytest.fixture
def two_hubs(database_url: str, tmp_path: Path) -> Iterator[TwoHubs]:
    trust = prepare_trust(tmp_path / "trust", database_url, ["CN-GD", "CN-HK"])
    first, address_gd = start_hub(database_url, tmp_path / "a", pki_dir=trust.pki_dir)
    try:
        second, address_hk = start_hub(database_url, tmp_path / "b", pki_dir=trust.pki_dir)
        try:
            yield TwoHubs(database_url, address_gd, address_hk, trust)
        finally:
            stop_hub(second)
    finally:
        stop_hub(first)


def _person(i: int) -> str:
    return hashlib.sha256(f"traveller-{i}".encode()).hexdigest()


def _day(i: int) -> str:
    return f"2024-{(i % 12) + 1:02d}-{(i % 28) + 1:02d}"


def _gd(i: int) -> pb.Claim:
    day = _day(i)
    if i % 2 == 0:  # a metro trip, 08:00 to 08:30
        start, end, mode, pkm = f"{day} 08:00:00", f"{day} 08:30:00", "GD-METRO", "12"
    else:  # a day of bus rides
        start, end, mode, pkm = day, day, "GD-BUS", "200"
    return pb.Claim(
        record_id=f"GD-{i}",
        partner_methodology=mode,
        period_start=start,
        period_end=end,
        time_zone="Asia/Shanghai",
        activity_quantity=pkm,
        activity_unit="pkm",
        person_pseudonym=_person(i),
    )


def _hk(i: int) -> pb.Claim:
    day = _day(i)
    if i % 2 == 0:  # an MTR ride overlapping the metro trip, 08:10 to 08:40
        start, end, km = f"{day} 08:10", f"{day} 08:40", "13"
    else:  # a day of MTR rides: with the bus day, above the plausible 300
        start, end, km = day, day, "150"
    return pb.Claim(
        record_id=f"MTR-{i}",
        partner_methodology="MTR",
        period_start=start,
        period_end=end,
        time_zone="Asia/Hong_Kong",
        activity_quantity=km,
        activity_unit="km",
        person_pseudonym=_person(i),
        district="Sha Tin",
        adjustment_ref=f"HKAA-RACE-{i}",
    )


def _stream(
    trust: DemoTrust, address: str, partner: str, claims: list[pb.Claim], start: threading.Barrier
) -> list[pb.Verdict]:
    with trust.channel(address, partner) as channel:
        sender = PartnerSender(channel, partner, Signer.from_file(trust.signing_keys[partner]))
        envelopes = [
            pb.ClaimEnvelope(partner=partner, delivery_id="RACE", claims=claims[k : k + ENVELOPE])
            for k in range(0, len(claims), ENVELOPE)
        ]
        start.wait(timeout=30)
        batches = sender.submit(envelopes, timeout=300)
    return [v for b in batches for v in b.verdicts]


def test_one_persons_trip_or_day_from_two_partners_on_two_hubs_counts_once(
    two_hubs: TwoHubs,
) -> None:
    start = threading.Barrier(2)
    results: dict[str, list[pb.Verdict]] = {}
    errors: list[BaseException] = []

    def run(partner: str, address: str, claims: list[pb.Claim]) -> None:
        try:
            results[partner] = _stream(two_hubs.trust, address, partner, claims, start)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [
        threading.Thread(
            target=run, args=("CN-GD", two_hubs.address_gd, [_gd(i) for i in range(PAIRS)])
        ),
        threading.Thread(
            target=run, args=("CN-HK", two_hubs.address_hk, [_hk(i) for i in range(PAIRS)])
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors
    gd, hk = results["CN-GD"], results["CN-HK"]
    assert len(gd) == len(hk) == PAIRS
    for i in range(PAIRS):
        pair = (gd[i], hk[i])
        decisions = sorted(v.decision for v in pair)
        if i % 2 == 0:
            assert decisions == sorted([pb.DECISION_ACCEPTED, pb.DECISION_REJECTED]), (i, pair)
            loser = next(v for v in pair if v.decision == pb.DECISION_REJECTED)
            winner = next(v for v in pair if v.decision == pb.DECISION_ACCEPTED)
            (overlap,) = [c for c in loser.checks if c.code == "PERSON_TRIP_OVERLAP"]
            assert overlap.details["other_record_id"] == winner.record_id, (i, pair)
        else:
            assert decisions == sorted([pb.DECISION_ACCEPTED, pb.DECISION_HELD]), (i, pair)
            held = next(v for v in pair if v.decision == pb.DECISION_HELD)
            assert "PERSON_DAILY_MOBILITY_IMPLAUSIBLE" in {c.code for c in held.checks}
    engine = create_engine(two_hubs.database_url)
    try:
        with engine.connect() as connection:
            overlapping = connection.execute(
                text(
                    "SELECT count(*) FROM claim_locks x JOIN claim_locks y "
                    "ON x.kind = y.kind AND x.key = y.key "
                    "AND x.lo < y.lo AND y.lo <= x.hi"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert overlapping == 0
