"""Lean claim rows (issue 18): each fact of a claim stored once.

A claim row kept three JSON documents (verdict, submission, normalised
claim: about 2 KB, a 4 KB SQLite page per claim) that repeated the row's
columns and, in every claim, the same calculation trace. Now:

* ``claim_traces``: the part of a trace shared by every claim of one
  (standard version, formula, factor set), once, keyed by its SHA-256;
* ``claims.trace_id`` names it (NULL: the verdict has no trace); no foreign
  key is declared: rows of claim_traces are only ever added;
* ``claim_check_lists`` and ``claims.checks_id``: a verdict's checks (codes
  and parameters), once for the claims of a batch that fired the same
  (converted claims keep theirs in the body);
* ``claims.body``: the rest, MessagePack (hub.storage.claim_body): checks
  as codes and parameters, the trace's inputs, the submission's fields no
  column holds, the normalised claim's activity;
* the index on ``claims.delivery_id`` goes: no query reads claims by their
  delivery, and it cost 25 bytes a claim.

Every existing claim is converted, and each is read back from its new form
and compared with its documents (the verdict's and the submission's JSON
byte for byte, the normalised claim as a value) before the documents are
dropped: a claim that would not read back the same stops the migration.
Downgrade writes the documents back from the new form.

SQLite keeps the pages the dropped columns freed (VACUUM gives them back to
the file system; the hub does not run it on its own).

Revision ID: 0018_lean_claims
Revises: 0017_vintage_parts
Create Date: 2026-12-06
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import Any, cast

import msgpack  # type: ignore[import-untyped]
import sqlalchemy as sa
from alembic import op

from carbonhub_contract.vocabulary.records import ClaimSubmission
from hub.storage.claim_body import (
    READ_COLUMNS,
    ClaimColumns,
    claim_body,
    normalised_of,
    shared_trace_text,
    submission_of,
    verdict_of,
)
from hub.storage.claim_tables import ClaimRow
from hub.storage.serialisation import (
    claim_texts,
    normalised_from_json,
    normalised_to_dict,
    submission_from_json,
    submission_to_json,
    verdict_from_json,
    verdict_to_json,
)
from hub.storage.tables import UtcDateTime

revision: str = "0018_lean_claims"
down_revision: str | None = "0017_vintage_parts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 2000
_DOCUMENTS = ("verdict", "submission", "normalised")
_TYPED = tuple(name for name in READ_COLUMNS if name != "body")

_TEXT_AT_0018: dict[str, Any] = {
    **{name: sa.String() for name in ("claim_id", "person_pseudonym", "content_digest")},
    # Instants as UtcDateTime kept them at 0018 (integers on SQLite since 0029).
    **{name: UtcDateTime() for name in ("period_start", "period_end", "received_at")},
}

_traces = sa.table(
    "claim_traces",
    sa.column("trace_id", sa.Integer()),
    sa.column("digest", sa.String()),
    sa.column("shared", sa.Text()),
)
_check_lists = sa.table(
    "claim_check_lists", sa.column("checks_id", sa.Integer()), sa.column("checks", sa.Text())
)


def _claims(*extra: sa.ColumnClause[Any]) -> sa.TableClause:
    # The claim columns with the model's types (UTC instants, exact decimals),
    # except those a later migration keeps in another form (0026, 0028, 0029):
    # at 0018 they are text.
    columns = ClaimRow.__table__.c
    return sa.table(
        "claims",
        *(sa.column(name, _TEXT_AT_0018.get(name, columns[name].type)) for name in _TYPED),
        sa.column("trace_id", sa.Integer()),
        sa.column("checks_id", sa.Integer()),
        sa.column("body", sa.LargeBinary()),
        *extra,
    )


def _period_texts(body: bytes, submission: ClaimSubmission) -> bytes:
    """``body`` with the partner's period texts as this revision's hub reads
    them. claim_body keeps them as offsets from the row's period columns
    since 0044 (hub.storage.period_texts), which a hub from before 0044
    would read as the texts themselves: written as text here, and 0044
    keeps them so in turn."""
    data = msgpack.unpackb(body, raw=False, strict_map_key=False)
    entry = data.get(3)  # the submission's fields (hub.storage.claim_body)
    if not isinstance(entry, dict):
        return body
    for key, text in ((4, submission.period_start), (5, submission.period_end)):
        if key in entry and not isinstance(entry[key], str):
            entry[key] = text
    packed: bytes = msgpack.packb(data, use_bin_type=True)
    return packed


def _row(
    columns: dict[str, Any], body: bytes | None, shared: str | None, checks: str | None = None
) -> ClaimColumns:
    """The claim's columns with its body and shared texts, as claim_body reads them."""
    return cast(
        ClaimColumns,
        SimpleNamespace(
            **columns,
            body=body,
            trace_shared=shared,
            checks_shared=checks,
            context_id=None,
            context_shared=None,
        ),
    )


def _pages(
    connection: sa.Connection, statement: Any, table: sa.TableClause
) -> Iterator[Sequence[Any]]:
    """The rows of ``statement`` by claim id, ``_CHUNK`` at a time (keyset pages)."""
    after = ""
    while True:
        rows = connection.execute(
            statement.where(table.c.claim_id > after).order_by(table.c.claim_id).limit(_CHUNK)
        ).all()
        if not rows:
            return
        yield rows
        after = rows[-1].claim_id


def _trace_id(connection: sa.Connection, known: dict[str, int], shared: str) -> int:
    found = known.get(shared)
    if found is None:
        digest = hashlib.sha256(shared.encode()).hexdigest()
        found = connection.execute(
            sa.select(_traces.c.trace_id).where(_traces.c.digest == digest)
        ).scalar_one_or_none()
        if found is None:
            connection.execute(sa.insert(_traces).values(digest=digest, shared=shared))
            found = connection.execute(
                sa.select(_traces.c.trace_id).where(_traces.c.digest == digest)
            ).scalar_one()
        known[shared] = found
    return found


def _convert(connection: sa.Connection) -> None:
    documents = tuple(sa.column(name, sa.Text()) for name in _DOCUMENTS)
    claims = _claims(*documents)
    statement = sa.select(*(claims.c[name] for name in (*_TYPED, *_DOCUMENTS)))
    known: dict[str, int] = {}
    for rows in _pages(connection, statement, claims):
        updates = []
        for row in rows:
            columns = {name: getattr(row, name) for name in _TYPED}
            verdict = verdict_from_json(row.verdict)
            submission = submission_from_json(row.submission)
            normalised = (
                None
                if row.normalised is None
                else normalised_from_json(row.normalised, verdict.trace)
            )
            shared = None if verdict.trace is None else shared_trace_text(verdict.trace)
            body = _period_texts(claim_body(verdict, submission, normalised, columns), submission)
            back = _row(columns, body, shared)
            if (
                verdict_to_json(verdict_of(back)) != row.verdict
                or submission_to_json(submission_of(back)) != row.submission
                or _normalised(normalised) != _normalised(normalised_of(back))
            ):
                raise RuntimeError(
                    f"claim {row.claim_id} would not read back as stored: not migrated"
                )
            updates.append(
                {
                    "b_claim_id": row.claim_id,
                    "trace_id": None if shared is None else _trace_id(connection, known, shared),
                    "body": body,
                }
            )
        connection.execute(
            sa.update(claims)
            .where(claims.c.claim_id == sa.bindparam("b_claim_id"))
            .values(trace_id=sa.bindparam("trace_id"), body=sa.bindparam("body")),
            updates,
        )


def _normalised(claim: Any) -> Any:
    return None if claim is None else normalised_to_dict(claim)


def upgrade() -> None:
    op.create_table(
        "claim_traces",
        sa.Column(
            "trace_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("shared", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("trace_id", name="pk_claim_traces"),
        sa.UniqueConstraint("digest", name="uq_claim_traces_digest"),
    )
    op.create_table(
        "claim_check_lists",
        sa.Column(
            "checks_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("checks", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("checks_id", name="pk_claim_check_lists"),
        sa.UniqueConstraint("digest", name="uq_claim_check_lists_digest"),
    )
    # Plain ALTER TABLE ADD / DROP COLUMN (SQLite >= 3.35), never a batch copy
    # of claims, which claim_locks and site_bindings reference.
    op.add_column(
        "claims",
        sa.Column("trace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    )
    op.add_column(
        "claims",
        sa.Column("checks_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
    )
    op.add_column("claims", sa.Column("body", sa.LargeBinary(), nullable=True))
    _convert(op.get_bind())
    for name in _DOCUMENTS:
        op.drop_column("claims", name)
    op.drop_index("ix_claims_delivery_id", "claims")


def _restore(connection: sa.Connection) -> None:
    documents = tuple(sa.column(name, sa.Text()) for name in _DOCUMENTS)
    claims = _claims(*documents)
    statement = sa.select(
        *(claims.c[name] for name in _TYPED), claims.c.body, _traces.c.shared, _check_lists.c.checks
    ).select_from(
        claims.outerjoin(_traces, claims.c.trace_id == _traces.c.trace_id).outerjoin(
            _check_lists, claims.c.checks_id == _check_lists.c.checks_id
        )
    )
    for rows in _pages(connection, statement, claims):
        updates = []
        for row in rows:
            columns = {name: getattr(row, name) for name in _TYPED}
            back = _row(columns, row.body, row.shared, row.checks)
            verdict = verdict_of(back)
            verdict_json, normalised_json = claim_texts(verdict, normalised_of(back))
            updates.append(
                {
                    "b_claim_id": row.claim_id,
                    "verdict": verdict_json,
                    "submission": submission_to_json(submission_of(back)),
                    "normalised": normalised_json,
                }
            )
        connection.execute(
            sa.update(claims)
            .where(claims.c.claim_id == sa.bindparam("b_claim_id"))
            .values(
                verdict=sa.bindparam("verdict"),
                submission=sa.bindparam("submission"),
                normalised=sa.bindparam("normalised"),
            ),
            updates,
        )


def downgrade() -> None:
    op.create_index("ix_claims_delivery_id", "claims", ["delivery_id"])
    for name in _DOCUMENTS:
        op.add_column("claims", sa.Column(name, sa.Text(), nullable=True))
    _restore(op.get_bind())
    if op.get_bind().dialect.name == "postgresql":
        # SQLite cannot make a column NOT NULL in place: there the documents
        # stay nullable (every row has them).
        for name in ("verdict", "submission"):
            op.alter_column("claims", name, existing_type=sa.Text(), nullable=False)
    op.drop_column("claims", "body")
    op.drop_column("claims", "checks_id")
    op.drop_column("claims", "trace_id")
    op.drop_table("claim_check_lists")
    op.drop_table("claim_traces")
