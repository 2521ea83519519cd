"""A block's page and JSON on a real ledger (SQLite and PostgreSQL): issued,
delivered, split by a partial retirement, retired, cancelled; serial search;
the partner filter in any case; counts and both orders of the lists."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from carbonhub_contract.vocabulary.records import Decision
from tests.integration.http_api.conftest import LiveLedger, populate
from tests.unit.services.builders import PARTNER, pv, pv_project


def _blocks(live: LiveLedger, **query: Any) -> list[dict[str, Any]]:
    answer = live.client.get("/api/v1/blocks", params={"limit": 500, **query})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_a_split_block_tells_its_story_from_the_records_to_the_retirement(
    live: LiveLedger,
) -> None:
    populate(live)
    retirements = live.client.get("/api/v1/retirements").json()["items"]
    partial = next(r for r in retirements if r["retirement_id"] == "EX-2")
    story = live.client.get(f"/api/v1/blocks/{partial['serial']}")
    assert story.status_code == 200, story.text
    lineage = story.json()
    assert lineage["block"]["state"] == "RETIRED" and lineage["block"]["units"] == 2
    original = lineage["original"]
    assert original["state"] == "SPLIT" and original["parent_block_id"] is None
    family = {b["serial"]: b for b in lineage["family"]}
    assert original["serial"] in family and partial["serial"] in family
    children = [b for b in lineage["family"] if b["parent_block_id"] == original["block_id"]]
    assert sorted(b["state"] for b in children) == ["DELIVERED", "RETIRED"]
    # The units tile the original: nothing lost or doubled by the split.
    assert sum(b["units"] for b in children) == original["units"]
    assert lineage["claims"] >= 1 and lineage["personal_claims"] == 0
    assert [r["record_id"] for r in lineage["records"]]
    assert lineage["delivered_at"] is not None
    assert [
        (r["retirement_id"], r["purpose"], r["beneficiary"]) for r in lineage["retirements"]
    ] == [("EX-2", "VOLUNTARY", "某活动")]
    events = [a["event"] for a in lineage["audit"]]
    assert events[0] == "ISSUED" and "DELIVERED" in events and "SPLIT" in events
    assert "RETIRED" in events
    assert [a["seq"] for a in lineage["audit"]] == sorted(a["seq"] for a in lineage["audit"])
    assert lineage["partner"]["region"]["en"] == "Guangdong"
    # The page tells the same story, in Traditional Chinese on request.
    page = live.client.get(f"/blocks/{partial['serial']}", params={"lang": "zh-Hant"})
    assert page.status_code == 200
    steps = re.findall(r'<li class="step[^"]*" data-step="([a-z-]+)"', page.text)
    assert steps[:2] == ["record", "issued"] and "split" in steps and "retired" in steps
    assert "廣東省" in page.text and "某活動" not in page.text and "某活动" in page.text
    assert len(re.findall(r'<tr data-seq="\d+"', page.text)) == len(events)


def test_a_cancelled_block_and_an_unknown_serial(live: LiveLedger) -> None:
    populate(live)
    (cancelled,) = _blocks(live, state="CANCELLED")
    page = live.client.get(f"/blocks/{cancelled['serial']}", params={"lang": "en"})
    assert 'data-step="cancelled"' in page.text and 'data-state="CANCELLED"' in page.text
    assert "verification fraud" not in page.text  # the bureau's reason stays in the ledger
    missing = live.client.get("/api/v1/blocks/SZCER-CN-GD-NONE-2024-X-1-1")
    assert missing.status_code == 404 and missing.json()["code"] == "SERIAL_NOT_FOUND"


def test_search_finds_serials_by_a_part_and_goes_to_a_whole_one(live: LiveLedger) -> None:
    populate(live)
    every = _blocks(live)
    serial = every[0]["serial"]
    whole = live.client.get("/search", params={"serial": serial.lower()})
    assert whole.status_code == 303 and whole.headers["location"] == f"/blocks/{serial}"
    # The vintage part of every serial: live blocks and split parents alike.
    part = live.client.get("/search", params={"serial": "-2024-"})
    found = re.findall(r'<tr data-serial="([^"]+)"', part.text)
    assert set(b["serial"] for b in every) <= set(found)
    literal = live.client.get("/search", params={"serial": "%"})
    assert re.findall(r'<tr data-serial="', literal.text) == []


def test_lists_count_sort_and_filter_partners_in_any_case(live: LiveLedger) -> None:
    populate(live)
    oldest = _blocks(live, partner="cn-gd")
    newest = _blocks(live, partner="Cn-Gd", sort="newest")
    assert oldest and [b["block_id"] for b in newest] == [b["block_id"] for b in reversed(oldest)]
    page = live.client.get("/blocks", params={"partner": "cn-gd"})
    assert f'id="list-count" data-value="{len(oldest)}"' in page.text
    ids = re.findall(r'<tr data-id="([0-9a-f]+)"', page.text)
    assert ids == [b["block_id"] for b in newest]
    # Paging newest first walks every row once.
    first = live.client.get("/api/v1/blocks", params={"sort": "newest", "limit": 2}).json()
    rest = live.client.get(
        "/api/v1/blocks", params={"sort": "newest", "limit": 500, "cursor": first["next_cursor"]}
    ).json()
    walked = [b["block_id"] for b in first["items"] + rest["items"]]
    assert walked == [b["block_id"] for b in newest]
    # A cursor of one order is refused in the other.
    other = live.client.get("/api/v1/blocks", params={"cursor": first["next_cursor"]})
    assert other.status_code == 400 and other.json()["code"] == "CURSOR_INVALID"
    retired = live.client.get("/retirements", params={"partner": "CN-GD", "sort": "oldest"})
    assert re.findall(r'<tr data-id="(EX-\d)"', retired.text) == ["EX-1", "EX-2"]
    assert 'id="list-count" data-value="2"' in retired.text
    unknown = live.client.get("/api/v1/projects", params={"partner": "XX"})
    assert unknown.status_code == 400 and unknown.json()["code"] == "PARTNER_UNKNOWN"


def test_a_record_spanning_new_year_shows_its_part_in_each_vintages_block(
    live: LiveLedger,
) -> None:
    hub = live.hub
    (project,) = hub.projects.register(PARTNER, [pv_project()])
    assert project.decision is Decision.ACCEPTED
    (verdict,) = hub.ingestion.submit(
        PARTNER, [pv("R-NY", "2024-12-16", "2025-01-15", activity_quantity="90000")]
    )
    assert verdict.decision is Decision.ACCEPTED
    credited = verdict.credited_tco2e
    run = hub.issuance.issue_pending()
    shares = []
    for block in sorted(run.blocks, key=lambda b: b.serial):
        lineage = live.client.get(f"/api/v1/blocks/{block.serial}").json()
        assert lineage["block"]["vintage"] == block.vintage
        (record,) = lineage["records"]
        assert record["record_id"] == "R-NY"
        assert Decimal(record["record_credited_tco2e"]) == credited
        shares.append(Decimal(record["credited_tco2e"]))
        page = live.client.get(f"/blocks/{block.serial}", params={"lang": "en"})
        assert f"({block.vintage}&#39;s part of {credited} tCO2e)" in page.text
    assert [b.vintage for b in sorted(run.blocks, key=lambda b: b.serial)] == [2024, 2025]
    assert sum(shares, Decimal(0)) == credited
