"""Block states and the inventory-exclusion status: only forward, REVOKED last."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.blocks import (
    LIVE_STATES,
    TERMINAL_STATES,
    Adjustment,
    Block,
    BlockState,
    adjustment_may_move,
)
from hub.domain.serial_blocks import SerialRange, Series

S = AdjustmentStatus
_RANK = {S.PENDING: 0, S.COMMITTED: 1, S.COMPLETED: 2, S.REVOKED: 3}


@given(st.lists(st.sampled_from(list(S)), min_size=1, max_size=10))
def test_adjustment_status_never_moves_backwards(path: list[AdjustmentStatus]) -> None:
    current = path[0]
    for new in path[1:]:
        if adjustment_may_move(current, new):
            if S.NOT_REQUIRED in (current, new):
                assert current is new
            else:
                assert _RANK[new] >= _RANK[current]
            current = new


def test_adjustment_moves() -> None:
    assert adjustment_may_move(S.PENDING, S.COMMITTED)
    assert adjustment_may_move(S.COMMITTED, S.COMPLETED)
    assert adjustment_may_move(S.PENDING, S.COMPLETED)
    assert not adjustment_may_move(S.COMPLETED, S.COMMITTED)
    assert not adjustment_may_move(S.NOT_REQUIRED, S.COMMITTED)
    assert not adjustment_may_move(S.PENDING, S.NOT_REQUIRED)
    assert adjustment_may_move(S.NOT_REQUIRED, S.NOT_REQUIRED)
    # Revocation from any live status, and nothing after it.
    for status in (S.PENDING, S.COMMITTED, S.COMPLETED):
        assert adjustment_may_move(status, S.REVOKED)
        assert not adjustment_may_move(S.REVOKED, status)
    assert not adjustment_may_move(S.NOT_REQUIRED, S.REVOKED)


def _block(**changes: object) -> Block:
    block = Block(
        block_id="B1",
        range=SerialRange(Series("CN-HK", "SZ-RECYCLE", 2025, "S1"), 1, 5),
        partner="CN-HK",
        account="site:S1",
        state=BlockState.ISSUED,
        adjustment=Adjustment("HK-CA-1", S.COMMITTED),
        issued_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return replace(block, **changes)  # type: ignore[arg-type]


def test_routable_only_when_issued_adjusted_and_not_frozen() -> None:
    assert _block().routable
    assert not _block(adjustment=Adjustment("HK-CA-1", S.PENDING)).routable
    assert not _block(frozen=True).routable
    for state in BlockState:
        if state is not BlockState.ISSUED:
            assert not _block(state=state).routable
    assert _block().serial == "SZCER-CN-HK-SZ-RECYCLE-2025-S1-000001-000005"
    assert (_block().units, _block().vintage) == (5, 2025)


def test_a_split_parent_is_terminal_and_not_live() -> None:
    assert BlockState.SPLIT in TERMINAL_STATES and BlockState.SPLIT not in LIVE_STATES
    assert set(BlockState) == TERMINAL_STATES | LIVE_STATES
