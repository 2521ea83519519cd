"""The CAD Trust export and the annual reports over HTTP.

Public (/api/v1/...): what the disclosure publishes anyway, in CAD Trust's
model and as the partner's annual report without the reconciliations. The
bureau's console (/console/exports, logged in) adds the reconciliations to
the report. Every report answer carries the hub's receipt in the
``X-Carbonhub-Receipt`` header: base64 of the JSON line that
``carbon-hub report verify --receipt`` reads.
"""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response

from hub.domain.reconciliation import EXCHANGE
from hub.errors import InvalidRequest
from hub.http_api.console import Viewer, _page
from hub.http_api.disclosure_api import _WHOLE, ERRORS, _one_value_each, _written
from hub.interchange.annual_report import FIRST_YEAR
from hub.interchange.cadt_files import export_files
from hub.interchange.report_files import MEDIA_TYPES, render_report
from hub.services.exports import (
    CADT_FORMATS,
    REPORT_FORMATS,
    ExportService,
    checked_format,
    receipt_line,
)

RECEIPT_HEADER = "X-Carbonhub-Receipt"
# Like the disclosure's: a repeated parameter is refused, not narrowed to its last value.
router = APIRouter(dependencies=[Depends(_one_value_each)])
_FILE = {"schema": {"type": "string", "format": "binary"}}
CADT_OK: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/json": {"schema": {"type": "object"}}, "application/zip": _FILE},
        "description": "CAD Trust v2 records: one JSON document, or a zip of the upload workbooks",
    },
    **ERRORS,
}
REPORT_OK: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "application/json": {"schema": {"type": "object"}},
            MEDIA_TYPES["xlsx"]: _FILE,
            "text/html": {"schema": {"type": "string"}},
        },
        "description": "the report; its receipt in the X-Carbonhub-Receipt header",
        "headers": {RECEIPT_HEADER: {"schema": {"type": "string"}}},
    },
    **ERRORS,
}


def exports(request: Request) -> ExportService:
    found: ExportService = request.app.state.exports
    return found


Exports = Annotated[ExportService, Depends(exports)]
# Closed lists in the document: another format is REQUEST_INVALID here (the
# command line answers EXPORT_FORMAT_UNKNOWN).
Format = Annotated[Literal["json", "xlsx"], Query(description="json, or xlsx: a zip of workbooks")]
ReportFormat = Annotated[Literal["json", "xlsx", "html"], Query(description="the report's format")]
Partner = Annotated[
    str,
    Query(max_length=64, pattern=r"\S", description="the partner, e.g. CN-HK, in any case"),
]
Year = Annotated[
    int,
    Query(ge=FIRST_YEAR, le=9999, description="the calendar year (UTC), up to the current one"),
    _WHOLE,
]
_INSTANT = _written(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})",
    "an RFC 3339 time with its zone",
)
Since = Annotated[
    datetime | None,
    Query(description="only records changed at or after this RFC 3339 time (with its zone)"),
    _INSTANT,
]


def install(app: FastAPI, service: ExportService) -> None:
    """Serve the exports of ``service`` from ``app``."""
    app.state.exports = service
    app.include_router(router)


def _cadt_answer(
    service: ExportService, request: Request, fmt: str, since: datetime | None
) -> Response:
    wanted = checked_format(fmt, CADT_FORMATS)
    if since is not None and since.tzinfo is None:
        raise InvalidRequest(
            "REQUEST_INVALID", "the request was refused", {"since": "give the time zone"}
        )
    export = service.cadt(since, str(request.base_url))
    files = list(export_files(export, wanted, since, service.now()))
    stamp = service.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    if wanted == "json":
        ((_, data),) = files
        return Response(data, media_type="application/json")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="cadt-v2-{stamp}.zip"'},
    )


def _report_answer(
    service: ExportService, partner: str, year: int, fmt: str, *, public: bool
) -> Response:
    wanted = checked_format(fmt, REPORT_FORMATS)
    report = service.annual_report(partner, year, public=public)
    signed = service.sign(report, wanted, render_report(report, wanted))
    receipt = base64.b64encode(receipt_line(signed).encode("utf-8")).decode("ascii")
    name = f"annual-report-{report['partner']}-{year}{'' if public else '-bureau'}.{wanted}"
    headers = {RECEIPT_HEADER: receipt}
    if wanted != "html":
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(signed.data, media_type=MEDIA_TYPES[wanted], headers=headers)


@router.get("/api/v1/exports/cadt", responses=CADT_OK, tags=["exports"])
def cadt_export(
    request: Request, service: Exports, since: Since = None, format: Format = "json"
) -> Response:
    """Projects, issuances, units, locations and labels as CAD Trust v2 records
    (docs/cadt-mapping.md)."""
    return _cadt_answer(service, request, format, since)


@router.get("/api/v1/reports/annual", responses=REPORT_OK, tags=["exports"])
def annual_report(
    service: Exports, partner: Partner, year: Year, format: ReportFormat = "json"
) -> Response:
    """One partner's annual report (Article 6.2 AEF tables), signed; the
    public copy withholds the reconciliations."""
    return _report_answer(service, partner, year, format, public=True)


@router.get("/console/exports", response_class=HTMLResponse, include_in_schema=False)
def exports_page(request: Request, service: Exports, officer: Viewer) -> Response:
    partners = [p for p in request.app.state.services.counterparts if p != EXCHANGE]
    return _page(
        request,
        "console_exports.html",
        officer,
        {"report_partners": partners, "year": service.now().year, "formats": REPORT_FORMATS},
    )


@router.get("/console/exports/cadt", include_in_schema=False)
def console_cadt(
    request: Request,
    service: Exports,
    officer: Viewer,
    since: Since = None,
    format: Format = "xlsx",
) -> Response:
    return _cadt_answer(service, request, format, since)


@router.get("/console/exports/annual", include_in_schema=False)
def console_annual(
    service: Exports, officer: Viewer, partner: Partner, year: Year, format: ReportFormat = "html"
) -> Response:
    """The bureau's copy: with the reconciliations."""
    return _report_answer(service, partner, year, format, public=False)
