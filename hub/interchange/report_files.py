"""The annual report as a file: JSON, a workbook with one sheet per AEF-style
table, or a standalone HTML page (no script, no outside resource).

Every format is drawn from the same report dict, so their figures agree; the
hub signs the dict together with the file's digest (hub.services.exports).
"""

from __future__ import annotations

import json
from io import BytesIO
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from openpyxl import Workbook

# Report section -> (sheet / table title, columns) of its rows.
TABLES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "first_transfers",
        "First transfers into Shenzhen",
        (
            "date",
            "origin_serials",
            "shenzhen_serial",
            "first_unit",
            "last_unit",
            "quantity",
            "vintage",
            "methodology",
            "origin_cancellation_ids",
            "adjustment_reference",
        ),
    ),
    (
        "uses",
        "Uses (retirements)",
        (
            "date",
            "retirement_id",
            "shenzhen_serial",
            "quantity",
            "vintage",
            "purpose",
            "beneficiary",
            "detail",
        ),
    ),
    ("cancellations", "Cancellations", ("date", "shenzhen_serial", "quantity", "vintage")),
)


def report_json(report: dict[str, Any]) -> bytes:
    return json.dumps(report, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")


def _text(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _authorisation_rows(report: dict[str, Any]) -> list[list[Any]]:
    auth = report["authorization"]
    rows: list[list[Any]] = [
        [key, _text(auth[key])]
        for key in (
            "authorization_id",
            "form",
            "partner",
            "name_zh",
            "name_en",
            "region",
            "inventory_exclusion_required",
            "project_review",
            "first_valid_from",
            "source",
            "provisional",
        )
    ]
    rows.append([])
    rows.append(["partner_methodology", "shenzhen_methodology", "valid_from", "valid_to"])
    for m in auth["methodologies"]:
        rows.append(
            [m["partner_methodology"], m["shenzhen_methodology"], m["valid_from"], m["valid_to"]]
        )
    return rows


def _holding_rows(report: dict[str, Any]) -> list[list[Any]]:
    holdings = report["holdings_at_year_end"]
    states = list(holdings["by_state"])
    rows: list[list[Any]] = [["vintage", *states]]
    for vintage, counts in holdings["by_vintage"].items():
        rows.append([vintage, *(counts[s] for s in states)])
    rows.append(["all", *(holdings["by_state"][s] for s in states)])
    return rows


def _exclusion_rows(report: dict[str, Any]) -> list[list[Any]]:
    columns = ("reference", "status_at_year_end", "last_attested", "attestations_in_year", "units")
    rows: list[list[Any]] = [list(columns)]
    for row in report["inventory_exclusions"]["references"]:
        rows.append([row[c] for c in columns])
    return rows


def _reconciliation_rows(report: dict[str, Any]) -> list[list[Any]]:
    section = report["reconciliations"]
    if "withheld" in section:
        return [["withheld", section["withheld"]]]
    columns = (
        "reconciliation_id",
        "status",
        "requested",
        "answered",
        "discrepancies",
        "unresolved",
    )
    rows: list[list[Any]] = [list(columns)]
    for run in section["runs"]:
        rows.append([run[c] for c in columns])
    return rows


def report_xlsx(report: dict[str, Any]) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Summary"
    summary.append(["partner", report["partner"]])
    summary.append(["year", report["year"]])
    summary.append(["period", report["period"]["start"], report["period"]["end"]])
    summary.append(["unit", report["unit"]])
    summary.append(["generated_at", report["generated_at"]])
    summary.append([])
    for key, value in report["totals"].items():
        summary.append([key, value])
    summary.append([])
    for purpose, units in report["uses_by_purpose"].items():
        summary.append([f"used for {purpose}", units])
    sheet = book.create_sheet("Authorization")
    for row in _authorisation_rows(report):
        sheet.append(row)
    for section, title, columns in TABLES:
        sheet = book.create_sheet(title[:31])
        sheet.append(list(columns))
        for row in report[section]:
            sheet.append([_text(row[c]) for c in columns])
    for title, rows in (
        ("Holdings at year end", _holding_rows(report)),
        ("Inventory exclusions", _exclusion_rows(report)),
        ("Reconciliations", _reconciliation_rows(report)),
    ):
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append([_text(v) for v in row])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


_ENV = Environment(
    loader=PackageLoader("hub.interchange", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def report_html(report: dict[str, Any]) -> bytes:
    template = _ENV.get_template("annual_report.html")
    tables = [
        (title, list(columns), [[_text(row[c]) for c in columns] for row in report[section]])
        for section, title, columns in TABLES
    ]
    grids = [
        ("Holdings at year end", _holding_rows(report)),
        ("Inventory exclusions (corresponding adjustments)", _exclusion_rows(report)),
        ("Reconciliations with the partner's registry", _reconciliation_rows(report)),
    ]
    page = template.render(
        report=report,
        authorisation=_authorisation_rows(report),
        tables=tables,
        grids=[(title, rows[0], rows[1:]) for title, rows in grids],
    )
    return page.encode("utf-8")


def render_report(report: dict[str, Any], fmt: str) -> bytes:
    if fmt == "json":
        return report_json(report)
    if fmt == "xlsx":
        return report_xlsx(report)
    return report_html(report)


MEDIA_TYPES = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
