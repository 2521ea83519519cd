"""Public disclosure of carbon points (碳积分): points awarded, reversed,
redeemed and expired per partner and month. Aggregates only: no person, no
pseudonym, no claim is ever named here.

Installed by hub.http_api.app.create_app with ``install(app, hub.points)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from hub.domain.points import EntryKind
from hub.http_api.csv_export import csv_response
from hub.http_api.disclosure_api import CSV_OK, ERRORS
from hub.services.points_port import PointsMonth

__all__ = ["NOTE", "PointsMonthOut", "install", "router"]

router = APIRouter(prefix="/api/v1", tags=["disclosure"])

NOTE = (
    "Carbon points reward people; they are not units, cannot be traded and never back an "
    "offset claim. The tonnes behind them are the reporting platform's pool, issued to its "
    "operator (GET /api/v1/pools): counting both would count the reductions twice."
)


class PointsMonths(Protocol):
    """hub.services.points.PointsService."""

    def months(self) -> list[PointsMonth]: ...


class PointsMonthOut(BaseModel):
    partner: str
    month: str  # YYYY-MM (UTC) of the entries
    awarded: int
    reversed: int
    redeemed: int
    expired: int
    awards: int  # how many awards (claims that earned points)


class PointsList(BaseModel):
    items: list[PointsMonthOut]
    note: str


def install(app: FastAPI, points: PointsMonths) -> None:
    app.state.points = points
    app.include_router(router)


def _rows(points: PointsMonths) -> Iterator[PointsMonthOut]:
    totals: dict[tuple[str, str], dict[EntryKind, PointsMonth]] = {}
    for m in points.months():
        totals.setdefault((m.partner, m.month), {})[m.kind] = m
    for (partner, month), kinds in sorted(totals.items()):

        def of(kind: EntryKind, kinds: dict[EntryKind, PointsMonth] = kinds) -> int:
            found = kinds.get(kind)
            return found.points if found is not None else 0

        award = kinds.get(EntryKind.AWARD)
        yield PointsMonthOut(
            partner=partner,
            month=month,
            awarded=of(EntryKind.AWARD),
            reversed=of(EntryKind.REVERSAL),
            redeemed=of(EntryKind.REDEMPTION),
            expired=of(EntryKind.EXPIRY),
            awards=award.entries if award is not None else 0,
        )


@router.get("/points", response_model=PointsList, responses=ERRORS)
def list_points(request: Request) -> PointsList:
    """Carbon points awarded, reversed, redeemed and expired per partner and month
    (aggregates only, never a person)."""
    return PointsList(items=list(_rows(request.app.state.points)), note=NOTE)


@router.get("/points.csv", response_class=StreamingResponse, responses=CSV_OK)
def export_points(request: Request) -> StreamingResponse:
    return csv_response(PointsMonthOut, _rows(request.app.state.points), "points")
