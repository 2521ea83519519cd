"""The bureau console: login, sessions, CSRF, throttling, and actions through services."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from carbonhub_contract.vocabulary.checks import Severity
from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision
from hub.domain.checks import CheckResult
from hub.domain.claims import Verdict
from hub.services.review_queue import ClaimEvidence, HeldClaim
from tests.fakes_disclosure import day

from .conftest import OFFICER_NAME, PASSWORD, USERNAME, Fakes, csrf_of, log_in


def _held(fakes: Fakes, record_id: str = "R1") -> None:
    check = CheckResult(
        "PROJECT_NOT_APPROVED",
        Severity.REVIEW,
        "项目未批准",
        "project not approved",
        {"project_id": "P1", "state": "SUBMITTED"},
    )
    verdict = Verdict("CN-GD", record_id, f"C-{record_id}", Decision.HELD, (check,))
    submission = ClaimSubmission(
        partner="CN-GD",
        delivery_id="D1",
        record_id=record_id,
        partner_methodology="GD-PV",
        period_start="2024-01-01",
        period_end="2024-01-31",
        time_zone="Asia/Shanghai",
        activity_quantity="9000",
        activity_unit="kWh",
        raw={"发电量": "9000"},
    )
    claim = HeldClaim(
        "CN-GD",
        record_id,
        f"C-{record_id}",
        day("2024-02-01"),
        "SZ-PV",
        2024,
        None,
        "PROJECT_NOT_APPROVED",
        ("PROJECT_NOT_APPROVED",),
    )
    fakes.queue.claims[("CN-GD", record_id)] = ClaimEvidence(claim, "HELD", verdict, submission, ())


def test_the_console_sends_a_visitor_to_the_login_page(client: TestClient) -> None:
    answer = client.get("/console/claim", params={"partner": "CN-GD", "record": "R1"})
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login?next=/console/claim")
    post = client.post("/console/claim/approve", data={"partner": "CN-GD", "record": "R1"})
    assert post.status_code == 303 and post.headers["location"].startswith("/console/login")


def test_logging_in_starts_a_fresh_session_with_a_strict_http_only_cookie(
    client: TestClient,
) -> None:
    page = client.get("/console/login")
    before = client.cookies.get("carbonhub_console")
    answer = client.post(
        "/console/login",
        data={"username": USERNAME, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/console"
    cookie = answer.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert "path=/console" in cookie.lower()
    assert client.cookies.get("carbonhub_console") != before
    queue = client.get("/console")
    assert queue.status_code == 200 and f'id="officer-name">{OFFICER_NAME}<' in queue.text
    assert csrf_of(queue.text) != csrf_of(page.text)  # a new token with the new session


def test_a_wrong_password_is_refused_and_repeated_failures_are_throttled(
    client: TestClient, fakes: Fakes
) -> None:
    token = csrf_of(client.get("/console/login").text)
    for _ in range(3):
        wrong = client.post(
            "/console/login",
            data={"username": USERNAME, "password": "not the password", "csrf_token": token},
        )
        assert wrong.status_code == 401 and 'id="error-code">LOGIN_FAILED<' in wrong.text
    throttled = client.post(
        "/console/login",
        data={"username": USERNAME, "password": PASSWORD, "csrf_token": token},
    )
    assert throttled.status_code == 429 and 'id="error-code">LOGIN_THROTTLED<' in throttled.text
    assert int(throttled.headers["retry-after"]) >= 1
    fakes.clock.now += timedelta(seconds=61)
    assert (
        client.post(
            "/console/login",
            data={"username": USERNAME, "password": PASSWORD, "csrf_token": token},
        ).status_code
        == 303
    )


def test_a_post_without_the_sessions_csrf_token_is_refused(
    client: TestClient, fakes: Fakes
) -> None:
    _held(fakes)
    log_in(client)
    for token in ("", "forged"):
        refused = client.post(
            "/console/claim/approve",
            data={"partner": "CN-GD", "record": "R1", "comment": "ok", "csrf_token": token},
        )
        assert refused.status_code == 403
        assert 'id="error-code">CSRF_TOKEN_INVALID<' in refused.text
    assert fakes.review.calls == []
    login_without = client.post("/console/login", data={"username": USERNAME, "password": PASSWORD})
    assert login_without.status_code == 403


def test_approving_a_held_claim_calls_the_review_service_with_the_officer(
    client: TestClient, fakes: Fakes
) -> None:
    _held(fakes)
    token = log_in(client)
    queue = client.get("/console")
    assert '<tr data-id="CN-GD|R1">' in queue.text
    detail = client.get("/console/claim", params={"partner": "CN-GD", "record": "R1"})
    assert 'data-code="PROJECT_NOT_APPROVED"' in detail.text and "发电量" in detail.text
    answer = client.post(
        "/console/claim/approve",
        data={"partner": "CN-GD", "record": "R1", "comment": "现场核查通过", "csrf_token": token},
    )
    assert answer.status_code == 303
    assert fakes.review.calls == [
        (
            "approve_claim",
            "CN-GD",
            "R1",
            {"officer": f"{OFFICER_NAME} ({USERNAME})", "comment": "现场核查通过"},
        )
    ]
    after = client.get(answer.headers["location"])
    assert 'id="flash" class="flash flash-ok" data-code="OK"' in after.text
    decided = 'id="claim-decision" class="state state-accepted" data-decision="ACCEPTED">'
    assert decided in after.text
    assert '<tr data-id="CN-GD|R1">' not in client.get("/console").text


def test_a_refused_action_shows_its_code(client: TestClient, fakes: Fakes) -> None:
    _held(fakes)
    token = log_in(client)
    answer = client.post(
        "/console/claim/reject",
        data={"partner": "CN-GD", "record": "R1", "comment": " ", "csrf_token": token},
    )
    page = client.get(answer.headers["location"])
    assert 'data-code="REVIEW_COMMENT_REQUIRED"' in page.text
    missing = client.get("/console/claim", params={"partner": "CN-GD", "record": "nope"})
    assert missing.status_code == 404 and 'id="error-code">CLAIM_NOT_FOUND<' in missing.text


def test_logging_out_ends_the_session_even_for_a_copied_cookie(client: TestClient) -> None:
    token = log_in(client)
    copied = client.cookies.get("carbonhub_console")
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/console").status_code == 303
    client.cookies.set("carbonhub_console", copied or "", path="/console")
    assert client.get("/console").status_code == 303


def test_the_reconciliation_page_lists_every_counterpart(client: TestClient) -> None:
    log_in(client)
    page = client.get("/console/reconciliations")
    assert page.status_code == 200
    assert 'data-counterpart="EXCHANGE"' in page.text and 'data-counterpart="CN-GD"' in page.text


def test_cancelling_an_unknown_block_is_a_coded_refusal(client: TestClient) -> None:
    token = log_in(client)
    answer = client.post(
        "/console/blocks/cancel",
        data={"block": "B-none", "reason": "fraud", "confirm": "yes", "csrf_token": token},
    )
    page = client.get(answer.headers["location"])
    assert 'data-code="BLOCK_NOT_FOUND"' in page.text
