"""Lean points and travel tables (issue 14): fewer B-trees written per award.

Every award inserts a points entry and upserts its balance and daily-total
rows; every mobility claim inserts its travel rows. Each B-tree those writes
touch costs SQLite instructions on the ingestion path
(docs/ingestion-profile.md, "Ninth round"). Now:

* ``points_balances``, ``points_daily`` and ``person_travel_days`` are
  WITHOUT ROWID tables on SQLite: their primary key is the key every query
  looks them up by, so the key's B-tree holds the rows instead of a rowid
  table beside an index of the key. Same columns, primary keys and CHECK
  constraints (a balance and a daily total never below zero). PostgreSQL has
  no rowid: nothing changes there.
* ``points_entries``' unique key (partner, redemption_id) becomes a partial
  unique index over redemptions only (``redemption_id IS NOT NULL``): an
  award, reversal or expiry has none, and NULLs never collided anyway, so one
  redemption per id and partner holds as before while the other entries no
  longer write to it. The redemption look-up (partner = ? AND redemption_id =
  ?) still uses it: the equality implies the index's condition.
* ``ix_points_entries_occurred_at`` is dropped: no query reads it. The
  monthly disclosure groups every entry by partner, month and kind (a full
  scan either way), the expiry sweep reads ``ix_points_entries_expires_at``,
  a person's history ``ix_points_entries_partner_person_id``.

SQLite cannot drop a table's unique constraint nor change its rowid, so the
four tables are rebuilt there (rows copied in key order, ids kept); on
PostgreSQL the constraint and the index are altered in place.

Downgrade restores the schema of 0019 on both databases with the rows.

Revision ID: 0020_lean_points
Revises: 0019_point_locks
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_lean_points"
down_revision: str | None = "0019_point_locks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REDEMPTION_KEY = "uq_points_entries_partner_redemption_id"
OCCURRED_INDEX = "ix_points_entries_occurred_at"
REDEMPTIONS_ONLY = "redemption_id IS NOT NULL"
# Built alongside, then renamed over the old table (SQLite only).
_NEW = "_new"


def _entries(name: str, lean: bool) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("platform", sa.String(64), nullable=True),
        sa.Column("methodology", sa.String(200), nullable=True),
        sa.Column("claim_id", sa.String(64), nullable=True),
        sa.Column("redemption_id", sa.String(200), nullable=True),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_points_entries"),
        sa.UniqueConstraint("kind", "claim_id", name="uq_points_entries_kind_claim_id"),
        *([] if lean else [sa.UniqueConstraint("partner", "redemption_id", name=REDEMPTION_KEY)]),
        sa.CheckConstraint("points >= 0", name="ck_points_entries_points_not_negative"),
    )


def _balances(name: str, lean: bool) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("partner", "person", name="pk_points_balances"),
        sa.CheckConstraint("balance >= 0", name="ck_points_balances_balance_not_negative"),
        sqlite_with_rowid=not lean,
    )


def _daily(name: str, lean: bool) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("methodology", sa.String(200), nullable=False),
        sa.Column("awarded", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("partner", "day", "person", "methodology", name="pk_points_daily"),
        sa.CheckConstraint("awarded >= 0", name="ck_points_daily_awarded_not_negative"),
        sqlite_with_rowid=not lean,
    )


def _travel(name: str, lean: bool) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("claim_id", sa.String(64), nullable=False),
        sa.Column("passenger_km", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("day", "person", "claim_id", name="pk_person_travel_days"),
        sqlite_with_rowid=not lean,
    )


_TABLES: dict[str, Callable[[str, bool], sa.Table]] = {
    "points_entries": _entries,
    "points_balances": _balances,
    "points_daily": _daily,
    "person_travel_days": _travel,
}


def _rebuild(name: str, lean: bool) -> None:
    """SQLite: the table again under ``lean``'s definition, with its rows."""
    new = _TABLES[name](name + _NEW, lean)
    connection = op.get_bind()
    new.create(connection)
    columns = ", ".join(c.name for c in new.columns)
    order = ", ".join(c.name for c in new.primary_key.columns)
    op.execute(f"INSERT INTO {new.name} ({columns}) SELECT {columns} FROM {name} ORDER BY {order}")
    # DROP TABLE takes the old table's indexes with it.
    op.execute(f"DROP TABLE {name}")
    op.execute(f"ALTER TABLE {new.name} RENAME TO {name}")


def _entries_indexes(lean: bool) -> None:
    """The entries' secondary indexes after a SQLite rebuild (or PostgreSQL's
    redemption key and occurred_at index, changed in place)."""
    if lean:
        op.create_index(
            REDEMPTION_KEY,
            "points_entries",
            ["partner", "redemption_id"],
            unique=True,
            sqlite_where=sa.text(REDEMPTIONS_ONLY),
            postgresql_where=sa.text(REDEMPTIONS_ONLY),
        )
    else:
        op.create_index(OCCURRED_INDEX, "points_entries", ["occurred_at"])


def _change(lean: bool) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _TABLES:
            _rebuild(name, lean)
        op.create_index(
            "ix_points_entries_partner_person_id", "points_entries", ["partner", "person", "id"]
        )
        op.create_index("ix_points_entries_expires_at", "points_entries", ["expires_at"])
        _entries_indexes(lean)
    elif dialect == "postgresql":
        if lean:
            op.drop_index(OCCURRED_INDEX, "points_entries")
            op.drop_constraint(REDEMPTION_KEY, "points_entries", type_="unique")
            _entries_indexes(lean)
        else:
            op.drop_index(REDEMPTION_KEY, "points_entries")
            op.create_unique_constraint(
                REDEMPTION_KEY, "points_entries", ["partner", "redemption_id"]
            )
            _entries_indexes(lean)
    else:
        raise RuntimeError(f"no lean points tables for dialect {dialect!r}")


def upgrade() -> None:
    _change(lean=True)


def downgrade() -> None:
    _change(lean=False)
