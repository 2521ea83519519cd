"""The operator's endpoints: /healthz (alive), /readyz (can serve), /metrics.

None of them is behind the console login (a probe or a scraper has no
session) and none says anything about the ledger's content: /metrics gives
counts and durations only. /readyz answers 503 with a coded body naming
every problem (hub.observability.readiness).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from hub.http_api.error_mapping import ErrorBody, status_of
from hub.observability.metrics import CONTENT_TYPE, HubMetrics
from hub.observability.readiness import Readiness

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Operations:
    metrics: HubMetrics
    readiness: Readiness


def _operations(request: Request) -> Operations:
    found: Operations = request.app.state.operations
    return found


@router.get("/healthz")
def healthz() -> JSONResponse:
    """The process answers: nothing else is checked (a liveness probe)."""
    return JSONResponse({"status": "alive"})


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    problems = _operations(request).readiness.problems()
    if not problems:
        return JSONResponse({"status": "ready"})
    # The error body of every refusal: the first problem's code, all of them in details.
    first = problems[0]
    body = ErrorBody(
        code=first.code,
        message="; ".join(problem.message for problem in problems),
        details={problem.code: problem.message for problem in problems},
    )
    return JSONResponse(
        body.model_dump(), status_code=status_of(first), headers={"Retry-After": "5"}
    )


@router.get("/metrics")
def metrics(request: Request) -> Response:
    return Response(_operations(request).metrics.render(), media_type=CONTENT_TYPE)
