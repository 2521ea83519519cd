"""The coded refusals every operation on a block shares."""

from __future__ import annotations

from hub.domain.blocks import Block
from hub.errors import FailedPrecondition, NotFound


def block_not_found(block_id: str) -> NotFound:
    return NotFound("BLOCK_NOT_FOUND", f"no block {block_id}", {"block_id": block_id})


def block_terminal(block: Block) -> FailedPrecondition:
    return FailedPrecondition(
        "BLOCK_TERMINAL",
        f"block {block.serial} is {block.state}: it can never move again",
        {"block_id": block.block_id, "serial": block.serial, "state": str(block.state)},
    )
