"""Code run in separate OS processes by the points race test (spawned): one
hub process's ingestion and points services on a shared database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from carbonhub_contract.vocabulary.records import ClaimSubmission
from hub.domain.points import PointsRules
from hub.errors import FailedPrecondition
from hub.services.ingestion import IngestionService
from hub.services.points import PointsService
from hub.standard import default_standards_dir, load_standard
from hub.standard.points import load_points_rules
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.test_person_travel_ingestion import gd_trip

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
FIRST_DAY = date(2024, 1, 1)


def trip(i: int) -> ClaimSubmission:
    """The person's metro trip on day ``i``: one a day, so no cap or overlap bites."""
    day = (FIRST_DAY + timedelta(days=i)).isoformat()
    return replace(
        gd_trip(f"T{i:04}", "GD-METRO", "08:00", "08:30"),
        period_start=f"{day} 08:00:00",
        period_end=f"{day} 08:30:00",
    )


def award_and_redeem(
    url: str, worker: str, order: list[int], batch: int, ask: int, barrier: Any
) -> dict[str, int]:
    """Submit the trips (both workers send all of them) and, after each batch,
    redeem ``ask`` points under a new id and under an id both workers use."""
    engine = create_engine_for(url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    standard = load_standard(default_standards_dir())
    rules = load_points_rules(default_standards_dir(), standard)
    ingestion = IngestionService(factory, standard, lambda: NOW, write_retries=200, points=rules)
    points = PointsService(factory, lambda: NOW, write_retries=200)
    person = trip(0).person_pseudonym or ""
    stats = {"redeemed": 0, "insufficient": 0, "repeated": 0}
    barrier.wait(timeout=60)
    try:
        for n, start in enumerate(range(0, len(order), batch)):
            ingestion.submit("CN-GD", [trip(i) for i in order[start : start + batch]])
            for redemption_id in (f"{worker}-{n}", f"shared-{n}"):
                try:
                    outcome = points.redeem("CN-GD", person, redemption_id, ask)
                except FailedPrecondition as refused:
                    assert refused.code == "POINTS_INSUFFICIENT", refused.code
                    stats["insufficient"] += 1
                    continue
                if outcome.repeated:
                    stats["repeated"] += 1
                else:
                    stats["redeemed"] += outcome.points
        return stats
    finally:
        engine.dispose()


def award_trips(url: str, order: list[int], batch: int, barrier: Any) -> int:
    """Submit the trips in batches (each award's bound goes to its balance row)."""
    engine = create_engine_for(url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    standard = load_standard(default_standards_dir())
    rules = load_points_rules(default_standards_dir(), standard)
    ingestion = IngestionService(factory, standard, lambda: NOW, write_retries=200, points=rules)
    barrier.wait(timeout=60)
    try:
        for start in range(0, len(order), batch):
            ingestion.submit("CN-GD", [trip(i) for i in order[start : start + batch]])
        return len(order)
    finally:
        engine.dispose()


def sweep_while(url: str, now: datetime, awarding: Any, barrier: Any) -> int:
    """Run the expiry sweep at ``now`` (every award due) until ``awarding`` is
    cleared, then once more: the awards closed."""
    engine = create_engine_for(url)
    points = PointsService(SqlAlchemyUnitOfWorkFactory(engine), lambda: now, write_retries=200)
    barrier.wait(timeout=60)
    try:
        closed = 0
        while awarding.is_set():
            closed += points.expire_due()
        return closed + points.expire_due()
    finally:
        engine.dispose()


def day_trip(slot: int) -> ClaimSubmission:
    """The person's ``slot``-th metro trip of one day: 12 minutes and 2 pkm every
    15 minutes from midnight, so no two overlap, all fall on one Shenzhen day
    and 80 of them stay under the plausible daily travel."""
    start = datetime(2024, 1, 1, 0, 0) + timedelta(minutes=15 * slot)
    end = start + timedelta(minutes=12)
    return replace(
        gd_trip(f"D{slot:03}", "GD-METRO", "08:00", "08:30", activity_quantity="2"),
        period_start=start.strftime("%Y-%m-%d %H:%M:%S"),
        period_end=end.strftime("%Y-%m-%d %H:%M:%S"),
    )


def award_one_day(url: str, slots: list[int], daily_cap: int, barrier: Any) -> int:
    """Submit the day's trips of ``slots`` one a batch, under a daily cap of
    ``daily_cap`` points for the metro."""
    engine = create_engine_for(url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    standard = load_standard(default_standards_dir())
    loaded = load_points_rules(default_standards_dir(), standard)
    key = ("CN-GD", "SZ-TRANSIT-METRO")
    rules = PointsRules(
        {**loaded.rules, key: replace(loaded.rules[key], daily_cap=daily_cap)},
        loaded.default_platforms,
    )
    ingestion = IngestionService(factory, standard, lambda: NOW, write_retries=200, points=rules)
    barrier.wait(timeout=60)
    try:
        for slot in slots:
            ingestion.submit("CN-GD", [day_trip(slot)])
        return len(slots)
    finally:
        engine.dispose()
