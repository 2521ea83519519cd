"""A calendar day kept on SQLite as its days since 1970 (hub.storage.day_column)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import column, select
from sqlalchemy.dialects import postgresql, sqlite

from hub.storage.day_column import CompactDay, day_from_number, day_number


@given(st.dates())
def test_every_day_reads_back_as_itself_and_in_order(day: date) -> None:
    assert day_from_number(day_number(day)) == day
    assert day_from_number(day.isoformat()) == day  # text kept before 0032
    if day > date.min:
        earlier = date.fromordinal(day.toordinal() - 1)
        assert day_number(earlier) < day_number(day)


def test_the_numbers_are_days_since_1970() -> None:
    assert day_number(date(1970, 1, 1)) == 0
    assert day_number(date(2024, 1, 5)) == 19727
    assert day_number(date(1969, 12, 31)) == -1
    assert day_number(None) is None and day_from_number(None) is None


def test_the_column_type_converts_on_sqlite_only() -> None:
    kind = CompactDay()
    assert kind.bind_processor(sqlite.dialect())(date(2024, 1, 5)) == 19727
    assert kind.result_processor(sqlite.dialect(), None)(19727) == date(2024, 1, 5)
    assert kind.result_processor(sqlite.dialect(), None)("2024-01-05") == date(2024, 1, 5)
    day = column("day", CompactDay())
    inline = {"literal_binds": True}
    on_sqlite = select(day).where(day == date(2024, 1, 5))
    assert "= 19727" in str(on_sqlite.compile(dialect=sqlite.dialect(), compile_kwargs=inline))
    on_postgresql = str(on_sqlite.compile(dialect=postgresql.dialect(), compile_kwargs=inline))
    assert "'2024-01-05'" in on_postgresql
