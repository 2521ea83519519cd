"""Pages name an interim methodology as the hub's own, and a block stored
under a former id by its current id with the former beside it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.fakes_disclosure import block

from .conftest import Fakes


def test_a_block_under_the_former_id_is_named_by_the_new_one_and_marked_interim(
    client: TestClient, fakes: Fakes
) -> None:
    old = block("B1", "2024-03-01", 3, methodology="SZ-FOREST-SINK")
    new = block("B2", "2024-03-02", 2, methodology="HUB-INTERIM-FOREST-SINK")
    pv = block("B3", "2024-03-03", 1, methodology="SZ-PV")
    fakes.disclosure.blocks_ += [old, new, pv]
    english = client.get("/blocks", params={"lang": "en"}).text
    row = english[english.index('data-id="B1"') :].split("</tr>")[0]
    assert '<span class="methodology">HUB-INTERIM-FOREST-SINK</span>' in row
    assert '<span class="interim">hub interim methodology</span>' in row
    assert '<span class="formerly">formerly SZ-FOREST-SINK</span>' in row
    row = english[english.index('data-id="B2"') :].split("</tr>")[0]
    assert "hub interim methodology" in row and "formerly" not in row
    row = english[english.index('data-id="B3"') :].split("</tr>")[0]
    assert '<span class="methodology">SZ-PV</span>' in row and "interim" not in row
    page = client.get(f"/blocks/{old.serial}", params={"lang": "zh-CN"}).text
    assert "枢纽临时方法学" in page and "原编号 SZ-FOREST-SINK" in page


def test_disclosure_groups_and_filters_old_and_new_ids_as_one_methodology(
    client: TestClient, fakes: Fakes
) -> None:
    fakes.disclosure.former_methodologies = {"SZ-FOREST-SINK": "HUB-INTERIM-FOREST-SINK"}
    fakes.disclosure.blocks_ += [
        block("B1", "2024-03-01", 3, methodology="SZ-FOREST-SINK"),
        block("B2", "2024-03-02", 2, methodology="HUB-INTERIM-FOREST-SINK", first=4),
    ]
    totals = client.get("/api/v1/totals", params={"by": "methodology"}).json()
    keys = {t["key"]: t["issued_units"] for t in totals["items"]}
    assert keys == {"HUB-INTERIM-FOREST-SINK": 5}
    for asked in ("SZ-FOREST-SINK", "HUB-INTERIM-FOREST-SINK"):
        listed = client.get("/api/v1/blocks", params={"methodology": asked}).json()
        assert {b["block_id"] for b in listed["items"]} == {"B1", "B2"}
        assert {b["methodology"] for b in listed["items"]} == {"HUB-INTERIM-FOREST-SINK"}
