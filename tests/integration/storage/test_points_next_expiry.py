"""The expiry sweep's per-person bound (points_balances.next_expiry, migration
0022) on SQLite and PostgreSQL: an award never leaves it later than the award's
expiry, the sweep moves it to the next open award (or NULL), and a bound left
early by a reversal costs the sweep a look, never an award that stays open."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update

import hub.services.points as points_service
from hub.domain.points import EntryKind, PointsRules
from hub.services.ingestion import IngestionService
from hub.services.points import PointsService, reverse_points
from hub.services.points_port import LedgerPointsEntry
from hub.standard import Standard, default_standards_dir
from hub.standard.points import load_points_rules
from hub.storage.points_expiry_bounds import late_expiry_bounds
from hub.storage.points_tables import PointsBalanceRow
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.test_points_ledger import NOW, _Clock, standard
from tests.unit.services.builders import PERSON_A, PERSON_B
from tests.unit.services.test_person_travel_ingestion import gd_trip

__all__ = ["standard"]  # the fixture, shared with the points ledger's tests


def _rules(standard: Standard, months: int) -> PointsRules:
    loaded = load_points_rules(default_standards_dir(), standard)
    rules = {
        key: replace(rule, daily_cap=100_000, validity_months=months) if key[0] == "CN-GD" else rule
        for key, rule in loaded.rules.items()
    }
    return PointsRules(rules, loaded.default_platforms)


def _bound(engine: Engine, person: str) -> datetime | None:
    with engine.connect() as connection:
        return connection.execute(
            select(PointsBalanceRow.next_expiry).where(
                PointsBalanceRow.partner == "CN-GD", PointsBalanceRow.person == person
            )
        ).scalar_one()


def _late(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return late_expiry_bounds(connection)


def _open_expiries(points: PointsService, person: str) -> list[datetime]:
    history = points.history(person, "CN-GD")
    closed = {e.claim_id for e in history if e.kind in (EntryKind.EXPIRY, EntryKind.REVERSAL)}
    return sorted(
        e.expires_at
        for e in history
        if e.kind is EntryKind.AWARD and e.claim_id not in closed and e.expires_at is not None
    )


def _submit(
    engine: Engine, standard: Standard, clock: _Clock, months: int, *trips: tuple[str, str]
) -> None:
    ingestion = IngestionService(
        SqlAlchemyUnitOfWorkFactory(engine), standard, clock, points=_rules(standard, months)
    )
    submissions = [
        gd_trip(record, "GD-METRO", start, start[:3] + "30", person_pseudonym=person)
        for record, start, person in (
            (record, start, PERSON_A) if not record.startswith("B") else (record, start, PERSON_B)
            for record, start in trips
        )
    ]
    outcomes = ingestion.submit("CN-GD", submissions)
    assert outcomes


def test_an_award_keeps_the_earlier_of_the_bound_and_its_expiry(
    engine: Engine, standard: Standard
) -> None:
    clock = _Clock()
    points = PointsService(SqlAlchemyUnitOfWorkFactory(engine), clock)
    _submit(engine, standard, clock, 12, ("T1", "08:00"))
    (year,) = _open_expiries(points, PERSON_A)
    assert _bound(engine, PERSON_A) == year
    # A later award with a shorter validity expires first: the upsert must
    # lower the bound to it, or the sweep would pass that award by.
    clock.now = NOW + timedelta(days=1)
    _submit(engine, standard, clock, 1, ("T2", "09:00"))
    month, _ = _open_expiries(points, PERSON_A)
    assert month < year
    assert _bound(engine, PERSON_A) == month
    # An award expiring later leaves it where it is.
    _submit(engine, standard, clock, 24, ("T3", "10:00"))
    assert _bound(engine, PERSON_A) == month
    assert _late(engine) == []


def test_the_sweep_moves_the_bound_to_the_next_open_award_then_to_none(
    engine: Engine, standard: Standard
) -> None:
    clock = _Clock()
    points = PointsService(SqlAlchemyUnitOfWorkFactory(engine), clock)
    _submit(engine, standard, clock, 1, ("T1", "08:00"))
    _submit(engine, standard, clock, 12, ("T2", "09:00"))
    month, year = _open_expiries(points, PERSON_A)
    assert _bound(engine, PERSON_A) == month

    clock.now = month - timedelta(seconds=1)
    assert points.expire_due() == 0
    assert _bound(engine, PERSON_A) == month
    clock.now = month
    assert points.expire_due() == 1
    assert _bound(engine, PERSON_A) == year
    assert _late(engine) == []
    clock.now = year + timedelta(days=1)
    assert points.expire_due() == 1
    assert _bound(engine, PERSON_A) is None
    assert points.expire_due() == 0
    assert points.balance("CN-GD", PERSON_A) == 0


def test_a_bound_left_early_by_a_reversal_does_not_end_the_sweep(
    engine: Engine, standard: Standard, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One person a batch: PERSON_A (first in key order) has only a reversed
    # award, so their batch expires nothing; PERSON_B's award is due after it.
    monkeypatch.setattr(points_service, "EXPIRY_BATCH", 1)
    assert PERSON_A < PERSON_B
    clock = _Clock()
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    points = PointsService(factory, clock)
    _submit(engine, standard, clock, 1, ("T1", "08:00"), ("B1", "09:00"))
    (award,) = [e for e in points.history(PERSON_A, "CN-GD") if e.kind is EntryKind.AWARD]
    with factory() as uow:
        uow.events.append(
            reverse_points(uow, [award.claim_id or ""], "test", clock.now, "withdrawn")
        )
        uow.commit()
    # Reversals leave the bound: early now, which the invariant allows.
    assert _bound(engine, PERSON_A) is not None
    assert _late(engine) == []

    clock.now = NOW + timedelta(days=40)
    assert points.expire_due() == 1
    expired = [e for e in points.history(PERSON_B, "CN-GD") if e.kind is EntryKind.EXPIRY]
    assert len(expired) == 1
    assert _bound(engine, PERSON_A) is None and _bound(engine, PERSON_B) is None
    assert points.expire_due() == 0


def test_a_bound_later_than_an_open_award_is_named(engine: Engine, standard: Standard) -> None:
    clock = _Clock()
    _submit(engine, standard, clock, 1, ("T1", "08:00"), ("B1", "09:00"))
    assert _late(engine) == []
    with engine.begin() as connection:
        connection.execute(
            update(PointsBalanceRow)
            .where(PointsBalanceRow.person == PERSON_B)
            .values(next_expiry=NOW + timedelta(days=400))
        )
    assert _late(engine) == [f"CN-GD|{PERSON_B}"]
    with engine.begin() as connection:
        connection.execute(
            update(PointsBalanceRow)
            .where(PointsBalanceRow.person == PERSON_B)
            .values(next_expiry=None)
        )
    assert _late(engine) == [f"CN-GD|{PERSON_B}"]


def test_an_award_written_with_a_larger_redemption_still_lowers_the_bound(
    engine: Engine, standard: Standard
) -> None:
    # add() of entries that take more than they add updates the balance
    # instead of upserting it: the award among them must lower the bound all
    # the same (not the ingestion path, which only adds).
    clock = _Clock()
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    _submit(engine, standard, clock, 12, ("T1", "08:00"))
    held = PointsService(factory, clock).balance("CN-GD", PERSON_A)
    soon = NOW + timedelta(days=3)
    with factory() as uow:
        uow.points.add(
            [
                LedgerPointsEntry(
                    EntryKind.AWARD, "CN-GD", PERSON_A, 1, NOW, claim_id="X1", expires_at=soon
                ),
                LedgerPointsEntry(
                    EntryKind.REDEMPTION, "CN-GD", PERSON_A, held, NOW, redemption_id="R"
                ),
            ]
        )
        uow.commit()
    assert _bound(engine, PERSON_A) == soon
    assert _late(engine) == []
