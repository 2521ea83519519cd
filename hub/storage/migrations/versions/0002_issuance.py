"""Issuance and what follows it: serial blocks, outbox, retirements, attestations,
ledger events, reconciliation, project supervision; claims learn their issuance.

Written by hand. The never-overlap rule of Shenzhen CER blocks is the
database's, like the claim-lock rule of 0001: two live (not SPLIT) blocks of
one series never share a unit. PostgreSQL: an exclusion constraint over a
GiST index (btree_gist, created by 0001) restricted to live blocks, plus a
trigger keeping a block's range fixed. SQLite: BEFORE INSERT / UPDATE
triggers.

Existing claims are backfilled: the four submission fields the issuer keys
accounts by, and their issuance state.

Revision ID: 0002_issuance
Revises: 0001_initial
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from hub.storage.serialisation import submission_from_json

revision: str = "0002_issuance"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BLOCK_EXCLUSION = "ex_blocks_no_overlap"
BLOCK_OVERLAP_TRIGGER = "tr_blocks_no_overlap"
BLOCK_IMMUTABLE_TRIGGER = "tr_blocks_immutable_range"
BLOCK_SPLIT_TRIGGER = "tr_blocks_split_is_final"
BLOCK_GUARD_FUNCTION = "blocks_guard"
QUALIFIED_ONCE = "uq_outbox_qualified_block_id"

_CLAIM_TEXT_COLUMNS = ("project_id", "site_id", "person_pseudonym", "adjustment_ref")
_BACKFILL_BATCH = 1000


def _big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _decimal() -> sa.types.TypeEngine[Any]:
    # Exact decimals: NUMERIC without precision on PostgreSQL, text elsewhere.
    return sa.Text().with_variant(sa.Numeric(), "postgresql")


def _instant() -> sa.types.TypeEngine[Any]:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    _claim_columns()
    _backfill_claims()
    _supervision_and_issuance()
    _blocks(dialect)
    _outbox()
    _retirements_and_attestations()
    _events_and_reconciliation()


# --- claims -------------------------------------------------------------------


def _claim_columns() -> None:
    op.add_column("claims", sa.Column("issuance", sa.String(40), nullable=True))
    op.add_column("claims", sa.Column("hold_reason", sa.String(64), nullable=True))
    for name in _CLAIM_TEXT_COLUMNS:
        op.add_column("claims", sa.Column(name, sa.String(200), nullable=True))
    # issuable() and overdue_awaiting(): decision and issuance equal, oldest first.
    op.create_index(
        "ix_claims_decision_issuance_received_at", "claims", ["decision", "issuance", "received_at"]
    )
    # of_project(): a suspended or voided project's claims.
    op.create_index("ix_claims_partner_project_id", "claims", ["partner", "project_id"])


def _stripped(value: str | None) -> str | None:
    return (value or "").strip() or None


def _backfill_claims() -> None:
    """Fill the new claim columns of claims recorded under 0001.

    A counted claim (ACCEPTED or HELD) waits for the origin's cancellation when
    it holds an ORIGIN_SERIAL lock and the origin reported its credits ISSUED;
    every other counted claim is PENDING; a REJECTED claim has no issuance.
    """
    connection = op.get_bind()
    claims = sa.table(
        "claims",
        sa.column("claim_id", sa.String()),
        sa.column("decision", sa.String()),
        sa.column("submission", sa.Text()),
        sa.column("issuance", sa.String()),
        *(sa.column(name, sa.String()) for name in _CLAIM_TEXT_COLUMNS),
    )
    with_origin_lock = {
        claim_id
        for (claim_id,) in connection.execute(
            sa.text("SELECT DISTINCT claim_id FROM claim_locks WHERE kind = 'ORIGIN_SERIAL'")
        )
    }
    statement = (
        sa.update(claims)
        .where(claims.c.claim_id == sa.bindparam("b_claim_id"))
        .values(
            issuance=sa.bindparam("b_issuance"),
            **{name: sa.bindparam(f"b_{name}") for name in _CLAIM_TEXT_COLUMNS},
        )
    )
    rows = connection.execute(
        sa.select(claims.c.claim_id, claims.c.decision, claims.c.submission).order_by(
            claims.c.claim_id
        )
    ).all()
    for start in range(0, len(rows), _BACKFILL_BATCH):
        updates = []
        for claim_id, decision, submission_json in rows[start : start + _BACKFILL_BATCH]:
            submission = submission_from_json(submission_json)
            if decision == "REJECTED":
                issuance = None
            elif claim_id in with_origin_lock and str(submission.origin_status) == "ISSUED":
                issuance = "AWAITING_SOURCE_CANCELLATION"
            else:
                issuance = "PENDING"
            updates.append(
                {
                    "b_claim_id": claim_id,
                    "b_issuance": issuance,
                    **{
                        f"b_{name}": _stripped(getattr(submission, name))
                        for name in _CLAIM_TEXT_COLUMNS
                    },
                }
            )
        connection.execute(statement, updates)


# --- supervision and issuance -------------------------------------------------


def _supervision_and_issuance() -> None:
    op.create_table(
        "project_supervision",
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(200), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("partner", "project_id", name="pk_project_supervision"),
    )
    op.create_table(
        "carry_accounts",
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("methodology", sa.String(200), nullable=False),
        sa.Column("vintage", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(300), nullable=False),
        # '' stands for "no adjustment reference": primary-key columns cannot be NULL.
        sa.Column("adjustment_ref", sa.String(200), nullable=False),
        sa.Column("carried", _decimal(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "partner",
            "methodology",
            "vintage",
            "account",
            "adjustment_ref",
            name="pk_carry_accounts",
        ),
    )
    op.create_table(
        "serial_series",
        sa.Column("series", sa.String(400), nullable=False),
        sa.Column("next_unit", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("series", name="pk_serial_series"),
        sa.CheckConstraint("next_unit >= 1", name="ck_serial_series_positive"),
    )
    op.create_table(
        "issuances",
        sa.Column("issuance_id", sa.String(64), nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("methodology", sa.String(200), nullable=False),
        sa.Column("vintage", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(300), nullable=False),
        sa.Column("adjustment_ref", sa.String(200), nullable=True),
        sa.Column("carried_before", _decimal(), nullable=False),
        sa.Column("units", sa.BigInteger(), nullable=False),
        sa.Column("carried_after", _decimal(), nullable=False),
        sa.Column("block_id", sa.String(64), nullable=True),
        sa.Column("issued_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("issuance_id", name="pk_issuances"),
    )
    op.create_index("ix_issuances_partner", "issuances", ["partner"])
    op.create_table(
        "claim_issuances",
        # The primary key is the double-issuance guard of the issuer: a claim
        # is issued once, by whichever process gets there first.
        sa.Column("claim_id", sa.String(64), nullable=False),
        sa.Column("issuance_id", sa.String(64), nullable=False),
        sa.Column("credited_tco2e", _decimal(), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name="pk_claim_issuances"),
        sa.ForeignKeyConstraint(
            ["issuance_id"],
            ["issuances.issuance_id"],
            name="fk_claim_issuances_issuance_id_issuances",
        ),
    )
    op.create_index("ix_claim_issuances_issuance_id", "claim_issuances", ["issuance_id"])


# --- blocks -------------------------------------------------------------------


def _blocks(dialect: str) -> None:
    op.create_table(
        "blocks",
        sa.Column("block_id", sa.String(64), nullable=False),
        sa.Column("serial", sa.String(500), nullable=False),
        sa.Column("series", sa.String(400), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("methodology", sa.String(200), nullable=False),
        sa.Column("vintage", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(200), nullable=False),
        sa.Column("first_unit", sa.BigInteger(), nullable=False),
        sa.Column("last_unit", sa.BigInteger(), nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("account", sa.String(300), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("adjustment_ref", sa.String(200), nullable=True),
        sa.Column("adjustment_status", sa.String(16), nullable=False),
        sa.Column("issued_at", _instant(), nullable=False),
        sa.Column("parent_block_id", sa.String(64), nullable=True),
        sa.Column("issuance_id", sa.String(64), nullable=True),
        sa.Column("delivered_at", _instant(), nullable=True),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        sa.Column("updated_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("block_id", name="pk_blocks"),
        sa.UniqueConstraint("serial", name="uq_blocks_serial"),
        sa.CheckConstraint(
            "first_unit >= 1 AND first_unit <= last_unit", name="ck_blocks_range_ordered"
        ),
    )
    op.create_index("ix_blocks_series_first_unit", "blocks", ["series", "first_unit"])
    op.create_index("ix_blocks_partner_state", "blocks", ["partner", "state"])
    op.create_index("ix_blocks_partner_adjustment_ref", "blocks", ["partner", "adjustment_ref"])
    op.create_index("ix_blocks_parent_block_id", "blocks", ["parent_block_id"])

    if dialect == "postgresql":
        op.execute(
            f"ALTER TABLE blocks ADD CONSTRAINT {BLOCK_EXCLUSION} "
            "EXCLUDE USING gist (series WITH =, int8range(first_unit, last_unit, '[]') WITH &&) "
            "WHERE (state <> 'SPLIT')"
        )
        # A block's units are fixed for good, and a SPLIT block stays superseded:
        # the exclusion constraint alone would let a range move into a gap.
        op.execute(
            f"""
            CREATE FUNCTION {BLOCK_GUARD_FUNCTION}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.series <> OLD.series OR NEW.first_unit <> OLD.first_unit
                   OR NEW.last_unit <> OLD.last_unit THEN
                    RAISE EXCEPTION 'a block''s series and units are immutable'
                        USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                IF OLD.state = 'SPLIT' AND NEW.state <> 'SPLIT' THEN
                    RAISE EXCEPTION 'a SPLIT block never becomes live again'
                        USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NEW;
            END
            $$
            """
        )
        op.execute(
            f"CREATE TRIGGER {BLOCK_IMMUTABLE_TRIGGER} BEFORE UPDATE ON blocks "
            f"FOR EACH ROW EXECUTE FUNCTION {BLOCK_GUARD_FUNCTION}()"
        )
    elif dialect == "sqlite":
        # Live blocks of one series never overlap, so ordered by first_unit they
        # are ordered by last_unit too: the only live candidate for an overlap
        # with NEW is the one with the greatest first_unit <= NEW.last_unit (a
        # backward index scan over (series, first_unit), skipping SPLIT rows).
        op.execute(
            f"""
            CREATE TRIGGER {BLOCK_OVERLAP_TRIGGER}
            BEFORE INSERT ON blocks
            FOR EACH ROW
            WHEN NEW.state <> 'SPLIT' AND (
                SELECT b.last_unit FROM blocks AS b
                WHERE b.series = NEW.series AND b.state <> 'SPLIT'
                  AND b.first_unit <= NEW.last_unit
                ORDER BY b.first_unit DESC
                LIMIT 1
            ) >= NEW.first_unit
            BEGIN
                SELECT RAISE(ABORT, 'block overlaps a live block of the same series');
            END
            """
        )
        op.execute(
            f"""
            CREATE TRIGGER {BLOCK_IMMUTABLE_TRIGGER}
            BEFORE UPDATE OF series, first_unit, last_unit ON blocks
            FOR EACH ROW
            WHEN NEW.series IS NOT OLD.series OR NEW.first_unit IS NOT OLD.first_unit
                 OR NEW.last_unit IS NOT OLD.last_unit
            BEGIN
                SELECT RAISE(ABORT, 'a block''s series and units are immutable');
            END
            """
        )
        op.execute(
            f"""
            CREATE TRIGGER {BLOCK_SPLIT_TRIGGER}
            BEFORE UPDATE OF state ON blocks
            FOR EACH ROW
            WHEN OLD.state = 'SPLIT' AND NEW.state <> 'SPLIT'
            BEGIN
                SELECT RAISE(ABORT, 'a SPLIT block never becomes live again');
            END
            """
        )
    else:
        raise RuntimeError(f"no block overlap constraint for dialect {dialect!r}")


# --- outbox -------------------------------------------------------------------


def _outbox() -> None:
    op.create_table(
        "outbox",
        sa.Column("cursor", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("block_id", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("cursor", name="pk_outbox"),
        sa.ForeignKeyConstraint(
            ["block_id"], ["blocks.block_id"], name="fk_outbox_block_id_blocks"
        ),
    )
    # A block qualifies for the exchange once.
    op.create_index(
        QUALIFIED_ONCE,
        "outbox",
        ["block_id"],
        unique=True,
        sqlite_where=sa.text("kind = 'QUALIFIED'"),
        postgresql_where=sa.text("kind = 'QUALIFIED'"),
    )
    # One row: the last cursor handed out (see OutboxRepository.append for why
    # cursors come from a row and not from a sequence).
    op.create_table(
        "outbox_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_cursor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_counter"),
        sa.CheckConstraint("id = 1", name="ck_outbox_counter_single_row"),
    )
    op.execute("INSERT INTO outbox_counter (id, last_cursor) VALUES (1, 0)")


# --- retirements and attestations ---------------------------------------------


def _retirements_and_attestations() -> None:
    op.create_table(
        "retirements",
        sa.Column("retirement_id", sa.String(200), nullable=False),
        sa.Column("request_digest", sa.String(64), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("retired_block_id", sa.String(64), nullable=False),
        sa.Column("remainder_block_id", sa.String(64), nullable=True),
        sa.Column("retired_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("retirement_id", name="pk_retirements"),
    )
    op.create_index("ix_retirements_retired_block_id", "retirements", ["retired_block_id"])
    op.create_table(
        "offset_usage",
        sa.Column("entity", sa.String(200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("units_by_origin", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "year", name="pk_offset_usage"),
    )
    op.create_table(
        "source_cancellations",
        sa.Column("claim_id", sa.String(64), nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("origin_serial", sa.String(400), nullable=False),
        sa.Column("cancellation_id", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("cancelled_at", _instant(), nullable=False),
        sa.Column("attested_at", _instant(), nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name="pk_source_cancellations"),
        sa.UniqueConstraint(
            "partner", "cancellation_id", name="uq_source_cancellations_partner_cancellation_id"
        ),
        sa.UniqueConstraint("origin_serial", name="uq_source_cancellations_origin_serial"),
    )
    op.create_table(
        "adjustment_attestations",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attested_at", _instant(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_adjustment_attestations"),
    )
    op.create_index(
        "ix_adjustment_attestations_partner_reference",
        "adjustment_attestations",
        ["partner", "reference"],
    )


# --- events and reconciliation ------------------------------------------------


def _events_and_reconciliation() -> None:
    op.create_table(
        "ledger_events",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("subject_kind", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(200), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", _instant(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_events"),
    )
    op.create_index(
        "ix_ledger_events_subject_kind_subject_id", "ledger_events", ["subject_kind", "subject_id"]
    )
    op.create_table(
        "reconciliations",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("reconciliation_id", sa.String(64), nullable=False),
        sa.Column("counterpart", sa.String(64), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("requested_at", _instant(), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("answered_at", _instant(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_reconciliations"),
        sa.UniqueConstraint("reconciliation_id", name="uq_reconciliations_reconciliation_id"),
    )
    op.create_index(
        "ix_reconciliations_counterpart_status", "reconciliations", ["counterpart", "status"]
    )
    op.create_table(
        "discrepancies",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("discrepancy_id", sa.String(64), nullable=False),
        sa.Column("reconciliation_id", sa.String(64), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(400), nullable=False),
        sa.Column("hub_value", sa.Text(), nullable=False),
        sa.Column("counterpart_value", sa.Text(), nullable=False),
        sa.Column("block_id", sa.String(64), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("resolved_by", sa.String(200), nullable=False),
        sa.Column("resolved_at", _instant(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_discrepancies"),
        sa.UniqueConstraint("discrepancy_id", name="uq_discrepancies_discrepancy_id"),
        sa.ForeignKeyConstraint(
            ["reconciliation_id"],
            ["reconciliations.reconciliation_id"],
            name="fk_discrepancies_reconciliation_id_reconciliations",
        ),
    )
    op.create_index("ix_discrepancies_reconciliation_id", "discrepancies", ["reconciliation_id"])
    op.create_index("ix_discrepancies_resolved_block_id", "discrepancies", ["resolved", "block_id"])


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    op.drop_index("ix_discrepancies_resolved_block_id", "discrepancies")
    op.drop_index("ix_discrepancies_reconciliation_id", "discrepancies")
    op.drop_table("discrepancies")
    op.drop_index("ix_reconciliations_counterpart_status", "reconciliations")
    op.drop_table("reconciliations")
    op.drop_index("ix_ledger_events_subject_kind_subject_id", "ledger_events")
    op.drop_table("ledger_events")
    op.drop_index("ix_adjustment_attestations_partner_reference", "adjustment_attestations")
    op.drop_table("adjustment_attestations")
    op.drop_table("source_cancellations")
    op.drop_table("offset_usage")
    op.drop_index("ix_retirements_retired_block_id", "retirements")
    op.drop_table("retirements")
    op.drop_table("outbox_counter")
    op.drop_index(QUALIFIED_ONCE, "outbox")
    op.drop_table("outbox")
    if dialect == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {BLOCK_SPLIT_TRIGGER}")
        op.execute(f"DROP TRIGGER IF EXISTS {BLOCK_IMMUTABLE_TRIGGER}")
        op.execute(f"DROP TRIGGER IF EXISTS {BLOCK_OVERLAP_TRIGGER}")
    for index in (
        "ix_blocks_parent_block_id",
        "ix_blocks_partner_adjustment_ref",
        "ix_blocks_partner_state",
        "ix_blocks_series_first_unit",
    ):
        op.drop_index(index, "blocks")
    # The exclusion constraint and the trigger go with the table.
    op.drop_table("blocks")
    if dialect == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {BLOCK_GUARD_FUNCTION}()")
    op.drop_index("ix_claim_issuances_issuance_id", "claim_issuances")
    op.drop_table("claim_issuances")
    op.drop_index("ix_issuances_partner", "issuances")
    op.drop_table("issuances")
    op.drop_table("serial_series")
    op.drop_table("carry_accounts")
    op.drop_table("project_supervision")
    op.drop_index("ix_claims_partner_project_id", "claims")
    op.drop_index("ix_claims_decision_issuance_received_at", "claims")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35), never a batch copy of
    # claims: recreating the table would cascade-delete its locks and bindings.
    for name in reversed(("issuance", "hold_reason", *_CLAIM_TEXT_COLUMNS)):
        op.drop_column("claims", name)
