"""Disclosure on a real database: totals equal the ledger's own sums, pages
walk every row once, CSV equals JSON, and nothing is writable through it."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import text

from hub.services.disclosure import DisclosureFilter, TotalsDimension
from hub.storage.disclosure_queries import create_read_only_engine

from .conftest import LiveLedger, populate


def _walk(ledger: LiveLedger, path: str, limit: int, **query: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = ""
    while True:
        answer = ledger.client.get(path, params={**query, "limit": limit, "cursor": cursor})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items += body["items"]
        if body["next_cursor"] is None:
            return items
        cursor = body["next_cursor"]


def _sql(ledger: LiveLedger, statement: str) -> list[Any]:
    with ledger.hub.engine.connect() as connection:
        return list(connection.execute(text(statement)).all())


def test_totals_equal_direct_sums_over_the_ledger(live: LiveLedger) -> None:
    populate(live)
    (issued,) = _sql(live, "SELECT SUM(units) FROM issuances")[0]
    by_state = dict(
        _sql(live, "SELECT state, SUM(last_unit - first_unit + 1) FROM blocks GROUP BY state")
    )
    summary = live.client.get("/api/v1/summary").json()
    assert summary["issued_units"] == int(issued) > 0
    assert summary["retired_units"] == int(by_state["RETIRED"]) > 0
    assert summary["cancelled_units"] == int(by_state["CANCELLED"]) > 0
    live_units = sum(int(by_state.get(s, 0)) for s in ("ISSUED", "DELIVERED"))
    assert summary["outstanding_units"] == live_units
    by_partner = dict(_sql(live, "SELECT partner, SUM(units) FROM issuances GROUP BY partner"))
    partner_totals = live.client.get("/api/v1/totals", params={"by": "partner"}).json()["items"]
    assert {t["key"]: t["issued_units"] for t in partner_totals} == {
        k: int(v) for k, v in by_partner.items() if int(v) > 0
    }
    months = _walk(live, "/api/v1/totals", 1, by="month")
    assert len(months) >= 3
    assert sum(m["issued_units"] for m in months) == summary["issued_units"]
    assert sum(m["retired_units"] for m in months) == summary["retired_units"]
    for dimension in ("methodology", "vintage"):
        grouped = _walk(live, "/api/v1/totals", 2, by=dimension)
        assert sum(g["issued_units"] for g in grouped) == summary["issued_units"]


def test_walking_the_pages_yields_every_row_exactly_once(live: LiveLedger) -> None:
    populate(live)
    live_blocks = {
        row[0] for row in _sql(live, "SELECT block_id FROM blocks WHERE state <> 'SPLIT'")
    }
    walked = [b["block_id"] for b in _walk(live, "/api/v1/blocks", 2)]
    assert len(walked) == len(set(walked)) == len(live_blocks)
    assert set(walked) == live_blocks
    retirements = {row[0] for row in _sql(live, "SELECT retirement_id FROM retirements")}
    assert {r["retirement_id"] for r in _walk(live, "/api/v1/retirements", 1)} == retirements
    assert [p["project_id"] for p in _walk(live, "/api/v1/projects", 1)] == ["4401-PV-2023-0007"]


def test_the_csv_export_equals_the_json_pages(live: LiveLedger) -> None:
    populate(live)
    for path in ("/api/v1/blocks", "/api/v1/retirements", "/api/v1/projects"):
        exported = live.client.get(f"{path}.csv")
        assert exported.status_code == 200
        rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
        items = _walk(live, path, 3)
        assert rows == [{k: str(v) for k, v in item.items()} for item in items]


def test_filters_select_by_state_and_date(live: LiveLedger) -> None:
    populate(live)
    cancelled = _walk(live, "/api/v1/blocks", 10, state="CANCELLED")
    assert len(cancelled) == 1
    none_yet = live.client.get("/api/v1/blocks", params={"until": "2025-12-31"}).json()
    assert none_yet["items"] == []
    service_total = live.hub.http_services().disclosure.overall(
        DisclosureFilter(partner="CN-GD", vintage=2024)
    )
    assert service_total.issued_units == live.client.get("/api/v1/summary").json()["issued_units"]
    months = live.hub.http_services().disclosure.totals(TotalsDimension.MONTH, DisclosureFilter())
    assert [m.key for m in months.items] == sorted(m.key for m in months.items)


def test_the_disclosure_engine_refuses_writes(live: LiveLedger) -> None:
    engine = create_read_only_engine(live.hub.settings.resolved_database_url(), live.hub.engine)
    try:
        with (
            engine.connect() as connection,
            pytest.raises(Exception, match=r"(?i)read.only|readonly"),
        ):
            connection.execute(text("DELETE FROM blocks"))
    finally:
        engine.dispose()
