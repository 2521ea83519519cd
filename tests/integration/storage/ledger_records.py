"""Builders for the ledger contract tests (issuance, blocks, outbox, ...), and a race."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from carbonhub_contract.vocabulary.records import AdjustmentStatus, Decision
from hub.domain.blocks import Adjustment, Block, BlockState
from hub.domain.checks import fire
from hub.domain.claims import Verdict
from hub.domain.issuance import IssuanceState
from hub.domain.locks import ClaimLock
from hub.domain.serial_blocks import SerialRange, Series
from hub.services.claim_port import NewClaimRecord
from hub.services.unit_of_work import ConcurrentWriteConflict, UnitOfWork, UnitOfWorkFactory
from tests.integration.storage.records import RECEIVED, record

SERIES = Series("CN-GD", "SZ-PV", 2024, "GD-PV-0007")
OTHER_SERIES = Series("CN-GD", "SZ-PV", 2024, "GD-PV-0008")
AT = datetime(2024, 8, 2, 9, 15, 30, 654321, tzinfo=UTC)


def later(seconds: int) -> datetime:
    return AT + timedelta(seconds=seconds)


def claim(
    record_id: str,
    *,
    partner: str = "CN-GD",
    project_id: str | None = "GD-PV-0007",
    site_id: str | None = None,
    person_pseudonym: str | None = None,
    adjustment_ref: str | None = None,
    decision: Decision = Decision.ACCEPTED,
    issuance: IssuanceState | None = IssuanceState.PENDING,
    hold_reason: str | None = None,
    received_at: datetime = RECEIVED,
    credited: Decimal = Decimal("6.707500"),
    locks: Sequence[ClaimLock] = (),
    claim_id: str | None = None,
    site_binding: str | None = None,
) -> NewClaimRecord:
    """A claim with the fields issuance keys accounts by."""
    base = record(
        record_id,
        locks,
        partner=partner,
        decision=decision,
        claim_id=claim_id or uuid.uuid4().hex,
        credited=credited,
        site_binding=site_binding,
    )
    submission = dataclasses.replace(
        base.submission,
        project_id=project_id,
        site_id=site_id,
        person_pseudonym=person_pseudonym,
        adjustment_ref=adjustment_ref,
    )
    return dataclasses.replace(
        base,
        submission=submission,
        content_digest=submission.content_digest(),
        issuance=issuance,
        hold_reason=hold_reason,
        received_at=received_at,
    )


def block(
    block_id: str,
    first: int,
    last: int,
    *,
    series: Series = SERIES,
    state: BlockState = BlockState.ISSUED,
    partner: str = "CN-GD",
    account: str = "project:GD-PV-0007",
    reference: str | None = None,
    adjustment: AdjustmentStatus = AdjustmentStatus.NOT_REQUIRED,
    parent_block_id: str | None = None,
    issuance_id: str | None = None,
    delivered_at: datetime | None = None,
    frozen: bool = False,
    issued_at: datetime = AT,
) -> Block:
    return Block(
        block_id=block_id,
        range=SerialRange(series, first, last),
        partner=partner,
        account=account,
        state=state,
        adjustment=Adjustment(reference, adjustment),
        issued_at=issued_at,
        parent_block_id=parent_block_id,
        issuance_id=issuance_id,
        delivered_at=delivered_at,
        frozen=frozen,
    )


def children(parent: Block, units: int, head_id: str, tail_id: str) -> tuple[Block, Block]:
    """The two blocks a split of ``parent`` after ``units`` units makes."""
    head_range, tail_range = parent.range.split(units)
    head = dataclasses.replace(
        parent, block_id=head_id, range=head_range, parent_block_id=parent.block_id
    )
    tail = dataclasses.replace(
        parent, block_id=tail_id, range=tail_range, parent_block_id=parent.block_id
    )
    return head, tail


def changed(
    verdict: Verdict, decision: Decision, code: str = "PROJECT_SUSPENDED_BY_BUREAU"
) -> Verdict:
    """The verdict with a new decision and the check that made it."""
    return dataclasses.replace(
        verdict, decision=decision, checks=(fire(code, project="GD-PV-0007"),)
    )


def in_one(factory: UnitOfWorkFactory, write: Callable[[UnitOfWork], object]) -> None:
    """Run ``write`` in a unit of work and commit it."""
    with factory() as uow:
        write(uow)
        uow.commit()


Outcome = str  # "committed" or "conflict"


def race(
    factory: UnitOfWorkFactory,
    first: Callable[[UnitOfWork], object],
    second: Callable[[UnitOfWork], object],
) -> tuple[Outcome, Outcome]:
    """Two units of work writing at the same time.

    ``first`` writes and keeps its transaction open while ``second`` runs in
    its own unit of work on another thread (a database makes it wait for
    ``first``; the fake lets it commit first); then ``first`` commits.
    Returns how each ended: the one refused raised ConcurrentWriteConflict,
    at its write or at its commit.
    """
    outcomes: dict[str, Outcome] = {}
    failures: list[BaseException] = []

    def run_second() -> None:
        try:
            with factory() as uow:
                second(uow)
                uow.commit()
            outcomes["second"] = "committed"
        except ConcurrentWriteConflict:
            outcomes["second"] = "conflict"
        except BaseException as error:  # re-raised in the test's thread
            failures.append(error)

    thread = threading.Thread(target=run_second)
    with factory() as uow:
        first(uow)
        thread.start()
        thread.join(timeout=0.5)
        try:
            uow.commit()
            outcomes["first"] = "committed"
        except ConcurrentWriteConflict:
            outcomes["first"] = "conflict"
    thread.join(timeout=60)
    assert not thread.is_alive(), "the second unit of work never finished"
    if failures:
        raise failures[0]
    return outcomes["first"], outcomes["second"]


def one_wins(outcomes: tuple[Outcome, Outcome]) -> int:
    """Index of the winner when exactly one of two racing units of work committed."""
    assert sorted(outcomes) == ["committed", "conflict"], outcomes
    return outcomes.index("committed")


__all__ = [
    "AT",
    "OTHER_SERIES",
    "RECEIVED",
    "SERIES",
    "block",
    "changed",
    "children",
    "claim",
    "in_one",
    "later",
    "one_wins",
    "race",
]
