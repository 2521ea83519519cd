"""An unexpected fault behind the HTTP app, on a real uvicorn server: the
API answers 500 with the coded body {code: INTERNAL_FAULT, message,
details: {incident}}, a page or the console the error page with the code
and the incident; never a trace, an exception class or what the fault said.
The server logs the trace under the same incident id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from hub.bootstrap import Hub, build_hub
from hub.http_api.app import create_app
from hub.http_api.context import HttpServices
from hub.http_api.server import start_http_server
from hub.settings import HubSettings

SECRET = "SELECT secret_column FROM projects -- the hub's insides"
INCIDENT = re.compile(r"^[0-9a-f]{12}$")
LEAKS = ("RuntimeError", "Traceback", SECRET, "secret_column", ".py")


@dataclass
class Served:
    hub: Hub
    services: HttpServices
    client: httpx.Client


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    settings = HubSettings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'hub.db'}",
        pki_dir=tmp_path / "pki",
        insecure=True,
        session_secret=SecretStr("k" * 48),
    )
    hub = build_hub(settings)
    app = create_app(hub, settings)
    running = start_http_server(app, "127.0.0.1", 0)
    try:
        with httpx.Client(base_url=running.base_url, timeout=10) as client:
            yield Served(hub, app.state.services, client)
    finally:
        running.stop()
        hub.close()


def _broken(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError(SECRET)


def _assert_logged(incident: str, caplog: pytest.LogCaptureFixture) -> None:
    logged = [r for r in caplog.records if incident in r.getMessage()]
    assert len(logged) == 1, [r.getMessage() for r in caplog.records]
    assert logged[0].levelno == logging.ERROR and logged[0].exc_info is not None
    assert "Traceback" in caplog.text and f"RuntimeError: {SECRET}" in caplog.text


def _page_incident(html: str) -> str:
    assert re.search(r'<code id="error-code">INTERNAL_FAULT</code>', html), html
    for leak in LEAKS:
        assert leak not in html
    found = re.search(r"<td>([0-9a-f]{12})</td>", html)
    assert found is not None, html
    return found.group(1)


def test_the_api_answers_a_coded_500_with_an_incident(
    served: Served, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(served.services.disclosure, "projects", _broken)
    with caplog.at_level(logging.ERROR):
        answer = served.client.get("/api/v1/projects")
    assert answer.status_code == 500
    body = answer.json()
    assert body["code"] == "INTERNAL_FAULT"
    assert body["details"].keys() == {"incident"}
    incident = body["details"]["incident"]
    assert INCIDENT.fullmatch(incident) and incident in body["message"]
    for leak in LEAKS:
        assert leak not in answer.text
    _assert_logged(incident, caplog)
    # The rest of the API is still served.
    assert served.client.get("/api/v1/summary").status_code == 200


def test_a_page_shows_the_code_and_the_incident(
    served: Served, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(served.services.disclosure, "projects", _broken)
    with caplog.at_level(logging.ERROR):
        answer = served.client.get("/projects")
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["x-frame-options"] == "DENY"  # still behind the security headers
    _assert_logged(_page_incident(answer.text), caplog)


def test_the_console_shows_the_code_and_the_incident(
    served: Served, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    login = served.client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert token is not None
    monkeypatch.setattr(served.services.officers, "authenticate", _broken)
    with caplog.at_level(logging.ERROR):
        answer = served.client.post(
            "/console/login",
            data={"username": "wang", "password": "whatever it is", "csrf_token": token.group(1)},
        )
    assert answer.status_code == 500
    assert answer.headers["cache-control"] == "no-store"
    _assert_logged(_page_incident(answer.text), caplog)
