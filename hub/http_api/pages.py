"""The public disclosure pages, over the same service as the JSON API.

Filters come from a plain GET form: an empty field means "any". A parameter
the API refuses is refused here with the same code (REQUEST_INVALID, details
naming ``query.<name>`` as the API does; PARTNER_UNKNOWN for a partner the
hub has no agreement with)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hub.domain.blocks import BlockState
from hub.errors import InvalidRequest
from hub.http_api.charts import group_chart, monthly_chart
from hub.http_api.context import HttpServices, services
from hub.http_api.i18n import requested_language
from hub.http_api.partner_names import MAX_PARTNER_LENGTH, region_of, resolve_partner
from hub.http_api.templating import render
from hub.services.block_lineage import MAX_SEARCH_FRAGMENT, search_fragment
from hub.services.disclosure import DisclosureFilter, Listing, TotalsDimension

router = APIRouter(include_in_schema=False)
Services = Annotated[HttpServices, Depends(services)]
PAGE_SIZE = 50
SEARCH_LIMIT = 100
# The review states a project can be in (hub.domain.project_review).
PROJECT_STATES = ("SUBMITTED", "UNDER_REVIEW", "APPROVED", "REJECTED", "SUSPENDED")
BLOCK_STATES = tuple(str(s) for s in BlockState)
# Pages list the newest first (what a visitor comes for); the API keeps its
# default (oldest first; projects by partner and project) and takes the same ?sort=.
SORTS = ("newest", "oldest")
_YEAR = re.compile(r"[0-9]{4}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _refused(name: str, why: str) -> InvalidRequest:
    return InvalidRequest("REQUEST_INVALID", "the request was refused", {f"query.{name}": why})


def _text(request: Request, name: str, max_length: int = 200) -> str | None:
    value = (request.query_params.get(name) or "").strip()
    if not value:
        return None
    if len(value) > max_length:
        raise _refused(name, f"String should have at most {max_length} characters")
    return value


def _vintage(request: Request) -> int | None:
    value = _text(request, "vintage", 4)
    if value is None:
        return None
    if not _YEAR.fullmatch(value) or not 1900 <= int(value) <= 2200:
        raise _refused("vintage", "a year from 1900 to 2200")
    return int(value)


def _day(request: Request, name: str) -> date | None:
    value = _text(request, name, 10)
    if value is None:
        return None
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as error:
        raise _refused(name, "write a day as YYYY-MM-DD") from error


def _state(request: Request, allowed: tuple[str, ...]) -> str | None:
    value = _text(request, "state", 32)
    if value is not None and value not in allowed:
        raise _refused("state", "Input should be " + ", ".join(allowed))
    return value


def _newest_first(request: Request) -> bool:
    value = _text(request, "sort", 16) or SORTS[0]
    if value not in SORTS:
        raise _refused("sort", "Input should be 'newest' or 'oldest'")
    return value == "newest"


def _partner(request: Request, hub: HttpServices) -> str | None:
    return resolve_partner(_text(request, "partner", MAX_PARTNER_LENGTH), hub.partners)


def _form(request: Request, *names: str) -> dict[str, str]:
    return {name: request.query_params.get(name, "") for name in names}


def _links(request: Request, names: tuple[str, ...], cursor: str | None) -> dict[str, str | None]:
    kept = {n: v for n, v in _form(request, *names).items() if v}
    # The CSV has every row in the API's order: the page's sort is not an API filter.
    query = urlencode({n: v for n, v in kept.items() if n != "sort"})
    next_link = None
    if cursor is not None:
        next_link = f"{request.url.path}?{urlencode({**kept, 'cursor': cursor})}"
    return {"next_link": next_link, "csv_query": query}


def _labels(hub: HttpServices, request: Request) -> dict[str, str]:
    language, _ = requested_language(request)
    return {code: region_of(hub.partner_names, code, language) for code in hub.partner_names}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, hub: Services) -> HTMLResponse:
    everything = DisclosureFilter()
    overall = hub.disclosure.overall(everything)
    months = list(hub.disclosure.all_totals(TotalsDimension.MONTH, everything))
    groups = {
        str(by): list(hub.disclosure.all_totals(by, everything))
        for by in (TotalsDimension.PARTNER, TotalsDimension.METHODOLOGY, TotalsDimension.VINTAGE)
    }
    labels = _labels(hub, request)
    return render(
        request,
        "home.html",
        {
            "overall": overall,
            "chart": monthly_chart(months),
            "partner_chart": group_chart(groups["partner"], labels),
            "methodology_chart": group_chart(groups["methodology"], {}),
            "groups": groups,
            "registers": hub.disclosure.registers(),
        },
    )


@router.get("/projects", response_class=HTMLResponse)
def projects(request: Request, hub: Services) -> HTMLResponse:
    names = ("partner", "methodology", "state", "sort")
    where = DisclosureFilter(
        partner=_partner(request, hub),
        methodology=_text(request, "methodology"),
        state=_state(request, PROJECT_STATES),
        by_time=True,
        newest_first=_newest_first(request),
    )
    page = hub.disclosure.projects(where, _text(request, "cursor", 2000), PAGE_SIZE)
    return render(
        request,
        "projects.html",
        {
            "page": page,
            "count": hub.disclosure.count(Listing.PROJECTS, where),
            "form": _form(request, *names),
            "states": PROJECT_STATES,
            "sorts": SORTS,
            **_links(request, names, page.next_cursor),
        },
    )


def _ledger_filter(
    request: Request, hub: HttpServices, states: tuple[str, ...] | None
) -> DisclosureFilter:
    return DisclosureFilter(
        partner=_partner(request, hub),
        methodology=_text(request, "methodology"),
        vintage=_vintage(request),
        state=_state(request, states) if states else None,
        since=_day(request, "since"),
        until=_day(request, "until"),
        newest_first=_newest_first(request),
    )


@router.get("/blocks", response_class=HTMLResponse)
def blocks(request: Request, hub: Services) -> HTMLResponse:
    names = ("partner", "methodology", "vintage", "state", "since", "until", "sort")
    where = _ledger_filter(request, hub, BLOCK_STATES)
    page = hub.disclosure.blocks(where, _text(request, "cursor", 2000), PAGE_SIZE)
    return render(
        request,
        "blocks.html",
        {
            "page": page,
            "count": hub.disclosure.count(Listing.BLOCKS, where),
            "form": _form(request, *names),
            "states": BLOCK_STATES,
            "sorts": SORTS,
            **_links(request, names, page.next_cursor),
        },
    )


@router.get("/retirements", response_class=HTMLResponse)
def retirements(request: Request, hub: Services) -> HTMLResponse:
    names = ("partner", "methodology", "vintage", "since", "until", "sort")
    where = _ledger_filter(request, hub, None)
    page = hub.disclosure.retirements(where, _text(request, "cursor", 2000), PAGE_SIZE)
    return render(
        request,
        "retirements.html",
        {
            "page": page,
            "count": hub.disclosure.count(Listing.RETIREMENTS, where),
            "form": _form(request, *names),
            "sorts": SORTS,
            **_links(request, names, page.next_cursor),
        },
    )


def block_path(serial: str) -> str:
    return "/blocks/" + quote(serial, safe="")


@router.get("/blocks/{serial}", response_class=HTMLResponse)
def block(request: Request, serial: str, hub: Services) -> HTMLResponse:
    """One block's story: NotFound SERIAL_NOT_FOUND (404) for an unknown serial."""
    lineage = hub.disclosure.lineage(serial[:MAX_SEARCH_FRAGMENT])
    return render(request, "block.html", {"lineage": lineage})


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, hub: Services) -> Response:
    """The search box of every page: a whole serial goes to its block, a part
    of one lists the serials that contain it."""
    typed = _text(request, "serial", MAX_SEARCH_FRAGMENT) or ""
    fragment = search_fragment(typed)
    matches = hub.disclosure.serials_like(fragment, SEARCH_LIMIT) if fragment else []
    if any(m.serial == fragment for m in matches):
        kept = request.query_params.get("lang")
        query = "?" + urlencode({"lang": kept}) if kept else ""
        return RedirectResponse(block_path(fragment) + query, status_code=303)
    return render(
        request,
        "search.html",
        {"typed": typed, "matches": matches, "limit": SEARCH_LIMIT},
    )
