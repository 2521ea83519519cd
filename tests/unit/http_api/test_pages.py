"""The public pages: zh-CN by default, English on request, server-side charts."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from hub.services.disclosure import RetirementEntry
from tests.fakes_disclosure import block, day

from .conftest import Fakes

_HTTP_API = Path(__file__).resolve().parents[3] / "hub" / "http_api"


def _ledger(fakes: Fakes) -> None:
    fakes.disclosure.blocks_ += [
        block("B1", "2024-03-01", 120, partner="CN-GD"),
        block("B2", "2024-04-01", 80, partner="CN-HK", state="RETIRED", first=500),
    ]
    fakes.disclosure.retirements_.append(
        RetirementEntry(
            "EX-1",
            "B2",
            "SZCER-X",
            "CN-HK",
            "SZ-PV",
            2024,
            80,
            "VOLUNTARY",
            "深圳某公司",
            day("2024-05-02"),
        )
    )


def test_the_home_page_is_chinese_by_default_with_totals_and_a_chart(
    client: TestClient, fakes: Fakes
) -> None:
    _ledger(fakes)
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text
    assert "碳普惠信息披露" in page.text
    assert 'id="total-issued" class="value" data-value="200"' in page.text
    assert 'id="total-retired" class="value" data-value="80"' in page.text
    assert 'id="total-outstanding" class="value" data-value="120"' in page.text
    bars = re.findall(
        r'<rect class="bar-(\w+)"[^>]*data-month="([\d-]+)" data-value="(\d+)"', page.text
    )
    assert ("issued", "2024-03", "120") in bars and ("retired", "2024-05", "80") in bars
    assert "<script" not in page.text


def test_english_is_chosen_by_the_query_and_kept_in_a_cookie(client: TestClient) -> None:
    english = client.get("/", params={"lang": "en"})
    assert '<html lang="en">' in english.text and "Carbon inclusion disclosure" in english.text
    assert english.cookies.get("lang") == "en"
    again = client.get("/projects")
    assert '<html lang="en">' in again.text and "Projects" in again.text
    back = client.get("/projects", params={"lang": "zh-CN"})
    assert '<html lang="zh-CN">' in back.text


def test_list_pages_filter_and_link_the_next_page(client: TestClient, fakes: Fakes) -> None:
    fakes.disclosure.blocks_ += [
        block(f"B{i}", "2024-03-01", 1, first=10 * i + 1) for i in range(60)
    ]
    first = client.get("/blocks", params={"partner": "CN-GD", "vintage": ""})
    assert first.status_code == 200
    assert first.text.count('<tr data-id="B') == 50
    link = re.search(r'id="next-page" href="([^"]+)"', first.text)
    assert link is not None and "partner=CN-GD" in link.group(1)
    second = client.get(link.group(1).replace("&amp;", "&"))
    assert second.text.count('<tr data-id="B') == 10 and 'id="next-page"' not in second.text
    assert 'href="/api/v1/blocks.csv?partner=CN-GD"' in first.text
    refused = client.get("/blocks", params={"vintage": "twenty"})
    assert refused.status_code == 400 and 'id="error-code">REQUEST_INVALID<' in refused.text


def test_retirements_and_projects_pages_render(client: TestClient, fakes: Fakes) -> None:
    _ledger(fakes)
    retirements = client.get("/retirements", params={"lang": "en"})
    assert '<tr data-id="EX-1">' in retirements.text and "Voluntary" in retirements.text
    assert client.get("/projects").status_code == 200


def test_both_catalogues_hold_the_same_messages_and_every_one_the_templates_use() -> None:
    zh = json.loads((_HTTP_API / "messages" / "zh-CN.json").read_text(encoding="utf-8"))
    en = json.loads((_HTTP_API / "messages" / "en.json").read_text(encoding="utf-8"))
    assert set(zh) == set(en)
    used = set()
    for template in (_HTTP_API / "templates").glob("*.html"):
        used |= set(re.findall(r't\("([\w.-]+)"\)', template.read_text(encoding="utf-8")))
    assert used and used <= set(zh)
