"""The bureau cancels a block by picking it and confirming: a terminal act is
never one click away, and the console speaks the officer's language."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.fakes_disclosure import block

from .conftest import Fakes, log_in


def _ledger(fakes: Fakes) -> None:
    fakes.disclosure.blocks_ += [
        block("B1", "2024-03-01", 10, partner="CN-GD", state="ISSUED"),
        block("B2", "2024-04-01", 20, partner="CN-HK", state="DELIVERED", first=100),
        block("B3", "2024-05-01", 30, partner="CN-GD", state="RETIRED", first=200),
        block("B4", "2024-06-01", 40, partner="CN-GD", state="CANCELLED", first=300),
    ]


def test_the_picker_lists_only_blocks_a_cancellation_can_reach_newest_first(
    client: TestClient, fakes: Fakes
) -> None:
    _ledger(fakes)
    log_in(client)
    page = client.get("/console/blocks")
    assert page.status_code == 200
    # Retired blocks too: the bureau may find their units were not real.
    assert re.findall(r'<tr data-id="(B\d)"', page.text) == ["B3", "B2", "B1"]
    assert 'href="/console/blocks/confirm?serial=SZCER-GD-SZ-PV-2024-P1-1-10"' in page.text
    only_gd = client.get("/console/blocks", params={"partner": "cn-gd"})
    assert re.findall(r'<tr data-id="(B\d)"', only_gd.text) == ["B3", "B1"]


def test_cancelling_asks_for_a_confirmation_and_refuses_a_post_without_it(
    client: TestClient, fakes: Fakes
) -> None:
    _ledger(fakes)
    token = log_in(client)
    confirm = client.get(
        "/console/blocks/confirm", params={"serial": "SZCER-GD-SZ-PV-2024-P1-1-10"}
    )
    assert confirm.status_code == 200
    assert 'form id="cancel-block-form"' in confirm.text
    assert 'name="confirm" value="yes" required' in confirm.text
    assert 'name="block" value="B1"' in confirm.text and "撤销为终态" in confirm.text
    unconfirmed = client.post(
        "/console/blocks/cancel", data={"block": "B1", "reason": "fraud", "csrf_token": token}
    )
    after = client.get(unconfirmed.headers["location"])
    assert 'data-code="CANCELLATION_NOT_CONFIRMED"' in after.text
    assert "撤销批次的请求未经确认" in after.text  # the officer's language, not the English message
    retired = client.get(
        "/console/blocks/confirm", params={"serial": "SZCER-GD-SZ-PV-2024-P1-200-229"}
    )
    assert 'id="confirm-retired"' in retired.text and "cancel-block-form" in retired.text
    cancelled = client.get(
        "/console/blocks/confirm", params={"serial": "SZCER-GD-SZ-PV-2024-P1-300-339"}
    )
    assert 'id="not-cancellable"' in cancelled.text and "cancel-block-form" not in cancelled.text


def test_console_statuses_are_in_the_officers_language(client: TestClient, fakes: Fakes) -> None:
    _ledger(fakes)
    log_in(client)
    english = client.get("/console/blocks", params={"lang": "en"})
    assert "Delivered" in english.text and ">DELIVERED<" not in english.text
    traditional = client.get("/console/blocks", params={"lang": "zh-Hant"})
    assert "已交付交易所" in traditional.text and "已簽發" in traditional.text
