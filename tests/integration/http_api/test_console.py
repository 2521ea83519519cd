"""The console on a real database: login and session rules, CSRF, and review
actions that go through the services, are audited with the officer, and show
in the public disclosure."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import text

from carbonhub_contract.vocabulary.records import Decision
from hub.storage.event_subject_column import stored_subject
from tests.unit.services.builders import PARTNER, PROJECT_ID, pv, pv_project

from .conftest import (
    OFFICER_NAME,
    OFFICER_PASSWORD,
    OFFICER_USERNAME,
    LiveLedger,
)

ACTOR = f"bureau:{OFFICER_NAME} ({OFFICER_USERNAME})"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _token(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None
    return found.group(1)


def _log_in(client: TestClient, password: str = OFFICER_PASSWORD) -> int:
    token = _token(client.get("/console/login").text)
    status: int = client.post(
        "/console/login",
        data={"username": OFFICER_USERNAME, "password": password, "csrf_token": token},
    ).status_code
    return status


def _actors(ledger: LiveLedger, kind: str, subject: str) -> list[tuple[str, str]]:
    with ledger.hub.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT event, actor FROM ledger_events"
                " WHERE subject_kind = :k AND subject_id = :s ORDER BY seq"
            ),
            {"k": kind, "s": stored_subject(connection.dialect.name, kind, subject)},
        ).all()
    return [(row[0], row[1]) for row in rows]


def test_login_session_and_csrf_rules_on_the_real_officer_table(live: LiveLedger) -> None:
    client = live.client
    assert client.get("/console").status_code == 303
    assert _log_in(client, "wrong password!") == 401
    assert _log_in(client) == 303
    page = client.get("/console")
    assert page.status_code == 200 and OFFICER_NAME in page.text
    token = _token(page.text)
    forged = client.post(
        "/console/blocks/cancel", data={"block": "x", "reason": "y", "csrf_token": "forged"}
    )
    assert forged.status_code == 403 and "CSRF_TOKEN_INVALID" in forged.text
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/console").status_code == 303
    # The officer's addition is in the audit chain.
    assert _actors(live, "officer", OFFICER_USERNAME) == [("ADDED", "test")]


def test_failed_logins_are_throttled_per_username(live: LiveLedger) -> None:
    for _ in range(3):
        assert _log_in(live.client, "wrong password!") == 401
    assert _log_in(live.client) == 429


def test_approving_a_project_in_the_console_shows_in_the_disclosure(
    bureau_live: LiveLedger,
) -> None:
    hub, client = bureau_live.hub, bureau_live.client
    hub.projects.register(PARTNER, [pv_project()])
    (held,) = hub.ingestion.submit(PARTNER, [pv("R1", "2024-01-01", "2024-01-28")])
    assert held.decision is Decision.HELD
    hub.issuance.issue_pending()
    assert client.get("/api/v1/summary").json()["issued_units"] == 0
    assert _log_in(client) == 303
    queue = client.get("/console").text
    assert f'<tr data-id="{PARTNER}|R1">' in queue
    assert f'<tr data-id="{PARTNER}|{PROJECT_ID}">' in queue
    token = _token(queue)
    form = {"partner": PARTNER, "project": PROJECT_ID, "csrf_token": token}

    early = client.post(
        "/console/claim/approve",
        data={"partner": PARTNER, "record": "R1", "comment": "ok", "csrf_token": token},
    )
    assert 'data-code="CLAIM_HELD_BY_PROJECT"' in client.get(early.headers["location"]).text
    client.post("/console/project/open-review", data=form)
    approved = client.post("/console/project/approve", data={**form, "comment": "现场核查通过"})
    page = client.get(approved.headers["location"]).text
    assert 'data-code="OK"' in page and 'data-state="APPROVED"' in page

    hub.issuance.issue_pending()
    summary = client.get("/api/v1/summary").json()
    assert summary["issued_units"] > 0
    (project,) = client.get("/api/v1/projects").json()["items"]
    assert project["review_state"] == "APPROVED"
    assert ("APPROVED", ACTOR) in _actors(bureau_live, "project", f"{PARTNER}|{PROJECT_ID}")
    assert f'<tr data-id="{PARTNER}|R1">' not in client.get("/console").text


def test_approving_a_held_claim_issues_it(live: LiveLedger) -> None:
    hub, client = live.hub, live.client
    hub.projects.register(PARTNER, [pv_project()])
    (held,) = hub.ingestion.submit(
        PARTNER, [pv("R9", "2024-01-01", "2024-01-28", activity_quantity="900000000")]
    )
    assert held.decision is Decision.HELD, [c.code for c in held.checks]
    assert _log_in(client) == 303
    detail = client.get("/console/claim", params={"partner": PARTNER, "record": "R9"}).text
    codes = re.findall(r'<tr data-code="(\w+)"', detail)
    assert set(codes) >= {c.code for c in held.checks}
    answer = client.post(
        "/console/claim/approve",
        data={
            "partner": PARTNER,
            "record": "R9",
            "comment": "长周期经核实",
            "csrf_token": _token(detail),
        },
    )
    assert 'data-code="OK"' in client.get(answer.headers["location"]).text
    hub.issuance.issue_pending()
    assert client.get("/api/v1/summary").json()["issued_units"] > 0
    claim_id = held.claim_id
    assert any(actor == ACTOR for _, actor in _actors(live, "claim", claim_id))


def test_a_project_held_for_the_same_asset_names_the_matching_project(
    live: LiveLedger,
) -> None:
    hub, client = live.hub, live.client
    hub.projects.register(PARTNER, [pv_project()])
    (second,) = hub.projects.register(PARTNER, [pv_project(project_id="4401-PV-2023-0099")])
    assert "ASSET_ALREADY_REGISTERED" in {c.code for c in second.checks}
    assert _log_in(client) == 303
    assert f'<tr data-id="{PARTNER}|4401-PV-2023-0099">' in client.get("/console").text
    page = client.get(
        "/console/project", params={"partner": PARTNER, "project": "4401-PV-2023-0099"}
    ).text
    same_asset = page[page.index('id="project-same-asset"') :]
    same_asset = same_asset[: same_asset.index("</table>")]
    assert f'<tr data-id="{PARTNER}|{PROJECT_ID}">' in same_asset
    assert 'id="project-open-review-form"' in page
