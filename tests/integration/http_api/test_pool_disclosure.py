"""Disclosure of pooled personal reductions: per partner, platform and
methodology, equal to the ledger's own rows, never naming a person."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from sqlalchemy import text

from carbonhub_contract.vocabulary.records import Decision
from tests.unit.services.builders import PARTNER, metro, pseudonym

from .conftest import LiveLedger

PEOPLE = 130


def _commute(live: LiveLedger) -> None:
    rides = [metro(f"M{i}", person_pseudonym=pseudonym(f"p{i}")) for i in range(PEOPLE)]
    verdicts = live.hub.ingestion.submit(PARTNER, rides)
    assert {v.decision for v in verdicts} == {Decision.ACCEPTED}
    live.hub.issuance.issue_pending()


def test_pools_are_disclosed_per_platform_and_equal_the_ledger(live: LiveLedger) -> None:
    _commute(live)
    answer = live.client.get("/api/v1/pools")
    assert answer.status_code == 200, answer.text
    (pool,) = answer.json()["items"]
    with live.hub.engine.connect() as connection:
        credited = [
            Decimal(str(c))
            for (c,) in connection.execute(
                text("SELECT credited_tco2e FROM claims WHERE decision = 'ACCEPTED'")
            )
        ]
        units = connection.execute(text("SELECT SUM(units) FROM issuances")).scalar_one()
    assert pool["partner"] == PARTNER and pool["platform"] == "GD-PHCER"
    assert pool["methodology"] == "SZ-TRANSIT-METRO"
    assert pool["pools"] == 1 and pool["claims"] == PEOPLE
    assert Decimal(pool["credited_tco2e"]) == sum(credited, Decimal(0))
    assert pool["issued_units"] == int(units) == int(sum(credited, Decimal(0))) > 0
    carried = Decimal(pool["carried_tco2e"])
    assert Decimal(pool["credited_tco2e"]) == pool["issued_units"] + carried
    assert 0 <= carried < 1 and Decimal(pool["taken_over_tco2e"]) == 0
    # Aggregates only: no pseudonym, record id or claim id anywhere in it.
    assert pseudonym("p0") not in answer.text and "M0" not in answer.text

    exported = live.client.get("/api/v1/pools.csv")
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(r["platform"], r["claims"], r["carried_tco2e"]) for r in rows] == [
        ("GD-PHCER", str(PEOPLE), pool["carried_tco2e"])
    ]


def test_pool_filters_keep_the_partner_methodology_and_vintage(live: LiveLedger) -> None:
    _commute(live)
    for query in (
        {"partner": "CN-HK"},
        {"methodology": "SZ-BIKE"},
        {"vintage": "2023"},
    ):
        answer = live.client.get("/api/v1/pools", params=query)
        assert answer.status_code == 200 and answer.json() == {"items": []}, query
    kept = live.client.get(
        "/api/v1/pools",
        params={"partner": PARTNER, "methodology": "SZ-TRANSIT-METRO", "vintage": "2024"},
    )
    assert [p["claims"] for p in kept.json()["items"]] == [PEOPLE]
    refused = live.client.get("/api/v1/pools", params={"vintage": "+5"})
    assert refused.status_code == 400
