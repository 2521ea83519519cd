"""Query parameters of the JSON API are read only in their plain spelling.

Found by schemathesis (tests/e2e/test_openapi_schemathesis.py): pydantic's
lax parsing read ``until=0`` as 1970-01-01 and ``limit=1_0`` as 10, and a
repeated parameter was narrowed to its last value; each answered 200 with
something the caller did not ask for. They are coded refusals now.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.fakes_disclosure import block

from .conftest import Fakes


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("until=0", "query.until"),
        ("since=0.0", "query.since"),
        ("since=8.9e-153", "query.since"),
        ("until=2024-01-01T00:00:00", "query.until"),
        ("limit=1_0", "query.limit"),
        ("limit=%2B5", "query.limit"),
        ("limit=1.0", "query.limit"),
        ("vintage=%202024", "query.vintage"),
    ],
)
def test_a_number_or_date_in_another_spelling_is_refused(
    client: TestClient, query: str, field: str
) -> None:
    answer = client.get(f"/api/v1/blocks?{query}")
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["code"] == "REQUEST_INVALID"
    assert field in body["details"]


def test_plain_spellings_still_filter(client: TestClient, fakes: Fakes) -> None:
    fakes.disclosure.blocks_.extend(
        [block("B1", "2024-03-05", 10, first=1), block("B2", "2024-07-09", 20, first=100)]
    )
    answer = client.get("/api/v1/blocks?since=2024-06-01&until=2024-12-31&limit=10")
    assert answer.status_code == 200, answer.text
    assert [item["block_id"] for item in answer.json()["items"]] == ["B2"]


@pytest.mark.parametrize(
    "path", ["/api/v1/blocks", "/api/v1/blocks.csv", "/api/v1/totals", "/api/v1/summary"]
)
def test_a_repeated_parameter_is_refused_not_narrowed_to_its_last_value(
    client: TestClient, path: str
) -> None:
    answer = client.get(f"{path}?partner=CN-HK&partner=CN-GD")
    assert answer.status_code == 400, answer.text
    assert answer.json() == {
        "code": "QUERY_PARAMETER_REPEATED",
        "message": "each parameter is given once: partner repeated",
        "details": {"parameters": "partner"},
    }
