"""What may happen to a block in each state (hub.domain.blocks): cancelled by the
bureau, acknowledged, delivered and retired by the exchange, routed to it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.blocks import (
    CANCELLABLE_STATES,
    TERMINAL_STATES,
    Adjustment,
    Block,
    BlockState,
    NotRetirable,
    delivered_by_acknowledgement,
    may_acknowledge,
    may_cancel,
    not_retirable,
    withheld_from_exchange,
)
from hub.domain.serial_blocks import SerialRange, Series

S = BlockState
A = AdjustmentStatus
ISSUED_AT = datetime(2026, 1, 1, tzinfo=UTC)
DELIVERED_AT = datetime(2026, 1, 2, tzinfo=UTC)


def block(state: BlockState = S.DELIVERED, **changes: object) -> Block:
    """A Hong Kong recycling block of 5 units under inventory exclusion HK-CA-1."""
    made = Block(
        block_id="B1",
        range=SerialRange(Series("CN-HK", "SZ-RECYCLE", 2025, "S1"), 1, 5),
        partner="CN-HK",
        account="site:S1",
        state=state,
        adjustment=Adjustment("HK-CA-1", A.COMMITTED),
        issued_at=ISSUED_AT,
        delivered_at=None if state is S.ISSUED else DELIVERED_AT,
    )
    return replace(made, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("state", "cancellable"),
    [
        (S.ISSUED, True),
        (S.DELIVERED, True),
        # Units found not real after retirement: the retirement no longer stands.
        (S.RETIRED, True),
        (S.CANCELLED, False),
        (S.SPLIT, False),
    ],
)
def test_what_the_bureau_may_cancel(state: BlockState, cancellable: bool) -> None:
    assert may_cancel(block(state)) is cancellable
    # A frozen block may be cancelled too: the bureau's hand is above the freeze.
    assert may_cancel(block(state, frozen=True)) is cancellable


def test_only_cancelled_and_split_blocks_never_change_again() -> None:
    assert {S.CANCELLED, S.SPLIT} == TERMINAL_STATES - CANCELLABLE_STATES


@pytest.mark.parametrize(
    ("state", "refusal"),
    [
        (S.RETIRED, NotRetirable.TERMINAL),
        (S.CANCELLED, NotRetirable.TERMINAL),
        (S.SPLIT, NotRetirable.TERMINAL),
        (S.ISSUED, NotRetirable.NOT_DELIVERED),
        (S.DELIVERED, None),
    ],
)
def test_only_a_delivered_block_may_be_retired(
    state: BlockState, refusal: NotRetirable | None
) -> None:
    assert not_retirable(block(state)) is refusal


def test_a_frozen_block_may_not_be_retired_and_its_state_is_named_first() -> None:
    assert not_retirable(block(S.DELIVERED, frozen=True)) is NotRetirable.FROZEN
    assert not_retirable(block(S.ISSUED, frozen=True)) is NotRetirable.NOT_DELIVERED
    assert not_retirable(block(S.RETIRED, frozen=True)) is NotRetirable.TERMINAL


@pytest.mark.parametrize(
    ("status", "acknowledgeable"),
    [
        (A.NOT_REQUIRED, True),
        (A.COMMITTED, True),
        (A.COMPLETED, True),
        # Never offered to the exchange: its exclusion is pending.
        (A.PENDING, False),
        # Offered and then revoked: acknowledged, but it stays frozen.
        (A.REVOKED, True),
    ],
)
def test_an_issued_block_may_be_acknowledged_once_offered(
    status: AdjustmentStatus, acknowledgeable: bool
) -> None:
    issued = block(S.ISSUED, adjustment=Adjustment("HK-CA-1", status))
    assert may_acknowledge(issued) is acknowledgeable
    assert delivered_by_acknowledgement(issued)


@pytest.mark.parametrize("state", [S.DELIVERED, S.RETIRED, S.CANCELLED, S.SPLIT])
def test_an_acknowledgement_of_a_block_past_issued_moves_nothing(state: BlockState) -> None:
    pending = block(state, adjustment=Adjustment("HK-CA-1", A.PENDING))
    assert may_acknowledge(pending)
    assert not delivered_by_acknowledgement(pending)


def test_a_block_cancelled_before_the_exchange_acknowledged_it_is_never_delivered() -> None:
    assert withheld_from_exchange(block(S.CANCELLED, delivered_at=None))
    assert not withheld_from_exchange(block(S.CANCELLED))  # the exchange holds it
    assert not withheld_from_exchange(block(S.ISSUED))


def test_only_an_issued_block_in_order_is_routed() -> None:
    assert block(S.ISSUED).routable
    assert not block(S.ISSUED, frozen=True).routable
    assert not block(S.ISSUED, adjustment=Adjustment("HK-CA-1", A.PENDING)).routable
    assert not block(S.DELIVERED).routable
