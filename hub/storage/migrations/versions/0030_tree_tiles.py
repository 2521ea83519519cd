"""The transparency log stores its tree from the tile level up (issue 18).

``merkle_nodes`` held the hash of every complete subtree: two rows a leaf.
Now the nodes inside a complete tile of sixteen leaves (levels 0 to 3) are
not kept: a proof that needs one rehashes the tile's events and checks them
against the tile's stored hash (hub.domain.tree_tiles). Only the last,
incomplete tile keeps its inner nodes, so the tree still grows without
reading its events again.

Upgrade deletes the inner nodes of every complete tile, the tile being read
from the tree's size (its last leaf: every leaf was stored before). The
signed tree heads are untouched; every root and proof is the same.

Downgrade deletes the stored tree (not the signed tree heads): the hub of
0029 rebuilds it from the events, which it checks as chained against its
signed checkpoints, at its next checkpoint (``carbon-hub audit checkpoint``
does it at once). Rebuilt from the same events, every root is the one its
tree head signed.

Revision ID: 0030_tree_tiles
Revises: 0029_compact_instants
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030_tree_tiles"
down_revision: str | None = "0029_compact_instants"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A frozen copy of hub.domain.tree_tiles.TILE_LEVEL (migrations never import
# code that may change).
_TILE_LEVEL = 4


def upgrade() -> None:
    connection = op.get_bind()
    last = connection.execute(
        sa.text("SELECT max(idx) FROM merkle_nodes WHERE level = 0")
    ).scalar_one_or_none()
    size = 0 if last is None else int(last) + 1
    tail_start = (size >> _TILE_LEVEL) << _TILE_LEVEL
    for level in range(_TILE_LEVEL):
        connection.execute(
            sa.text("DELETE FROM merkle_nodes WHERE level = :level AND idx < :bound"),
            {"level": level, "bound": tail_start >> level},
        )


def downgrade() -> None:
    op.get_bind().execute(sa.text("DELETE FROM merkle_nodes"))
