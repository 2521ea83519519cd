"""Schemathesis against the live OpenAPI document of the disclosure API.

The demo fills a ledger (projects, issued, delivered and retired blocks,
both partners); the HTTP app over it is served by uvicorn on a loopback
port, and schemathesis loads /openapi.json from that server. For every
operation it generates schema-valid requests and requests that break the
schema, sends them over the socket and checks each answer: never a server
error, status, content type, headers and body as the document says, every
4xx carrying the coded error body {"code", "message", "details"}, requests
that break the schema refused, and valid ones answered except for a cursor
the list never handed out or a date range that ends before it starts
(neither an opaque cursor nor the order of two parameters can be said by a
schema: CURSOR_INVALID and DATE_RANGE_INVALID are the refusals a valid
request may get, and only then).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.schemas import APIOperation

from hub.bootstrap import build_hub
from hub.http_api.app import create_app
from hub.http_api.server import start_http_server
from hub.settings import HubSettings

ROOT = Path(__file__).resolve().parents[2]
# Per operation and generation mode: 13 operations x 2 modes x 60 stays
# well under a minute on a loopback socket.
EXAMPLES = 60
CALL_TIMEOUT = 15.0

pytestmark = pytest.mark.slow


def _demo_ledger(data_dir: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from hub.cli.app import main; main()",
            "demo",
            "--data-dir",
            str(data_dir),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(data_dir)},
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def live_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The disclosure app over the demo's ledger, served by uvicorn on 127.0.0.1
    as `carbon-hub serve` serves it (hub.http_api.server)."""
    data_dir = tmp_path_factory.mktemp("schemathesis-ledger")
    _demo_ledger(data_dir)
    hub_settings = HubSettings(database_url=f"sqlite:///{data_dir / 'hub.db'}", data_dir=data_dir)
    hub = build_hub(hub_settings)
    try:
        http = start_http_server(create_app(hub, hub_settings), "127.0.0.1", 0)
        try:
            yield http.base_url
        finally:
            http.stop()
    finally:
        hub.close()


def _coded_error_body(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx answers {"code": "UPPER_CASE", "message": "...", "details": {str: str}}."""
    if not 400 <= response.status_code < 500:
        return None
    assert response.headers.get("content-type", [""])[0].startswith("application/json"), (
        f"{response.status_code} is not JSON: {response.headers}"
    )
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"code", "message", "details"}, body
    code = body["code"]
    assert isinstance(code, str) and code and code == code.upper() and " " not in code, body
    assert isinstance(body["message"], str) and body["message"], body
    details = body["details"]
    assert isinstance(details, dict), body
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in details.items()), body
    return True


def _valid_request_answered(ctx: Any, response: Any, case: Any) -> bool | None:
    """A schema-valid request is answered, unless its cursor was never handed out,
    its date range ends before it starts, it names a partner the hub has no
    agreement with, or a serial no block has."""
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return None
    if response.status_code < 400:
        return True
    if response.status_code >= 500:
        return None  # not_a_server_error's to report
    if response.status_code == 404 and case.path_parameters:
        return True  # a lookup of what does not exist: a coded 404 is its answer
    query = case.query or {}
    allowed = set()
    if query.get("cursor"):
        allowed.add("CURSOR_INVALID")
    since, until = query.get("since"), query.get("until")
    if isinstance(since, str) and isinstance(until, str) and since > until:
        allowed.add("DATE_RANGE_INVALID")
    body = response.json()
    code = body.get("code")
    if response.status_code == 404 and code == "SERIAL_NOT_FOUND":
        return True  # a well-formed serial that no block has: its documented answer
    year = query.get("year")
    if code == "REPORT_YEAR_INVALID" and isinstance(year, int) and year > date.today().year:
        allowed.add(code)  # the document cannot say "up to the current year"
    if response.status_code == 404 and str(code).startswith("TRANSPARENCY_"):
        return True  # an event or tree head the log does not have: its documented answer
    first, second = query.get("first"), query.get("second")
    if isinstance(first, int) and isinstance(second, int) and first > second:
        allowed.add("TRANSPARENCY_RANGE_INVALID")  # the document cannot say first <= second
    if case.path.endswith("/proofs/inclusion") and ("event" in query) == ("claim" in query):
        allowed.add("TRANSPARENCY_RANGE_INVALID")  # one of event or claim, not both
    if code == "PARTNER_UNKNOWN":
        # Which partners exist is the standard's, not the document's: the
        # refusal must list them, and the partner asked for must not be one
        # of them in any case (cn-gd is CN-GD).
        listed = body["details"]["partners"].split(", ")
        asked = str(query.get("partner", "")).strip().casefold()
        if asked and asked not in {p.casefold() for p in listed}:
            allowed.add(code)
    assert response.status_code == 400 and code in allowed, (
        f"a schema-valid request was refused: {response.status_code} {response.text[:300]}"
    )
    return True


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
    _coded_error_body,
    _valid_request_answered,
]


@dataclass
class Tally:
    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)


def _exercise(
    operation: APIOperation[Any, Any, Any, Any], mode: GenerationMode, base_url: str, tally: Tally
) -> None:
    """EXAMPLES generated requests of one operation in one mode, each checked."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def exercise(case: Any) -> None:
        tally.cases[f"{operation.label} {mode.value}"] += 1
        # A connection per request: one kept-alive session ran three times
        # slower on loopback (delayed ACKs between small writes).
        response = case.call(base_url=base_url, timeout=CALL_TIMEOUT)
        tally.statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    exercise()


def test_disclosure_api_conforms_to_its_openapi_document(
    live_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = schemathesis.openapi.from_url(f"{live_url}/openapi.json", timeout=CALL_TIMEOUT)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    labels = {operation.label for operation in operations}
    # The document describes the whole public API (and nothing of the console).
    assert labels == {
        f"GET /api/v1/{name}"
        for name in ("projects", "blocks", "retirements", "totals", "pools")
        for name in (name, f"{name}.csv")
    } | {
        "GET /api/v1/summary",
        "GET /api/v1/points",
        "GET /api/v1/points.csv",
        "GET /api/v1/audit/checkpoints",
        "GET /api/v1/audit/checkpoints/latest",
        "GET /api/v1/audit/tree-heads/latest",
        "GET /api/v1/audit/tree-heads/{tree_size}",
        "GET /api/v1/audit/proofs/inclusion",
        "GET /api/v1/audit/proofs/consistency",
        "GET /api/v1/certificates",
        "GET /api/v1/certificates/{certificate_id}",
        "GET /api/v1/certificates/{certificate_id}/document",
        "GET /api/v1/certificates/{certificate_id}/pdf",
        "GET /api/v1/blocks/{serial}",
        "GET /api/v1/exports/cadt",
        "GET /api/v1/reports/annual",
        "GET /api/v1/registers",
    }, labels

    tally = Tally()
    modes = 0
    for operation in operations:
        # An operation without parameters has no request that breaks the schema.
        negative = [GenerationMode.NEGATIVE] if list(operation.iter_parameters()) else []
        for mode in (GenerationMode.POSITIVE, *negative):
            _exercise(operation, mode, live_url, tally)
            modes += 1
    total = sum(tally.cases.values())
    with capsys.disabled():
        print(
            f"\nschemathesis: {total} cases over {len(operations)} operations "
            f"(positive and negative), statuses {dict(sorted(tally.statuses.items()))}"
        )
    # Every operation was exercised in both modes (those without parameters:
    # positive only), and both answers occurred.
    bare = sum(1 for operation in operations if not list(operation.iter_parameters()))
    assert len(tally.cases) == modes == 2 * len(operations) - bare, tally.cases
    assert tally.statuses[200] > 0 and tally.statuses[400] > 0, tally.statuses


def test_refusals_outside_the_document_carry_the_coded_body_too(live_url: str) -> None:
    """An unknown path and a method the API does not take: coded like the rest."""
    for method, path, status, code in (
        ("GET", "/api/v1/no-such-list", 404, "NOT_FOUND"),
        ("POST", "/api/v1/blocks", 405, "METHOD_NOT_ALLOWED"),
        ("DELETE", "/api/v1/projects", 405, "METHOD_NOT_ALLOWED"),
    ):
        answer = requests.request(method, f"{live_url}{path}", timeout=CALL_TIMEOUT)
        assert answer.status_code == status, (method, path, answer.text)
        body = answer.json()
        assert set(body) == {"code", "message", "details"} and body["code"] == code, body
