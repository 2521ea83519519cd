"""In-memory hub.services.exclusion_freeze_port.ExclusionFreezeRepository for
the unit tests' fake unit of work (tests.fakes): the store is the set of block
ids announced frozen for an overdue inventory exclusion."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Protocol

from hub.domain.blocks import Block, BlockState

_MOVABLE = frozenset({BlockState.ISSUED, BlockState.DELIVERED})


class _State(Protocol):
    blocks: dict[str, Block]
    exclusion_frozen: set[str]


class FakeExclusionFreezeRepository:
    def __init__(
        self, state: Callable[[], _State], write: Callable[[Callable[[_State], None]], None]
    ) -> None:
        self._state = state
        self._write = write

    def freeze(self, partner: str, reference: str) -> list[str]:
        return self._set(partner, reference, True)

    def thaw(self, partner: str, reference: str) -> list[str]:
        return self._set(partner, reference, False)

    def marked(self, block_ids: Collection[str]) -> set[str]:
        return set(block_ids) & self._state().exclusion_frozen

    def _set(self, partner: str, reference: str, frozen: bool) -> list[str]:
        state = self._state()
        changed = sorted(
            block.block_id
            for block in state.blocks.values()
            if block.partner == partner
            and block.adjustment.reference == reference
            and block.state in _MOVABLE
            and (block.block_id in state.exclusion_frozen) is not frozen
        )

        def apply(store: _State) -> None:
            if frozen:
                store.exclusion_frozen.update(changed)
            else:
                store.exclusion_frozen.difference_update(changed)

        self._write(apply)
        return changed
