"""What the claims of one delivery share of their submissions, kept once (issue 18).

A claim's row kept its delivery id (the ``delivery_id`` column) and, in its
body (hub.storage.claim_body, MessagePack), the partner's methodology, time
zone, unit and region as the partner sent them: the same five texts for
most claims of a delivery, about 50 bytes a personal claim. Now
``claim_contexts`` keeps each such set once (hub.storage.claim_contexts:
JSON of the fields in a fixed order, keyed by its SHA-256), a claim names it
by ``context_id``, its body leaves the fields out and its ``delivery_id`` is
empty.

Every claim is converted, a page of claims at a time (by key), on SQLite
and PostgreSQL, as the hub now writes: a context held by two or more claims
of a page is shared, one held by a single claim stays in its row. A body
whose fields are not the hub's (not text, written by hand) is left as it
is. Downgrade writes the fields back into each body, in the order the hub
wrote them, and the delivery id into its column, then drops the column and
the table. PostgreSQL writes the claims table afresh after each (0043).

Revision ID: 0045_claim_contexts
Revises: 0044_period_days
Create Date: 2026-12-07
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

import msgpack  # type: ignore[import-untyped]
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql, sqlite

revision: str = "0045_claim_contexts"
down_revision: str | None = "0044_period_days"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of hub.storage.claim_body's keys and hub.storage.claim_contexts'
# fields (migrations never import code that may change): the body's
# submission entry, and each context field's index in it (None: a column).
_SUBMISSION = 3
# The body's keys the hub writes after the submission entry (the normalised
# claim, the verdict's fields): the entry goes back in before them.
_AFTER_SUBMISSION = (4, 5)
_FIELDS = (
    ("delivery_id", None),
    ("partner_methodology", 3),
    ("time_zone", 6),
    ("activity_unit", 8),
    ("region_code", 12),
)
_CHUNK = 2000

contexts = sa.table(
    "claim_contexts",
    sa.column("context_id", sa.BigInteger()),
    sa.column("digest", sa.String(64)),
    sa.column("context", sa.Text()),
)


def _text(fields: dict[str, str]) -> str:
    """hub.storage.claim_contexts.context_text's spelling."""
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _pages(bind: sa.Connection, where: str) -> Any:
    """(claim_id, delivery_id, body, context_id) rows, a page at a time, by key."""
    after: Any = None
    while True:
        query = "SELECT claim_id, delivery_id, body, context_id FROM claims WHERE " + where
        if after is not None:
            query += " AND claim_id > :after"
        rows = bind.execute(
            sa.text(query + f" ORDER BY claim_id LIMIT {_CHUNK}"), {"after": after}
        ).all()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _context(delivery_id: Any, body: Any) -> str | None:
    """The context a hub-written row holds (None: not one the hub wrote)."""
    if not isinstance(body, dict) or not isinstance(delivery_id, str):
        return None
    entry = body.get(_SUBMISSION, {})
    if not isinstance(entry, dict):
        return None
    fields = {}
    for name, index in _FIELDS:
        value = delivery_id if index is None else entry.get(index)
        if value is None:
            continue
        if not isinstance(value, str):
            return None
        fields[name] = value
    return _text(fields)


def _ids(bind: sa.Connection, texts: set[str]) -> dict[str, int]:
    """Each context's id, adding the new ones (hub.storage.claim_traces)."""
    by_digest = {hashlib.sha256(text.encode()).hexdigest(): text for text in texts}
    dialect = postgresql if bind.dialect.name == "postgresql" else sqlite
    rows = [{"digest": digest, "context": by_digest[digest]} for digest in sorted(by_digest)]
    if rows:
        bind.execute(
            dialect.insert(contexts).on_conflict_do_nothing(index_elements=["digest"]), rows
        )
    found = bind.execute(
        sa.select(contexts.c.digest, contexts.c.context_id).where(
            contexts.c.digest.in_(sorted(by_digest))
        )
    )
    return {by_digest[digest]: context_id for digest, context_id in found}


def _rewrite(bind: sa.Connection) -> None:
    """PostgreSQL: claims written afresh after an UPDATE of every row (0043;
    USING with the column alone would not rewrite)."""
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE claims ALTER COLUMN body TYPE bytea USING body || ''::bytea")


def upgrade() -> None:
    op.create_table(
        "claim_contexts",
        sa.Column(
            "context_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("context_id", name="pk_claim_contexts"),
        sa.UniqueConstraint("digest", name="uq_claim_contexts_digest"),
    )
    op.add_column(
        "claims",
        sa.Column(
            "context_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
    )
    bind = op.get_bind()
    for rows in _pages(bind, "body IS NOT NULL"):
        bodies = {}
        texts = {}
        for claim_id, delivery_id, stored, _ in rows:
            body = msgpack.unpackb(bytes(stored), raw=False, strict_map_key=False)
            text = _context(delivery_id, body)
            if text is not None:
                bodies[claim_id], texts[claim_id] = body, text
        shared = {text for text, count in Counter(texts.values()).items() if count > 1}
        ids = _ids(bind, shared)
        changed = []
        for claim_id, text in texts.items():
            if text not in shared:
                continue
            body = bodies[claim_id]
            entry = body.get(_SUBMISSION, {})
            for _, index in _FIELDS:
                entry.pop(index, None)
            if not entry:
                body.pop(_SUBMISSION, None)
            changed.append(
                {"c": claim_id, "b": msgpack.packb(body, use_bin_type=True), "x": ids[text]}
            )
        if changed:
            bind.execute(
                sa.text(
                    "UPDATE claims SET body = :b, delivery_id = '', context_id = :x"
                    " WHERE claim_id = :c"
                ),
                changed,
            )
    _rewrite(bind)


def _with_entry(body: dict[int, Any], entry: dict[int, Any]) -> dict[int, Any]:
    """``body`` with its submission entry: in its place where the body has one
    (a changed verdict's checks come after it: hub.storage.claim_body.with_checks);
    where the upgrade took it out, where the hub writes it, after every key
    but the normalised claim's and the verdict's."""
    if _SUBMISSION in body or not entry:
        if entry:
            body[_SUBMISSION] = entry
        return body
    rebuilt: dict[int, Any] = {}
    for key, value in body.items():
        if key in _AFTER_SUBMISSION and _SUBMISSION not in rebuilt:
            rebuilt[_SUBMISSION] = entry
        rebuilt[key] = value
    rebuilt.setdefault(_SUBMISSION, entry)
    return rebuilt


def downgrade() -> None:
    bind = op.get_bind()
    texts = dict(bind.execute(sa.select(contexts.c.context_id, contexts.c.context)).all())
    for rows in _pages(bind, "context_id IS NOT NULL"):
        changed = []
        for claim_id, delivery_id, stored, context_id in rows:
            if context_id not in texts:
                named = claim_id if isinstance(claim_id, str) else bytes(claim_id).hex()
                raise RuntimeError(
                    f"claim {named} names context {context_id}, which claim_contexts does"
                    " not hold (removed by hand?): its fields cannot be written back"
                )
            fields = json.loads(texts[context_id])
            body = msgpack.unpackb(bytes(stored), raw=False, strict_map_key=False)
            entry = {**body.get(_SUBMISSION, {})}
            for name, index in _FIELDS:
                if index is not None and name in fields:
                    entry.setdefault(index, fields[name])
            changed.append(
                {
                    "c": claim_id,
                    "b": msgpack.packb(
                        _with_entry(body, dict(sorted(entry.items()))), use_bin_type=True
                    ),
                    "d": fields.get("delivery_id", delivery_id),
                }
            )
        bind.execute(
            sa.text("UPDATE claims SET body = :b, delivery_id = :d WHERE claim_id = :c"), changed
        )
    op.drop_column("claims", "context_id")
    op.drop_table("claim_contexts")
    _rewrite(bind)
