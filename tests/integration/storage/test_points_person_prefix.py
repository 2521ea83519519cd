"""The points entries are found by the person's first eight bytes and the day
(``ix_points_entries_person_prefix_day``, migration 0039), on SQLite and
PostgreSQL: the awards a daily cap counts and a person's entries are exactly
the partner's and person's, persons sharing a prefix included, and SQLite
reads them through the index (not every award by kind, nor every entry).
The migration both ways: the earlier index back, the same answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, event, insert

from hub.domain.points import EntryKind
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.points_tables import PointsEntryRow
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.index_definitions import index_definition

INDEX = "ix_points_entries_person_prefix_day"
DAY = date(2024, 10, 2)
PERSONS = 300
# Two persons whose digests share their first eight bytes, and a person
# whose pseudonym is not a digest (kept as 0xFF and its text).
TWIN_A = "ab" * 8 + "01" * 24
TWIN_B = "ab" * 8 + "02" * 24
NAMED = "person-with-a-name"


def _person(n: int) -> str:
    return f"{n:064x}"


def _fill(engine: Engine) -> None:
    """For each person and partner CN-GD / CN-HK, an award on each of three
    days (2 points on DAY), and a redemption on DAY."""
    at = datetime(2024, 10, 2, 1, tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    persons = [_person(n) for n in range(PERSONS)] + [TWIN_A, TWIN_B, NAMED]
    for n, person in enumerate(persons):
        for partner in ("CN-GD", "CN-HK"):
            for offset in range(3):
                rows.append(
                    {
                        "kind": str(EntryKind.AWARD),
                        "partner": partner,
                        "person": person,
                        "platform": None,
                        "methodology": "SZ-BUS",
                        "claim_id": f"{n:016x}{offset:08x}{len(partner) + len(rows):08x}",
                        "redemption_id": None,
                        "points": 2 + offset,
                        "day": DAY + timedelta(days=offset),
                        "occurred_at": at + timedelta(days=offset),
                        "expires_at": at + timedelta(days=400),
                    }
                )
            rows.append(
                {
                    "kind": str(EntryKind.REDEMPTION),
                    "partner": partner,
                    "person": person,
                    "platform": None,
                    "methodology": None,
                    "claim_id": None,
                    "redemption_id": f"R-{n}",
                    "points": 1,
                    "day": DAY,
                    "occurred_at": at,
                    "expires_at": None,
                }
            )
    with engine.begin() as connection:
        connection.execute(insert(PointsEntryRow), rows)


def _answers(engine: Engine) -> tuple[Any, ...]:
    keys = [("CN-GD", p, "SZ-BUS", DAY) for p in (TWIN_A, TWIN_B, NAMED, _person(7))]
    keys.append(("CN-HK", _person(7), "SZ-BUS", DAY + timedelta(days=1)))
    with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
        awarded = uow.points.awarded_on(keys)
        entries = [
            [(e.kind, e.partner, e.person, e.points, e.day) for e in uow.points.entries(partner, p)]
            for partner, p in (("CN-GD", TWIN_A), ("CN-HK", TWIN_B), ("CN-GD", NAMED))
        ]
    return awarded, entries


def _check(answers: tuple[Any, ...]) -> None:
    awarded, entries = answers
    assert awarded == {
        ("CN-GD", TWIN_A, "SZ-BUS", DAY): 2,
        ("CN-GD", TWIN_B, "SZ-BUS", DAY): 2,
        ("CN-GD", NAMED, "SZ-BUS", DAY): 2,
        ("CN-GD", _person(7), "SZ-BUS", DAY): 2,
        ("CN-HK", _person(7), "SZ-BUS", DAY + timedelta(days=1)): 3,
    }
    for (partner, person), found in zip(
        (("CN-GD", TWIN_A), ("CN-HK", TWIN_B), ("CN-GD", NAMED)), entries, strict=True
    ):
        assert {(e[1], e[2]) for e in found} == {(partner, person)}
        assert sorted(e[3] for e in found) == [1, 2, 3, 4]


def test_a_persons_awards_and_entries_are_read_by_prefix_through_the_index(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    migrate(url)
    engine = create_engine_for(url)
    executed: list[tuple[str, Any]] = []
    try:
        _fill(engine)

        @event.listens_for(engine, "before_cursor_execute")
        def _keep(_c: Any, _k: Any, statement: str, parameters: Any, *_: Any) -> None:
            executed.append((statement, parameters))

        answers = _answers(engine)
        event.remove(engine, "before_cursor_execute", _keep)
        with engine.connect() as connection:
            plans = [
                " | ".join(
                    str(row[-1])
                    for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
                )
                for sql, parameters in executed
                if "FROM points_entries" in sql
            ]
    finally:
        engine.dispose()
    _check(answers)
    assert len(plans) == 5, plans  # a cap read per partner, three persons entries
    for plan in plans:
        assert f"USING INDEX {INDEX} (<expr>=?" in plan, plan


def test_the_migration_swaps_the_index_both_ways_with_the_same_answers(
    database_url: str,
) -> None:
    config = alembic_config(url=database_url)
    migrate(database_url)
    engine = create_engine_for(database_url)
    try:
        _fill(engine)
        at_head = _answers(engine)
        _check(at_head)
        definition = index_definition(engine, INDEX)
        assert definition is not None and "substr(person, 1, 8)" in definition
        command.downgrade(config, "0038_project_index_partial")
        assert index_definition(engine, INDEX) is None
        assert index_definition(engine, "ix_points_entries_partner_person_day") is not None
        command.upgrade(config, "head")
        assert index_definition(engine, "ix_points_entries_partner_person_day") is None
        assert _answers(engine) == at_head
    finally:
        engine.dispose()
