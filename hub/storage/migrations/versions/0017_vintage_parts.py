"""Calendar vintages (issue 16): a claim whose monitoring period spans 31
December is issued in one part per local calendar year, each under its own
vintage (hub.domain.vintage_parts). ``claim_issuances`` keeps one row per
issued part: it gains the part's ``vintage`` and its primary key becomes
(claim_id, vintage), still the issuer's double-issuance guard (a part is
issued once, by whichever process gets there first).

Backfill: every claim issued before this revision was issued whole, under
the vintage of the issuance that issued it.

Revision ID: 0017_vintage_parts
Revises: 0016_register_coverage
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_vintage_parts"
down_revision: str | None = "0016_register_coverage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BACKFILL = (
    "UPDATE claim_issuances SET vintage = (SELECT issuances.vintage FROM issuances"
    " WHERE issuances.issuance_id = claim_issuances.issuance_id)"
)


def upgrade() -> None:
    op.add_column("claim_issuances", sa.Column("vintage", sa.Integer(), nullable=True))
    op.execute(_BACKFILL)
    # On SQLite a primary key changes by rebuilding the table (batch mode).
    with op.batch_alter_table("claim_issuances") as batch:
        batch.alter_column("vintage", existing_type=sa.Integer(), nullable=False)
        batch.drop_constraint("pk_claim_issuances", type_="primary")
        batch.create_primary_key("pk_claim_issuances", ["claim_id", "vintage"])


def downgrade() -> None:
    # Only a ledger with no claim issued in parts goes back: one row per claim.
    with op.batch_alter_table("claim_issuances") as batch:
        batch.drop_constraint("pk_claim_issuances", type_="primary")
        batch.create_primary_key("pk_claim_issuances", ["claim_id"])
    with op.batch_alter_table("claim_issuances") as batch:
        batch.drop_column("vintage")
