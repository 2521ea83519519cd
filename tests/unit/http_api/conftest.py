"""The HTTP app over in-memory fakes, driven through the ASGI app (TestClient)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from pydantic import SecretStr

from hub.http_api.app import create_http_app
from hub.http_api.context import HttpServices
from hub.http_api.methodology_names import methodology_names
from hub.http_api.partner_names import partner_names
from hub.services.bureau import BureauService
from hub.services.disclosure import DisclosureService
from hub.services.officers_auth import OfficerAuthService
from hub.services.reconciliation import ReconciliationService
from hub.services.review_queue import ReviewQueueService
from hub.settings import HubSettings
from hub.standard import Standard, default_standards_dir, load_standard
from tests.fakes import FakeUnitOfWorkFactory
from tests.fakes_disclosure import (
    FakeDisclosureQueries,
    FakeOfficerStore,
    FakeReview,
    FakeReviewQueueQueries,
)

PASSWORD = "correct horse battery"
USERNAME = "wang"
OFFICER_NAME = "王科长"


@dataclass
class Clock:
    now: datetime = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Fakes:
    disclosure: FakeDisclosureQueries
    queue: FakeReviewQueueQueries
    officers: FakeOfficerStore
    review: FakeReview
    clock: Clock
    auth: OfficerAuthService


@pytest.fixture(scope="session")
def standard() -> Standard:
    return load_standard(default_standards_dir())


@pytest.fixture
def fakes() -> Fakes:
    clock = Clock()
    queue = FakeReviewQueueQueries()
    store = FakeOfficerStore()
    # A cheap Argon2id: the parameters are not what these tests are about.
    auth = OfficerAuthService(
        store,
        clock,
        max_failures=3,
        window_seconds=60,
        hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )
    auth.add_officer(USERNAME, OFFICER_NAME, PASSWORD, added_by="test")
    return Fakes(FakeDisclosureQueries(), queue, store, FakeReview(queue), clock, auth)


@pytest.fixture
def client(fakes: Fakes, standard: Standard, tmp_path: Path) -> Iterator[TestClient]:
    settings = HubSettings(data_dir=tmp_path, session_secret=SecretStr("s" * 48))
    uow = FakeUnitOfWorkFactory(fakes.clock)
    services = HttpServices(
        disclosure=DisclosureService(fakes.disclosure),
        officers=fakes.auth,
        review_queue=ReviewQueueService(fakes.queue),
        review=fakes.review,
        bureau=BureauService(uow, fakes.clock),
        reconciliations=ReconciliationService(uow, standard, fakes.clock),
        counterparts=("EXCHANGE", "CN-GD", "CN-HK"),
        settings=settings,
        partner_names=partner_names(standard),
        methodology_names=methodology_names(standard),
    )
    with TestClient(create_http_app(services, settings), follow_redirects=False) as test_client:
        yield test_client


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "no CSRF token in the form"
    return found.group(1)


def log_in(client: TestClient, username: str = USERNAME, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    page = client.get("/console/login")
    answer = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/console").text)
