"""Every HTTP request is one ``http`` line: the route's template, the status,
the refusal code; never the path or query a user typed."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub.bootstrap import build_hub
from hub.http_api.app import create_app
from hub.observability.logs import configure_logging
from hub.settings import HubSettings

SECRET = "REC-PRIVATE-91c2"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    configure_logging("info", "json", stream=stream)
    # The test's own HTTP client logs each URL it requests: it is no part of the hub.
    client_log = logging.getLogger("httpx")
    client_level = client_log.level
    client_log.setLevel(logging.WARNING)
    try:
        yield stream
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        client_log.setLevel(client_level)


def _http_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [line for line in lines if line.get("event") == "http"]


def test_requests_are_logged_by_route_status_and_code_not_by_what_was_typed(
    tmp_path: Path, log_stream: io.StringIO
) -> None:
    settings = HubSettings(data_dir=tmp_path, insecure=True)
    hub = build_hub(settings)
    try:
        client = TestClient(create_app(hub, settings), follow_redirects=False)
        assert client.get(f"/console/claim?partner=CN-GD&record={SECRET}").status_code == 303
        assert client.get(f"/api/v1/blocks?cursor={SECRET}").status_code == 400
        assert client.get(f"/api/v1/{SECRET}").status_code == 404
        assert client.get("/healthz").status_code == 200
        scraped = client.get("/metrics").text
    finally:
        hub.close()

    assert SECRET not in log_stream.getvalue()
    seen = [(line["route"], line["status"], line["reason"]) for line in _http_lines(log_stream)]
    assert seen == [
        ("/console/claim", 303, ""),
        ("/api/v1/blocks", 400, "CURSOR_INVALID"),
        ("unmatched", 404, "NOT_FOUND"),
    ]
    # Probes are counted but logged only at debug: a load balancer calls every few seconds.
    assert "/healthz" not in {route for route, _, _ in seen}
    assert 'route="/healthz",status="200"' in scraped
    assert all(line["caller"] == "public" for line in _http_lines(log_stream))
    assert 'hub_refusals_total{reason="CURSOR_INVALID",transport="http"} 1.0' in scraped
