"""One ``http`` log line and the HTTP metrics of every request.

Outermost ASGI middleware: it sees the final status of every answer,
including the fault barrier's 500s. It logs the route's template
(``/api/v1/projects/{partner}/{project_id}``), never the path as sent, so
no identifier a user typed reaches the log; the refusal code an error
handler answered with (``request.state.refusal``); and the console officer
by username.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.observability.logs import event_fields
from hub.observability.metrics import HubMetrics

log = logging.getLogger("hub.http")

REFUSAL_STATE = "refusal"
PROBES = frozenset({"/healthz", "/readyz", "/metrics"})


class AccessLog:
    def __init__(self, app: ASGIApp, metrics: HubMetrics | None = None) -> None:
        self.app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        status = 500  # what the server answers if the app raises past every handler

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self._record(scope, status, time.monotonic() - started)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = _route(scope)
        method = str(scope.get("method", ""))
        state: dict[str, Any] = scope.get("state") or {}
        reason = str(state.get(REFUSAL_STATE, ""))
        fields = {
            "method": method,
            "route": route,
            "status": status,
            "reason": reason,
            "caller": _caller(scope),
            "duration_ms": round(seconds * 1000, 1),
        }
        if status >= 500:
            level = logging.WARNING
        elif route in PROBES:
            # A load balancer probes every few seconds: counted, logged at debug.
            level = logging.DEBUG
        else:
            level = logging.INFO
        log.log(level, "%s %s %s", method, route, status, extra=event_fields("http", **fields))
        if self._metrics is not None:
            self._metrics.http.labels(method, route, str(status)).inc()
            self._metrics.http_seconds.labels(route).observe(seconds)
            if reason:
                self._metrics.refusals.labels("http", reason).inc()


def _route(scope: Scope) -> str:
    route = scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str):
        return template
    path = str(scope.get("path", ""))
    if path.startswith("/static/"):
        return "/static"
    # A path no route matched: its text is the client's, so not logged.
    return "unmatched"


def _caller(scope: Scope) -> str:
    session = scope.get("session")
    app = scope.get("app")
    sessions = getattr(getattr(app, "state", None), "console_sessions", None)
    if session and sessions is not None:
        username = sessions.username(session)
        if username:
            return f"officer:{username}"
    return "public"
