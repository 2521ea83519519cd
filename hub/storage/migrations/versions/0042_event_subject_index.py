"""Audit events indexed by their subject's id alone (issue 18).

``ix_ledger_events_subject_kind_subject_id`` held every event's subject
kind beside its id (``claim``: five bytes and their header in each entry
of a claim's event). Every reader names both, and ids of two kinds (a
claim's 16 bytes, a block's or project's text) seldom meet: the id alone
finds a subject's few events, the kind is compared on them. Now
``ix_ledger_events_subject_id`` (subject_id), both databases.

Downgrade creates the earlier index again.

Revision ID: 0042_event_subject_index
Revises: 0041_travel_person_prefix
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0042_event_subject_index"
down_revision: str | None = "0041_travel_person_prefix"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "ledger_events"
BEFORE = "ix_ledger_events_subject_kind_subject_id"
AFTER = "ix_ledger_events_subject_id"


def upgrade() -> None:
    op.drop_index(BEFORE, table_name=TABLE)
    op.create_index(AFTER, TABLE, ["subject_id"])


def downgrade() -> None:
    op.drop_index(AFTER, table_name=TABLE)
    op.create_index(BEFORE, TABLE, ["subject_kind", "subject_id"])
