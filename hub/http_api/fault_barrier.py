"""The HTTP side's last line: no unexpected exception reaches a client as is.

Starlette answers an exception no handler knows with a bare 500 (or, in
debug, the trace) and re-raises it for the server to log without any id.
``FaultBarrier`` sits inside the session and security-header middleware,
just outside the routes: it logs the trace under a new incident id
(hub.observability.incidents) and answers the coded refusal INTERNAL_FAULT, 500, whose
details carry only that id: JSON for the API, the error page (code and
incident, no trace) for the public pages and the console. A response that
had already started (a CSV export failing half-way) cannot change its
status any more; it is cut off, and the incident is logged all the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.errors import HubError
from hub.observability.incidents import report_fault

log = logging.getLogger(__name__)

Respond = Callable[[Request, HubError], Response]


class FaultBarrier:
    """ASGI middleware: an unexpected exception becomes a coded 500 with an incident id."""

    def __init__(self, app: ASGIApp, respond: Respond) -> None:
        self._app = app
        self._respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self._app(scope, receive, tracked)
        except Exception as fault:
            where = f"{scope.get('method', '')} {scope.get('path', '')}"
            refusal = report_fault(log, where, fault)
            if started:
                return
            response = self._respond(Request(scope, receive), refusal)
            await response(scope, receive, send)
