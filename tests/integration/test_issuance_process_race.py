"""Two hub processes issuing from one database at once: never a unit twice.

Both `carbon-hub serve` processes run their periodic issuer every 50 ms
while claims of two projects, and a month of metro rides of many commuters
(personal: one platform pool), arrive through both of them, so both issuers
keep racing for the same claims, the same carry accounts (the pool's above
all) and the same serial series. Whatever the interleaving, the database must end with every
accepted claim issued exactly once, no two live blocks of a series
overlapping, and issued units plus carried remainders equal to the credited
tonnes.

The hubs serve mutual TLS; both senders are CN-GD, signing with its
registered key, and resend what the other's sequence overtook
(``PartnerSender``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import grpc
import pytest
from sqlalchemy import create_engine, text

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.signing import Signer
from carbonhub_tools.demo.trust import DemoTrust
from tests.integration.hub_processes import PartnerSender, prepare_trust, start_hub, stop_hub
from tests.unit.services.builders import CREDIT_CODE, pseudonym

pytestmark = pytest.mark.slow

PROJECTS = ("4401-PV-2023-0007", "4401-PV-2023-0008")
MONTHS = [
    (year, month) for year in (2023, 2024) for month in range(1, 13) if (year, month) >= (2023, 3)
]


@dataclass(frozen=True)
class IssuingHubs:
    database_url: str
    address_a: str
    address_b: str
    trust: DemoTrust

    def sender(self, channel: grpc.Channel) -> PartnerSender:
        return PartnerSender(channel, "CN-GD", Signer.from_file(self.trust.signing_keys["CN-GD"]))


@pytest.fixture
def issuing_hubs(database_url: str, tmp_path: Path) -> Iterator[IssuingHubs]:
    trust = prepare_trust(tmp_path / "trust", database_url, ["CN-GD"])
    fast = {"HUB_ISSUANCE_INTERVAL": "0.05"}
    first, address_a = start_hub(database_url, tmp_path / "a", pki_dir=trust.pki_dir, **fast)
    try:
        second, address_b = start_hub(database_url, tmp_path / "b", pki_dir=trust.pki_dir, **fast)
        try:
            yield IssuingHubs(database_url, address_a, address_b, trust)
        finally:
            stop_hub(second)
    finally:
        stop_hub(first)


def _project(project_id: str) -> pb.Project:
    # Each project its own plant: one asset registered twice would be held for review.
    plant = PROJECTS.index(project_id)
    return pb.Project(
        project_id=project_id,
        name="屋顶分布式光伏项目",
        owner_name="广州科城新能源有限公司",
        owner_credit_code=CREDIT_CODE,
        partner_methodology="GD-PV",
        region_code="440100",
        longitude=f"{113.4526 + plant * 0.1:.4f}",
        latitude="23.1703",
        size_value="380",
        size_unit="kW",
        crediting_start="2023-03-01",
        crediting_end="2033-02-28",
        status=pb.PROJECT_STATUS_REGISTERED,
    )


def _claim(project_id: str, year: int, month: int) -> pb.Claim:
    last = 28  # every month has a 28th: periods stay disjoint and inside the month
    return pb.Claim(
        record_id=f"{project_id}-{year}{month:02d}",
        partner_methodology="GD-PV",
        period_start=f"{year}-{month:02d}-01",
        period_end=f"{year}-{month:02d}-{last}",
        time_zone="Asia/Shanghai",
        activity_quantity="9137.5",
        activity_unit="kWh",
        project_id=project_id,
        region_code="440100",
    )


COMMUTERS = 60


def _commuter(index: int) -> pb.Claim:
    """A commuter's October on the metro: a few hundredths of a tonne, pooled."""
    return pb.Claim(
        record_id=f"GD2024C{index:05d}",
        partner_methodology="GD-METRO",
        period_start="2024-10-01",
        period_end="2024-10-31",
        time_zone="Asia/Shanghai",
        activity_quantity=str(600 + index),
        activity_unit="pkm",
        person_pseudonym=pseudonym(f"race-commuter-{index}"),
    )


def _send(
    hubs: IssuingHubs, address: str, claims: list[pb.Claim], start: threading.Barrier
) -> list[pb.Verdict]:
    with hubs.trust.channel(address, "CN-GD") as channel:
        sender = hubs.sender(channel)
        start.wait(timeout=60)
        verdicts: list[pb.Verdict] = []
        for claim in claims:
            # One claim per envelope: issuance runs between them on both hubs.
            envelope = pb.ClaimEnvelope(partner="CN-GD", delivery_id="RACE", claims=[claim])
            for batch in sender.submit([envelope], timeout=60):
                verdicts.extend(batch.verdicts)
            time.sleep(0.01)
        return verdicts


def test_two_issuing_hub_processes_never_issue_a_unit_twice(
    issuing_hubs: IssuingHubs,
) -> None:
    database_url = issuing_hubs.database_url
    address_a, address_b = issuing_hubs.address_a, issuing_hubs.address_b
    with issuing_hubs.trust.channel(address_a, "CN-GD") as channel:
        results = issuing_hubs.sender(channel).register_projects(
            pb.RegisterProjectsRequest(
                partner="CN-GD", delivery_id="RACE", projects=[_project(p) for p in PROJECTS]
            ),
            timeout=30,
        )
    assert [r.decision for r in results.results] == [pb.DECISION_ACCEPTED] * len(PROJECTS)
    projects = [_claim(p, y, m) for p in PROJECTS for (y, m) in MONTHS]
    rides = [_commuter(i) for i in range(COMMUTERS)]
    claims = [c for pair in zip(projects, rides, strict=False) for c in pair]
    claims += projects[len(rides) :] + rides[len(projects) :]
    halves = {address_a: claims[0::2], address_b: claims[1::2]}
    start = threading.Barrier(2)
    verdicts: list[pb.Verdict] = []
    errors: list[BaseException] = []

    def run(address: str) -> None:
        try:
            verdicts.extend(_send(issuing_hubs, address, halves[address], start))
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(a,)) for a in halves]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    accepted = [v for v in verdicts if v.decision == pb.DECISION_ACCEPTED]
    assert len(accepted) == len(claims), [
        (v.record_id, [c.code for c in v.checks]) for v in verdicts if v not in accepted
    ]
    credited = sum((Decimal(v.credited_tco2e) for v in accepted), Decimal(0))

    engine = create_engine(database_url)
    try:
        deadline = time.monotonic() + 60
        while True:
            with engine.connect() as connection:
                pending = connection.execute(
                    text("SELECT count(*) FROM claims WHERE issuance = 'PENDING'")
                ).scalar_one()
            if pending == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert pending == 0, "the issuers did not finish"
        with engine.connect() as connection:
            overlapping = connection.execute(
                text(
                    "SELECT count(*) FROM blocks x JOIN blocks y ON x.series = y.series "
                    "AND x.block_id < y.block_id AND x.state <> 'SPLIT' AND y.state <> 'SPLIT' "
                    "AND x.first_unit <= y.last_unit AND y.first_unit <= x.last_unit"
                )
            ).scalar_one()
            issued_claims = connection.execute(
                text("SELECT count(*) FROM claim_issuances")
            ).scalar_one()
            units = connection.execute(
                text("SELECT coalesce(sum(last_unit - first_unit + 1), 0) FROM blocks")
            ).scalar_one()
            carried = connection.execute(text("SELECT carried FROM carry_accounts")).all()
            accounts = connection.execute(text("SELECT account, carried FROM carry_accounts")).all()
            pool_units = connection.execute(
                text(
                    "SELECT coalesce(sum(units), 0) FROM issuances WHERE account = 'pool:GD-PHCER'"
                )
            ).scalar_one()
            series = connection.execute(
                text("SELECT series, min(first_unit), max(last_unit) FROM blocks GROUP BY series")
            ).all()
    finally:
        engine.dispose()
    assert overlapping == 0
    assert issued_claims == len(claims)
    carried_total = sum((Decimal(str(row[0])) for row in carried), Decimal(0))
    assert Decimal(units) + carried_total == credited
    # The commuters' tonnes: one pool, issued once, its remainder under a tonne.
    pooled = {
        v.record_id: Decimal(v.credited_tco2e)
        for v in accepted
        if v.record_id.startswith("GD2024C")
    }
    assert len(pooled) == COMMUTERS
    (pool_carried,) = [Decimal(str(c)) for a, c in accounts if a == "pool:GD-PHCER"]
    assert not [a for a, _ in accounts if a.startswith("person:")]
    assert 0 <= pool_carried < 1
    assert Decimal(pool_units) + pool_carried == sum(pooled.values(), Decimal(0))
    assert int(pool_units) >= 1
    # No gaps either: each series is numbered 1..n without a hole.
    assert all(first == 1 for _, first, _ in series)
    assert sum(int(last) for _, _, last in series) == units
