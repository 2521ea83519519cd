"""Code run in separate OS processes by the ledger storage race tests (spawned)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from typing import Any

from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.blocks import Adjustment, Block, BlockState
from hub.domain.serial_blocks import SerialRange, Series
from hub.services.unit_of_work import ConcurrentWriteConflict
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory

ISSUED_AT = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
SERIES = Series("CN-GD", "SZ-PV", 2024, "P-1")
MAX_ATTEMPTS = 500


def block(serial_range: SerialRange, *, block_id: str | None = None) -> Block:
    return Block(
        block_id=block_id or uuid.uuid4().hex,
        range=serial_range,
        partner="CN-GD",
        account="project:P-1",
        state=BlockState.ISSUED,
        adjustment=Adjustment(None, AdjustmentStatus.NOT_REQUIRED),
        issued_at=ISSUED_AT,
    )


def reserve_and_issue(url: str, worker: str, rounds: int, barrier: Any) -> dict[str, int]:
    """Reserve units of one series and insert a block over them, ``rounds`` times;
    retry a round on ConcurrentWriteConflict."""
    engine = create_engine_for(url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    chooser = random.Random(worker)
    stats = {"units": 0, "blocks": 0, "conflicts": 0}
    barrier.wait(timeout=60)
    try:
        for _ in range(rounds):
            units = chooser.randint(1, 9)
            for _attempt in range(MAX_ATTEMPTS):
                try:
                    with factory() as uow:
                        reserved = uow.issuance.reserve_units(SERIES, units)
                        uow.blocks.add([block(reserved)])
                        uow.commit()
                except ConcurrentWriteConflict:
                    stats["conflicts"] += 1
                    continue
                stats["units"] += units
                stats["blocks"] += 1
                break
            else:
                raise RuntimeError(f"{worker}: no reservation in {MAX_ATTEMPTS} tries")
    finally:
        engine.dispose()
    return stats
