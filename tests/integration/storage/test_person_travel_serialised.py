"""Deciding one person's travel takes turns across transactions (processes):
a batch reading the person's counted travel waits until a batch that read it
first has committed, so a daily total read is still true at commit. On SQLite
every writer takes turns (BEGIN IMMEDIATE); on PostgreSQL only batches sharing
a person do (an advisory transaction lock per person)."""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterator, Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision
from hub.domain.claims import Verdict
from hub.services.claim_port import NewClaimRecord
from hub.services.ingestion import IngestionService
from hub.services.unit_of_work import UnitOfWork
from hub.standard import Standard, default_standards_dir, load_standard
from hub.storage.database import create_engine_for, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.builders import PERSON_A, PERSON_B
from tests.unit.services.test_person_travel_ingestion import gd_day

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    migrate(database_url)
    engine = create_engine_for(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def standard() -> Standard:
    return load_standard(default_standards_dir())


class _PausedClaims:
    """Claim writes that first say they are about to write, then wait to be let go."""

    def __init__(self, inner: object, holding: threading.Event, release: threading.Event) -> None:
        self._inner, self._holding, self._release = inner, holding, release

    def add(self, records: Sequence[NewClaimRecord]) -> None:
        self._holding.set()
        assert self._release.wait(30)
        self._inner.add(records)  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


class _PausedFactory:
    def __init__(self, inner: SqlAlchemyUnitOfWorkFactory) -> None:
        self.inner = inner
        self.holding, self.release = threading.Event(), threading.Event()

    def __call__(self) -> UnitOfWork:
        uow = self.inner()
        uow.claims = _PausedClaims(uow.claims, self.holding, self.release)  # type: ignore[assignment]
        return uow


def _in_background(
    service: IngestionService, partner: str, claims: Collection[ClaimSubmission]
) -> tuple[threading.Thread, threading.Event, list[Verdict]]:
    done, answers = threading.Event(), []

    def run() -> None:
        answers.extend(service.submit(partner, list(claims)))
        done.set()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done, answers


def test_a_batch_waits_for_the_batch_that_read_the_persons_travel_first(
    engine: Engine, standard: Standard
) -> None:
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    paused = _PausedFactory(factory)
    first, _, first_answers = _in_background(
        IngestionService(paused, standard, lambda: NOW),
        "CN-GD",
        [gd_day("B-FIRST", "GD-BUS", "200", person_pseudonym=PERSON_A)],
    )
    try:
        assert paused.holding.wait(30)  # decided, about to write: holds the person's travel
        second, second_done, second_answers = _in_background(
            IngestionService(factory, standard, lambda: NOW),
            "CN-GD",
            [gd_day("M-SECOND", "GD-METRO", "150", person_pseudonym=PERSON_A)],
        )
        assert not second_done.wait(1.5), "decided while another batch held the person's travel"
    finally:
        paused.release.set()
    first.join(timeout=60)
    second.join(timeout=60)
    assert [v.decision for v in first_answers] == [Decision.ACCEPTED]
    # The second batch saw the first's 200 km: 350 in the day, held.
    (metro,) = second_answers
    assert metro.decision is Decision.HELD
    assert "PERSON_DAILY_MOBILITY_IMPLAUSIBLE" in {c.code for c in metro.checks}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_another_persons_travel_does_not_wait(
    engine: Engine, standard: Standard
) -> None:
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    paused = _PausedFactory(factory)
    first, _, first_answers = _in_background(
        IngestionService(paused, standard, lambda: NOW),
        "CN-GD",
        [gd_day("B-FIRST", "GD-BUS", "200", person_pseudonym=PERSON_A)],
    )
    try:
        assert paused.holding.wait(30)
        other, other_done, other_answers = _in_background(
            IngestionService(factory, standard, lambda: NOW),
            "CN-GD",
            [gd_day("M-OTHER", "GD-METRO", "150", person_pseudonym=PERSON_B)],
        )
        assert other_done.wait(30), "another person's travel waited for PERSON_A's"
    finally:
        paused.release.set()
    first.join(timeout=60)
    other.join(timeout=60)
    assert [v.decision for v in first_answers + other_answers] == [Decision.ACCEPTED] * 2
