"""Signed payloads are kept deflated where that is shorter, and read back as the
partner signed them: on the fake, SQLite and PostgreSQL, and across migration
0024 both ways on a ledger already holding payloads."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from carbonhub_contract.vocabulary.envelopes import PayloadType
from hub.domain.signed_payloads import PartnerKey, SignedRecord
from hub.services.unit_of_work import UnitOfWorkFactory
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory

BEFORE = "0023_points_daily_from_entries"
AT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
# An envelope's worth of repetitive fields, as a partner's claims are.
LARGE = b"".join(
    b"\n\x10GDREC%010d\x12@%064x\x1a\x10SZ-TRANSIT-METRO" % (i, i * 7919) for i in range(400)
)
# Random bytes do not deflate: kept as received.
SMALL = os.urandom(96)


def _record(sequence: int, payload: bytes) -> SignedRecord:
    return SignedRecord(
        partner="CN-GD",
        sequence=sequence,
        payload_type=PayloadType.CLAIM_ENVELOPE,
        key_id="gd-key-1",
        payload=payload,
        signature=bytes(64),
        received_at=AT,
        signer="CN-GD",
    )


def _write(factory: UnitOfWorkFactory) -> None:
    with factory() as uow:
        uow.partner_keys.add(
            PartnerKey(
                key_id="gd-key-1",
                partner="CN-GD",
                public_key=bytes(32),
                valid_from=AT,
                valid_until=None,
                registered_at=AT,
                registered_by="bureau",
            )
        )
        uow.signed_payloads.record(_record(1, LARGE))
        uow.signed_payloads.record(_record(2, SMALL))
        uow.commit()


def _read(factory: UnitOfWorkFactory) -> list[bytes]:
    with factory() as uow:
        kept = [uow.signed_payloads.get("CN-GD", sequence) for sequence in (1, 2)]
    assert all(record is not None for record in kept)
    return [record.payload for record in kept if record is not None]


def test_payloads_read_back_as_signed(uow_factory: UnitOfWorkFactory) -> None:
    _write(uow_factory)
    assert _read(uow_factory) == [LARGE, SMALL]


def test_payloads_are_deflated_where_shorter_and_survive_the_migration(
    database_url: str,
) -> None:
    migrate(database_url)
    engine = create_engine_for(database_url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    stored = "SELECT sequence, payload_codec, payload FROM signed_payloads ORDER BY sequence"
    try:
        _write(factory)
        with engine.connect() as connection:
            rows = [tuple(row) for row in connection.execute(text(stored))]
        assert [(row[0], row[1]) for row in rows] == [(1, "zlib"), (2, "identity")]
        assert len(rows[0][2]) * 5 < len(LARGE)
        assert bytes(rows[1][2]) == SMALL

        command.downgrade(alembic_config(url=database_url), BEFORE)
        with engine.connect() as connection:
            before = connection.execute(
                text("SELECT payload FROM signed_payloads ORDER BY sequence")
            ).scalars()
            assert [bytes(payload) for payload in before] == [LARGE, SMALL]

        migrate(database_url)
        with engine.connect() as connection:
            rows = [tuple(row) for row in connection.execute(text(stored))]
        assert [(row[0], row[1]) for row in rows] == [(1, "zlib"), (2, "identity")]
        assert _read(factory) == [LARGE, SMALL]
    finally:
        engine.dispose()
