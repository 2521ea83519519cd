"""Migration 0017 on a ledger issued before it: every claim issued whole gets
its issuance's vintage, and afterwards a claim may be issued once per vintage
part, never twice in one vintage (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from hub.storage.database import alembic_config, create_engine_for

PREVIOUS = "0016_register_coverage"
AT = datetime(2025, 2, 1, tzinfo=UTC)


def _issuance(engine: Engine, issuance_id: str, vintage: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO issuances (issuance_id, partner, methodology, vintage, account,"
                " adjustment_ref, carried_before, units, carried_after, block_id, issued_at)"
                " VALUES (:id, 'CN-GD', 'SZ-PV', :vintage, 'project:GD-PV-0007', NULL,"
                " '0', 0, '0.5', NULL, :at)"
            ),
            {"id": issuance_id, "vintage": vintage, "at": AT},
        )


def _rows(engine: Engine) -> set[tuple[object, ...]]:
    with engine.connect() as connection:
        return {
            tuple(row)
            for row in connection.execute(
                text("SELECT claim_id, issuance_id, credited_tco2e FROM claim_issuances")
            )
        }


def test_issued_claims_get_their_vintage_and_parts_are_issued_once(database_url: str) -> None:
    config = alembic_config(url=database_url)
    command.upgrade(config, PREVIOUS)
    engine = create_engine_for(database_url)
    try:
        _issuance(engine, "I-2024", 2024)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO claim_issuances (claim_id, issuance_id, credited_tco2e)"
                    " VALUES ('C-1', 'I-2024', '0.5')"
                )
            )
        before = _rows(engine)
        # 0017 itself: at head (0028) claim ids are kept as bytes.
        command.upgrade(config, "0017_vintage_parts")
        with engine.connect() as connection:
            vintages = connection.execute(
                text("SELECT claim_id, vintage FROM claim_issuances")
            ).all()
        assert [tuple(row) for row in vintages] == [("C-1", 2024)]
        assert _rows(engine) == before

        _issuance(engine, "I-2025", 2025)
        insert = text(
            "INSERT INTO claim_issuances (claim_id, vintage, issuance_id, credited_tco2e)"
            " VALUES ('C-1', :vintage, 'I-2025', '0.25')"
        )
        with engine.begin() as connection:
            connection.execute(insert, {"vintage": 2025})  # the claim's 2025 part
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert, {"vintage": 2024})  # 2024 again: refused
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM claim_issuances WHERE vintage = 2025"))
        command.downgrade(config, PREVIOUS)
        assert _rows(engine) == before
    finally:
        engine.dispose()
