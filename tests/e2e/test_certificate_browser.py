"""The certificate page in a real browser (Debian chromium): at desk and
phone widths, in three languages, valid and then invalidated by a bureau
cancellation; screenshots kept in tests/artifacts/screenshots."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, ViewportSize, expect
from pydantic import SecretStr

from hub.bootstrap import Hub, build_hub
from hub.domain.blocks import Block
from hub.http_api.app import create_app
from hub.settings import HubSettings
from tests.e2e.browser_fixtures import free_loopback_port, headless_chromium, screenshot_folder
from tests.integration.http_api.conftest import LiveLedger, MovableClock
from tests.integration.http_api.test_certificates import delivered_blocks, event_claim, retirement

DESK: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass
class Served:
    hub: Hub
    url: str
    certificate_id: str
    blocks: list[Block]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as found:
        yield found


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    settings = HubSettings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'hub.db'}",
        pki_dir=tmp_path / "pki",
        insecure=True,
        session_secret=SecretStr("k" * 48),
    )
    hub = build_hub(settings, clock=MovableClock())
    app = create_app(hub, settings)
    blocks = delivered_blocks(LiveLedger(hub, MovableClock(), None), 3)  # type: ignore[arg-type]
    claim = event_claim(sum(b.units for b in blocks))
    outcomes = [hub.exchange.retire(retirement(f"EX-{i}", b, claim)) for i, b in enumerate(blocks)]
    certificate_id = outcomes[-1].certificate_id
    assert certificate_id is not None
    port = free_loopback_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the HTTP server did not start"
        time.sleep(0.05)
    try:
        yield Served(hub, f"http://127.0.0.1:{port}", certificate_id, blocks)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        hub.close()


def _fits(page: Page) -> bool:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= page.viewport_size["width"] if page.viewport_size else False


def test_a_certificate_reads_in_three_languages_at_desk_and_phone_widths(
    browser: Browser, served: Served
) -> None:
    folder = screenshot_folder()
    for name, viewport in (("desk", DESK), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        for lang, title in (
            ("zh-CN", "碳中和证明"),
            ("zh-Hant", "碳中和證明"),
            ("en", "certificate"),
        ):
            page.goto(f"{served.url}/certificates/{served.certificate_id}?lang={lang}")
            expect(page.locator("h1")).to_contain_text(title)
            certificate = page.locator("#certificate")
            expect(certificate).to_have_attribute("data-valid", "true")
            expect(page.locator("#certificate-claimant")).to_contain_text("深圳马拉松组委会")
            expect(page.locator("table#certificate-serials tbody tr")).to_have_count(3)
            for block in served.blocks:
                expect(page.locator(f'tr[data-serial="{block.serial}"]')).to_be_visible()
            expect(page.locator("svg#certificate-qr")).to_be_visible()
            expect(page.locator("#certificate-verify-url")).to_contain_text(served.certificate_id)
            assert _fits(page), f"{lang} at {name} width scrolls sideways"
            page.screenshot(path=str(folder / f"certificate-{lang}-{name}.png"), full_page=True)
        context.close()


def test_a_block_cancelled_later_shows_the_certificate_invalid(
    browser: Browser, served: Served
) -> None:
    cancelled = served.blocks[1]
    served.hub.bureau.cancel_block(cancelled.block_id, "project double-registered", "王科长")
    page = browser.new_context(viewport=DESK).new_page()
    page.goto(f"{served.url}/certificates/{served.certificate_id}?lang=en")
    expect(page.locator("#certificate")).to_have_attribute("data-valid", "false")
    expect(page.locator("#certificate-validity")).to_contain_text("No longer valid")
    expect(page.locator("#certificate-cancelled")).to_contain_text(cancelled.serial)
    expect(page.locator(f'tr[data-serial="{cancelled.serial}"]')).to_have_attribute(
        "data-state", "CANCELLED"
    )
    page.screenshot(path=str(screenshot_folder() / "certificate-invalid-en.png"), full_page=True)
    page.goto(f"{served.url}/certificates?lang=en")
    expect(page.locator(f'tr[data-id="{served.certificate_id}"]')).to_have_attribute(
        "data-valid", "false"
    )
