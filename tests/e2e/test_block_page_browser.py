"""A block's page in a real browser (Debian chromium): three languages, phone
and desk widths, screenshots kept in a temporary folder (printed).

The hub is a real one on SQLite with a small ledger (issuance, delivery, a
retirement splitting a block, a cancellation; tests/integration/http_api),
its HTTP app served by uvicorn on a free loopback port. What a reader would
notice is checked: the page is in the language asked, nothing is wider than
the window (wide tables scroll inside their box), a serial never breaks inside
one of its parts, and the search box finds a block from a part of its serial.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page

from hub.bootstrap import build_hub
from hub.http_api.app import create_app
from tests.e2e.browser_fixtures import free_loopback_port, headless_chromium
from tests.integration.http_api.conftest import LiveLedger, MovableClock, _settings, populate

pytestmark = pytest.mark.slow

WIDTHS = {"phone": (390, 844), "desk": (1280, 900)}
LANGUAGES = {"zh-CN": "批次", "zh-Hant": "從合作方記錄到現在", "en": "From the partner's record"}

# The serial's parts as laid out: each text node between two <wbr> must sit on
# one line (one client rect), else the browser broke a part.
_BROKEN_PARTS = """
() => {
  const broken = [];
  for (const el of document.querySelectorAll('.serial')) {
    for (const node of el.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE || !node.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(node.textContent);
    }
  }
  return broken;
}
"""


@dataclass
class Served:
    base_url: str
    split_serial: str
    shots: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("block-page")
    settings = _settings(folder, f"sqlite:///{folder / 'hub.db'}", None)
    clock = MovableClock()
    hub = build_hub(settings, clock=clock)
    app = create_app(hub, settings)
    with TestClient(app) as client:
        populate(LiveLedger(hub, clock, client))
        retired = client.get("/api/v1/retirements").json()["items"]
    split_serial = next(r["serial"] for r in retired if r["retirement_id"] == "EX-2")
    port = free_loopback_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    shots = folder / "screenshots"
    shots.mkdir()
    try:
        yield Served(f"http://127.0.0.1:{port}", split_serial, shots)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        hub.close()
        print(f"\nblock page screenshots: {shots}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as found:
        yield found


def _page(browser: Browser, width: str) -> Page:
    w, h = WIDTHS[width]
    return browser.new_context(viewport={"width": w, "height": h}).new_page()


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_block_page_reads_well_in_each_language_and_width(
    served: Served, browser: Browser, language: str, width: str
) -> None:
    page = _page(browser, width)
    try:
        page.goto(f"{served.base_url}/blocks/{served.split_serial}?lang={language}")
        assert page.locator("html").get_attribute("lang") == language
        assert LANGUAGES[language] in page.locator("main").inner_text()
        assert page.locator("#block-state").get_attribute("data-state") == "RETIRED"
        steps = page.locator("ol#lineage li.step").evaluate_all(
            "items => items.map(i => i.dataset.step)"
        )
        assert "issued" in steps and "split" in steps and "retired" in steps
        # The page is never wider than the window: wide tables scroll in their box.
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow}px wider than the window"
        assert page.evaluate(_BROKEN_PARTS) == []
        # The copied serial is the serial: <wbr> adds no character.
        assert page.locator("#block-serial").inner_text().strip() == served.split_serial
        page.screenshot(path=str(served.shots / f"block-{language}-{width}.png"), full_page=True)
    finally:
        page.context.close()


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_the_search_box_finds_a_block_from_a_part_of_its_serial(
    served: Served, browser: Browser, width: str
) -> None:
    page = _page(browser, width)
    try:
        page.goto(f"{served.base_url}/blocks?lang=zh-Hant")
        part = served.split_serial.rsplit("-", 2)[0].split("-", 2)[2].lower()
        page.fill("#serial-search-input", part)
        page.click("#serial-search-submit")
        page.wait_for_url("**/search?**")
        rows = page.locator("table#search-results tr[data-serial]")
        assert rows.count() >= 2
        assert page.evaluate(_BROKEN_PARTS) == []
        page.screenshot(path=str(served.shots / f"search-zh-Hant-{width}.png"), full_page=True)
        page.locator(f'tr[data-serial="{served.split_serial}"] a.serial-link').click()
        page.wait_for_url(f"**/blocks/{served.split_serial}")
        assert page.locator("html").get_attribute("lang") == "zh-Hant"
    finally:
        page.context.close()


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_the_home_page_charts_and_lists_fit_the_window(
    served: Served, browser: Browser, width: str
) -> None:
    page = _page(browser, width)
    try:
        for path in ("/?lang=zh-CN", "/blocks?lang=en", "/retirements?lang=zh-Hant"):
            page.goto(served.base_url + path)
            overflow = page.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0, f"{path}: {overflow}px wider than the window"
            assert page.evaluate(_BROKEN_PARTS) == []
        page.goto(served.base_url + "/?lang=zh-CN")
        assert page.locator("svg#chart-partner rect.bar-issued").count() >= 1
        assert page.locator("svg#chart-methodology rect.bar-issued").count() >= 1
        page.screenshot(path=str(served.shots / f"home-zh-CN-{width}.png"), full_page=True)
    finally:
        page.context.close()
