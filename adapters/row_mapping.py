"""Mapping one CSV row while collecting every syntax fault it has.

A row with several faults reports all of them (like the hub's verdicts list
every check that fired), and is sent only when it has none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from adapters.csv_table import CsvRow
from adapters.dates import DateMalformed
from adapters.delivery import RowProblem
from adapters.problem_codes import ProblemCode

T = TypeVar("T")


class RowMapping:
    def __init__(self, file: str, row: CsvRow) -> None:
        self.file = file
        self.row = row
        self.problems: list[RowProblem] = []

    @property
    def ok(self) -> bool:
        return not self.problems

    def fault(self, column: str, code: ProblemCode, message: str) -> None:
        self.problems.append(RowProblem(self.file, self.row.line, column, code, message))

    def optional(self, column: str) -> str | None:
        """The stripped value, or None when blank."""
        return self.row.values[column] or None

    def text(self, column: str) -> str:
        """The stripped value, blank allowed (the hub judges whether it may be blank)."""
        return self.row.values[column]

    def required(self, column: str) -> str:
        value = self.row.values[column]
        if not value:
            self.fault(column, ProblemCode.ROW_FIELD_MISSING, f"'{column}' is blank")
        return value

    def date(self, column: str, parse: Callable[[str], str]) -> str:
        value = self.row.values[column]
        try:
            return parse(value)
        except DateMalformed as exc:
            self.fault(column, ProblemCode.ROW_DATE_MALFORMED, f"'{column}': {exc}")
            return value

    def lookup(self, column: str, table: Mapping[str, T], code: ProblemCode, what: str) -> T | None:
        """Map a vocabulary word (unit, status ...) through ``table``; blank is missing."""
        value = self.row.values[column]
        if not value:
            self.fault(column, ProblemCode.ROW_FIELD_MISSING, f"'{column}' is blank")
            return None
        found = table.get(value)
        if found is None:
            known = "、".join(table)
            self.fault(column, code, f"{what} '{value}' is not known (known: {known})")
        return found
