"""The claims indexed by their adjustment, not by partner and decision (issue 18).

``ix_claims_partner_decision`` had an entry for every claim (25 bytes a
personal claim on SQLite). Its one reader on the way of a partner's
claims, the claims waiting under a corresponding adjustment (a partner and
an adjustment reference), read through it every accepted claim of the
partner. Now:

* ``ix_claims_partner_decision`` goes;
* ``ix_claims_partner_adjustment_ref`` (partner, adjustment_ref), partial
  (``WHERE adjustment_ref IS NOT NULL``: a personal claim names no
  adjustment and writes no entry), finds exactly those claims.

Both databases. Downgrade swaps them back.

Revision ID: 0040_adjustment_index
Revises: 0039_points_person_prefix
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0040_adjustment_index"
down_revision: str | None = "0039_points_person_prefix"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "ix_claims_partner_decision"
AFTER = "ix_claims_partner_adjustment_ref"


def upgrade() -> None:
    op.drop_index(BEFORE, table_name="claims")
    op.execute(
        f"CREATE INDEX {AFTER} ON claims (partner, adjustment_ref) WHERE adjustment_ref IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index(AFTER, table_name="claims")
    op.create_index(BEFORE, "claims", ["partner", "decision"])
