"""A write retried after a concurrent writer won is logged without the
database's text, which quotes the clashing key (a pseudonym, a record id)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from hub.services.transactions import run_in_transaction
from hub.services.unit_of_work import ConcurrentWriteConflict

PSEUDONYM = "9f2c" * 16


class _Uow:
    def __init__(self, conflicts: list[int]) -> None:
        self._conflicts = conflicts

    def __enter__(self) -> _Uow:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def commit(self) -> None:
        if self._conflicts:
            self._conflicts.pop()
            raise ConcurrentWriteConflict(
                f'conflicting key value violates exclusion constraint "claim_locks_no_overlap" '
                f"DETAIL: Key (kind, key)=(person, {PSEUDONYM}) conflicts with existing key"
            )


def test_the_retry_line_names_the_work_and_attempt_not_the_clashing_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    conflicts = [1]

    def factory() -> Any:
        return _Uow(conflicts)

    with caplog.at_level(logging.INFO, logger="hub.services.transactions"):
        assert run_in_transaction(factory, lambda uow: "done", retries=3, what="claims") == "done"
    (line,) = [r.getMessage() for r in caplog.records]
    assert line == "claims re-decided after a concurrent write (attempt 1)"
    assert PSEUDONYM not in caplog.text
