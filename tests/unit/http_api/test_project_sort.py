"""The projects list sorts like blocks and retirements: the page newest first
with a sort select and a count, the API by partner and project unless asked
?sort=newest|oldest, and a cursor of one order refused in another."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from hub.services.disclosure import ProjectEntry
from tests.fakes_disclosure import day

from .conftest import Fakes


def _project(partner: str, project_id: str, updated: str) -> ProjectEntry:
    return ProjectEntry(
        partner,
        project_id,
        f"{partner} {project_id}",
        "PV",
        "440300",
        "10",
        "MW",
        date(2023, 1, 1),
        date(2032, 12, 31),
        "ACTIVE",
        "APPROVED",
        day(updated),
    )


def _projects(fakes: Fakes) -> None:
    fakes.disclosure.projects_ += [
        _project("CN-GD", "P-2", "2024-03-01"),
        _project("CN-HK", "P-1", "2024-05-01"),
        _project("CN-GD", "P-1", "2024-04-01"),
    ]


def _ids(text: str) -> list[str]:
    return re.findall(r'<tr data-id="([^"]+)"', text)


def test_the_projects_page_lists_the_newest_first_and_sorts_both_ways(
    client: TestClient, fakes: Fakes
) -> None:
    _projects(fakes)
    newest = client.get("/projects")
    assert _ids(newest.text) == ["CN-HK|P-1", "CN-GD|P-1", "CN-GD|P-2"]
    assert 'id="list-count" data-value="3"' in newest.text
    assert '<select name="sort">' in newest.text
    oldest = client.get("/projects", params={"sort": "oldest"})
    assert _ids(oldest.text) == ["CN-GD|P-2", "CN-GD|P-1", "CN-HK|P-1"]
    assert '<option value="oldest" selected>' in oldest.text
    refused = client.get("/projects", params={"sort": "sideways"})
    api_refused = client.get("/api/v1/projects", params={"sort": "sideways"})
    assert refused.status_code == api_refused.status_code == 400
    assert 'id="error-code">REQUEST_INVALID<' in refused.text
    assert "query.sort" in api_refused.json()["details"]


def test_the_api_keeps_its_partner_order_unless_asked_to_sort(
    client: TestClient, fakes: Fakes
) -> None:
    _projects(fakes)

    def listed(**query: str) -> list[str]:
        items = client.get("/api/v1/projects", params=query).json()["items"]
        return [f"{p['partner']}|{p['project_id']}" for p in items]

    assert listed() == ["CN-GD|P-1", "CN-GD|P-2", "CN-HK|P-1"]
    assert listed(sort="oldest") == ["CN-GD|P-2", "CN-GD|P-1", "CN-HK|P-1"]
    assert listed(sort="newest") == ["CN-HK|P-1", "CN-GD|P-1", "CN-GD|P-2"]
    csv = client.get("/api/v1/projects.csv", params={"sort": "newest"}).text.splitlines()
    assert [line.split(",")[1] for line in csv[1:]] == ["P-1", "P-1", "P-2"]


def test_paging_by_time_and_a_cursor_of_another_order_refused(
    client: TestClient, fakes: Fakes
) -> None:
    _projects(fakes)
    first = client.get("/api/v1/projects", params={"sort": "newest", "limit": 2}).json()
    rest = client.get(
        "/api/v1/projects", params={"sort": "newest", "limit": 2, "cursor": first["next_cursor"]}
    ).json()
    assert [p["project_id"] for p in first["items"] + rest["items"]] == ["P-1", "P-1", "P-2"]
    assert rest["next_cursor"] is None
    for other in ({"sort": "oldest"}, {}):
        refused = client.get("/api/v1/projects", params={**other, "cursor": first["next_cursor"]})
        assert refused.status_code == 400 and refused.json()["code"] == "CURSOR_INVALID"
