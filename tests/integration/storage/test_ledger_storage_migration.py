"""Migration 0002 on a ledger recorded under 0001: backfill, downgrade, upgrade again."""

from __future__ import annotations

import dataclasses

from alembic import command
from sqlalchemy import Connection, Engine, inspect, text

from carbonhub_contract.vocabulary.records import Decision, OriginStatus
from hub.domain.issuance import IssuanceState
from hub.domain.locks import OriginBlock
from hub.storage.database import alembic_config, create_engine_for, downgrade, migrate
from hub.storage.hex_digest_column import digest_text
from hub.storage.hex_id_column import id_text
from hub.storage.serialisation import submission_to_json, verdict_to_json
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.records import record

NEW_COLUMNS = {
    "issuance",
    "hold_reason",
    "project_id",
    "site_id",
    "person_pseudonym",
    "adjustment_ref",
}


def _record_under_0001(
    connection: Connection,
    claim_id: str,
    decision: Decision,
    *,
    origin_status: OriginStatus = OriginStatus.NOT_ISSUED,
    origin_lock: bool = False,
    **fields: str | None,
) -> None:
    base = record(claim_id, decision=decision, claim_id=claim_id)
    submission = dataclasses.replace(base.submission, origin_status=origin_status, **fields)  # type: ignore[arg-type]
    connection.execute(
        text(
            "INSERT INTO claims (claim_id, partner, record_id, delivery_id, content_digest,"
            " decision, methodology, vintage, credited_tco2e, verdict, submission, received_at)"
            " VALUES (:c, 'CN-GD', :c, 'D', 'digest', :d, 'SZ-PV', 2024, '6.5', :v, :s,"
            " CURRENT_TIMESTAMP)"
        ),
        {
            "c": claim_id,
            "d": str(decision),
            "v": verdict_to_json(base.verdict),
            "s": submission_to_json(submission),
        },
    )
    if origin_lock:
        connection.execute(
            text(
                "INSERT INTO claim_locks (claim_id, kind, key, lo, hi)"
                " VALUES (:c, 'ORIGIN_SERIAL', :k, 11, 20)"
            ),
            {"c": claim_id, "k": f"GDPH-{claim_id}"},
        )


def _claim_columns(engine: Engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("claims")}


def _backfilled(engine: Engine) -> dict[str, tuple[str | None, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT claim_id, issuance, hold_reason, project_id, site_id, person_pseudonym,"
                " adjustment_ref FROM claims"
            )
        ).all()
    # The pseudonym is kept as bytes since 0026, the claim id since 0028: as
    # text, whichever.
    return {
        id_text(row[0]): tuple(
            digest_text(v) if isinstance(v, bytes | memoryview) else v for v in row[1:]
        )
        for row in rows
    }


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        claims = connection.execute(text("SELECT count(*) FROM claims")).scalar_one()
        locks = connection.execute(text("SELECT count(*) FROM claim_locks")).scalar_one()
    return int(claims), int(locks)


EXPECTED = {
    # ACCEPTED with an origin block the origin reports ISSUED: wait for its cancellation.
    "awaiting": ("AWAITING_SOURCE_CANCELLATION", None, "P-1", None, None, None),
    # HELD claims keep an issuance for when a reviewer accepts them.
    "held-awaiting": ("AWAITING_SOURCE_CANCELLATION", None, None, "S-9", None, None),
    # Origin ISSUED but no ORIGIN_SERIAL lock: nothing to cancel at source.
    "held-pending": ("PENDING", None, None, None, "person-7", None),
    "pending": ("PENDING", None, "P-2", None, None, "ADJ-1"),
    "rejected": (None, None, "P-3", None, None, None),
}


def _record_0001_ledger(engine: Engine) -> None:
    with engine.begin() as connection:
        _record_under_0001(
            connection,
            "awaiting",
            Decision.ACCEPTED,
            origin_status=OriginStatus.ISSUED,
            origin_lock=True,
            project_id="P-1",
        )
        _record_under_0001(
            connection,
            "held-awaiting",
            Decision.HELD,
            origin_status=OriginStatus.ISSUED,
            origin_lock=True,
            site_id=" S-9 ",
        )
        _record_under_0001(
            connection,
            "held-pending",
            Decision.HELD,
            origin_status=OriginStatus.ISSUED,
            person_pseudonym="person-7",
            site_id="   ",
        )
        _record_under_0001(
            connection,
            "pending",
            Decision.ACCEPTED,
            origin_status=OriginStatus.CANCELLED,
            origin_lock=True,
            project_id="  P-2\t",
            adjustment_ref=" ADJ-1 ",
        )
        _record_under_0001(connection, "rejected", Decision.REJECTED, project_id="P-3")


def test_upgrade_backfills_claims_and_downgrade_keeps_them(database_url: str) -> None:
    command.upgrade(alembic_config(url=database_url), "0001_initial")
    engine = create_engine_for(database_url)
    try:
        _record_0001_ledger(engine)
        assert _counts(engine) == (5, 3)

        migrate(database_url)
        assert _claim_columns(engine) >= NEW_COLUMNS
        assert _backfilled(engine) == EXPECTED
        with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
            issuable = uow.claims.issuable(10)
            assert [c.claim_id for c in issuable] == ["pending"]
            assert issuable[0].account.account == "project:P-2"
            assert issuable[0].account.adjustment_ref == "ADJ-1"
            view = uow.claims.ledger_view("awaiting")
            assert view is not None
            assert view.issuance is IssuanceState.AWAITING_SOURCE_CANCELLATION
            assert view.origin_block == OriginBlock("GDPH-awaiting", 11, 20)
            assert view.project_id == "P-1"

        # Dropping the columns must not cost a claim or a lock (no table copy
        # whose DROP would cascade to claim_locks).
        downgrade(database_url, "0001_initial")
        assert not NEW_COLUMNS & _claim_columns(engine)
        assert _counts(engine) == (5, 3)

        migrate(database_url)
        assert _backfilled(engine) == EXPECTED
        assert _counts(engine) == (5, 3)
    finally:
        engine.dispose()
