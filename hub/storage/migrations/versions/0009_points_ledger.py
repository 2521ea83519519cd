"""The carbon points (碳积分) ledger (issue 14).

Two new tables (hub.storage.points_tables): the append-only entries
(award, reversal, redemption, expiry) and one balance row per person and
partner. Constraints hold the rules across hub processes: one award per
claim, one reversal and one expiry per award, one redemption per id and
partner, no negative points, no negative balance.

No points are awarded here for claims accepted before: the exchange rules
(standards/points.yaml) did not exist when they were credited, and an award
is made, audited and hash-chained by the running hub only.

Revision ID: 0009_points_ledger
Revises: 0008_person_travel
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_points_ledger"
down_revision: str | None = "0008_person_travel"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "points_entries",
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
        sa.UniqueConstraint(
            "partner", "redemption_id", name="uq_points_entries_partner_redemption_id"
        ),
        sa.CheckConstraint("points >= 0", name="ck_points_entries_points_not_negative"),
    )
    op.create_index(
        "ix_points_entries_partner_person_id", "points_entries", ["partner", "person", "id"]
    )
    op.create_index("ix_points_entries_expires_at", "points_entries", ["expires_at"])
    op.create_index("ix_points_entries_occurred_at", "points_entries", ["occurred_at"])
    op.create_table(
        "points_balances",
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("partner", "person", name="pk_points_balances"),
        sa.CheckConstraint("balance >= 0", name="ck_points_balances_balance_not_negative"),
    )


def downgrade() -> None:
    op.drop_table("points_balances")
    op.drop_index("ix_points_entries_occurred_at", "points_entries")
    op.drop_index("ix_points_entries_expires_at", "points_entries")
    op.drop_index("ix_points_entries_partner_person_id", "points_entries")
    op.drop_table("points_entries")
