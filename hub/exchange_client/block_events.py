"""What one block event of the hub's stream does to the exchange's state, by block id.

Events are delivered at least once; applying one is idempotent: an event
already applied (or about a block in a terminal state) changes nothing and
is reported as a "repeat". A block that changed keeps the receipt of the
event that changed it, so the exchange can prove what the hub told it.
"""

from __future__ import annotations

from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as ex
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger
from hub.exchange_client.state import BlockRecord, BlockStatus, ExchangeState, ReceiptRecord

# Block events whose block is applied to the state, so must be verified first.
APPLYING_KINDS = frozenset(
    {
        ex.BLOCK_EVENT_KIND_QUALIFIED,
        ex.BLOCK_EVENT_KIND_CANCELLED,
        ex.BLOCK_EVENT_KIND_FROZEN,
        ex.BLOCK_EVENT_KIND_UNFROZEN,
    }
)


def receipt_of(block: ledger.Block) -> ReceiptRecord | None:
    """The block's receipt as it is kept in the state file; None when unsigned."""
    if not block.HasField("receipt"):
        return None
    r = block.receipt
    return ReceiptRecord.of(r.key_id, r.statement, r.signature)


def apply_event(state: ExchangeState, event: ex.BlockEvent) -> str:
    """Apply one event to ``state`` by block id; the effect's name.

    Effects: "held", "cancelled", "frozen", "unfrozen", or "repeat" when the
    event had been applied before (or concerns a block in a terminal state).
    A block that changed keeps the receipt of the event that changed it.
    """
    effect = _apply_event(state, event)
    if effect != "repeat":
        receipt = receipt_of(event.block)
        if receipt is not None:
            state.blocks[event.block.block_id].receipt = receipt
    return effect


def _apply_event(state: ExchangeState, event: ex.BlockEvent) -> str:
    block = event.block
    known = state.blocks.get(block.block_id)
    if event.kind == ex.BLOCK_EVENT_KIND_QUALIFIED:
        if known is not None:
            return "repeat"
        state.blocks[block.block_id] = BlockRecord(
            block_id=block.block_id,
            serial=block.serial,
            units=block.units,
            vintage=block.vintage,
            origin=block.origin,
            frozen=block.frozen,
            parent_block_id=block.parent_block_id,
        )
        return "held"
    if event.kind == ex.BLOCK_EVENT_KIND_CANCELLED:
        if known is None:
            # Never held here, but recorded, so the exchange's account of the
            # block agrees with the hub's when they reconcile.
            state.blocks[block.block_id] = BlockRecord(
                block_id=block.block_id,
                serial=block.serial,
                units=block.units,
                vintage=block.vintage,
                origin=block.origin,
                status=BlockStatus.CANCELLED,
                parent_block_id=block.parent_block_id,
            )
            return "cancelled"
        if known.status is not BlockStatus.HELD:
            return "repeat"
        known.status = BlockStatus.CANCELLED
        return "cancelled"
    if event.kind in (ex.BLOCK_EVENT_KIND_FROZEN, ex.BLOCK_EVENT_KIND_UNFROZEN):
        frozen = event.kind == ex.BLOCK_EVENT_KIND_FROZEN
        if known is None or known.frozen == frozen:
            return "repeat"
        known.frozen = frozen
        return "frozen" if frozen else "unfrozen"
    # A kind from a newer contract: the cursor moves on, nothing else does.
    return "repeat"
