"""Carbon-neutrality claims and certificates (issue 19).

Three new tables (hub.storage.certificate_tables): a claim per exchange
claim id with its retired units (never past its total: a CHECK, and a
versioned update), the retirements counted towards it (one claim per
retirement id), and one certificate per claim. No earlier retirement is
given a claim: they were reported without one.

Revision ID: 0010_certificates
Revises: 0009_points_ledger
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_certificates"
down_revision: str | None = "0009_points_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "neutrality_claims",
        sa.Column("claim_id", sa.String(200), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("claim", sa.Text(), nullable=False),
        sa.Column("claim_digest", sa.String(64), nullable=False),
        sa.Column("total_units", sa.BigInteger(), nullable=False),
        sa.Column("retired_units", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name="pk_neutrality_claims"),
        sa.CheckConstraint(
            "retired_units <= total_units", name="ck_neutrality_claims_retired_within_total"
        ),
    )
    op.create_table(
        "neutrality_claim_retirements",
        sa.Column("retirement_id", sa.String(200), nullable=False),
        sa.Column("claim_id", sa.String(200), nullable=False),
        sa.Column("retired_block_id", sa.String(64), nullable=False),
        sa.Column("serial", sa.String(500), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("retirement_id", name="pk_neutrality_claim_retirements"),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["neutrality_claims.claim_id"],
            name="fk_neutrality_claim_retirements_claim_id_neutrality_claims",
        ),
    )
    op.create_index(
        "ix_neutrality_claim_retirements_claim_id", "neutrality_claim_retirements", ["claim_id"]
    )
    op.create_table(
        "certificates",
        sa.Column("certificate_id", sa.String(16), nullable=False),
        sa.Column("claim_id", sa.String(200), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("certificate_id", name="pk_certificates"),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["neutrality_claims.claim_id"],
            name="fk_certificates_claim_id_neutrality_claims",
        ),
        sa.UniqueConstraint("claim_id", name="uq_certificates_claim_id"),
    )
    op.create_index("ix_certificates_issued_at", "certificates", ["issued_at"])


def downgrade() -> None:
    op.drop_index("ix_certificates_issued_at", table_name="certificates")
    op.drop_table("certificates")
    op.drop_index(
        "ix_neutrality_claim_retirements_claim_id", table_name="neutrality_claim_retirements"
    )
    op.drop_table("neutrality_claim_retirements")
    op.drop_table("neutrality_claims")
