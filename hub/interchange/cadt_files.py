"""CAD Trust export files: JSON per table, or workbooks in CAD Trust's own
bulk-upload layout, and reading either back.

CAD Trust v2 uploads a workbook per model (src/utils/v2-xls.js,
``parseV2Xlsx``): the model's main sheet (``projects``, ``units``) and one
sheet per child association (``locations``, ``projectMethodologies``,
``verifications``; ``unitLabels``), a header row of API field names, one
record a row, arrays as JSON text, children tied to their parent by its
``cadTrust...Id`` column. Methodologies, labels and issuances have no
workbook upload in CAD Trust (its API takes them: /v2/methodology,
/v2/label, /v2/issuance): they go to ``api-records.xlsx`` in the same
layout, to be posted before the units that refer to them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from hub.interchange.cadt_mapping import SCHEMA_VERSION, TABLES, CadtExport, Record

JSON_NAME = "cadt-v2.json"
# workbook file -> (sheet, table) in order; the first sheet is the main model.
WORKBOOKS: dict[str, tuple[tuple[str, str], ...]] = {
    "projects.xlsx": (
        ("projects", "project"),
        ("locations", "location"),
        ("projectMethodologies", "project_methodology"),
        ("verifications", "verification"),
    ),
    "units.xlsx": (("units", "unit"), ("unitLabels", "unit_label")),
    "api-records.xlsx": (
        ("methodologies", "methodology"),
        ("labels", "label"),
        ("issuances", "issuance"),
    ),
}
FORMATS = ("json", "xlsx")


def _columns(records: Sequence[Record]) -> list[str]:
    columns: list[str] = []
    for record in records:
        columns.extend(k for k in record if k not in columns)
    return columns


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return value


def export_json(export: CadtExport, since: datetime | None, generated_at: datetime) -> bytes:
    document = {
        "schema": f"CAD Trust data model v{SCHEMA_VERSION}",
        "generated_at": generated_at.isoformat(),
        "since": since.isoformat() if since else None,
        "tables": {table: export.records(table) for table in TABLES},
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def workbook_bytes(export: CadtExport, name: str) -> bytes:
    from io import BytesIO

    # Write-only: rows stream to the file (a ledger's units can be many).
    book = Workbook(write_only=True)
    for sheet_name, table in WORKBOOKS[name]:
        records = export.records(table)
        sheet = book.create_sheet(sheet_name)
        columns = _columns(records)
        sheet.append(columns)
        for record in records:
            sheet.append([_cell(record.get(c)) for c in columns])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def export_files(
    export: CadtExport, fmt: str, since: datetime | None, generated_at: datetime
) -> Iterator[tuple[str, bytes]]:
    """(file name, bytes) of each file of one export format."""
    if fmt == "json":
        yield JSON_NAME, export_json(export, since, generated_at)
        return
    for name in WORKBOOKS:
        yield name, workbook_bytes(export, name)


def write_export(
    export: CadtExport, fmt: str, out_dir: Path, since: datetime | None, generated_at: datetime
) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, data in export_files(export, fmt, since, generated_at):
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
    return written


def _value(raw: Any) -> Any:
    if isinstance(raw, str) and raw.startswith("["):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw


def read_export(folder: Path) -> CadtExport:
    """Read an export folder back (JSON if present, else the workbooks)."""
    json_file = folder / JSON_NAME
    if json_file.exists():
        document = json.loads(json_file.read_text(encoding="utf-8"))
        return CadtExport({t: list(document["tables"].get(t, [])) for t in TABLES})
    tables: dict[str, list[Record]] = {t: [] for t in TABLES}
    for name, sheets in WORKBOOKS.items():
        book = load_workbook(folder / name, read_only=True)
        for sheet_name, table in sheets:
            rows = book[sheet_name].iter_rows(values_only=True)
            header = next(rows, None)
            if not header:
                continue
            for row in rows:
                tables[table].append(
                    {str(c): _value(v) for c, v in zip(header, row, strict=False) if c}
                )
        book.close()
    return CadtExport(tables)
