"""Running one piece of work in a unit of work, again when a concurrent writer won."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from hub.errors import StorageUnavailable
from hub.services.unit_of_work import ConcurrentWriteConflict, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

T = TypeVar("T")


def run_in_transaction(
    uow_factory: UnitOfWorkFactory,
    work: Callable[[UnitOfWork], T],
    *,
    retries: int,
    what: str,
) -> T:
    """Run ``work`` and commit; on ConcurrentWriteConflict read and decide again.

    ``work`` must decide everything from what it reads in its unit of work,
    so a second attempt sees the other process's committed result. A
    HubError raised by ``work`` rolls back and propagates.
    """
    for attempt in range(1, retries + 1):
        try:
            with uow_factory() as uow:
                result = work(uow)
                uow.commit()
                return result
        except ConcurrentWriteConflict:
            # Not the conflict's text: the database quotes the clashing key,
            # which may be a person's pseudonym or a record id (issue 19).
            log.info("%s re-decided after a concurrent write (attempt %s)", what, attempt)
    raise StorageUnavailable(
        "WRITE_CONTENDED",
        f"{what} could not be recorded after {retries} attempts; retry",
        {"attempts": str(retries)},
    )
