"""Trust: partner signing keys, per-partner sequences and the signed writes kept
as received.

The replay rule is the database's: ``partner_sequences`` holds each
partner's last accepted sequence and is advanced by a conditional update in
the transaction that records the write, so two hub replicas cannot both
accept one sequence; ``signed_payloads`` is keyed by (partner, sequence).

Revision ID: 0003_trust
Revises: 0002_issuance
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003_trust"
down_revision: str | None = "0002_issuance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant() -> sa.types.TypeEngine[Any]:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "partner_keys",
        sa.Column("key_id", sa.String(64), primary_key=True),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("valid_from", _instant(), nullable=False),
        sa.Column("valid_until", _instant(), nullable=True),
        sa.Column("registered_at", _instant(), nullable=False),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("revoked_at", _instant(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name="pk_partner_keys"),
    )
    op.create_index("ix_partner_keys_partner", "partner_keys", ["partner"])
    op.create_table(
        "partner_sequences",
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("last_sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("partner", name="pk_partner_sequences"),
    )
    op.create_table(
        "signed_payloads",
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("payload_type", sa.String(80), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", _instant(), nullable=False),
        sa.Column("signer", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("partner", "sequence", name="pk_signed_payloads"),
        sa.ForeignKeyConstraint(
            ["key_id"], ["partner_keys.key_id"], name="fk_signed_payloads_key_id_partner_keys"
        ),
    )


def downgrade() -> None:
    op.drop_table("signed_payloads")
    op.drop_table("partner_sequences")
    op.drop_index("ix_partner_keys_partner", table_name="partner_keys")
    op.drop_table("partner_keys")
