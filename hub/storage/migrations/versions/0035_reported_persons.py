"""Which persons a partner has reported, once per person (issue 18).

Whether a partner ever reported a pseudonym (PERSON_NOT_REPORTED, or a
balance of 0 for a person whose claims earned nothing) was looked up in
``ix_claims_person_pseudonym_period_start``, an index entry for every
personal claim (56 bytes a claim on SQLite), which nothing else reads since
the travel rows of 0013. Now:

* ``reported_persons`` (partner, person) PRIMARY KEY, WITHOUT ROWID on
  SQLite, filled from the stored claims (every partner and non-empty
  person, whatever the claim's decision);
* the index is dropped.

Downgrade creates the index again and drops the table.

Revision ID: 0035_reported_persons
Revises: 0034_activity_once
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035_reported_persons"
down_revision: str | None = "0034_activity_once"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "reported_persons"
INDEX = "ix_claims_person_pseudonym_period_start"


def _person_type() -> sa.types.TypeEngine[bytes]:
    # As claims.person_pseudonym since 0026: bytea on PostgreSQL; SQLite
    # keeps a declared text type and holds the digest's bytes.
    return sa.LargeBinary().with_variant(sa.String(200), "sqlite")


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("person", _person_type(), nullable=False),
        sa.PrimaryKeyConstraint("partner", "person", name=f"pk_{TABLE}"),
        sqlite_with_rowid=False,
    )
    op.execute(
        f"INSERT INTO {TABLE} (partner, person)"
        " SELECT DISTINCT partner, person_pseudonym FROM claims"
        " WHERE person_pseudonym IS NOT NULL ORDER BY partner, person_pseudonym"
    )
    op.drop_index(INDEX, table_name="claims")


def downgrade() -> None:
    op.create_index(INDEX, "claims", ["person_pseudonym", "period_start"])
    op.drop_table(TABLE)
