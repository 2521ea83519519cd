"""The public disclosure pages, over the same service as the JSON API.

Filters come from a plain GET form: an empty field means "any"."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from hub.domain.blocks import BlockState
from hub.errors import InvalidRequest
from hub.http_api.charts import monthly_chart
from hub.http_api.context import HttpServices, services
from hub.http_api.templating import render
from hub.services.disclosure import DisclosureFilter, TotalsDimension

router = APIRouter(include_in_schema=False)
Services = Annotated[HttpServices, Depends(services)]
PAGE_SIZE = 50
# The review states a project can be in (hub.domain.project_review).
PROJECT_STATES = ("SUBMITTED", "UNDER_REVIEW", "APPROVED", "REJECTED", "SUSPENDED")
BLOCK_STATES = tuple(str(s) for s in BlockState)


def _text(request: Request, name: str, max_length: int = 200) -> str | None:
    value = (request.query_params.get(name) or "").strip()
    if not value:
        return None
    if len(value) > max_length:
        raise InvalidRequest(
            "FILTER_INVALID", f"{name} is too long", {"field": name, "max": str(max_length)}
        )
    return value


def _vintage(request: Request) -> int | None:
    value = _text(request, "vintage", 4)
    if value is None:
        return None
    if not value.isdigit():
        raise InvalidRequest("FILTER_INVALID", "vintage is a year", {"field": "vintage"})
    return int(value)


def _day(request: Request, name: str) -> date | None:
    value = _text(request, name, 10)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise InvalidRequest(
            "FILTER_INVALID", f"{name} is a date YYYY-MM-DD", {"field": name}
        ) from error


def _state(request: Request, allowed: tuple[str, ...]) -> str | None:
    value = _text(request, "state", 32)
    if value is not None and value not in allowed:
        raise InvalidRequest("FILTER_INVALID", f"no state {value}", {"field": "state"})
    return value


def _form(request: Request, *names: str) -> dict[str, str]:
    return {name: request.query_params.get(name, "") for name in names}


def _links(request: Request, names: tuple[str, ...], cursor: str | None) -> dict[str, str | None]:
    kept = {n: v for n, v in _form(request, *names).items() if v}
    query = urlencode(kept)
    next_link = None
    if cursor is not None:
        next_link = f"{request.url.path}?{urlencode({**kept, 'cursor': cursor})}"
    return {"next_link": next_link, "csv_query": query}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, hub: Services) -> HTMLResponse:
    everything = DisclosureFilter()
    overall = hub.disclosure.overall(everything)
    months = list(hub.disclosure.all_totals(TotalsDimension.MONTH, everything))
    groups = {
        str(by): list(hub.disclosure.all_totals(by, everything))
        for by in (TotalsDimension.PARTNER, TotalsDimension.METHODOLOGY, TotalsDimension.VINTAGE)
    }
    return render(
        request,
        "home.html",
        {"overall": overall, "chart": monthly_chart(months), "groups": groups},
    )


@router.get("/projects", response_class=HTMLResponse)
def projects(request: Request, hub: Services) -> HTMLResponse:
    names = ("partner", "methodology", "state")
    where = DisclosureFilter(
        partner=_text(request, "partner", 64),
        methodology=_text(request, "methodology"),
        state=_state(request, PROJECT_STATES),
    )
    page = hub.disclosure.projects(where, _text(request, "cursor", 2000), PAGE_SIZE)
    return render(
        request,
        "projects.html",
        {
            "page": page,
            "form": _form(request, *names),
            "states": PROJECT_STATES,
            **_links(request, names, page.next_cursor),
        },
    )


def _ledger_filter(request: Request, states: tuple[str, ...] | None) -> DisclosureFilter:
    return DisclosureFilter(
        partner=_text(request, "partner", 64),
        methodology=_text(request, "methodology"),
        vintage=_vintage(request),
        state=_state(request, states) if states else None,
        since=_day(request, "since"),
        until=_day(request, "until"),
    )


@router.get("/blocks", response_class=HTMLResponse)
def blocks(request: Request, hub: Services) -> HTMLResponse:
    names = ("partner", "methodology", "vintage", "state", "since", "until")
    where = _ledger_filter(request, BLOCK_STATES)
    page = hub.disclosure.blocks(where, _text(request, "cursor", 2000), PAGE_SIZE)
    return render(
        request,
        "blocks.html",
        {
            "page": page,
            "form": _form(request, *names),
            "states": BLOCK_STATES,
            **_links(request, names, page.next_cursor),
        },
    )


@router.get("/retirements", response_class=HTMLResponse)
def retirements(request: Request, hub: Services) -> HTMLResponse:
    names = ("partner", "methodology", "vintage", "since", "until")
    where = _ledger_filter(request, None)
    page = hub.disclosure.retirements(where, _text(request, "cursor", 2000), PAGE_SIZE)
    return render(
        request,
        "retirements.html",
        {"page": page, "form": _form(request, *names), **_links(request, names, page.next_cursor)},
    )
