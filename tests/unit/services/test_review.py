"""ReviewService and project review on in-memory storage: what the bureau and a partner see."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.claims import Verdict
from hub.domain.project_review import ProjectReviewState
from hub.errors import FailedPrecondition, InvalidRequest, NotFound
from hub.services.review import ReviewService
from hub.standard import Standard
from tests.review_standards import bureau_reviewed_standard

from .builders import PARTNER, PROJECT_ID, pv, pv_project
from .ledger_setup import Ledger, make_ledger

OFFICER = "王科长"


@pytest.fixture(scope="session")
def bureau_standard(tmp_path_factory: pytest.TempPathFactory) -> Standard:
    return bureau_reviewed_standard(tmp_path_factory.mktemp("std") / "standards")


@pytest.fixture
def ledger(bureau_standard: Standard) -> Ledger:
    return make_ledger(bureau_standard, register_project=False)


@pytest.fixture
def review(ledger: Ledger) -> ReviewService:
    return ReviewService(ledger.uow_factory, ledger.clock)


def _state(ledger: Ledger, project_id: str = PROJECT_ID) -> ProjectReviewState:
    return ledger.uow_factory.store.projects[(PARTNER, project_id)][0].review_state


def _verdict(ledger: Ledger, record_id: str) -> Verdict:
    status = ledger.ingestion.status(PARTNER, record_id)
    assert status is not None
    return status.verdict


def _project_events(ledger: Ledger) -> list[tuple[str, str]]:
    return [
        (e.event, e.actor)
        for e in ledger.uow_factory.store.events
        if e.subject_kind == "project" and e.subject_id == f"{PARTNER}|{PROJECT_ID}"
    ]


def test_under_a_bureau_agreement_a_project_waits_submitted_and_its_claims_are_held(
    ledger: Ledger,
) -> None:
    (result,) = ledger.projects.register(PARTNER, [pv_project()])
    assert result.decision is Decision.ACCEPTED
    assert result.review_state is ProjectReviewState.SUBMITTED

    (verdict,) = ledger.ingestion.submit(PARTNER, [pv("R1", "2024-01-01", "2024-01-28")])

    assert verdict.decision is Decision.HELD
    (check,) = [c for c in verdict.checks if c.code == "PROJECT_NOT_APPROVED"]
    assert check.details["state"] == "SUBMITTED"
    assert ledger.issuance.issue_pending().claims == 0


def test_approving_the_project_accepts_the_claims_it_held_and_they_issue(
    ledger: Ledger, review: ReviewService
) -> None:
    ledger.projects.register(PARTNER, [pv_project()])
    ledger.ingestion.submit(PARTNER, [pv("R1", "2024-01-01", "2024-01-28")])

    opened = review.open_project_review(PARTNER, PROJECT_ID, officer=OFFICER)
    approved = review.approve_project(PARTNER, PROJECT_ID, officer=OFFICER, comment="现场核查通过")

    assert (opened.state, approved.state) == (
        ProjectReviewState.UNDER_REVIEW,
        ProjectReviewState.APPROVED,
    )
    assert approved.claims_changed == 1
    assert _verdict(ledger, "R1").decision is Decision.ACCEPTED
    assert ledger.issuance.issue_pending().claims == 1
    assert _project_events(ledger) == [
        ("REGISTERED", PARTNER),
        ("UNDER_REVIEW", f"bureau:{OFFICER}"),
        ("APPROVED", f"bureau:{OFFICER}"),
    ]
    approval = next(e for e in ledger.uow_factory.store.events if e.event == "APPROVED")
    assert approval.details["comment"] == "现场核查通过"
    (new,) = ledger.ingestion.submit(PARTNER, [pv("R2", "2024-02-01", "2024-02-28")])
    assert new.decision is Decision.ACCEPTED


def test_rejecting_the_project_rejects_its_held_claims_and_frees_their_locks(
    ledger: Ledger, review: ReviewService
) -> None:
    ledger.projects.register(PARTNER, [pv_project()])
    ledger.ingestion.submit(PARTNER, [pv("R1", "2024-01-01", "2024-01-28")])
    review.open_project_review(PARTNER, PROJECT_ID, officer=OFFICER)

    outcome = review.reject_project(PARTNER, PROJECT_ID, officer=OFFICER, comment="重复备案")

    assert (outcome.state, outcome.claims_changed) == (ProjectReviewState.REJECTED, 1)
    status = _verdict(ledger, "R1")
    assert status.decision is Decision.REJECTED
    (check,) = [c for c in status.checks if c.code == "PROJECT_REJECTED"]
    assert check.details["comment"] == "重复备案"
    assert all(not rows for rows in ledger.uow_factory.store.locks.values())
    (later,) = ledger.ingestion.submit(PARTNER, [pv("R3", "2024-03-01", "2024-03-28")])
    assert later.decision is Decision.REJECTED
    assert "PROJECT_REJECTED" in {c.code for c in later.checks}


def test_transitions_outside_the_machine_are_coded_refusals(
    ledger: Ledger, review: ReviewService
) -> None:
    ledger.projects.register(PARTNER, [pv_project()])

    with pytest.raises(FailedPrecondition) as refused:
        review.approve_project(PARTNER, PROJECT_ID, officer=OFFICER, comment="太早")

    assert refused.value.code == "PROJECT_TRANSITION_NOT_ALLOWED"
    assert refused.value.details == {
        "partner": PARTNER,
        "project_id": PROJECT_ID,
        "state": "SUBMITTED",
        "action": "approve",
    }
    assert _state(ledger) is ProjectReviewState.SUBMITTED
    with pytest.raises(FailedPrecondition):
        ledger.bureau.suspend_project(PARTNER, PROJECT_ID, "inspection", OFFICER)
    with pytest.raises(NotFound) as missing:
        review.open_project_review(PARTNER, "NOPE", officer=OFFICER)
    assert missing.value.code == "PROJECT_NOT_FOUND"


def test_approve_and_reject_need_a_comment(ledger: Ledger, review: ReviewService) -> None:
    ledger.projects.register(PARTNER, [pv_project()])
    review.open_project_review(PARTNER, PROJECT_ID, officer=OFFICER)

    with pytest.raises(InvalidRequest) as refused:
        review.approve_project(PARTNER, PROJECT_ID, officer=OFFICER, comment="  ")

    assert refused.value.code == "REVIEW_COMMENT_REQUIRED"
    assert _state(ledger) is ProjectReviewState.UNDER_REVIEW


def test_a_suspended_project_resumes_to_approved(ledger: Ledger, review: ReviewService) -> None:
    ledger.projects.register(PARTNER, [pv_project()])
    review.open_project_review(PARTNER, PROJECT_ID, officer=OFFICER)
    review.approve_project(PARTNER, PROJECT_ID, officer=OFFICER, comment="ok")

    ledger.bureau.suspend_project(PARTNER, PROJECT_ID, "inspection", OFFICER)
    assert _state(ledger) is ProjectReviewState.SUSPENDED
    ledger.bureau.resume_project(PARTNER, PROJECT_ID, "inspection passed", OFFICER)

    assert _state(ledger) is ProjectReviewState.APPROVED
    assert [event for event, _ in _project_events(ledger)][-2:] == ["SUSPENDED", "APPROVED"]


def _held_claim(ledger: Ledger) -> None:
    """An approved project and one claim held for review (quantity out of bounds)."""
    review = ReviewService(ledger.uow_factory, ledger.clock)
    ledger.projects.register(PARTNER, [pv_project()])
    review.open_project_review(PARTNER, PROJECT_ID, officer=OFFICER)
    review.approve_project(PARTNER, PROJECT_ID, officer=OFFICER, comment="ok")
    (verdict,) = ledger.ingestion.submit(
        PARTNER, [pv("H1", "2024-01-01", "2024-01-28", activity_quantity="99999999")]
    )
    assert verdict.decision is Decision.HELD, [c.code for c in verdict.checks]


def test_a_reviewer_approves_a_held_claim_and_it_goes_on_to_issuance(
    ledger: Ledger, review: ReviewService
) -> None:
    _held_claim(ledger)

    outcome = review.approve_claim(PARTNER, "H1", officer=OFFICER, comment="电表读数已核实")

    assert outcome.decision is Decision.ACCEPTED
    status = _verdict(ledger, "H1")
    assert status.decision is Decision.ACCEPTED
    assert "CLAIM_APPROVED_BY_REVIEWER" in {c.code for c in status.checks}
    assert ledger.issuance.issue_pending().claims == 1
    with pytest.raises(FailedPrecondition) as again:
        review.approve_claim(PARTNER, "H1", officer="李四", comment="twice")
    assert again.value.code == "CLAIM_NOT_HELD"


def test_a_reviewer_approved_claim_is_not_held_again_after_a_suspension(
    ledger: Ledger, review: ReviewService
) -> None:
    _held_claim(ledger)
    review.approve_claim(PARTNER, "H1", officer=OFFICER, comment="ok")

    ledger.bureau.suspend_project(PARTNER, PROJECT_ID, "inspection", OFFICER)
    ledger.bureau.resume_project(PARTNER, PROJECT_ID, "passed", OFFICER)

    assert _verdict(ledger, "H1").decision is Decision.ACCEPTED


def test_a_reviewer_rejects_a_held_claim_and_its_locks_are_freed(
    ledger: Ledger, review: ReviewService
) -> None:
    _held_claim(ledger)

    outcome = review.reject_claim(PARTNER, "H1", officer=OFFICER, comment="读数异常")

    assert outcome.decision is Decision.REJECTED
    assert _verdict(ledger, "H1").decision is Decision.REJECTED
    assert all(not rows for rows in ledger.uow_factory.store.locks.values())
    claim_events = [e for e in ledger.uow_factory.store.events if e.subject_kind == "claim"]
    assert (claim_events[-1].event, claim_events[-1].actor) == ("REJECTED", f"bureau:{OFFICER}")
    assert claim_events[-1].details["comment"] == "读数异常"


def test_claims_of_an_unapproved_project_are_decided_through_the_project(
    ledger: Ledger, review: ReviewService
) -> None:
    ledger.projects.register(PARTNER, [pv_project()])
    ledger.ingestion.submit(PARTNER, [pv("R1", "2024-01-01", "2024-01-28")])

    with pytest.raises(FailedPrecondition) as refused:
        review.approve_claim(PARTNER, "R1", officer=OFFICER, comment="ok")

    assert refused.value.code == "CLAIM_HELD_BY_PROJECT"
    with pytest.raises(NotFound) as missing:
        review.approve_claim(PARTNER, "NOPE", officer=OFFICER, comment="ok")
    assert missing.value.code == "CLAIM_NOT_FOUND"


def test_under_a_partner_registry_agreement_a_project_is_approved_at_once(
    standard: Standard, tmp_path: Path
) -> None:
    ledger = make_ledger(standard, register_project=False)

    (result,) = ledger.projects.register(PARTNER, [pv_project()])

    assert result.review_state is ProjectReviewState.APPROVED
    assert _project_events(ledger) == [
        ("REGISTERED", PARTNER),
        ("UNDER_REVIEW", f"agreement:{PARTNER}"),
        ("APPROVED", f"agreement:{PARTNER}"),
    ]


def test_the_same_asset_under_another_project_id_is_held_submitted_naming_the_first(
    standard: Standard,
) -> None:
    ledger = make_ledger(standard, register_project=False)
    ledger.projects.register(PARTNER, [pv_project()])

    # The same plant: 0.38 MW, a few hundred metres from the first coordinates.
    (again,) = ledger.projects.register(
        PARTNER,
        [
            pv_project(
                project_id="4401-PV-2024-0100",
                size_value="0.38",
                size_unit="MW",
                longitude="113.4551",
                latitude="23.1688",
            )
        ],
    )

    assert again.decision is Decision.HELD
    assert again.review_state is ProjectReviewState.SUBMITTED
    (check,) = [c for c in again.checks if c.code == "ASSET_ALREADY_REGISTERED"]
    assert (check.details["other_partner"], check.details["other_project_id"]) == (
        PARTNER,
        PROJECT_ID,
    )
    assert _state(ledger, "4401-PV-2024-0100") is ProjectReviewState.SUBMITTED
    registered = next(
        e
        for e in ledger.uow_factory.store.events
        if e.subject_id == f"{PARTNER}|4401-PV-2024-0100" and e.event == "REGISTERED"
    )
    assert registered.details["same_asset"] == f"{PARTNER}/{PROJECT_ID}"
    (claim,) = ledger.ingestion.submit(
        PARTNER, [pv("D-1", "2024-01-01", "2024-01-28", project_id="4401-PV-2024-0100")]
    )
    assert claim.decision is Decision.HELD


def test_a_change_that_moves_a_project_onto_another_asset_is_held_and_not_stored(
    standard: Standard,
) -> None:
    ledger = make_ledger(standard, register_project=False)
    far = {"longitude": "113.9000", "latitude": "22.6000"}
    ledger.projects.register(PARTNER, [pv_project(), pv_project(project_id="OTHER", **far)])
    before = ledger.uow_factory.store.projects[(PARTNER, "OTHER")][0]

    (moved,) = ledger.projects.register(PARTNER, [pv_project(project_id="OTHER")])

    assert moved.decision is Decision.HELD
    assert "ASSET_ALREADY_REGISTERED" in {c.code for c in moved.checks}
    assert ledger.uow_factory.store.projects[(PARTNER, "OTHER")][0] == before
    # Re-sending the stored registration unchanged is not a new asset: nothing fires.
    (same,) = ledger.projects.register(PARTNER, [pv_project(project_id="OTHER", **far)])
    assert (same.decision, same.checks) == (Decision.ACCEPTED, ())
