"""The expiry bound (0022) on SQLite and PostgreSQL: migrated up, down and up
again with a ledger's entries, each person's bound is the earliest expiry of
their open awards, the expiry index goes (and comes back down), and the sweep
after the migration expires exactly the awards the sweep before it would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import Engine, String, bindparam, insert, inspect, select, text

from hub.services.points import PointsService
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.hex_digest_column import digest_text
from hub.storage.hex_id_column import id_text
from hub.storage.instant_column import instant_from_micros
from hub.storage.points_expiry_bounds import late_expiry_bounds
from hub.storage.points_tables import PointsBalanceRow, PointsEntryRow
from hub.storage.tables import UtcDateTime
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory

PREVIOUS = "0021_lean_audit"
AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
SOON = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
SWEEP_AT = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)  # SOON has passed, LATER has not
DAY = date(2026, 3, 1)
EXPIRES_INDEX = "ix_points_entries_expires_at"

# Through the table's own columns (those of 0021), each value in the form
# 0021 kept it: persons and claim ids as text (bytes since 0026 and 0028),
# instants as UtcDateTime kept them (integers on SQLite since 0029).
_ENTRY = insert(PointsEntryRow).values(
    person=bindparam("person", type_=String(200)),
    claim_id=bindparam("claim_id", type_=String(64)),
    occurred_at=bindparam("occurred_at", type_=UtcDateTime()),
    expires_at=bindparam("expires_at", type_=UtcDateTime()),
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


def _award(person: str, claim_id: str, points: int, expires: datetime | None) -> dict[str, Any]:
    return _entry(
        "AWARD",
        person,
        points,
        methodology="SZ-BIKE",
        claim_id=claim_id,
        day=DAY,
        expires_at=expires,
    )


# p1: two open awards (the bound is the sooner); p2: its only award reversed
# (no bound); p3: the sooner award expired already, one open later; p4: an
# award due at the sweep, partly redeemed; p5: nothing but a redemption.
_ENTRIES = [
    _award("p1", "c1", 30, LATER),
    _award("p1", "c2", 20, SOON),
    _award("p2", "c3", 10, SOON),
    _entry("REVERSAL", "p2", 10, claim_id="c3"),
    _award("p3", "c4", 5, SOON),
    _entry("EXPIRY", "p3", 5, claim_id="c4"),
    _award("p3", "c5", 7, LATER),
    _award("p4", "c6", 9, SOON),
    _entry("REDEMPTION", "p4", 4, redemption_id="R-1"),
    _award("p5", "c7", 3, None),
    _entry("REDEMPTION", "p5", 3, redemption_id="R-2"),
]
_BALANCES = {"p1": 50, "p2": 0, "p3": 7, "p4": 5, "p5": 0}
_BOUNDS = {"p1": SOON, "p2": None, "p3": LATER, "p4": SOON, "p5": None}


def _fill(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(_ENTRY, _ENTRIES)
        connection.execute(
            text("INSERT INTO points_balances (partner, person, balance) VALUES ('CN-GD', :p, :b)"),
            [{"p": p, "b": b} for p, b in _BALANCES.items()],
        )


def _due_before(engine: Engine, now: datetime) -> set[str]:
    """What the sweep of 0021 expired at ``now``: every award with an expiry
    by ``now`` and no expiry or reversal (its ``expiring`` query's rule)."""
    with engine.connect() as connection:
        return set(
            connection.execute(
                text(
                    "SELECT a.claim_id FROM points_entries a WHERE a.kind = 'AWARD'"
                    " AND a.expires_at <= :now AND NOT EXISTS (SELECT 1 FROM points_entries c"
                    " WHERE c.claim_id = a.claim_id AND c.kind IN ('EXPIRY', 'REVERSAL'))"
                ).bindparams(bindparam("now", type_=UtcDateTime())),
                {"now": now},
            ).scalars()
        )


def _text(row: Any) -> tuple[Any, ...]:
    """A row with its persons and claim ids as text (kept as bytes since 0026
    and 0028: a claim id's stored form is 16 bytes or 0xFF-marked text)."""
    return tuple(
        (id_text(v) if len(v) == 16 else digest_text(v)) if isinstance(v, bytes | memoryview) else v
        for v in row
    )


def _entry_row(row: Any) -> tuple[Any, ...]:
    """An entry as ``_text`` gives it, its expiry (last) as an instant:
    SQLite kept it as text, as integer microseconds since 0029."""
    *values, expires = _text(row)
    return (*values, instant_from_micros(expires) if isinstance(expires, int | str) else expires)


def _contents(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        return {
            "entries": [
                _entry_row(r)
                for r in connection.execute(
                    text(
                        "SELECT id, kind, person, claim_id, redemption_id, points, expires_at"
                        " FROM points_entries ORDER BY id"
                    )
                )
            ],
            "balances": [
                _text(r)
                for r in connection.execute(
                    text("SELECT partner, person, balance FROM points_balances ORDER BY person")
                )
            ],
        }


def _bounds(engine: Engine) -> dict[str, datetime | None]:
    with engine.connect() as connection:
        return {
            person: bound
            for person, bound in connection.execute(
                select(PointsBalanceRow.person, PointsBalanceRow.next_expiry)
            )
        }


def _indexes(engine: Engine) -> set[str]:
    return {str(i["name"]) for i in inspect(engine).get_indexes("points_entries")}


def _balance_columns(engine: Engine) -> set[str]:
    return {str(c["name"]) for c in inspect(engine).get_columns("points_balances")}


def test_the_bound_is_backfilled_and_the_sweep_expires_what_it_did(database_url: str) -> None:
    config = alembic_config(url=database_url)
    command.upgrade(config, PREVIOUS)
    engine = create_engine_for(database_url)
    try:
        _fill(engine)
        before = _contents(engine)
        due = _due_before(engine, SWEEP_AT)
        assert due == {"c2", "c6"}
        assert EXPIRES_INDEX in _indexes(engine)

        migrate(database_url)
        assert _contents(engine) == before
        assert _bounds(engine) == _BOUNDS
        assert EXPIRES_INDEX not in _indexes(engine)
        with engine.connect() as connection:
            assert late_expiry_bounds(connection) == []

        command.downgrade(config, PREVIOUS)
        assert _contents(engine) == before
        assert EXPIRES_INDEX in _indexes(engine)
        assert "next_expiry" not in _balance_columns(engine)

        migrate(database_url)
        assert _contents(engine) == before
        assert _bounds(engine) == _BOUNDS

        # The sweep after the migration: the same awards as the one before.
        points = PointsService(SqlAlchemyUnitOfWorkFactory(engine), lambda: SWEEP_AT)
        assert points.expire_due() == len(due)
        after = _contents(engine)["entries"][len(before["entries"]) :]
        assert {(kind, claim_id) for _, kind, _, claim_id, _, _, _ in after} == {
            ("EXPIRY", c) for c in due
        }
        # p4's award was partly redeemed: only what is left of it expires.
        assert {claim_id: n for _, _, _, claim_id, _, n, _ in after} == {"c2": 20, "c6": 5}
        assert _bounds(engine) == {**_BOUNDS, "p1": LATER, "p4": None}
        assert points.expire_due() == 0
        later = PointsService(
            SqlAlchemyUnitOfWorkFactory(engine), lambda: LATER + timedelta(seconds=1)
        )
        assert later.expire_due() == 2  # c1 and c5
        assert set(_bounds(engine).values()) == {None}
    finally:
        engine.dispose()
