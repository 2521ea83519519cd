"""Which records the origin issued after the hub issued them as 未签发, and
which of their Shenzhen blocks freeze."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from carbonhub_contract.vocabulary.holdings import Holding
from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.blocks import Adjustment, Block, BlockState
from hub.domain.origin_reissuance import reissued_blocks, reissued_records
from hub.domain.reconciliation import DiscrepancyKind
from hub.domain.serial_blocks import SerialRange, Series

SERIAL = "GDPH-4401-PV-2023-0007-2024-000501-000505"


def _holding(record_id: str, state: str, serial: str = "") -> Holding:
    return Holding(record_id, state, 2024, Decimal(5), serial)


def test_a_record_the_origin_now_shows_issued_is_found_and_nothing_else() -> None:
    hub = [
        _holding("R-1", "NOT_ISSUED"),
        _holding("R-2", "NOT_ISSUED"),
        _holding("R-3", "CANCELLED", SERIAL),  # cancelled at source for the hub: known
        _holding("R-4", "NOT_ISSUED"),
    ]
    origin = [
        _holding("R-1", "ISSUED", SERIAL),
        _holding("R-2", "NOT_ISSUED"),
        _holding("R-3", "ISSUED", SERIAL),
        _holding("R-4", "CANCELLED"),  # issued and cancelled there: used at the origin
        _holding("R-9", "ISSUED", SERIAL),  # unknown to the hub: not the hub's blocks
    ]
    assert reissued_records(hub, origin) == {"R-1": SERIAL, "R-4": "CANCELLED"}


def _block(block_id: str, first: int, state: BlockState) -> Block:
    return Block(
        block_id=block_id,
        range=SerialRange(Series("CN-GD", "SZ-PV", 2024, "P1"), first, first + 4),
        partner="CN-GD",
        account="project:P1",
        state=state,
        adjustment=Adjustment(None, AdjustmentStatus.NOT_REQUIRED),
        issued_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_every_block_of_the_record_is_named_and_the_movable_ones_freeze() -> None:
    delivered = _block("B2", 6, BlockState.DELIVERED)
    retired = _block("B1", 1, BlockState.RETIRED)
    found = reissued_blocks({"R-1": SERIAL}, {"R-1": [delivered, retired], "R-2": [delivered]})
    assert [(f.discrepancy.hub_value, f.block_id) for f in found] == [
        (retired.serial, None),  # retired before the re-issuance was known: reported only
        (delivered.serial, "B2"),
    ]
    assert {f.discrepancy.kind for f in found} == {DiscrepancyKind.ORIGIN_REISSUED}
    assert {f.discrepancy.subject_id for f in found} == {"R-1"}
    assert {f.discrepancy.counterpart_value for f in found} == {SERIAL}
