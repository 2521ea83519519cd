"""Lean points and travel tables (0020): a ledger's points and travel rows
survive the migration both ways, and every rule the tables kept still holds."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from hub.domain.points import EntryKind
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.day_column import day_from_number, day_number
from hub.storage.hex_digest_column import digest_bytes, digest_text
from hub.storage.hex_id_column import id_bytes, id_text
from hub.storage.instant_column import instant_from_micros
from hub.storage.person_prefix import person_prefix
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory

PREVIOUS = "0019_point_locks"
AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
EXPIRES = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
DAY = date(2026, 3, 1)
# The tables 0020 makes WITHOUT ROWID on SQLite.
LEAN = {"points_balances", "points_daily", "person_travel_days"}

_ENTRY = text(
    "INSERT INTO points_entries (kind, partner, person, platform, methodology, claim_id,"
    " redemption_id, points, day, occurred_at, expires_at)"
    " VALUES (:kind, :partner, :person, :platform, :methodology, :claim_id,"
    " :redemption_id, :points, :day, :occurred_at, :expires_at)"
)


def _entry(kind: str, person: str, points: int, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "kind": kind,
        "partner": "CN-GD",
        "person": person,
        "platform": None,
        "methodology": None,
        "claim_id": None,
        "redemption_id": None,
        "points": points,
        "day": None,
        "occurred_at": AT,
        "expires_at": None,
    }
    row.update(extra)
    return row


def _award(person: str, claim_id: str, points: int) -> dict[str, Any]:
    return _entry(
        "AWARD",
        person,
        points,
        platform="SZ-BIKE",
        methodology="SZ-BIKE",
        claim_id=claim_id,
        day=DAY,
        expires_at=EXPIRES,
    )


def _fill(connection: Connection) -> None:
    connection.execute(
        _ENTRY,
        [
            _award("p1", "c1", 30),
            _award("p1", "c2", 20),
            _award("p2", "c3", 10),
            _entry("REDEMPTION", "p1", 15, redemption_id="R-1"),
            _entry("REVERSAL", "p2", 10, claim_id="c3"),
        ],
    )
    connection.execute(
        text("INSERT INTO points_balances (partner, person, balance) VALUES (:a, :p, :b)"),
        [{"a": "CN-GD", "p": "p1", "b": 35}, {"a": "CN-GD", "p": "p2", "b": 0}],
    )
    connection.execute(
        text(
            "INSERT INTO points_daily (partner, day, person, methodology, awarded)"
            " VALUES ('CN-GD', :d, :p, 'SZ-BIKE', :n)"
        ),
        [{"d": DAY, "p": "p1", "n": 50}, {"d": DAY, "p": "p2", "n": 10}],
    )
    connection.execute(
        text(
            "INSERT INTO person_travel_days (day, person, claim_id, passenger_km)"
            " VALUES (:d, :p, :c, :k)"
        ),
        [
            {"d": DAY, "p": "p1", "c": "c1", "k": "3.5"},
            {"d": date(2026, 3, 2), "p": "p1", "c": "c1", "k": "3.5"},
            {"d": DAY, "p": "p2", "c": "c3", "k": "0.125"},
        ],
    )


def _contents(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    queries = {
        "entries": "SELECT id, kind, partner, person, platform, methodology, claim_id,"
        " redemption_id, points, day, occurred_at, expires_at FROM points_entries ORDER BY id",
        "balances": "SELECT partner, person, balance FROM points_balances ORDER BY person",
        # From 0023 on, the daily cap sums the awards themselves.
        "daily": "SELECT partner, day, person, methodology, awarded FROM points_daily"
        " ORDER BY person"
        if _has_daily(engine)
        else "SELECT partner, day, person, methodology, SUM(points) FROM points_entries"
        " WHERE kind = 'AWARD' GROUP BY partner, day, person, methodology ORDER BY person",
    }
    # A travel row's person as the first eight bytes of its stored form, the
    # form it is kept in since 0041 (a row written here has no claim to give
    # its whole person back on downgrade: it keeps the prefix).
    travel = _travel_person(engine)
    travel_sql = (
        f"SELECT day, {travel}, claim_id, passenger_km FROM person_travel_days"
        f" ORDER BY day, {travel}, claim_id"
    )
    with engine.connect() as connection:
        # Pseudonyms and claim ids as text whatever their stored form (0026
        # and 0028 keep bytes).
        contents = {
            name: [
                tuple(_as_text(v) if isinstance(v, bytes | memoryview) else v for v in row)
                for row in connection.execute(text(sql))
            ]
            for name, sql in queries.items()
        }
        contents["travel"] = [
            (day, _prefix(person), _as_text(claim) if isinstance(claim, bytes) else claim, km)
            for day, person, claim, km in connection.execute(text(travel_sql))
        ]
    # The entries' instants as instants: SQLite kept them as text, then as
    # integer microseconds (0029); PostgreSQL gives datetimes.
    # The days as ISO text: SQLite kept them so, then as days since 1970
    # (0032); PostgreSQL gives dates, which read back as themselves.
    contents["entries"] = [
        (*row[:9], _day_text(row[9]), *(_instant(v) for v in row[10:]))
        for row in contents["entries"]
    ]
    contents["daily"] = [(row[0], _day_text(row[1]), *row[2:]) for row in contents["daily"]]
    contents["travel"] = [(_day_text(row[0]), *row[1:]) for row in contents["travel"]]
    return contents


def _travel_person(engine: Engine) -> str:
    """The travel rows' person column: the person's prefix since 0041."""
    columns = {c["name"] for c in inspect(engine).get_columns("person_travel_days")}
    return "person_prefix" if "person_prefix" in columns else "person"


def _prefix(stored: Any) -> bytes:
    """A travel row's person, text or stored bytes, as its prefix (0041)."""
    if isinstance(stored, str):
        return person_prefix(stored)
    return bytes(stored)[:8]


def _day_text(stored: Any) -> Any:
    if isinstance(stored, int):
        day = day_from_number(stored)
        return None if day is None else day.isoformat()
    return stored


def _instant(stored: Any) -> Any:
    return instant_from_micros(stored) if isinstance(stored, int | str) else stored


def _as_text(stored: bytes | memoryview) -> str:
    # 16 bytes: a claim id (0028); otherwise a digest or 0xFF-marked text.
    return id_text(stored) if len(stored) == 16 else digest_text(stored)


def _person(engine: Engine, person: str) -> str | bytes:
    """``person`` as the schema keeps it, for SQL written by hand: bytes
    from 0026 on (hub.storage.hex_digest_column)."""
    return person if _revision(engine) == PREVIOUS else digest_bytes(person)


def _claim(engine: Engine, claim_id: str) -> str | bytes:
    """``claim_id`` as the schema keeps it: bytes from 0028 on."""
    return claim_id if _revision(engine) == PREVIOUS else id_bytes(claim_id)


def _day(engine: Engine, day: date) -> date | int:
    """``day`` as the schema keeps it: on SQLite days since 1970 from 0032 on."""
    if _revision(engine) == PREVIOUS or engine.dialect.name != "sqlite":
        return day
    return day_number(day)


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _has_daily(engine: Engine) -> bool:
    return "points_daily" in inspect(engine).get_table_names()


def _without_rowid(engine: Engine) -> set[str]:
    if engine.dialect.name != "sqlite":
        return set()
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        return {name for name, sql in rows if "WITHOUT ROWID" in sql.upper()}


def _entry_indexes(engine: Engine) -> set[str]:
    return {str(i["name"]) for i in inspect(engine).get_indexes("points_entries")}


def _refused(engine: Engine, sql: str, **values: Any) -> None:
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text(sql), values)


def _rules_hold(engine: Engine) -> None:
    """What the tables refused before 0020, they refuse after it (and back)."""
    again = _entry("REDEMPTION", "p1", 1, redemption_id="R-1")
    c1 = _claim(engine, "c1")
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(_ENTRY, again)
    with pytest.raises(IntegrityError), engine.begin() as connection:
        # A second award of c1.
        connection.execute(_ENTRY, {**_award("p2", "c1", 5), "claim_id": c1})
    p1 = _person(engine, "p1")
    _refused(engine, "UPDATE points_balances SET balance = balance - 36 WHERE person = :p", p=p1)
    if _has_daily(engine):
        _refused(engine, "UPDATE points_daily SET awarded = -1 WHERE person = 'p2'")
    travel = _travel_person(engine)
    _refused(
        engine,
        f"INSERT INTO person_travel_days (day, {travel}, claim_id, passenger_km)"
        " VALUES (:d, :p, :c, '1')",
        d=_day(engine, DAY),
        p=person_prefix("p1") if travel == "person_prefix" else p1,
        c=c1,
    )


def test_points_and_travel_survive_the_migration_both_ways(database_url: str) -> None:
    config = alembic_config(url=database_url)
    command.upgrade(config, PREVIOUS)
    engine = create_engine_for(database_url)
    try:
        with engine.begin() as connection:
            _fill(connection)
        before = _contents(engine)
        assert "ix_points_entries_occurred_at" in _entry_indexes(engine)

        migrate(database_url)
        assert _contents(engine) == before
        assert "ix_points_entries_occurred_at" not in _entry_indexes(engine)
        if engine.dialect.name == "sqlite":
            assert _without_rowid(engine) >= LEAN - {"points_daily"}  # gone in 0023
            assert "points_entries" not in _without_rowid(engine)
        _rules_hold(engine)
        # Entries without a redemption id never collide, as before.
        expiry = {
            **_entry("EXPIRY", "p1", 5),
            "person": _person(engine, "p1"),
            "claim_id": _claim(engine, "c2"),
        }
        with engine.begin() as connection:
            connection.execute(_ENTRY, expiry)
        factory = SqlAlchemyUnitOfWorkFactory(engine)
        with factory() as uow:
            redemption = uow.points.redemption("CN-GD", "R-1")
            assert redemption is not None and redemption.points == 15
            assert uow.points.balance("CN-GD", "p1") == 35
            assert uow.points.awarded_on([("CN-GD", "p1", "SZ-BIKE", DAY)]) == {
                ("CN-GD", "p1", "SZ-BIKE", DAY): 50
            }
            history = uow.points.entries("CN-GD", "p1")
        assert [e.kind for e in history] == [
            EntryKind.AWARD,
            EntryKind.AWARD,
            EntryKind.REDEMPTION,
            EntryKind.EXPIRY,
        ]
        after = _contents(engine)
        # The stored entries as they were, the new one after them (a
        # PostgreSQL sequence also spent ids on the refused inserts).
        assert after["entries"][:-1] == before["entries"]
        assert after["entries"][-1][0] > before["entries"][-1][0]

        command.downgrade(config, PREVIOUS)
        assert _contents(engine) == after
        assert "ix_points_entries_occurred_at" in _entry_indexes(engine)
        assert not _without_rowid(engine) & LEAN
        _rules_hold(engine)

        migrate(database_url)
        assert _contents(engine) == after
        _rules_hold(engine)
    finally:
        engine.dispose()
