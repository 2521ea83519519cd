"""The bureau picks a block, confirms, and it is cancelled on the real ledger
(SQLite and PostgreSQL); the public block page then tells it."""

from __future__ import annotations

import re

from tests.integration.http_api.conftest import (
    OFFICER_PASSWORD,
    OFFICER_USERNAME,
    LiveLedger,
    populate,
)

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _token(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None
    return found.group(1)


def test_a_block_picked_and_confirmed_is_cancelled_and_leaves_the_picker(
    live: LiveLedger,
) -> None:
    populate(live)
    client = live.client
    login = client.get("/console/login")
    client.post(
        "/console/login",
        data={
            "username": OFFICER_USERNAME,
            "password": OFFICER_PASSWORD,
            "csrf_token": _token(login.text),
        },
    )
    picker = client.get("/console/blocks", params={"lang": "en"})
    serials = re.findall(r'<tr data-id="[0-9a-f]+" data-serial="([^"]+)"', picker.text)
    reachable = [
        b["serial"]
        for state in ("ISSUED", "DELIVERED", "RETIRED")
        for b in client.get("/api/v1/blocks", params={"state": state}).json()["items"]
    ]
    assert sorted(serials) == sorted(reachable) and serials
    delivered = client.get("/api/v1/blocks", params={"state": "DELIVERED"}).json()["items"]
    chosen = delivered[0]["serial"]
    confirm = client.get("/console/blocks/confirm", params={"serial": chosen})
    block_id = re.search(r'name="block" value="([0-9a-f]+)"', confirm.text)
    assert block_id is not None
    form = {
        "block": block_id.group(1),
        "reason": "double registration",
        "csrf_token": _token(confirm.text),
    }
    skipped = client.post("/console/blocks/cancel", data=form)
    assert 'data-code="CANCELLATION_NOT_CONFIRMED"' in client.get(skipped.headers["location"]).text
    assert client.get(f"/api/v1/blocks/{chosen}").json()["block"]["state"] == "DELIVERED"
    done = client.post("/console/blocks/cancel", data={**form, "confirm": "yes"})
    assert 'data-code="OK"' in client.get(done.headers["location"]).text
    story = client.get(f"/api/v1/blocks/{chosen}").json()
    assert story["block"]["state"] == "CANCELLED" and story["audit"][-1]["event"] == "CANCELLED"
    again = client.get("/console/blocks")
    assert chosen not in re.findall(r'data-serial="([^"]+)"', again.text)
    page = client.get(f"/blocks/{chosen}")
    assert 'data-step="cancelled"' in page.text
