"""The CAD Trust export and the annual report on a real database (SQLite and
PostgreSQL): the report's totals tie to the ledger's own rows and to the
public disclosure, its receipt verifies under the hub key and covers the
very file, and an export read back reproduces every live block."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from carbonhub_contract.receipts import receipt_from_json, verify_receipt
from carbonhub_contract.signing import HUB_SIGNING_PUBLIC_KEY, PublicKey
from hub.interchange.cadt_files import read_export, write_export
from hub.interchange.cadt_read_back import UnitBlock, origin_serials_of, unit_blocks
from hub.services.disclosure import DisclosureFilter
from hub.services.exports import SIGNED_REPORT_TYPE
from tests.unit.services.builders import PARTNER

from .conftest import LiveLedger, populate
from .test_console import _log_in

YEAR = 2026  # the live ledger's clock runs through 2026


def _sql(ledger: LiveLedger, statement: str) -> list[Any]:
    with ledger.hub.engine.connect() as connection:
        return list(connection.execute(text(statement)).all())


def _hub_key(ledger: LiveLedger) -> PublicKey:
    pki = ledger.hub.settings.resolved_pki_dir()
    return PublicKey.from_file(pki / HUB_SIGNING_PUBLIC_KEY)


def _live_blocks(ledger: LiveLedger) -> list[UnitBlock]:
    rows = _sql(
        ledger,
        "SELECT serial, first_unit, last_unit, state FROM blocks WHERE state <> 'SPLIT'",
    )
    return sorted(
        UnitBlock(r[0], int(r[1]), int(r[2]), int(r[2]) - int(r[1]) + 1, r[3]) for r in rows
    )


def test_report_totals_tie_to_the_ledger_and_to_the_disclosure(live: LiveLedger) -> None:
    populate(live)
    report = live.hub.exports().annual_report(PARTNER, YEAR, public=False)
    totals = report["totals"]
    disclosed = live.hub.http_services().disclosure.overall(
        DisclosureFilter(
            partner=PARTNER,
            since=date(YEAR, 1, 1),
            until=date(YEAR, 12, 31),
        )
    )
    assert totals["first_transferred"] == disclosed.issued_units > 0
    assert totals["used"] == disclosed.retired_units > 0
    assert totals["cancelled"] == disclosed.cancelled_units > 0
    by_state = {
        state: int(units)
        for state, units in _sql(
            live,
            "SELECT state, SUM(last_unit - first_unit + 1) FROM blocks "
            "WHERE state <> 'SPLIT' GROUP BY state",
        )
    }
    ((issued,),) = _sql(live, "SELECT SUM(units) FROM issuances")
    holdings = report["holdings_at_year_end"]["by_state"]
    assert {s: n for s, n in holdings.items() if n} == by_state
    assert totals["issued_to_year_end"] == int(issued) == sum(holdings.values())
    assert totals["held_at_year_end"] == by_state.get("ISSUED", 0) + by_state["DELIVERED"]
    assert sum(report["uses_by_purpose"].values()) == totals["used"]
    assert [u["retirement_id"] for u in report["uses"]] == ["EX-1", "EX-2"]
    # Every unit issued in the year is a first transfer, listed with its serial block.
    assert sum(t["quantity"] for t in report["first_transfers"]) == totals["first_transferred"]
    assert report["reconciliations"] == {"runs": [], "by_status": {}}
    # The next year opens with the same holdings and no flows.
    before = live.hub.exports().annual_report(PARTNER, YEAR - 1, public=True)
    assert before["totals"]["first_transferred"] == before["totals"]["issued_to_year_end"] == 0


@pytest.mark.parametrize("fmt", ["json", "xlsx", "html"])
def test_public_report_is_signed_over_the_file_it_answers(live: LiveLedger, fmt: str) -> None:
    populate(live)
    answer = live.client.get(
        "/api/v1/reports/annual", params={"partner": PARTNER.lower(), "year": YEAR, "format": fmt}
    )
    assert answer.status_code == 200, answer.text
    receipt = receipt_from_json(base64.b64decode(answer.headers["X-Carbonhub-Receipt"]).decode())
    check = verify_receipt(receipt, _hub_key(live))
    assert check.valid, check.reason
    statement = check.statement
    assert statement["type"] == SIGNED_REPORT_TYPE
    assert statement["file_sha256"] == hashlib.sha256(answer.content).hexdigest()
    assert statement["report"]["partner"] == PARTNER
    # The public copy withholds the reconciliations; the totals are the bureau's.
    assert "withheld" in statement["report"]["reconciliations"]
    bureau = live.hub.exports().annual_report(PARTNER, YEAR, public=False)
    assert statement["report"]["totals"] == bureau["totals"]
    if fmt == "json":
        assert json.loads(answer.content)["totals"] == bureau["totals"]
    if fmt == "html":
        assert "First transfers into Shenzhen" in answer.text


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_cadt_export_read_back_reproduces_every_block(
    live: LiveLedger, tmp_path: Path, fmt: str
) -> None:
    populate(live)
    export = live.hub.exports().cadt(None, "https://hub.example.org")
    write_export(export, fmt, tmp_path / fmt, None, live.clock())
    again = read_export(tmp_path / fmt)
    assert unit_blocks(again.records("unit")) == _live_blocks(live)
    assert origin_serials_of(again) == origin_serials_of(export)
    # Every unit names an issuance that names a project methodology, a
    # verification and a location of the export (CAD Trust's required links).
    issuances = {i["cadTrustIssuanceId"]: i for i in again.records("issuance")}
    links = {
        t: {r[f"cadTrust{k}Id"] for r in again.records(t)}
        for t, k in (
            ("project_methodology", "ProjectMethodology"),
            ("verification", "Verification"),
            ("location", "Location"),
        )
    }
    for unit in again.records("unit"):
        issuance = issuances[unit["cadTrustIssuanceId"]]
        assert issuance["cadTrustProjectMethodologyId"] in links["project_methodology"]
        assert issuance["cadTrustVerificationId"] in links["verification"]
        assert issuance["cadTrustLocationId"] in links["location"]


def test_api_export_as_workbooks_and_since(live: LiveLedger, tmp_path: Path) -> None:
    populate(live)
    answer = live.client.get("/api/v1/exports/cadt", params={"format": "xlsx"})
    assert answer.status_code == 200, answer.text
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        assert sorted(archive.namelist()) == ["api-records.xlsx", "projects.xlsx", "units.xlsx"]
        archive.extractall(tmp_path)
    assert unit_blocks(read_export(tmp_path).records("unit")) == _live_blocks(live)
    later = live.client.get(
        "/api/v1/exports/cadt", params={"since": "2099-01-01T00:00:00+08:00"}
    ).json()
    assert later["tables"]["unit"] == [] and later["since"].startswith("2099")


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/api/v1/reports/annual", {"partner": "XX-NOPE", "year": YEAR}, "PARTNER_UNKNOWN"),
        ("/api/v1/reports/annual", {"partner": PARTNER, "year": 2999}, "REPORT_YEAR_INVALID"),
        ("/api/v1/reports/annual", {"partner": PARTNER, "year": 1999}, "REQUEST_INVALID"),
        (
            "/api/v1/reports/annual",
            {"partner": PARTNER, "year": YEAR, "format": "pdf"},
            "REQUEST_INVALID",
        ),
        ("/api/v1/exports/cadt", {"format": "csv"}, "REQUEST_INVALID"),
        ("/api/v1/exports/cadt", {"since": "2026-01-01T00:00:00"}, "REQUEST_INVALID"),
    ],
)
def test_refusals_are_coded(live: LiveLedger, path: str, params: dict[str, Any], code: str) -> None:
    answer = live.client.get(path, params=params)
    assert answer.status_code == 400
    assert answer.json()["code"] == code


def test_bureau_console_serves_its_copy_with_the_reconciliations(live: LiveLedger) -> None:
    populate(live)
    assert live.client.get("/console/exports").status_code == 303  # to the login
    assert _log_in(live.client) == 303
    page = live.client.get("/console/exports")
    assert page.status_code == 200
    assert f'href="/console/exports/annual?partner={PARTNER}&amp;year=' in page.text
    live.hub.reconciliations.request(PARTNER, "bureau:test")
    copy = live.client.get(
        "/console/exports/annual", params={"partner": PARTNER, "year": YEAR, "format": "json"}
    )
    assert copy.status_code == 200
    runs = copy.json()["reconciliations"]["runs"]
    assert [r["status"] for r in runs] == ["REQUESTED"]
    workbooks = live.client.get("/console/exports/cadt")
    assert workbooks.headers["content-type"] == "application/zip"
