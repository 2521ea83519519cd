"""ProjectRegistrationService: what a partner registering projects sees, on in-memory storage."""

from __future__ import annotations

from datetime import date

import pytest

from carbonhub_contract.vocabulary.records import Decision, PartnerProjectStatus
from hub.domain.credit_codes import ALPHABET
from hub.errors import InvalidRequest
from hub.services.ingestion import IngestionService
from hub.services.projects import ProjectRegistrationService
from hub.standard import Standard
from tests.fakes import FakeUnitOfWorkFactory

from .builders import CREDIT_CODE, PARTNER, PROJECT_ID, pv, pv_project
from .conftest import NOW, fixed_clock


@pytest.fixture
def projects(uow_factory: FakeUnitOfWorkFactory, standard: Standard) -> ProjectRegistrationService:
    return ProjectRegistrationService(uow_factory, standard)


@pytest.fixture
def ingestion(uow_factory: FakeUnitOfWorkFactory, standard: Standard) -> IngestionService:
    return IngestionService(uow_factory, standard, fixed_clock)


def _wrong_check_character(code: str) -> str:
    other = next(c for c in ALPHABET if c != code[-1])
    return code[:-1] + other


def test_a_valid_project_is_accepted_and_stored(
    projects: ProjectRegistrationService, uow_factory: FakeUnitOfWorkFactory
) -> None:
    (result,) = projects.register(PARTNER, [pv_project()])

    assert result.project_id == PROJECT_ID
    assert result.decision is Decision.ACCEPTED
    assert result.checks == ()
    project, version, registered_at = uow_factory.store.projects[(PARTNER, PROJECT_ID)]
    assert version == 1
    assert registered_at == NOW
    assert project.owner_credit_code == CREDIT_CODE
    assert project.crediting_start == date(2023, 3, 1)
    assert project.crediting_end == date(2033, 2, 28)
    assert project.status is PartnerProjectStatus.REGISTERED


def test_a_registered_project_lets_its_claims_through(
    projects: ProjectRegistrationService, ingestion: IngestionService
) -> None:
    projects.register(PARTNER, [pv_project()])

    (verdict,) = ingestion.submit(PARTNER, [pv("P1", "2025-06-01", "2025-06-30")])

    assert verdict.decision is Decision.ACCEPTED, [c.code for c in verdict.checks]
    assert verdict.methodology == "SZ-PV"


def test_an_invalid_credit_code_is_rejected_and_not_stored(
    projects: ProjectRegistrationService,
    ingestion: IngestionService,
    uow_factory: FakeUnitOfWorkFactory,
) -> None:
    bad_code = _wrong_check_character(CREDIT_CODE)

    (result,) = projects.register(PARTNER, [pv_project(owner_credit_code=bad_code)])

    assert result.decision is Decision.REJECTED
    credit = [c for c in result.checks if c.code == "CREDIT_CODE_INVALID"]
    assert len(credit) == 1
    assert credit[0].details["credit_code"] == bad_code
    assert credit[0].details["field"] == "owner_credit_code"
    assert uow_factory.store.projects == {}
    (verdict,) = ingestion.submit(PARTNER, [pv("P1", "2025-06-01", "2025-06-30")])
    assert verdict.decision is Decision.REJECTED
    assert "PROJECT_NOT_REGISTERED" in {c.code for c in verdict.checks}


def test_registering_the_same_project_again_unchanged_is_quiet(
    projects: ProjectRegistrationService, uow_factory: FakeUnitOfWorkFactory
) -> None:
    projects.register(PARTNER, [pv_project()])

    (again,) = projects.register(PARTNER, [pv_project()])

    assert again.decision is Decision.ACCEPTED
    assert again.checks == ()
    assert uow_factory.store.projects[(PARTNER, PROJECT_ID)][1] == 1


def test_a_suspension_is_recorded_with_a_warning_and_stops_claims(
    projects: ProjectRegistrationService,
    ingestion: IngestionService,
    uow_factory: FakeUnitOfWorkFactory,
) -> None:
    projects.register(PARTNER, [pv_project()])

    (changed,) = projects.register(PARTNER, [pv_project(status=PartnerProjectStatus.SUSPENDED)])

    assert changed.decision is Decision.ACCEPTED
    assert [c.code for c in changed.checks] == ["PROJECT_CHANGED"]
    stored, version, _ = uow_factory.store.projects[(PARTNER, PROJECT_ID)]
    assert stored.status is PartnerProjectStatus.SUSPENDED
    assert version == 2

    (verdict,) = ingestion.submit(PARTNER, [pv("P1", "2025-06-01", "2025-06-30")])
    assert verdict.decision is Decision.REJECTED
    not_active = [c for c in verdict.checks if c.code == "PROJECT_NOT_ACTIVE"]
    assert len(not_active) == 1
    assert not_active[0].details["status"] == "SUSPENDED"

    # Re-registered as active again: a new claim for the project gets through.
    (resumed,) = projects.register(PARTNER, [pv_project()])
    assert [c.code for c in resumed.checks] == ["PROJECT_CHANGED"]
    (later,) = ingestion.submit(PARTNER, [pv("P2", "2025-07-01", "2025-07-31")])
    assert later.decision is Decision.ACCEPTED, [c.code for c in later.checks]


def test_a_change_inside_one_request_is_reported_on_the_second_entry(
    projects: ProjectRegistrationService, uow_factory: FakeUnitOfWorkFactory
) -> None:
    first, second = projects.register(PARTNER, [pv_project(), pv_project(size_value="400")])

    assert first.checks == ()
    assert [c.code for c in second.checks] == ["PROJECT_CHANGED"]
    assert uow_factory.store.projects[(PARTNER, PROJECT_ID)][0].size_value == "400"


def test_a_rejected_change_leaves_the_registered_project_as_it_was(
    projects: ProjectRegistrationService, uow_factory: FakeUnitOfWorkFactory
) -> None:
    projects.register(PARTNER, [pv_project()])

    (result,) = projects.register(
        PARTNER, [pv_project(owner_credit_code=_wrong_check_character(CREDIT_CODE))]
    )

    assert result.decision is Decision.REJECTED
    stored, version, _ = uow_factory.store.projects[(PARTNER, PROJECT_ID)]
    assert stored.owner_credit_code == CREDIT_CODE
    assert version == 1


def test_a_project_naming_another_partner_refuses_the_request(
    projects: ProjectRegistrationService, uow_factory: FakeUnitOfWorkFactory
) -> None:
    with pytest.raises(InvalidRequest) as raised:
        projects.register(PARTNER, [pv_project(), pv_project(partner="CN-HK", project_id="X")])

    assert raised.value.code == "ENVELOPE_PARTNER_MISMATCH"
    assert uow_factory.store.projects == {}
