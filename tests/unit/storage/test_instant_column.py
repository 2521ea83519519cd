"""An instant's stored form on SQLite: integer microseconds since 1970 UTC
that read back as the same aware instant, order as the instants do, and a
month that SQL reads from either stored form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import column, create_engine, select, table
from sqlalchemy.dialects import sqlite

from hub.storage.claim_tables import ClaimRow
from hub.storage.instant_column import instant_from_micros, instant_micros, sqlite_month

INSTANTS = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


@settings(max_examples=500)
@given(INSTANTS, st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_an_instant_reads_back_as_itself_in_utc(moment: datetime, offset: int) -> None:
    # Given in any zone, read back in UTC: the same instant, to the microsecond.
    zoned = moment.astimezone(timezone(timedelta(minutes=offset)))
    back = instant_from_micros(instant_micros(zoned))
    assert back == moment and back is not None and back.utcoffset() == timedelta(0)


@settings(max_examples=300)
@given(st.lists(INSTANTS, min_size=2, max_size=20))
def test_integers_order_as_the_instants(moments: list[datetime]) -> None:
    assert sorted(moments, key=instant_micros) == sorted(moments)


def test_a_value_kept_as_text_reads_as_its_instant() -> None:
    assert instant_from_micros("2026-12-07 04:55:26.973141") == datetime(
        2026, 12, 7, 4, 55, 26, 973141, tzinfo=UTC
    )
    assert instant_from_micros("2024-01-01 00:00:00") == datetime(2024, 1, 1, tzinfo=UTC)
    assert instant_micros(None) is None and instant_from_micros(None) is None


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        instant_micros(datetime(2024, 1, 1))


def test_sqlite_reads_the_utc_month_of_either_form() -> None:
    engine = create_engine("sqlite://")
    # The last microsecond of a month, before and after 1970 (SQLite's
    # integer division truncates toward zero; strftime rounds to the ms).
    last = datetime(2024, 1, 31, 23, 59, 59, 999999, tzinfo=UTC)
    before = datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (n INTEGER, at DATETIME)")
        connection.exec_driver_sql(
            "INSERT INTO t VALUES (1, ?), (2, ?), (3, ?)",
            (instant_micros(last), "2024-02-01 00:00:00.000000", instant_micros(before)),
        )
        t = table("t", column("n"), column("at"))
        months = connection.execute(select(sqlite_month(t.c.at)).order_by(t.c.n)).scalars().all()
    assert months == ["2024-01", "2024-02", "1969-12"]


def test_a_literal_instant_is_its_integer_on_sqlite() -> None:
    at = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    statement = select(ClaimRow.record_id).where(ClaimRow.received_at < at)
    sql = str(statement.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    assert sql.endswith(f"claims.received_at < {instant_micros(at)}")
