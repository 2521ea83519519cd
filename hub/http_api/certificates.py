"""Carbon-neutrality certificates for the public: pages and API.

``/certificates`` lists them; ``/certificates/{id}`` is the printable
certificate (its serials, signed-by key, verification address and QR code,
and whether it is still valid); ``/api/v1/certificates``, ``/api/v1/
certificates/{id}`` and ``/api/v1/certificates/{id}/document`` (the signed
file that `carbon-hub certificate verify` checks offline) are the same as
JSON. Pages use no script: the QR code is inline SVG. ``/certificates/{id}.pdf``
(and ``/api/v1/certificates/{id}/pdf``) is the certificate as a PDF in the
page's language (hub.http_api.certificate_pdf).

Stable markup for browser tests: ``#certificate`` with ``data-id`` and
``data-valid`` ("true"/"false"); ``#certificate-validity``;
``#certificate-claimant``, ``#certificate-tonnes`` (``data-value``);
``table#certificate-serials`` rows ``tr[data-serial]`` (``data-state``);
``#certificate-verify-url``; ``svg#certificate-qr``; ``a#certificate-download``;
list: ``table#certificates-table`` rows ``tr[data-id]``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

import segno
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import BaseModel

from hub.domain.neutrality import coverage_percent, tonnes_text
from hub.errors import NotFound
from hub.http_api.certificate_messages import wording
from hub.http_api.certificate_pdf import certificate_pdf
from hub.http_api.error_mapping import ErrorBody
from hub.http_api.i18n import requested_language
from hub.http_api.templating import render
from hub.services.certificates import CertificateService, CertificateStanding
from hub.services.clock import system_clock

if TYPE_CHECKING:
    from hub.bootstrap import Hub

router = APIRouter()
PAGE_SIZE = 50
# Crockford's base32 (hub.domain.neutrality), either case: a schema-valid id
# is either issued or CERTIFICATE_NOT_FOUND.
ID_PATTERN = r"^[Ss][Zz][Cc][Nn]-[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{10}$"
CertificateId = Annotated[
    str, Path(pattern=ID_PATTERN, description="SZCN- and ten letters or digits")
]
Language = Annotated[
    str | None,
    Query(max_length=32, description="zh-CN (default), zh-Hant or en; zh and regional tags read"),
]
Cursor = Annotated[
    str | None,
    Query(pattern=ID_PATTERN, description="next_cursor of the page before"),
]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "a parameter was refused (coded)"},
    503: {"model": ErrorBody, "description": "the database is unavailable (coded)"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "no certificate with this id (CERTIFICATE_NOT_FOUND)"},
    **ERRORS,
}


def certificate_service(hub: Hub) -> CertificateService:
    """Composition: the public read engine, and the hub key of this process."""
    from carbonhub_contract.signing import Signer, hub_signer
    from hub.storage.certificate_repository import SqlAlchemyCertificateQueries
    from hub.trust.certificate_documents import certificate_document

    pki_dir, create = hub.settings.resolved_pki_dir(), hub.settings.insecure

    @cache
    def signer() -> Signer:
        # Read on the first download, not at start: a hub without its key
        # still serves the pages (and /readyz says PKI_NOT_LOADED).
        return hub_signer(pki_dir, create=create)

    return CertificateService(
        SqlAlchemyCertificateQueries(hub.read_engine),
        lambda certificate: certificate_document(certificate, signer()),
    )


def _service(request: Request) -> CertificateService:
    found: CertificateService | None = getattr(request.app.state, "certificates", None)
    if found is None:
        # An app made without a ledger (tests of other routes) issued none.
        raise NotFound("CERTIFICATE_NOT_FOUND", "this hub keeps no certificates", {})
    return found


Service = Annotated[CertificateService, Depends(_service)]


class CancelledBlockBody(BaseModel):
    serial: str
    reason: str


class RetiredSerialBody(BaseModel):
    retirement_id: str
    serial: str
    origin: str
    methodology: str
    vintage: int
    project: str
    units: int
    retired_at: str
    state: str


class CertificateBody(BaseModel):
    certificate_id: str
    purpose: str
    claim_id: str
    claimant_kind: str
    claimant_name: str
    event_name: str | None
    period_start: str
    period_end: str
    footprint_tco2e: str
    tonnes: int
    carbon_neutral: bool
    issued_at: str
    valid: bool
    cancelled: list[CancelledBlockBody]
    retirements: list[RetiredSerialBody]
    verify_url: str
    document_url: str


class CertificateListBody(BaseModel):
    items: list[CertificateBody]
    next_cursor: str | None


def _body(request: Request, standing: CertificateStanding) -> CertificateBody:
    c, v = standing.certificate, standing.validity
    cancelled = {x.serial for x in v.cancelled}
    base = str(request.base_url).rstrip("/")
    return CertificateBody(
        certificate_id=c.certificate_id,
        purpose=str(c.purpose),
        claim_id=c.claim.claim_id,
        claimant_kind=str(c.claim.claimant_kind),
        claimant_name=c.claim.claimant_name,
        event_name=c.claim.event_name,
        period_start=c.claim.period_start.isoformat(),
        period_end=c.claim.period_end.isoformat(),
        footprint_tco2e=tonnes_text(c.claim.footprint_tco2e),
        tonnes=c.tonnes,
        carbon_neutral=c.carbon_neutral,
        issued_at=c.issued_at.isoformat(),
        valid=v.valid,
        cancelled=[CancelledBlockBody(serial=x.serial, reason=x.reason) for x in v.cancelled],
        retirements=[
            RetiredSerialBody(
                retirement_id=r.retirement_id,
                serial=r.serial,
                origin=r.origin,
                methodology=r.methodology,
                vintage=r.vintage,
                project=r.project,
                units=r.units,
                retired_at=r.retired_at.isoformat(),
                state="CANCELLED" if r.serial in cancelled else "RETIRED",
            )
            for r in c.retirements
        ],
        verify_url=base + c.verify_path,
        document_url=f"{base}/api/v1/certificates/{c.certificate_id}/document",
    )


@router.get(
    "/api/v1/certificates",
    response_model=CertificateListBody,
    tags=["certificates"],
    responses=ERRORS,
)
def list_certificates(
    request: Request,
    service: Service,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = PAGE_SIZE,
) -> CertificateListBody:
    """Certificates issued, newest first, each with its validity now."""
    page = service.page(cursor, limit)
    return CertificateListBody(
        items=[_body(request, s) for s in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/api/v1/certificates/{certificate_id}",
    response_model=CertificateBody,
    tags=["certificates"],
    responses=NOT_FOUND,
)
def get_certificate(
    request: Request, service: Service, certificate_id: CertificateId
) -> CertificateBody:
    """One certificate, and whether it is still valid (no block of it cancelled since)."""
    return _body(request, service.standing(certificate_id))


@router.get(
    "/api/v1/certificates/{certificate_id}/document",
    tags=["certificates"],
    responses={200: {"content": {"application/json": {}}}, **NOT_FOUND},
)
def certificate_document_file(service: Service, certificate_id: CertificateId) -> Response:
    """The signed file (statement, key id, signature): `carbon-hub certificate verify` reads it."""
    document = service.document(certificate_id)
    name = document["certificate"]["certificate_id"]
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}.json"'},
    )


def _qr(url: str) -> Markup:
    svg = segno.make(url, error="m").svg_inline(scale=4, svgid="certificate-qr")
    # segno's own markup of a URL it encoded: nothing of the request reaches it raw.
    return Markup(svg)


@router.get("/certificates", response_class=HTMLResponse, include_in_schema=False)
def certificates_page(
    request: Request,
    service: Service,
    cursor: Cursor = None,
) -> HTMLResponse:
    page = service.page(cursor, PAGE_SIZE)
    language, _ = requested_language(request)
    return render(
        request,
        "certificates.html",
        {
            "c": wording(language),
            "items": [_body(request, s) for s in page.items],
            "next_link": None if page.next_cursor is None else f"?cursor={page.next_cursor}",
        },
    )


def _coverage(c: Callable[[str], str], standing: CertificateStanding) -> str:
    certificate = standing.certificate
    if certificate.carbon_neutral:
        return c("neutral")
    percent = coverage_percent(certificate.tonnes, certificate.claim.footprint_tco2e)
    return c("partial").format(percent=percent)


def _pdf(request: Request, service: CertificateService, certificate_id: str) -> Response:
    standing = service.standing(certificate_id)
    body = _body(request, standing)
    language, _ = requested_language(request)
    c = wording(language)
    content = certificate_pdf(
        body,
        language=language,
        words=c,
        coverage=_coverage(c, standing),
        # The key that signs the certificate's file, named so that a reader
        # of the paper knows which hub-signing.pub checks it.
        key_id=str(service.document(body.certificate_id)["key_id"]),
        made_at=system_clock(),
    )
    name = body.certificate_id
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}.pdf"'},
    )


@router.get(
    "/api/v1/certificates/{certificate_id}/pdf",
    tags=["certificates"],
    responses={200: {"content": {"application/pdf": {}}}, **NOT_FOUND},
)
def certificate_pdf_file(
    request: Request, service: Service, certificate_id: CertificateId, lang: Language = None
) -> Response:
    """The certificate as a printable PDF (A4), saying whether it is valid now."""
    return _pdf(request, service, certificate_id)


# Declared before /certificates/{certificate_id}, which would otherwise take
# "SZCN-….pdf" for an id and refuse it.
@router.get("/certificates/{certificate_id}.pdf", include_in_schema=False)
def certificate_pdf_page(
    request: Request, service: Service, certificate_id: CertificateId
) -> Response:
    return _pdf(request, service, certificate_id)


@router.get("/certificates/{certificate_id}", response_class=HTMLResponse, include_in_schema=False)
def certificate_page(
    request: Request, service: Service, certificate_id: CertificateId
) -> HTMLResponse:
    standing = service.standing(certificate_id)
    body = _body(request, standing)
    language, _ = requested_language(request)
    c = wording(language)
    context: dict[str, Any] = {
        "c": c,
        "cert": body,
        "coverage": _coverage(c, standing),
        "qr": _qr(body.verify_url),
        "pdf_url": f"/certificates/{body.certificate_id}.pdf?lang={language}",
    }
    return render(request, "certificate.html", context)
