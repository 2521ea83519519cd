"""What an operator's probes and scraper see of a running ``carbon-hub serve``:
/healthz, /readyz (503 with a code when the database is gone, ready again
when it is back), /metrics, and the log lines on stderr, without any login."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url

from carbonhub_tools.drills.tcp_proxy import TcpProxy
from tests.e2e.browser_fixtures import free_loopback_port
from tests.e2e.test_serve_cli import _environment, _stop_with_sigterm, running_hub
from tests.integration.conftest import postgres_schema_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow

PATIENCE = 30.0


def _get(url: str) -> tuple[int, str, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode(), dict(answer.headers)
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode(), dict(refused.headers)


def _until(what: str, check: Any) -> Any:
    deadline = time.monotonic() + PATIENCE
    while True:
        try:
            found = check()
        except OSError:
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {PATIENCE} s")
        time.sleep(0.2)


def _json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


@pytest.mark.postgres
def test_probes_and_metrics_answer_and_readyz_fails_coded_while_the_database_is_gone(
    tmp_path: Path,
    postgres_schema_url: str,  # noqa: F811
) -> None:
    target = make_url(postgres_schema_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    through_proxy = target.set(host="127.0.0.1", port=proxy.port)
    base = f"http://127.0.0.1:{free_loopback_port()}"
    env = _environment(
        HUB_DATABASE_URL=through_proxy.render_as_string(hide_password=False),
        HUB_HTTP_PORT=base.rsplit(":", 1)[1],
        HUB_LOG_LEVEL="INFO",
    )
    try:
        with running_hub(
            tmp_path, "--insecure", "--grpc-port", "0", "--data-dir", str(tmp_path), env=env
        ) as hub:
            status, body, _ = _until("/healthz", lambda: _get(f"{base}/healthz"))
            assert (status, json.loads(body)) == (200, {"status": "alive"})
            assert _get(f"{base}/readyz")[:2] == (200, '{"status":"ready"}')

            status, metrics, headers = _get(f"{base}/metrics")
            assert status == 200 and headers["content-type"].startswith("text/plain")
            assert 'hub_http_requests_total{method="GET",route="/healthz",status="200"}' in metrics
            assert "# TYPE hub_ledger_claims gauge" in metrics
            assert 'hub_outbox_lag{consumer="exchange"} 0.0' in metrics

            proxy.cut()
            status, body, headers = _get(f"{base}/readyz")
            assert status == 503, body
            refusal = json.loads(body)
            assert refusal["code"] == "DATABASE_UNAVAILABLE"
            assert "psycopg" not in body.lower() and "select" not in body.lower()
            assert headers["retry-after"] == "5"
            assert _get(f"{base}/healthz")[0] == 200  # alive, though not ready

            proxy.restore()
            _until("ready again", lambda: _get(f"{base}/readyz")[0] == 200)
            _stop_with_sigterm(hub)
            stderr = hub.stderr()
    finally:
        proxy.close()

    # Not a terminal: every line serve wrote is a JSON object, its start and stop too.
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    events = [line.get("event") for line in lines]
    (start,) = [line for line in lines if line.get("event") == "start"]
    assert start["transport"] == "PLAINTEXT" and "password" not in start["database"]
    assert {"insecure", "http_start", "stop"} <= set(events)
    http = [line for line in lines if line.get("event") == "http"]
    assert {"route": "/readyz", "status": 503, "method": "GET"}.items() <= next(
        line for line in http if line["status"] == 503
    ).items()
    assert all(line["caller"] == "public" for line in http)


def test_log_level_warning_keeps_the_request_lines_out(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{free_loopback_port()}"
    env = _environment(HUB_HTTP_PORT=base.rsplit(":", 1)[1])
    with running_hub(
        tmp_path,
        "--insecure",
        "--grpc-port",
        "0",
        "--data-dir",
        str(tmp_path),
        "--log-level",
        "warning",
        env=env,
    ) as hub:
        _until("/healthz", lambda: _get(f"{base}/healthz")[0] == 200)
        assert _get(f"{base}/readyz")[0] == 200
        assert _get(f"{base}/console")[0] == 200  # the login page: /readyz needed none
        stderr = hub.stderr()
    assert not [line for line in _json_lines(stderr) if line.get("event") == "http"]
