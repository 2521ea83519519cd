"""What the exchange hears when blocks freeze or thaw, for either freeze: a
reconciliation discrepancy (``Block.frozen``, hub.services.reconciliation)
or an inventory exclusion withheld (hub.services.exclusion_gate, the mark
in hub.services.exclusion_freeze_port).

Both ask one question, the same way (``offered``): was the block offered to
the exchange? Yes when the outbox holds a QUALIFIED event for it, or when
the exchange acknowledged it (``delivered_at``): the remainder of a block
split on a partial retirement was never QUALIFIED under its own id, but
the exchange holds it. Acknowledgement alone would not do: a block offered
but not yet acknowledged is in the exchange's hands all the same.

* A block newly frozen hears FROZEN if it was offered, with the freeze's
  reason, unless the other freeze already held it; one never offered hears
  nothing (it is simply not offered while frozen).
* A block thawed hears UNFROZEN if it was offered, once no freeze is left on
  it; one never offered is offered now (QUALIFIED) if it may go to the
  exchange (``Block.routable``) and no freeze is left on it. Without the
  second half a block frozen before it was ever offered, e.g. issued under
  a PENDING exclusion and frozen by an origin re-issuance before the
  exclusion was COMMITTED, would never reach the exchange.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from hub.domain.blocks import Block
from hub.services.outbox_port import OutboxKind
from hub.services.unit_of_work import UnitOfWork


def offered(uow: UnitOfWork, blocks: Mapping[str, Block]) -> set[str]:
    """Which of ``blocks`` (by id) the exchange was offered."""
    acknowledged = {b for b, block in blocks.items() if block.delivered_at is not None}
    return acknowledged | uow.outbox.qualified([b for b in blocks if b not in acknowledged])


def announce_frozen(
    uow: UnitOfWork, block_ids: Collection[str], why: str, now: datetime
) -> list[str]:
    """FROZEN for the newly frozen ``block_ids`` the exchange was offered; those ids.

    Call it after setting the caller's freeze. A block the other freeze held
    already heard FROZEN when that one began (or was never offered, since a
    frozen block is not): held by both now, it is not told again, so the
    exchange hears FROZEN once and UNFROZEN once (announce_thawed waits for
    both to lift)."""
    if not block_ids:
        return []
    blocks = uow.blocks.get_many(sorted(set(block_ids)))
    both = uow.exclusion_freezes.marked(blocks) & {b for b, block in blocks.items() if block.frozen}
    told = sorted(offered(uow, {b: block for b, block in blocks.items() if b not in both}))
    if told:
        uow.outbox.append([(OutboxKind.FROZEN, b, why) for b in told], now)
    return told


def freeze_blocks(
    uow: UnitOfWork, block_ids: Collection[str], why: str, now: datetime
) -> list[str]:
    """The discrepancy freeze (``Block.frozen``) on those of ``block_ids`` not
    frozen yet, and FROZEN for those the exchange was offered (announce_frozen);
    the ids newly frozen."""
    ids = sorted(set(block_ids))
    current = uow.blocks.get_many(ids)
    newly = [b for b in ids if not current[b].frozen]
    if newly:
        uow.blocks.set_frozen(newly, True)
        announce_frozen(uow, newly, why, now)
    return newly


def announce_thawed(
    uow: UnitOfWork, block_ids: Collection[str], why: str, now: datetime
) -> list[str]:
    """UNFROZEN or QUALIFIED for the thawed ``block_ids`` no freeze holds any
    more (call it after clearing the freeze); the ids announced."""
    if not block_ids:
        return []
    blocks = uow.blocks.get_many(sorted(set(block_ids)))
    # The other freeze may still hold a block: it is announced when that one thaws.
    still = uow.exclusion_freezes.marked(blocks) | {
        b for b, block in blocks.items() if block.frozen
    }
    free = {b: block for b, block in sorted(blocks.items()) if b not in still}
    told = offered(uow, free)
    entries = [
        (OutboxKind.UNFROZEN, b, why) if b in told else (OutboxKind.QUALIFIED, b, why)
        for b, block in free.items()
        if b in told or block.routable
    ]
    if entries:
        uow.outbox.append(entries, now)
    return [b for _, b, _ in entries]
