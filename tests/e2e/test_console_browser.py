"""The bureau console and the public disclosure pages in a real browser.

A `carbon-hub serve` process (gRPC with mutual TLS, HTTP on a free loopback
port, SQLite) receives Guangdong's sample deliveries from the Guangdong
adapter over its partner certificate, signed with its registered key; the
reference exchange client takes the issued blocks and retires some. One
claim of them is HELD for review (QUANTITY_OUT_OF_BOUNDS: 9,380,000 kWh from
one PV site). A bureau officer made with `carbon-hub bureau add-officer
--password-stdin` logs in with headless Chromium, finds the claim in the
queue, reads its evidence and approves it with a comment; the running hub
issues it and the public disclosure pages show the new units. Also: a wrong
password and a POST without the session's CSRF token are refused and change
nothing; the English switch holds across pages.

Screenshots of the main pages are kept in tests/artifacts/screenshots/
(printed by the test) as artefacts for a person to look at.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from adapters.hub_client import submit_delivery
from adapters.registry import adapter_for
from carbonhub_tools.demo.run import sample_deliveries
from carbonhub_tools.demo.trust import EXCHANGE_NAME
from hub.exchange_client.client import ExchangeClient
from hub.serving.serve_process import HubProcess
from tests.e2e.browser_fixtures import (
    free_loopback_port,
    headless_chromium,
    screenshot_folder,
)
from tests.integration.hub_processes import prepare_trust, start_hub, stop_hub

ROOT = Path(__file__).resolve().parents[2]
PARTNER = "CN-GD"
HELD_RECORD = "GD2024R0001215"  # QUANTITY_OUT_OF_BOUNDS in the 2024-10 delivery
HELD_PROJECT = "4419-PV-2023-0045"
USERNAME = "wang.li"
OFFICER_NAME = "王力"
PASSWORD = "绿色湾区-2024-review"
COMMENT = "已核对电网结算单，发电量属实"
ISSUANCE_INTERVAL = "0.5"
WAIT = 60.0  # for the hub to answer, issue, and a page to show it
ACTION_TIMEOUT_MS = 15_000

pytestmark = pytest.mark.slow


@dataclass
class ConsoleHub:
    base_url: str
    database: Path
    screenshots: Path

    def query(self, sql: str, *params: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.database) as connection:
            return connection.execute(sql, params).fetchall()

    def decision(self, record: str = HELD_RECORD) -> tuple[str, str | None]:
        ((decision, issuance),) = self.query(
            "SELECT decision, issuance FROM claims WHERE partner = ? AND record_id = ?",
            PARTNER,
            record,
        )
        return str(decision), None if issuance is None else str(issuance)

    def pending_issuance(self) -> int:
        ((count,),) = self.query(
            "SELECT count(*) FROM claims WHERE decision = 'ACCEPTED' AND issuance = 'PENDING'"
        )
        return int(str(count))

    def shot(self, page: Page, name: str) -> None:
        page.screenshot(path=str(self.screenshots / f"{name}.png"), full_page=True)


def _add_officer(data_dir: Path, home: Path) -> None:
    done = subprocess.run(
        [
            *(sys.executable, "-c", "from hub.cli.app import main; main()"),
            *("bureau", "add-officer"),
            *("--username", USERNAME, "--name", OFFICER_NAME, "--password-stdin"),
            *("--data-dir", str(data_dir)),
        ],
        cwd=ROOT,
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(home)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert PASSWORD not in done.stdout + done.stderr


def _wait_for(what: str, ready: Callable[[], bool], timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _answers(url: str, process: HubProcess) -> bool:
    assert process.alive(), f"serve exited with {process.returncode}"
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def console_hub(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config, browser: Browser
) -> Iterator[ConsoleHub]:
    # Asks for the browser first: without one nothing is started for nothing.
    folder = tmp_path_factory.mktemp("console-browser")
    data_dir = folder / "hub"
    database = data_dir / "hub.db"
    url = f"sqlite:///{database}"
    data_dir.mkdir()
    trust = prepare_trust(folder / "trust", url, [PARTNER])
    _add_officer(data_dir, folder)
    http_port = free_loopback_port()
    process, address = start_hub(
        url,
        data_dir,
        pki_dir=trust.pki_dir,
        HUB_ISSUANCE_INTERVAL=ISSUANCE_INTERVAL,
        HUB_HTTP_HOST="127.0.0.1",
        HUB_HTTP_PORT=str(http_port),
    )
    hub = ConsoleHub(f"http://127.0.0.1:{http_port}", database, screenshot_folder())
    try:
        # serve prints LISTENING once gRPC is up and starts HTTP after it.
        _wait_for("serve's HTTP side", lambda: _answers(f"{hub.base_url}/api/v1/summary", process))
        with trust.channel(address, PARTNER) as channel:
            signer = trust.signer(PARTNER, channel)
            adapter = adapter_for("guangdong")
            for delivery in sample_deliveries("guangdong"):
                submit_delivery(adapter.read(delivery), channel, signer, hub_key=trust.hub_key)
        assert hub.decision() == ("HELD", "PENDING")
        _wait_for("the issuer to issue the accepted claims", lambda: hub.pending_issuance() == 0)
        # The exchange takes its blocks and retires some, so the public lists
        # and the chart show deliveries and retirements too.
        with trust.channel(address, EXCHANGE_NAME) as channel:
            exchange = ExchangeClient(channel, folder / "exchange.json")
            exchange.sync()
            exchange.retire_by_policy()
        assert hub.query("SELECT count(*) FROM retirements") != [(0,)]
        yield hub
    finally:
        stop_hub(process)
    # Shown even when output is captured: where a person finds the pictures.
    taken = sorted(path.name for path in hub.screenshots.glob("*.png"))
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        print(f"\nscreenshots ({len(taken)}) in {hub.screenshots}: {', '.join(taken)}")


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    # A wide window, as an officer's desk screen; every test starts logged out.
    made = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    made.set_default_timeout(ACTION_TIMEOUT_MS)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def _log_in(page: Page, hub: ConsoleHub, password: str = PASSWORD) -> None:
    page.goto(f"{hub.base_url}/console/login")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", password)
    page.click("#login-submit")


def _issued_units(page: Page, hub: ConsoleHub) -> int:
    page.goto(f"{hub.base_url}/")
    return int(page.get_attribute("#total-issued", "data-value") or "")


def _row_units(page: Page, table: str, key: str) -> int:
    cell = page.locator(f"#{table} tr[data-id='{key}'] td").nth(1)
    return int(re.sub(r"\D", "", cell.inner_text()))


def test_a_wrong_password_is_refused_and_the_console_stays_closed(
    console_hub: ConsoleHub, page: Page
) -> None:
    page.goto(f"{console_hub.base_url}/console")
    # The queue sends a visitor to the login page first.
    expect(page).to_have_url(re.compile(r"/console/login"))
    console_hub.shot(page, "console-login")
    _log_in(page, console_hub, password="not-the-password-at-all")
    expect(page.locator("#error-code")).to_have_text("LOGIN_FAILED")
    expect(page.locator("#officer-name")).to_have_count(0)
    console_hub.shot(page, "console-login-refused")
    page.goto(f"{console_hub.base_url}/console")
    expect(page).to_have_url(re.compile(r"/console/login"))


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    console_hub: ConsoleHub, context: BrowserContext, page: Page
) -> None:
    before = console_hub.decision()
    _log_in(page, console_hub)
    expect(page.locator("#officer-name")).to_have_text(OFFICER_NAME)
    events_before = console_hub.query("SELECT count(*) FROM ledger_events")
    form = {"partner": PARTNER, "record": HELD_RECORD, "comment": "forged"}
    # The browser's own cookies go along: only the token is missing, then wrong.
    for token in ({}, {"csrf_token": "forged-token"}):
        answer = context.request.post(
            f"{console_hub.base_url}/console/claim/approve",
            form={**form, **token},
            max_redirects=0,
        )
        assert answer.status == 403, answer.text()
        assert "CSRF_TOKEN_INVALID" in answer.text()
    assert console_hub.decision() == before
    assert console_hub.query("SELECT count(*) FROM ledger_events") == events_before


def test_an_officer_approves_a_held_claim_and_the_disclosure_shows_it(
    console_hub: ConsoleHub, page: Page
) -> None:
    hub = console_hub
    issued_before = _issued_units(page, hub)
    gd_before = _row_units(page, "totals-partner", PARTNER)
    assert issued_before > 0 and gd_before > 0

    _log_in(page, hub)
    expect(page).to_have_url(re.compile(r"/console$"))
    row = page.locator(f"#held-claims tr[data-id='{PARTNER}|{HELD_RECORD}']")
    expect(row).to_contain_text("QUANTITY_OUT_OF_BOUNDS")
    hub.shot(page, "console-queue")

    row.locator("a.claim-link").click()
    expect(page.locator("#claim-decision")).to_have_attribute("data-decision", "HELD")
    check = page.locator("#claim-checks tr[data-code='QUANTITY_OUT_OF_BOUNDS']")
    expect(check).to_contain_text("9380000")  # the evidence: the activity the check saw
    expect(page.locator("#claim-trace")).to_contain_text("SZ-PV/F1")
    hub.shot(page, "console-claim-evidence")

    approve = page.locator("#approve-claim-form")
    approve.locator("textarea[name=comment]").fill(COMMENT)
    approve.locator("button[type=submit]").click()
    expect(page.locator("#flash")).to_have_attribute("data-code", "OK")
    expect(page.locator("#claim-decision")).to_have_attribute("data-decision", "ACCEPTED")
    expect(page.locator("#approve-claim-form")).to_have_count(0)
    # The audit history names the officer and keeps the comment.
    accepted = page.locator("#claim-events tr[data-event='ACCEPTED']").last
    expect(accepted).to_contain_text(f"bureau:{OFFICER_NAME}")
    expect(accepted).to_contain_text(COMMENT)
    hub.shot(page, "console-claim-approved")
    assert hub.decision()[0] == "ACCEPTED"

    page.goto(f"{hub.base_url}/console")
    expect(page.locator(f"#held-claims tr[data-id='{PARTNER}|{HELD_RECORD}']")).to_have_count(0)

    # The running hub issues the approved claim: 9,380,000 kWh x 0.3869 kg/kWh
    # = 3,629.122 t, whole units issued (the fraction carried on its account).
    _wait_for("the approved claim to be issued", lambda: hub.decision() == ("ACCEPTED", "ISSUED"))
    issued_after = _issued_units(page, hub)
    assert issued_after - issued_before in (3629, 3630), (issued_before, issued_after)
    assert _row_units(page, "totals-partner", PARTNER) - gd_before == issued_after - issued_before
    # The monthly chart draws the same ledger: its issued bars add up to the total.
    bars = page.locator("#chart-monthly rect.bar-issued")
    drawn = [int(bars.nth(i).get_attribute("data-value") or "") for i in range(bars.count())]
    assert sum(drawn) == issued_after, drawn
    hub.shot(page, "disclosure-home")
    monthly = page.locator("figure.chart").filter(has=page.locator("#chart-monthly"))
    monthly.screenshot(path=str(hub.screenshots / "disclosure-chart.png"))

    page.goto(f"{hub.base_url}/blocks?partner={PARTNER}")
    expect(page.locator("main")).to_contain_text(HELD_PROJECT)
    hub.shot(page, "disclosure-blocks")
    page.goto(f"{hub.base_url}/projects?partner={PARTNER}")
    expect(page.locator("main")).to_contain_text(HELD_PROJECT)
    hub.shot(page, "disclosure-projects")
    page.goto(f"{hub.base_url}/retirements")
    hub.shot(page, "disclosure-retirements")


def test_the_english_switch_holds_across_pages(console_hub: ConsoleHub, page: Page) -> None:
    hub = console_hub
    page.goto(f"{hub.base_url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("碳普惠信息披露")
    page.click("#lang-en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    english_title = page.locator("h1").inner_text()
    assert english_title and not re.search(r"[\u4e00-\u9fff]", english_title), english_title
    hub.shot(page, "disclosure-home-en")
    # Kept in a cookie: the next page, reached by its plain link, is English too.
    page.click("#nav-blocks")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#nav-home")).to_have_text(re.compile(r"^[A-Za-z ]+$"))
    hub.shot(page, "disclosure-blocks-en")
    page.goto(f"{hub.base_url}/console/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    hub.shot(page, "console-login-en")
    # Switching language keeps what the page shows: the filter stays applied.
    page.goto(f"{hub.base_url}/blocks?partner=CN-HK")
    page.click("#lang-zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page).to_have_url(re.compile(r"[?&]partner=CN-HK(&|$)"))
    expect(page.locator("main")).not_to_contain_text("SZCER-CN-GD")
