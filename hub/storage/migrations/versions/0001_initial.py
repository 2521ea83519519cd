"""The ledger: projects, claims, double-issuance locks, site bindings, refusals.

Written by hand. The double-issuance rule (no two claim locks with equal
(kind, key) and overlapping [lo, hi]) is enforced by the database itself:
an exclusion constraint over a GiST index on PostgreSQL (needs btree_gist),
BEFORE INSERT / UPDATE triggers on SQLite.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXCLUSION = "ex_claim_locks_no_overlap"
OVERLAP_TRIGGER = "tr_claim_locks_no_overlap"
IMMUTABLE_TRIGGER = "tr_claim_locks_immutable"


def _big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _decimal() -> sa.types.TypeEngine[Any]:
    # Exact decimals: NUMERIC without precision on PostgreSQL, text elsewhere.
    return sa.Text().with_variant(sa.Numeric(), "postgresql")


def _instant() -> sa.types.TypeEngine[Any]:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    dialect = op.get_context().dialect.name

    op.create_table(
        "projects",
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(200), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("owner_name", sa.Text(), nullable=False),
        sa.Column("owner_credit_code", sa.String(64), nullable=False),
        sa.Column("partner_methodology", sa.String(200), nullable=False),
        sa.Column("region_code", sa.String(32), nullable=False),
        sa.Column("longitude", sa.String(64), nullable=False),
        sa.Column("latitude", sa.String(64), nullable=False),
        sa.Column("size_value", sa.String(64), nullable=False),
        sa.Column("size_unit", sa.String(32), nullable=False),
        sa.Column("crediting_start", sa.Date(), nullable=False),
        sa.Column("crediting_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("partner", "project_id", name="pk_projects"),
    )

    op.create_table(
        "claims",
        sa.Column("claim_id", sa.String(64), nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(200), nullable=False),
        sa.Column("delivery_id", sa.String(200), nullable=False),
        sa.Column("content_digest", sa.String(64), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("methodology", sa.String(200), nullable=True),
        sa.Column("vintage", sa.Integer(), nullable=True),
        sa.Column("period_start", _instant(), nullable=True),
        sa.Column("period_end", _instant(), nullable=True),
        sa.Column("reported_tco2e", _decimal(), nullable=True),
        sa.Column("recomputed_tco2e", _decimal(), nullable=True),
        sa.Column("credited_tco2e", _decimal(), nullable=True),
        sa.Column("verdict", sa.Text(), nullable=False),
        sa.Column("submission", sa.Text(), nullable=False),
        sa.Column("normalised", sa.Text(), nullable=True),
        sa.Column("received_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name="pk_claims"),
        sa.UniqueConstraint("partner", "record_id", name="uq_claims_partner_record_id"),
    )
    op.create_index("ix_claims_partner_decision", "claims", ["partner", "decision"])
    op.create_index("ix_claims_delivery_id", "claims", ["delivery_id"])

    op.create_table(
        "claim_locks",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("claim_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("lo", sa.BigInteger(), nullable=False),
        sa.Column("hi", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_claim_locks"),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.claim_id"],
            name="fk_claim_locks_claim_id_claims",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("lo <= hi", name="ck_claim_locks_range_ordered"),
    )
    op.create_index("ix_claim_locks_kind_key_lo", "claim_locks", ["kind", "key", "lo"])
    op.create_index("ix_claim_locks_claim_id", "claim_locks", ["claim_id"])

    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            f"ALTER TABLE claim_locks ADD CONSTRAINT {EXCLUSION} "
            "EXCLUDE USING gist (kind WITH =, key WITH =, int8range(lo, hi, '[]') WITH &&)"
        )
    elif dialect == "sqlite":
        # Locks sharing (kind, key) never overlap, so ordered by lo they are
        # ordered by hi too: the only candidate for an overlap with NEW is
        # the lock with the greatest lo <= NEW.hi (one index probe).
        op.execute(
            f"""
            CREATE TRIGGER {OVERLAP_TRIGGER}
            BEFORE INSERT ON claim_locks
            FOR EACH ROW
            WHEN (
                SELECT l.hi FROM claim_locks AS l
                WHERE l.kind = NEW.kind AND l.key = NEW.key AND l.lo <= NEW.hi
                ORDER BY l.lo DESC
                LIMIT 1
            ) >= NEW.lo
            BEGIN
                SELECT RAISE(ABORT, 'claim lock overlaps a stored lock of the same kind and key');
            END
            """
        )
        op.execute(
            f"""
            CREATE TRIGGER {IMMUTABLE_TRIGGER}
            BEFORE UPDATE OF kind, key, lo, hi ON claim_locks
            FOR EACH ROW
            BEGIN
                SELECT RAISE(ABORT, 'claim locks are immutable: delete and insert instead');
            END
            """
        )
    else:
        raise RuntimeError(f"no double-issuance constraint for dialect {dialect!r}")

    op.create_table(
        "site_bindings",
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("site_id", sa.String(200), nullable=False),
        sa.Column("methodology", sa.String(200), nullable=False),
        sa.Column("claim_id", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("partner", "site_id", name="pk_site_bindings"),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.claim_id"],
            name="fk_site_bindings_claim_id_claims",
            ondelete="CASCADE",
        ),
    )

    op.create_table(
        "refused_resubmissions",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("record_id", sa.String(200), nullable=False),
        sa.Column("original_claim_id", sa.String(64), nullable=False),
        sa.Column("content_digest", sa.String(64), nullable=False),
        sa.Column("submission", sa.Text(), nullable=False),
        sa.Column("received_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_refused_resubmissions"),
        sa.ForeignKeyConstraint(
            ["original_claim_id"],
            ["claims.claim_id"],
            name="fk_refused_resubmissions_original_claim_id_claims",
        ),
    )
    op.create_index(
        "ix_refused_resubmissions_partner_record_id",
        "refused_resubmissions",
        ["partner", "record_id"],
    )


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    op.drop_index("ix_refused_resubmissions_partner_record_id", "refused_resubmissions")
    op.drop_table("refused_resubmissions")
    op.drop_table("site_bindings")
    if dialect == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {IMMUTABLE_TRIGGER}")
        op.execute(f"DROP TRIGGER IF EXISTS {OVERLAP_TRIGGER}")
    # The exclusion constraint goes with its table; btree_gist stays (it is
    # database-wide and may serve others).
    op.drop_index("ix_claim_locks_claim_id", "claim_locks")
    op.drop_index("ix_claim_locks_kind_key_lo", "claim_locks")
    op.drop_table("claim_locks")
    op.drop_index("ix_claims_delivery_id", "claims")
    op.drop_index("ix_claims_partner_decision", "claims")
    op.drop_table("claims")
    op.drop_table("projects")
