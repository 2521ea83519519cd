"""The projects list sorted by registration or update time on a real database:
either order pages through every project once, ties on the instant broken by
(partner, project_id), and a cursor of one order is refused in the other."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from hub.errors import InvalidRequest
from hub.services.disclosure import DisclosureFilter, DisclosureService
from hub.storage.disclosure_queries import SqlAlchemyDisclosureQueries
from hub.storage.project_tables import ProjectRow

_T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
# (partner, project_id, minutes after _T0): two projects share an instant.
_PROJECTS = (
    ("CN-GD", "P-3", 30),
    ("CN-GD", "P-1", 10),
    ("CN-HK", "P-2", 20),
    ("CN-GD", "P-2", 20),
    ("CN-HK", "P-1", 0),
)


def _register(engine: Engine) -> None:
    rows = [
        {
            "partner": partner,
            "project_id": project_id,
            "name": f"{partner} {project_id}",
            "owner_name": "owner",
            "owner_credit_code": "91440300000000000X",
            "partner_methodology": "PV",
            "region_code": "440300",
            "longitude": "114.0",
            "latitude": "22.5",
            "size_value": "10",
            "size_unit": "MW",
            "crediting_start": date(2023, 1, 1),
            "crediting_end": date(2032, 12, 31),
            "status": "ACTIVE",
            "version": 1,
            "updated_at": _T0 + timedelta(minutes=minutes),
            "review_state": "APPROVED",
            "asset_fingerprint": None,
        }
        for partner, project_id, minutes in _PROJECTS
    ]
    with engine.begin() as connection:
        connection.execute(insert(ProjectRow), rows)


def _walk(service: DisclosureService, where: DisclosureFilter) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = service.projects(where, cursor, 2)
        seen += [f"{p.partner}/{p.project_id}" for p in page.items]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


OLDEST = ["CN-HK/P-1", "CN-GD/P-1", "CN-GD/P-2", "CN-HK/P-2", "CN-GD/P-3"]


def test_projects_page_by_time_in_either_order(engine: Engine) -> None:
    _register(engine)
    service = DisclosureService(SqlAlchemyDisclosureQueries(engine))
    assert _walk(service, DisclosureFilter(by_time=True)) == OLDEST
    newest = _walk(service, DisclosureFilter(by_time=True, newest_first=True))
    assert newest == list(reversed(OLDEST))
    # Unsorted, the list keeps its order by partner and project.
    assert _walk(service, DisclosureFilter()) == sorted(OLDEST)
    hk = _walk(service, DisclosureFilter(partner="CN-HK", by_time=True, newest_first=True))
    assert hk == ["CN-HK/P-2", "CN-HK/P-1"]


def test_a_cursor_of_one_order_is_refused_in_another(engine: Engine) -> None:
    _register(engine)
    service = DisclosureService(SqlAlchemyDisclosureQueries(engine))
    orders = (
        DisclosureFilter(),
        DisclosureFilter(by_time=True),
        DisclosureFilter(by_time=True, newest_first=True),
    )
    for given in orders:
        cursor = service.projects(given, None, 2).next_cursor
        assert cursor is not None
        for other in orders:
            if other == given:
                continue
            with pytest.raises(InvalidRequest) as refused:
                service.projects(other, cursor, 2)
            assert refused.value.code == "CURSOR_INVALID"
