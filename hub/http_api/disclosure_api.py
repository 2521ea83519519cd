"""The public disclosure JSON API (/api/v1) and its CSV exports: GET only."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BeforeValidator

from hub.domain.blocks import BlockState
from hub.domain.published_checkpoint import published
from hub.errors import InvalidRequest
from hub.http_api.context import HttpServices, services
from hub.http_api.csv_export import CSV_MEDIA_TYPE, csv_response
from hub.http_api.error_mapping import ErrorBody
from hub.http_api.lineage_schemas import BlockLineageOut
from hub.http_api.partner_names import MAX_PARTNER_LENGTH, resolve_partner
from hub.http_api.schemas import (
    BlockOut,
    BlockPage,
    CheckpointOut,
    CheckpointPage,
    PoolList,
    PoolOut,
    ProjectOut,
    ProjectPage,
    RegisterList,
    RegisterOut,
    RetirementOut,
    RetirementPage,
    TotalsOut,
    TotalsPage,
)
from hub.services.disclosure import DEFAULT_LIMIT, MAX_LIMIT, DisclosureFilter, TotalsDimension

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "a parameter was refused (coded)"},
    503: {"model": ErrorBody, "description": "the database is unavailable (coded)"},
}
CSV_OK: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
        "description": "CSV, UTF-8 with a byte-order mark, one header line",
    },
    **ERRORS,
}


def _one_value_each(request: Request) -> None:
    """Every parameter is single-valued: a repeated one is refused, not
    silently narrowed to its last value."""
    query = request.query_params
    repeated = sorted({name for name in query if len(query.getlist(name)) > 1})
    if repeated:
        names = ", ".join(repeated)
        raise InvalidRequest(
            "QUERY_PARAMETER_REPEATED",
            f"each parameter is given once: {names} repeated",
            {"parameters": names[:200]},
        )


def _written(pattern: str, what: str) -> BeforeValidator:
    """Only the plain spelling: pydantic would also read 0 as 1970-01-01 and
    "1_0" or "+5" as numbers."""
    shape = re.compile(pattern)

    def check(value: object) -> object:
        if isinstance(value, str) and not shape.fullmatch(value):
            raise ValueError(f"write {what}")
        return value

    return BeforeValidator(check)


_DAY = _written(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", "a day as YYYY-MM-DD")
_WHOLE = _written(r"[0-9]{1,9}", "a whole number in digits")

router = APIRouter(prefix="/api/v1", tags=["disclosure"], dependencies=[Depends(_one_value_each)])

Services = Annotated[HttpServices, Depends(services)]
Partner = Annotated[
    str | None,
    Query(
        max_length=MAX_PARTNER_LENGTH,
        description="e.g. CN-GD, in any case; a partner without an agreement: PARTNER_UNKNOWN",
    ),
]
Methodology = Annotated[str | None, Query(max_length=200, description="Shenzhen methodology")]
Vintage = Annotated[int | None, Query(ge=1900, le=2200), _WHOLE]
Since = Annotated[date | None, Query(description="from this UTC day, inclusive"), _DAY]
Until = Annotated[date | None, Query(description="to this UTC day, inclusive"), _DAY]
Cursor = Annotated[
    str | None,
    Query(max_length=2000, pattern=r"^[A-Za-z0-9_-]*$", description="next_cursor of a page"),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT), _WHOLE]
By = Annotated[TotalsDimension, Query(description="group by")]
Sort = Annotated[
    Literal["oldest", "newest"],
    Query(description="by the list's instant (issued, retired); the pages default to newest"),
]


def _common(
    hub: Services,
    partner: Partner = None,
    methodology: Methodology = None,
    vintage: Vintage = None,
    since: Since = None,
    until: Until = None,
) -> DisclosureFilter:
    return DisclosureFilter(
        partner=resolve_partner(partner, hub.partners),
        methodology=methodology,
        vintage=vintage,
        since=since,
        until=until,
    )


def _sorted(
    common: Annotated[DisclosureFilter, Depends(_common)], sort: Sort = "oldest"
) -> DisclosureFilter:
    return replace(common, newest_first=sort == "newest")


ProjectSort = Annotated[
    Literal["oldest", "newest"] | None,
    Query(
        description="by registration or last update (updated_at); absent: by partner and "
        "project_id; the page defaults to newest"
    ),
]


def _project_filter(
    hub: Services,
    partner: Partner = None,
    methodology: Annotated[
        str | None, Query(max_length=200, description="the partner's methodology")
    ] = None,
    state: Annotated[
        str | None, Query(max_length=32, description="review state, e.g. APPROVED")
    ] = None,
    sort: ProjectSort = None,
) -> DisclosureFilter:
    return DisclosureFilter(
        partner=resolve_partner(partner, hub.partners),
        methodology=methodology,
        state=state,
        by_time=sort is not None,
        newest_first=sort == "newest",
    )


def _block_filter(
    common: Annotated[DisclosureFilter, Depends(_sorted)],
    state: Annotated[BlockState | None, Query(description="default: all but SPLIT")] = None,
) -> DisclosureFilter:
    return replace(common, state=None if state is None else str(state))


def _pool_filter(
    hub: Services, partner: Partner = None, methodology: Methodology = None, vintage: Vintage = None
) -> DisclosureFilter:
    return DisclosureFilter(
        partner=resolve_partner(partner, hub.partners), methodology=methodology, vintage=vintage
    )


ProjectFilter = Annotated[DisclosureFilter, Depends(_project_filter)]
PoolFilter = Annotated[DisclosureFilter, Depends(_pool_filter)]
BlockFilter = Annotated[DisclosureFilter, Depends(_block_filter)]
CommonFilter = Annotated[DisclosureFilter, Depends(_common)]
SortedFilter = Annotated[DisclosureFilter, Depends(_sorted)]


@router.get("/projects", response_model=ProjectPage, responses=ERRORS)
def list_projects(
    hub: Services, where: ProjectFilter, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> ProjectPage:
    page = hub.disclosure.projects(where, cursor, limit)
    return ProjectPage(items=[ProjectOut.of(p) for p in page.items], next_cursor=page.next_cursor)


@router.get("/projects.csv", response_class=StreamingResponse, responses=CSV_OK)
def export_projects(hub: Services, where: ProjectFilter) -> StreamingResponse:
    rows = (ProjectOut.of(p) for p in hub.disclosure.all_projects(where))
    return csv_response(ProjectOut, rows, "projects")


@router.get("/blocks", response_model=BlockPage, responses=ERRORS)
def list_blocks(
    hub: Services, where: BlockFilter, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> BlockPage:
    page = hub.disclosure.blocks(where, cursor, limit)
    return BlockPage(items=[BlockOut.of(b) for b in page.items], next_cursor=page.next_cursor)


@router.get("/blocks.csv", response_class=StreamingResponse, responses=CSV_OK)
def export_blocks(hub: Services, where: BlockFilter) -> StreamingResponse:
    rows = (BlockOut.of(b) for b in hub.disclosure.all_blocks(where))
    return csv_response(BlockOut, rows, "blocks")


@router.get(
    "/blocks/{serial}",
    response_model=BlockLineageOut,
    responses={
        404: {"model": ErrorBody, "description": "no block has this serial (SERIAL_NOT_FOUND)"},
        **ERRORS,
    },
)
def block_lineage(
    hub: Services,
    serial: Annotated[
        str, Path(max_length=500, description="the whole serial, e.g. SZCER-CN-GD-...")
    ],
) -> BlockLineageOut:
    """One block's story, as its page /blocks/{serial} tells it: the partner's
    records, the origin serials cancelled at source, the block as issued, its
    splits, the exchange's delivery, each retirement with its purpose and
    beneficiary, the adjustment status, and the signed ledger's rows."""
    return BlockLineageOut.of(hub.disclosure.lineage(serial), hub.partner_names)


@router.get("/retirements", response_model=RetirementPage, responses=ERRORS)
def list_retirements(
    hub: Services, where: SortedFilter, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> RetirementPage:
    page = hub.disclosure.retirements(where, cursor, limit)
    return RetirementPage(
        items=[RetirementOut.of(r) for r in page.items], next_cursor=page.next_cursor
    )


@router.get("/retirements.csv", response_class=StreamingResponse, responses=CSV_OK)
def export_retirements(hub: Services, where: SortedFilter) -> StreamingResponse:
    rows = (RetirementOut.of(r) for r in hub.disclosure.all_retirements(where))
    return csv_response(RetirementOut, rows, "retirements")


@router.get("/totals", response_model=TotalsPage, responses=ERRORS)
def list_totals(
    hub: Services,
    where: CommonFilter,
    by: By = TotalsDimension.PARTNER,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> TotalsPage:
    page = hub.disclosure.totals(by, where, cursor, limit)
    return TotalsPage(items=[TotalsOut.of(t) for t in page.items], next_cursor=page.next_cursor)


@router.get("/totals.csv", response_class=StreamingResponse, responses=CSV_OK)
def export_totals(
    hub: Services, where: CommonFilter, by: By = TotalsDimension.PARTNER
) -> StreamingResponse:
    rows = (TotalsOut.of(t) for t in hub.disclosure.all_totals(by, where))
    return csv_response(TotalsOut, rows, f"totals-{by}")


@router.get("/summary", response_model=TotalsOut, responses=ERRORS)
def summary(hub: Services, where: CommonFilter) -> TotalsOut:
    """Every unit the filter keeps, in one line (key "")."""
    return TotalsOut.of(hub.disclosure.overall(where))


@router.get("/pools", response_model=PoolList, responses=ERRORS)
def list_pools(hub: Services, where: PoolFilter) -> PoolList:
    """Personal reductions pooled per reporting platform: credited, issued to the
    platform's operator and carried tonnes per partner, platform and methodology
    (aggregates only, never a person)."""
    return PoolList(items=[PoolOut.of(p) for p in hub.disclosure.pools(where)])


@router.get("/pools.csv", response_class=StreamingResponse, responses=CSV_OK)
def export_pools(hub: Services, where: PoolFilter) -> StreamingResponse:
    rows = (PoolOut.of(p) for p in hub.disclosure.pools(where))
    return csv_response(PoolOut, rows, "pools")


@router.get("/registers", response_model=RegisterList, responses=ERRORS)
def list_registers(hub: Services) -> RegisterList:
    """Which registers outside the hub (CCER, GEC 绿证, Hong Kong RECs, Shenzhen's
    carbon-inclusion platform) claims and projects are checked against, and
    since when: every version of each list loaded, its SHA-256 and entry count."""
    checked = hub.disclosure.registers()
    return RegisterList(
        items=[RegisterOut.of(r) for r in checked.loaded], not_loaded=checked.not_loaded
    )


@router.get("/audit/checkpoints", response_model=CheckpointPage, responses=ERRORS)
def list_checkpoints(
    hub: Services, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> CheckpointPage:
    """The hub's signed audit checkpoints, by seq: hold them anywhere and check
    a copy of the audit log against them (`carbon-hub audit verify --against`)."""
    page = hub.disclosure.checkpoints(cursor, limit)
    return CheckpointPage(
        items=[CheckpointOut(**published(c)) for c in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/audit/checkpoints/latest",
    response_model=CheckpointOut,
    responses={
        404: {"model": ErrorBody, "description": "none signed yet (AUDIT_CHECKPOINT_NONE)"},
        **ERRORS,
    },
)
def latest_checkpoint(hub: Services) -> CheckpointOut:
    """The last signed audit checkpoint: the same JSON `carbon-hub audit
    export-checkpoint` writes."""
    return CheckpointOut(**published(hub.disclosure.latest_checkpoint()))
