"""PostgreSQL: a person's counted travel is read by probing both tables by
key however stale the statistics are (hub.storage.travel_queries), and finds
the counted claims' travel on exactly the (day, person) keys asked.

Written as a join of ``person_travel_days`` to ``claims``, the read was
planned on tables without statistics over a sequential scan of the travel
rows (a VALUES list of the keys hash-joined to them), or of them and of
every counted claim (``person IN``, ``day IN``): a cost that grew with every
claim, 6 to 60 ms for 500 keys at 20,000 and 200,000 claims (docs/scaling.md,
"PostgreSQL: a travel read whose plan cannot degrade").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, insert

from hub.storage.claim_tables import ClaimRow
from hub.storage.database import create_engine_for, migrate
from hub.storage.person_prefix import person_prefix
from hub.storage.travel_tables import PersonTravelDayRow
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory

pytestmark = pytest.mark.postgres

FIRST_DAY = date(2024, 1, 1)
MOBILITY = ("GD-BIKE", "GD-BUS", "GD-METRO")
# Claim id, person, passenger-km, period start and end.
TravelRow = tuple[str, str, str, datetime, datetime]
# A day's Shenzhen midnight in UTC.
_MIDNIGHT = datetime(2023, 12, 31, 16, 0, tzinfo=UTC)


def _ledger(claims: int) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Claim g: person P<g // 4> on day 16 * (g // 4 % 20) + 4 * (g % 4); one
    in eleven over two days (two travel rows); one in seven REJECTED, one in
    five HELD, the rest ACCEPTED; one in thirteen not under mobility."""
    claim_rows: list[dict[str, object]] = []
    travel_rows: list[dict[str, object]] = []
    for g in range(claims):
        offset, days = 16 * (g // 4 % 20) + 4 * (g % 4), 2 if g % 11 == 0 else 1
        claim_id, person = f"C{g:08d}", f"P{g // 4}"
        decision = "REJECTED" if g % 7 == 0 else "HELD" if g % 5 == 0 else "ACCEPTED"
        methodology = "CN-PV" if g % 13 == 0 else MOBILITY[g // 4 % 3]
        start = _MIDNIGHT + timedelta(days=offset)
        claim_rows.append(
            {
                "claim_id": claim_id,
                "partner": "CN-GD",
                "record_id": claim_id,
                "delivery_id": "D",
                "content_digest": claim_id,
                "decision": decision,
                "methodology": methodology,
                "period_start": start,
                "period_end": start + timedelta(days=days),
                "person_pseudonym": person,
                "body": b"\x80",
                "received_at": _MIDNIGHT,
            }
        )
        travel_rows.extend(
            {
                "day": FIRST_DAY + timedelta(days=offset + n),
                "person": person,
                "claim_id": claim_id,
                "passenger_km": f"{g % 40}.5",
            }
            for n in range(days)
        )
    return claim_rows, travel_rows


def _expected(
    claims: list[dict[str, object]],
    travel: list[dict[str, object]],
    keys: set[tuple[date, str]],
) -> list[TravelRow]:
    counted = {
        c["claim_id"]: c
        for c in claims
        if c["decision"] in ("ACCEPTED", "HELD") and c["methodology"] in MOBILITY
    }
    return sorted(
        (
            str(t["claim_id"]),
            str(t["person"]),
            str(t["passenger_km"]),
            _instant(counted[t["claim_id"]]["period_start"]),
            _instant(counted[t["claim_id"]]["period_end"]),
        )
        for t in travel
        if (t["day"], t["person"]) in keys and t["claim_id"] in counted
    )


def _instant(value: object) -> datetime:
    assert isinstance(value, datetime)
    return value


def _engine(url: str, claims: list[dict[str, object]], travel: list[dict[str, object]]) -> Engine:
    migrate(url)
    engine = create_engine_for(url)
    with engine.begin() as connection:
        connection.execute(insert(ClaimRow), claims)
        # Stored under the person's prefix (0041); kept whole here for _expected.
        stored = [
            {
                **{k: v for k, v in t.items() if k != "person"},
                "person_prefix": person_prefix(str(t["person"])),
            }
            for t in travel
        ]
        connection.execute(insert(PersonTravelDayRow), stored)
    return engine


# A Travel as compared here: person, period start and end, passenger-km.
Trip = tuple[str, datetime, datetime, Decimal]


def _expected_trips(
    claims: list[dict[str, object]],
    travel: list[dict[str, object]],
    keys: set[tuple[date, str]],
) -> list[Trip]:
    return sorted(
        {(p, start, end, Decimal(km)) for _, p, km, start, end in _expected(claims, travel, keys)}
    )


def _read(engine: Engine, keys: set[tuple[date, str]]) -> tuple[list[str], list[Trip]]:
    """What the repository finds on ``keys``, and the plans of the statements
    it read the travel rows with (EXPLAIN of each, as the driver got it)."""
    statements: list[tuple[str, Any]] = []

    def capture(
        connection: Connection, cursor: Any, statement: str, parameters: Any, *_: Any
    ) -> None:
        if "person_travel_days" in statement and not statement.startswith("EXPLAIN"):
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
            found = uow.mobility.counted_travel({(p, d) for d, p in keys}, MOBILITY)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    with engine.connect() as connection:
        plans = [
            "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {sql}", parameters))
            for sql, parameters in statements
        ]
    trips = sorted((t.person, t.start, t.end, t.passenger_km) for t in found)
    return plans, trips


def test_the_travel_found_is_the_counted_claims_on_the_keys(postgres_schema_url: str) -> None:
    claims, travel = _ledger(2_000)
    # Days without travel, a person without claims; claim 11 (P2) is on two
    # days and counted once.
    keys = {
        (FIRST_DAY + timedelta(days=n), person)
        for person in ("P2", "P11", "P300", "P301", "P302", "NOBODY")
        for n in range(0, 330)
    }
    engine = _engine(postgres_schema_url, claims, travel)
    try:
        _, found = _read(engine, keys)
    finally:
        engine.dispose()

    assert found == _expected_trips(claims, travel, keys)
    assert {trip[0] for trip in found} == {"P2", "P11", "P300", "P301", "P302"}


def test_both_tables_are_probed_by_key_without_statistics(postgres_schema_url: str) -> None:
    claims, travel = _ledger(20_000)
    # A batch of many persons on a few days, on tables never analysed (as with
    # autovacuum off, or between its runs on a growing ledger).
    keys = {
        (FIRST_DAY + timedelta(days=n), f"P{p}") for p in range(4_000, 4_500) for n in (32, 36, 37)
    }
    engine = _engine(postgres_schema_url, claims, travel)
    try:
        plans, found = _read(engine, keys)
    finally:
        engine.dispose()

    assert plans
    for plan in plans:
        assert "Seq Scan" not in plan and "Hash" not in plan, plan
        assert "Index Scan using pk_person_travel_days" in plan, plan
        assert "Index Scan using pk_claims" in plan, plan
    assert found == _expected_trips(claims, travel, keys) and len(found) > 20
