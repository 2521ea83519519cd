"""A cancellation through the console is the same ``bureau_action`` line as
the command's, naming the officer logged in, and counted in /metrics
(SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from hub.observability.logs import configure_logging
from tests.integration.http_api.conftest import (
    OFFICER_NAME,
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


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    configure_logging("info", "json", stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def _events(stream: io.StringIO, event: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [line for line in lines if line.get("event") == event]


def test_a_console_cancellation_is_one_bureau_action_line_and_counted(
    live: LiveLedger, log_stream: io.StringIO
) -> None:
    populate(live)
    log_stream.seek(0)
    log_stream.truncate()  # only the console's lines from here
    before = _cancellations(live)
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
    delivered = client.get("/api/v1/blocks", params={"state": "DELIVERED"}).json()["items"]
    chosen = delivered[0]["serial"]
    confirm = client.get("/console/blocks/confirm", params={"serial": chosen})
    block_id = re.search(r'name="block" value="([0-9a-f]+)"', confirm.text)
    assert block_id is not None
    form = {"block": block_id.group(1), "reason": "重复登记", "csrf_token": _token(confirm.text)}
    skipped = client.post("/console/blocks/cancel", data=form)  # not confirmed: refused
    assert skipped.status_code == 303
    assert _events(log_stream, "bureau_action") == []
    client.post("/console/blocks/cancel", data={**form, "confirm": "yes"})

    (line,) = _events(log_stream, "bureau_action")
    assert line["action"] == "cancel_block" and line["logger"] == "hub.bureau"
    assert line["officer"] == f"{OFFICER_NAME} ({OFFICER_USERNAME})"
    assert (line["block_id"], line["serial"]) == (block_id.group(1), chosen)
    assert "重复登记" not in log_stream.getvalue()  # the reason stays in the ledger
    assert _cancellations(live) == before + 1
    assert "hub_bureau_actions_total" in live.hub.metrics.render().decode()


def _cancellations(live: LiveLedger) -> float:
    registry = live.hub.metrics.registry
    found = registry.get_sample_value("hub_bureau_actions_total", {"action": "cancel_block"})
    return found or 0.0
