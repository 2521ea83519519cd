"""Code run in separate OS processes by the storage race tests (spawned)."""

from __future__ import annotations

import random
from typing import Any

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.locks import ClaimLock, LockKind
from hub.services.claim_port import NewClaimRecord
from hub.services.unit_of_work import ConcurrentWriteConflict
from hub.storage.database import create_engine_for, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.records import record

MAX_ATTEMPTS = 200


def slot_locks(slot: int) -> tuple[ClaimLock, ClaimLock]:
    """The locks every worker wants for ``slot``: only one worker may get them."""
    return (
        ClaimLock(LockKind.CONTENT, f"content-{slot}", 0, 0),
        ClaimLock(LockKind.PROJECT_PERIOD, f"project-{slot % 17}", slot * 1000, slot * 1000 + 999),
    )


def _decide(
    worker: str, slots: list[int], taken: set[ClaimLock], seed: int
) -> list[NewClaimRecord]:
    records = []
    for slot in slots:
        locks = slot_locks(slot)
        free = not any(lock in taken for lock in locks)
        records.append(
            record(
                f"{worker}-{slot:04}",
                locks if free else (),
                decision=Decision.ACCEPTED if free else Decision.REJECTED,
                claim_id=f"{worker}-{slot:04}-{seed}",
            )
        )
    return records


def record_slots(
    url: str, worker: str, slots: list[int], batch: int, barrier: Any
) -> dict[str, int]:
    """Check conflicts, add, commit, batch by batch, retrying on a conflict."""
    engine = create_engine_for(url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    stats = {"accepted": 0, "rejected": 0, "conflicts": 0}
    barrier.wait(timeout=60)
    try:
        for start in range(0, len(slots), batch):
            chunk = slots[start : start + batch]
            for attempt in range(MAX_ATTEMPTS):
                try:
                    with factory() as uow:
                        wanted = [lock for slot in chunk for lock in slot_locks(slot)]
                        held = uow.claims.find_lock_conflicts(wanted)
                        records = _decide(worker, chunk, {c.requested for c in held}, attempt)
                        uow.claims.add(records)
                        uow.commit()
                except ConcurrentWriteConflict:
                    stats["conflicts"] += 1
                    continue
                for r in records:
                    stats["accepted" if r.locks else "rejected"] += 1
                break
            else:
                raise RuntimeError(
                    f"{worker}: batch at {start} not recorded in {MAX_ATTEMPTS} tries"
                )
    finally:
        engine.dispose()
    return stats


def migrate_after(url: str, barrier: Any) -> str:
    barrier.wait(timeout=60)
    migrate(url)
    return "migrated"


def shuffled(slots: int, seed: int) -> list[int]:
    order = list(range(slots))
    random.Random(seed).shuffle(order)
    return order


def insert_blindly(url: str, worker: str, slots: list[int], barrier: Any) -> dict[str, int]:
    """Insert every slot's claim without looking first: only the database decides."""
    engine = create_engine_for(url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    stats = {"stored": 0, "refused": 0}
    barrier.wait(timeout=60)
    try:
        for slot in slots:
            try:
                with factory() as uow:
                    uow.claims.add([record(f"{worker}-{slot:04}", slot_locks(slot))])
                    uow.commit()
                stats["stored"] += 1
            except ConcurrentWriteConflict:
                stats["refused"] += 1
    finally:
        engine.dispose()
    return stats


def insert_content_blindly(url: str, worker: str, slots: list[int], barrier: Any) -> list[int]:
    """Insert a claim holding only ``content-<slot>`` for every slot, without
    looking first; the slots this worker's claim got (the database decides)."""
    engine = create_engine_for(url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    won = []
    barrier.wait(timeout=60)
    try:
        for slot in slots:
            try:
                with factory() as uow:
                    uow.claims.add([record(f"{worker}-{slot:04}", (slot_locks(slot)[0],))])
                    uow.commit()
                won.append(slot)
            except ConcurrentWriteConflict:
                continue
    finally:
        engine.dispose()
    return won
