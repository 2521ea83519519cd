"""The language switch keeps the page: a filtered list stays filtered.

Found by the browser test (tests/e2e/test_console_browser.py): the links were
a bare ?lang=en, so switching dropped the list's filter, and on a claim's
evidence page (?partner=&record=) led to a refusal instead of the claim.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from fastapi.testclient import TestClient


def _link(html: str, anchor: str) -> list[tuple[str, str]]:
    found = re.search(rf'<a id="{anchor}" href="\?([^"]*)"', html)
    assert found is not None, f"no #{anchor} link"
    return parse_qsl(found.group(1).replace("&amp;", "&"), keep_blank_values=True)


def test_switching_language_keeps_the_query_and_replaces_lang(client: TestClient) -> None:
    page = client.get("/blocks?partner=CN-HK&vintage=2024&lang=en")
    assert page.status_code == 200
    assert _link(page.text, "lang-zh") == [
        ("partner", "CN-HK"),
        ("vintage", "2024"),
        ("lang", "zh-CN"),
    ]
    assert _link(page.text, "lang-en") == [
        ("partner", "CN-HK"),
        ("vintage", "2024"),
        ("lang", "en"),
    ]


def test_a_page_without_a_query_links_to_lang_alone(client: TestClient) -> None:
    assert _link(client.get("/").text, "lang-en") == [("lang", "en")]
