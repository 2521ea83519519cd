"""A block's own page and serial search, partners by name and filtered in any
case, sorted lists with counts, the Traditional Chinese interface, and the
same code for the same bad parameter on a page and in the API."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from hub.services.disclosure import RetirementEntry
from tests.fakes_disclosure import block, day

from .conftest import Fakes

GD_SERIAL = "SZCER-GD-SZ-PV-2024-P1-1-120"
HK_SERIAL = "SZCER-GD-SZ-PV-2024-P1-500-579"


def _ledger(fakes: Fakes) -> None:
    fakes.disclosure.blocks_ += [
        block("B1", "2024-03-01", 120, partner="CN-GD"),
        block("B2", "2024-04-01", 80, partner="CN-HK", state="RETIRED", first=500),
    ]
    fakes.disclosure.retirements_.append(
        RetirementEntry(
            "EX-1",
            "B2",
            HK_SERIAL,
            "CN-HK",
            "SZ-PV",
            2024,
            80,
            "VOLUNTARY",
            "某公司",
            day("2024-05-02"),
        )
    )


def test_a_block_has_its_page_in_every_language_and_its_json_twin(
    client: TestClient, fakes: Fakes
) -> None:
    _ledger(fakes)
    chinese = client.get(f"/blocks/{HK_SERIAL}")
    assert chinese.status_code == 200
    assert 'id="block-state" data-state="RETIRED"' in chinese.text and "已注销" in chinese.text
    assert "香港特别行政区" in chinese.text and "无需清单排除" in chinese.text
    assert 'data-step="retired"' in chinese.text and "某公司" in chinese.text
    assert "NOT_REQUIRED</" not in chinese.text and ">RETIRED<" not in chinese.text
    traditional = client.get(f"/blocks/{HK_SERIAL}", params={"lang": "zh-Hant"})
    assert '<html lang="zh-Hant">' in traditional.text
    assert "已註銷" in traditional.text and "香港特別行政區" in traditional.text
    english = client.get(f"/blocks/{HK_SERIAL}", params={"lang": "en"})
    assert "Hong Kong" in english.text and "Not required" in english.text
    api = client.get(f"/api/v1/blocks/{HK_SERIAL}").json()
    assert api["block"]["serial"] == HK_SERIAL and api["block"]["partner"] == "CN-HK"
    assert api["partner"]["region"]["zh-Hant"] == "香港特別行政區"
    assert [r["retirement_id"] for r in api["retirements"]] == ["EX-1"]


def test_an_unknown_serial_is_the_same_coded_404_on_the_page_and_in_the_api(
    client: TestClient, fakes: Fakes
) -> None:
    _ledger(fakes)
    page = client.get("/blocks/SZCER-NOPE-1-2", params={"lang": "zh-Hant"})
    assert page.status_code == 404 and 'id="error-code">SERIAL_NOT_FOUND<' in page.text
    # The error page speaks the page's language (the catalogue's zh-Hant text).
    assert "沒有區塊的序號與之完全相同" in page.text and '<html lang="zh-Hant">' in page.text
    api = client.get("/api/v1/blocks/SZCER-NOPE-1-2")
    assert api.status_code == 404 and api.json()["code"] == "SERIAL_NOT_FOUND"


def test_the_search_box_goes_to_the_block_or_lists_the_serials_that_hold_a_part(
    client: TestClient, fakes: Fakes
) -> None:
    _ledger(fakes)
    home = client.get("/")
    assert 'form id="serial-search"' in home.text and 'action="/search"' in home.text
    exact = client.get("/search", params={"serial": " " + GD_SERIAL.lower() + " "})
    assert exact.status_code == 303 and exact.headers["location"] == f"/blocks/{GD_SERIAL}"
    partial = client.get("/search", params={"serial": "p1-"})
    assert partial.status_code == 200
    assert re.findall(r'<tr data-serial="([^"]+)"', partial.text) == [GD_SERIAL, HK_SERIAL]
    none = client.get("/search", params={"serial": "XYZ"})
    assert 'data-value="0"' in none.text


def test_the_partner_filter_ignores_case_and_refuses_an_unknown_partner_with_one_code(
    client: TestClient, fakes: Fakes
) -> None:
    _ledger(fakes)
    page = client.get("/blocks", params={"partner": "cn-gd"})
    assert page.status_code == 200 and re.findall(r'<tr data-id="(B\d)"', page.text) == ["B1"]
    api = client.get("/api/v1/blocks", params={"partner": "cn-gd"}).json()
    assert [b["block_id"] for b in api["items"]] == ["B1"]
    assert api["items"][0]["partner"] == "CN-GD"  # the API keeps the code
    refused_page = client.get("/blocks", params={"partner": "CN-XX"})
    assert refused_page.status_code == 400
    assert 'id="error-code">PARTNER_UNKNOWN<' in refused_page.text
    refused_api = client.get("/api/v1/retirements", params={"partner": "CN-XX"})
    assert refused_api.status_code == 400 and refused_api.json()["code"] == "PARTNER_UNKNOWN"


def test_the_same_bad_parameter_has_the_same_code_on_a_page_and_in_the_api(
    client: TestClient,
) -> None:
    for name, value in (("vintage", "twenty"), ("since", "2024-13-01"), ("sort", "sideways")):
        page = client.get("/blocks", params={name: value})
        api = client.get("/api/v1/blocks", params={name: value})
        assert page.status_code == api.status_code == 400, name
        assert 'id="error-code">REQUEST_INVALID<' in page.text
        assert api.json()["code"] == "REQUEST_INVALID"
        assert f"query.{name}" in page.text and f"query.{name}" in api.json()["details"]


def test_lists_are_sorted_newest_first_on_pages_with_a_count_and_names(
    client: TestClient, fakes: Fakes
) -> None:
    _ledger(fakes)
    newest = client.get("/blocks")
    assert re.findall(r'<tr data-id="(B\d)"', newest.text) == ["B2", "B1"]
    assert 'id="list-count" data-value="2"' in newest.text and "共 2 条" in newest.text
    assert "广东省" in newest.text and "香港特别行政区" in newest.text
    oldest = client.get("/blocks", params={"sort": "oldest"})
    assert re.findall(r'<tr data-id="(B\d)"', oldest.text) == ["B1", "B2"]
    api = client.get("/api/v1/blocks", params={"sort": "newest"}).json()
    assert [b["block_id"] for b in api["items"]] == ["B2", "B1"]
    # A serial breaks only between its parts.
    assert "SZCER-<wbr>GD-<wbr>SZ-<wbr>PV-<wbr>2024-<wbr>P1-<wbr>1-<wbr>120" in newest.text


def test_zh_is_simplified_chinese_and_zh_hant_is_traditional(client: TestClient) -> None:
    assert '<html lang="zh-CN">' in client.get("/", params={"lang": "zh"}).text
    traditional = client.get("/", params={"lang": "zh-Hant"})
    assert '<html lang="zh-Hant">' in traditional.text and "簽發" in traditional.text
    assert traditional.cookies.get("lang") == "zh-Hant"
    assert '<html lang="zh-Hant">' in client.get("/projects").text


def test_the_home_page_charts_partners_and_methodologies_beside_the_months(
    client: TestClient, fakes: Fakes
) -> None:
    _ledger(fakes)
    page = client.get("/", params={"lang": "en"})
    assert 'id="chart-partner"' in page.text and 'id="chart-methodology"' in page.text
    bars = re.findall(
        r'<rect class="bar-issued"[^>]*data-key="([^"]+)" data-value="(\d+)"', page.text
    )
    assert ("CN-GD", "120") in bars and ("CN-HK", "80") in bars and ("SZ-PV", "200") in bars
    assert "Guangdong" in page.text and "<script" not in page.text
