"""The HTTP application: public disclosure and the bureau console.

``create_app(hub, settings)`` wires the hub's services; ``create_http_app``
takes them directly (tests give it services over in-memory storage).
Every refusal is coded (hub.http_api.error_mapping); an unexpected fault
answers 500 INTERNAL_FAULT with an incident id only (hub.http_api.fault_barrier).
Every request is one ``http`` log line and counted (hub.http_api.access_log);
/healthz, /readyz and /metrics answer beside, outside the console login
(hub.http_api.operations).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from hub.errors import HubError, InvalidRequest
from hub.http_api import (
    certificates,
    console,
    disclosure_api,
    exports_api,
    operations,
    pages,
    points_disclosure,
    transparency_api,
)
from hub.http_api.access_log import REFUSAL_STATE, AccessLog
from hub.http_api.console_sessions import ConsoleSessions
from hub.http_api.context import HttpServices
from hub.http_api.error_mapping import ErrorBody, body_of, headers_of, status_of
from hub.http_api.fault_barrier import FaultBarrier
from hub.http_api.session_key import session_secret
from hub.http_api.templating import render
from hub.settings import HubSettings

if TYPE_CHECKING:
    from hub.bootstrap import Hub

SESSION_COOKIE = "carbonhub_console"
_STATIC = Path(__file__).parent / "static"
_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Pages use no script at all, styles from this site only.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}
_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}


def create_app(hub: Hub, settings: HubSettings) -> FastAPI:
    from hub.observability.readiness import Readiness

    ops = operations.Operations(hub.metrics, Readiness.of(hub.engine, settings))
    app = create_http_app(hub.http_services(), settings, ops)
    points_disclosure.install(app, hub.points)
    app.state.certificates = certificates.certificate_service(hub)
    exports_api.install(app, hub.exports())
    transparency_api.install(app, hub)
    return app


def create_http_app(
    services: HttpServices, settings: HubSettings, ops: operations.Operations | None = None
) -> FastAPI:
    app = FastAPI(
        title="Carbon Inclusion Federation Hub: public disclosure",
        version="1",
        description="Projects, issued blocks, retirements and totals of the hub's ledger "
        "(read-only). Every list is paged: pass next_cursor back as ?cursor=.",
        docs_url=None,  # the interactive docs load scripts from a CDN: none here
        redoc_url=None,
    )
    app.state.services = services
    app.state.console_sessions = ConsoleSessions(settings.session_max_age)
    # Added first, so innermost: its 500 page still gets the session and the
    # security headers of the middleware added after it.
    app.add_middleware(FaultBarrier, respond=_refusal)
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age,
        path="/console",
        same_site="strict",
        https_only=settings.session_cookie_secure,
    )

    @app.middleware("http")
    async def _security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith("/console"):
            response.headers["Cache-Control"] = "no-store"
        return response

    # Last added, so outermost: it sees the final status of every answer.
    app.add_middleware(AccessLog, metrics=None if ops is None else ops.metrics)
    if ops is not None:
        app.state.operations = ops
        app.include_router(operations.router)
    app.include_router(disclosure_api.router)
    app.include_router(certificates.router)
    app.include_router(pages.router)
    app.include_router(console.router)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    _install_error_handlers(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _refusal(request: Request, error: HubError) -> Response:
    setattr(request.state, REFUSAL_STATE, error.code)
    status = status_of(error)
    if _is_api(request):
        return JSONResponse(
            body_of(error).model_dump(), status_code=status, headers=headers_of(error)
        )
    return render(
        request,
        "error.html",
        {"code": error.code, "message": error.message, "details": error.details},
        status_code=status,
        headers=headers_of(error),
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HubError)
    async def _hub_error(request: Request, error: HubError) -> Response:
        return _refusal(request, error)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        details: dict[str, str] = {}
        for problem in error.errors()[:10]:
            where = ".".join(str(part) for part in problem.get("loc", ()))
            details[where or "request"] = str(problem.get("msg", "invalid"))[:200]
        return _refusal(
            request, InvalidRequest("REQUEST_INVALID", "the request was refused", details)
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(error.status_code, f"HTTP_{error.status_code}")
        setattr(request.state, REFUSAL_STATE, code)
        if _is_api(request):
            body = ErrorBody(code=code, message=str(error.detail))
            return JSONResponse(
                body.model_dump(), status_code=error.status_code, headers=error.headers
            )
        return render(
            request,
            "error.html",
            {"code": code, "message": str(error.detail), "details": {}},
            status_code=error.status_code,
        )

    @app.exception_handler(console.LoginRequired)
    async def _login(request: Request, error: console.LoginRequired) -> Response:
        query = "" if error.back_to == "/console" else "?next=" + quote(error.back_to, safe="/")
        return RedirectResponse(f"/console/login{query}", status_code=303)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with its 422 replaced by the coded 400 this API answers."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            operation.get("responses", {}).pop("422", None)
    components = schema.get("components", {}).get("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    app.openapi_schema = schema
    return schema
