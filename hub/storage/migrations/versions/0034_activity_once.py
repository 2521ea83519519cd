"""A claim's activity kept once in its body (issue 18).

A claim row's body (hub.storage.claim_body, MessagePack) kept the activity
up to three times: as the partner sent it (the submission's quantity and
unit), as the normalised claim's value and unit, and as the calculation
trace's one input ``activity``. For most claims they are the same text.
Now the normalised value and unit are nil where they are the submission's
text, and the trace's inputs are left out where they are exactly
``{"activity": <the normalised value>}`` (a body with a trace and no inputs
has these). About 20 bytes a personal claim.

Every body is rewritten, on SQLite and PostgreSQL, by the same rules the
hub now writes with; a body already in this form, or whose activity
differs, is left as it is. Downgrade writes the values and inputs back out.
A row of claims is read back as before either way: the verdict, the
submission and the normalised claim are the same.

Revision ID: 0034_activity_once
Revises: 0033_locks_by_key
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgpack  # type: ignore[import-untyped]
import sqlalchemy as sa
from alembic import op

revision: str = "0034_activity_once"
down_revision: str | None = "0033_locks_by_key"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of hub.storage.claim_body's keys (migrations never import
# code that may change): the body's map, the submission's fields.
_INPUTS, _SUBMISSION, _NORMALISED = 2, 3, 4
_QUANTITY, _UNIT = 7, 8
_ACTIVITY = "activity"
_CHUNK = 2000


def _lean(body: dict[int, Any], traced: bool) -> bool:
    """Keep the activity once; True when ``body`` changed."""
    entry = body.get(_NORMALISED)
    if entry is None:
        return False
    submitted = body.get(_SUBMISSION, {})
    value = submitted.get(_QUANTITY) if entry[0] is None else entry[0]
    changed = False
    for index, key in ((0, _QUANTITY), (1, _UNIT)):
        if entry[index] is not None and entry[index] == submitted.get(key):
            entry[index] = None
            changed = True
    if traced and body.get(_INPUTS) == {_ACTIVITY: value}:
        del body[_INPUTS]
        changed = True
    return changed


def _full(body: dict[int, Any], traced: bool) -> bool:
    """Write the activity out in full again; True when ``body`` changed."""
    entry = body.get(_NORMALISED)
    if entry is None:
        return False
    submitted = body.get(_SUBMISSION, {})
    changed = False
    for index, key in ((0, _QUANTITY), (1, _UNIT)):
        if entry[index] is None:
            entry[index] = submitted[key]
            changed = True
    if traced and _INPUTS not in body:
        # Where the hub wrote it: before the submission (the map's order).
        rebuilt = {key: item for key, item in body.items() if key < _INPUTS}
        rebuilt[_INPUTS] = {_ACTIVITY: entry[0]}
        rebuilt.update((key, item) for key, item in body.items() if key > _INPUTS)
        body.clear()
        body.update(rebuilt)
        changed = True
    return changed


def _rewrite(rule: Callable[[dict[int, Any], bool], bool]) -> None:
    """Apply ``rule`` to every claim's body, a chunk of rows at a time (by key)."""
    connection = op.get_bind()
    after: Any = None
    while True:
        query = "SELECT claim_id, body, trace_id FROM claims"
        if after is not None:
            query += " WHERE claim_id > :after"
        rows = connection.execute(
            sa.text(query + f" ORDER BY claim_id LIMIT {_CHUNK}"), {"after": after}
        ).all()
        if not rows:
            return
        changed = []
        for claim_id, stored, trace_id in rows:
            if stored is None:
                continue
            body = msgpack.unpackb(bytes(stored), raw=False, strict_map_key=False)
            if isinstance(body, dict) and rule(body, trace_id is not None):
                changed.append({"id": claim_id, "body": msgpack.packb(body, use_bin_type=True)})
        if changed:
            connection.execute(
                sa.text("UPDATE claims SET body = :body WHERE claim_id = :id"), changed
            )
        after = rows[-1][0]


def upgrade() -> None:
    _rewrite(_lean)


def downgrade() -> None:
    _rewrite(_full)
