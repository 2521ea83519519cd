"""The public JSON API and its CSV exports, through the ASGI app."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from hub.http_api import disclosure_api
from hub.services.disclosure import LoadedRegister
from tests.fakes_disclosure import block

from .conftest import Fakes


def _blocks(fakes: Fakes, count: int) -> None:
    fakes.disclosure.blocks_.extend(
        block(f"B{i}", f"2024-{1 + i % 12:02d}-0{1 + i % 9}", 10 + i, first=1000 * i + 1)
        for i in range(count)
    )


def test_every_block_is_listed_exactly_once_when_walking_the_pages(
    client: TestClient, fakes: Fakes
) -> None:
    _blocks(fakes, 23)
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        answer = client.get("/api/v1/blocks", params={"limit": 5, "cursor": cursor})
        assert answer.status_code == 200
        body = answer.json()
        seen += [item["block_id"] for item in body["items"]]
        pages += 1
        if body["next_cursor"] is None:
            break
        cursor = body["next_cursor"]
    assert sorted(seen) == sorted(f"B{i}" for i in range(23))
    assert len(seen) == 23 and pages == 5


def test_filters_narrow_the_list(client: TestClient, fakes: Fakes) -> None:
    fakes.disclosure.blocks_ += [
        block("B1", "2024-03-01", 5, partner="CN-GD"),
        block("B2", "2024-04-01", 7, partner="CN-HK", vintage=2023),
        block("B3", "2024-05-01", 9, partner="CN-GD", state="CANCELLED"),
    ]

    def ids(**query: object) -> list[str]:
        items = client.get("/api/v1/blocks", params=query).json()["items"]
        return [item["block_id"] for item in items]

    assert ids(partner="CN-GD") == ["B1", "B3"]
    assert ids(vintage=2023) == ["B2"]
    assert ids(state="CANCELLED") == ["B3"]
    assert ids(since="2024-04-01", until="2024-04-30") == ["B2"]


def test_a_bad_cursor_limit_or_range_is_a_coded_400(client: TestClient, fakes: Fakes) -> None:
    _blocks(fakes, 3)
    bad_cursor = client.get("/api/v1/blocks", params={"cursor": "not-a-cursor"})
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["code"] == "CURSOR_INVALID"
    projects_cursor = client.get("/api/v1/projects", params={"limit": 1}).json()["next_cursor"]
    assert projects_cursor is None  # no projects: no next page
    first = client.get("/api/v1/blocks", params={"limit": 1}).json()["next_cursor"]
    other_list = client.get("/api/v1/retirements", params={"cursor": first})
    assert other_list.status_code == 400 and other_list.json()["code"] == "CURSOR_INVALID"
    too_many = client.get("/api/v1/blocks", params={"limit": 501})
    assert too_many.status_code == 400
    assert too_many.json()["code"] == "REQUEST_INVALID"
    assert "query.limit" in too_many.json()["details"]
    backwards = client.get("/api/v1/blocks", params={"since": "2024-02-01", "until": "2024-01-01"})
    assert backwards.status_code == 400 and backwards.json()["code"] == "DATE_RANGE_INVALID"
    bad_state = client.get("/api/v1/blocks", params={"state": "MINTED"})
    assert bad_state.status_code == 400 and bad_state.json()["code"] == "REQUEST_INVALID"


def test_totals_group_by_each_dimension(client: TestClient, fakes: Fakes) -> None:
    fakes.disclosure.blocks_ += [
        block("B1", "2024-03-01", 5, partner="CN-GD"),
        block("B2", "2024-03-09", 7, partner="CN-HK", vintage=2023),
        block("B3", "2024-05-01", 9, partner="CN-GD", state="CANCELLED"),
    ]
    by_partner = client.get("/api/v1/totals", params={"by": "partner"}).json()["items"]
    assert [(t["key"], t["issued_units"], t["cancelled_units"]) for t in by_partner] == [
        ("CN-GD", 14, 9),
        ("CN-HK", 7, 0),
    ]
    by_month = client.get("/api/v1/totals", params={"by": "month"}).json()["items"]
    assert [(t["key"], t["issued_units"]) for t in by_month] == [("2024-03", 12), ("2024-05", 9)]
    summary = client.get("/api/v1/summary").json()
    assert summary == {
        "key": "",
        "issued_units": 21,
        "retired_units": 0,
        "cancelled_units": 9,
        "outstanding_units": 12,
    }
    assert client.get("/api/v1/totals", params={"by": "colour"}).status_code == 400


def _csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_csv_export_holds_every_row_the_json_pages_hold(
    client: TestClient, fakes: Fakes
) -> None:
    _blocks(fakes, 12)
    exported = client.get("/api/v1/blocks.csv", params={"partner": "CN-GD"})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = _csv(exported.text)
    items = client.get("/api/v1/blocks", params={"limit": 500}).json()["items"]
    assert rows == [{k: str(v) for k, v in item.items()} for item in items]
    totals = _csv(client.get("/api/v1/totals.csv", params={"by": "vintage"}).text)
    assert totals == [
        {k: str(v) for k, v in t.items()}
        for t in client.get("/api/v1/totals", params={"by": "vintage"}).json()["items"]
    ]


def test_the_api_is_read_only_by_construction(client: TestClient) -> None:
    api_routes = [r for r in disclosure_api.router.routes if isinstance(r, APIRoute)]
    assert len(api_routes) == 15
    assert all((r.methods or set()) <= {"GET", "HEAD"} for r in api_routes)
    refused = client.post("/api/v1/blocks", json={})
    assert refused.status_code == 405
    assert refused.json()["code"] == "METHOD_NOT_ALLOWED"
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"


def test_the_openapi_document_types_responses_and_documents_coded_errors(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    assert set(paths) == {
        "/api/v1/projects",
        "/api/v1/projects.csv",
        "/api/v1/blocks",
        "/api/v1/blocks.csv",
        "/api/v1/blocks/{serial}",
        "/api/v1/retirements",
        "/api/v1/retirements.csv",
        "/api/v1/totals",
        "/api/v1/totals.csv",
        "/api/v1/summary",
        "/api/v1/pools",
        "/api/v1/pools.csv",
        "/api/v1/registers",
        "/api/v1/audit/checkpoints",
        "/api/v1/audit/checkpoints/latest",
        "/api/v1/certificates",
        "/api/v1/certificates/{certificate_id}",
        "/api/v1/certificates/{certificate_id}/document",
        "/api/v1/certificates/{certificate_id}/pdf",
    }
    for path in paths.values():
        assert set(path) == {"get"}
        responses = path["get"]["responses"]
        assert "422" not in responses
        assert responses["400"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert schemas["BlockPage"]["required"] == ["items", "next_cursor"]
    assert set(schemas["CheckpointOut"]["required"]) == {
        "seq",
        "head_hash",
        "at",
        "key_id",
        "payload_type",
        "statement",
        "signature",
    }
    latest = paths["/api/v1/audit/checkpoints/latest"]["get"]["responses"]
    assert latest["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    assert client.get("/docs").status_code == 404  # its scripts would come from a CDN


def test_pools_sum_a_platforms_pools_per_methodology(client: TestClient, fakes: Fakes) -> None:
    from decimal import Decimal

    from hub.domain.issuance import AccountKey
    from hub.services.issuance_port import PoolBalance

    def pool(methodology: str, vintage: int, ref: str | None, *figures: str) -> PoolBalance:
        key = AccountKey("CN-HK", methodology, vintage, "pool:MTR", ref)
        claims, credited, units, carried = figures
        return PoolBalance(key, int(claims), Decimal(credited), int(units), Decimal(carried))

    fakes.disclosure.pools_ += [
        pool("SZ-TRANSIT-METRO", 2024, "HKAA-1", "80", "2.225592", "2", "0.225592"),
        pool("SZ-TRANSIT-METRO", 2025, "HKAA-2", "3", "0.5", "0", "0.5"),
        # Took over 1.2 t of person remainders: issued 1, carries 0.3.
        pool("SZ-TRANSIT-BUS", 2024, "HKAA-1", "1", "0.1", "1", "0.3"),
    ]
    items = client.get("/api/v1/pools").json()["items"]
    assert [(i["methodology"], i["pools"], i["claims"]) for i in items] == [
        ("SZ-TRANSIT-BUS", 1, 1),
        ("SZ-TRANSIT-METRO", 2, 83),
    ]
    bus, metro = items
    assert Decimal(bus["taken_over_tco2e"]) == Decimal("1.2")
    assert (metro["credited_tco2e"], metro["issued_units"], metro["carried_tco2e"]) == (
        "2.725592",
        2,
        "0.725592",
    )
    only_2025 = client.get("/api/v1/pools", params={"vintage": "2025"}).json()["items"]
    assert [(i["pools"], i["claims"]) for i in only_2025] == [(1, 3)]


def test_the_registers_checked_are_disclosed_without_who_loaded_them(
    client: TestClient, fakes: Fakes
) -> None:
    at = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    fakes.disclosure.registers_ += [
        LoadedRegister("gec", 2, at + timedelta(days=1), "b" * 64, 1200),
        LoadedRegister("gec", 1, at, "a" * 64, 1100),
        LoadedRegister("ccer", 1, at, "c" * 64, 42),
    ]
    answer = client.get("/api/v1/registers")
    assert answer.status_code == 200
    body = answer.json()
    assert [(i["kind"], i["version"], i["current"]) for i in body["items"]] == [
        ("ccer", 1, True),
        ("gec", 1, False),
        ("gec", 2, True),
    ]
    assert body["items"][2] == {
        "kind": "gec",
        "name": "GEC 绿证",
        "version": 2,
        "loaded_at": "2026-12-01T02:00:00Z",
        "sha256": "b" * 64,
        "entries": 1200,
        "current": True,
    }
    assert body["not_loaded"] == ["hk-rec", "shenzhen"]

    page = client.get("/", params={"lang": "en"}).text
    assert '<tr data-id="gec">' in page and "b" * 64 in page and "a" * 64 not in page
    assert '<tr data-id="hk-rec" class="empty">' in page and "no list loaded" in page
