"""Claim ids kept as bytes (0028) on a hub-written ledger: every row that
names a claim, the hub's ids and one written by hand, reads back as the very
text across the migration both ways; the hub's ids take 16 bytes; the
foreign keys still hold; and the ledger's rules still find a claim by its
id and name it. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Connection, Engine, text

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.locks import ClaimLock, LockKind
from hub.services.ingestion import IngestionService
from hub.standard import default_standards_dir, load_standard
from hub.standard.points import load_points_rules
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.hex_id_column import id_text
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.test_person_travel_ingestion import gd_trip

BEFORE = "0027_lock_keys_as_bytes"
HAND = "hand-1"  # a claim id not minted by the hub, as a row written by hand holds
AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
PLACES = (
    ("claims", "claim_id"),
    ("claim_locks", "claim_id"),
    ("claim_content_locks", "claim_id"),
    ("site_bindings", "claim_id"),
    ("refused_resubmissions", "original_claim_id"),
    ("source_cancellations", "claim_id"),
    ("claim_issuances", "claim_id"),
    ("points_entries", "claim_id"),
    ("person_travel_days", "claim_id"),
)


def _stored(engine: Engine) -> dict[str, list[str | bytes]]:
    """Each place's claim ids as stored (text or bytes), keyed by table."""
    with engine.connect() as connection:
        return {
            table: sorted(
                (value if isinstance(value, str) else bytes(value))
                for (value,) in connection.execute(
                    text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")
                )
            )
            for table, column in PLACES
        }


def _foreign_keys(engine: Engine) -> list[tuple[str, ...]]:
    """The keys that name claims.claim_id, as the database states them, and
    any row that breaks one (SQLite's check)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            return [
                tuple(row)
                for row in connection.execute(
                    text(
                        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
                        " FROM pg_constraint WHERE contype = 'f'"
                        " AND confrelid = 'claims'::regclass ORDER BY 1, 2"
                    )
                )
            ]
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        assert broken == []
        return [
            (table, str(row[3]), str(row[6]))
            for table, _ in PLACES
            for row in connection.exec_driver_sql(f"PRAGMA foreign_key_list({table})")
            if row[2] == "claims"
        ]


def _write_by_hand(connection: Connection, hub_claim: str) -> None:
    """Rows naming a claim that no service here writes in one go, as text (0027)."""
    connection.execute(
        text(
            "INSERT INTO claims (claim_id, partner, record_id, delivery_id, content_digest,"
            " decision, received_at) VALUES (:c, 'CN-GD', 'R-HAND', 'D', 'x', 'ACCEPTED', :at)"
        ),
        {"c": HAND, "at": AT},
    )
    connection.execute(
        text(
            "INSERT INTO site_bindings (partner, site_id, methodology, claim_id)"
            " VALUES ('CN-GD', 'S-1', 'SZ-PV', :c)"
        ),
        {"c": HAND},
    )
    connection.execute(
        text(
            "INSERT INTO source_cancellations (claim_id, partner, origin_serial,"
            " cancellation_id, note, cancelled_at, attested_at)"
            " VALUES (:c, 'CN-GD', 'GDPH-1-10', 'X-1', 'cancelled', :at, :at)"
        ),
        {"c": HAND, "at": AT},
    )
    connection.execute(
        text(
            "INSERT INTO issuances (issuance_id, partner, methodology, vintage, account,"
            " carried_before, units, carried_after, issued_at)"
            " VALUES ('I-1', 'CN-GD', 'SZ-TRANSIT-METRO', 2024, 'pool:CN-GD', '0', 0, '0', :at)"
        ),
        {"at": AT},
    )
    connection.execute(
        text(
            "INSERT INTO claim_issuances (claim_id, vintage, issuance_id, credited_tco2e)"
            " VALUES (:c, 2024, 'I-1', '0.5')"
        ),
        [{"c": HAND}, {"c": hub_claim}],
    )


def test_claim_ids_read_back_as_written_across_the_migration(database_url: str) -> None:
    standard = load_standard(default_standards_dir())
    points = load_points_rules(default_standards_dir(), standard)
    config = alembic_config(url=database_url)
    migrate(database_url)
    engine = create_engine_for(database_url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    try:
        ingestion = IngestionService(factory, standard, lambda: AT, points=points)
        (first,) = ingestion.submit("CN-GD", [gd_trip("T1", "GD-METRO", "08:00", "08:30")])
        assert first.decision is Decision.ACCEPTED
        # The same record with other content: refused, naming the first claim.
        (changed,) = ingestion.submit("CN-GD", [gd_trip("T1", "GD-METRO", "08:00", "08:40")])
        assert changed.decision is Decision.REJECTED
        keys = _foreign_keys(engine)
        assert len(keys) == 4  # locks, content locks, site bindings, refused resubmissions

        command.downgrade(config, BEFORE)
        with engine.begin() as connection:
            _write_by_hand(connection, first.claim_id)
        texts = _stored(engine)
        assert all(isinstance(v, str) for values in texts.values() for v in values)
        assert texts["claims"] == sorted([first.claim_id, HAND])
        assert texts["refused_resubmissions"] == [first.claim_id]
        for table in ("claim_locks", "claim_content_locks", "points_entries"):
            assert texts[table] and set(texts[table]) == {first.claim_id}, table
        assert texts["person_travel_days"] == [first.claim_id]

        migrate(database_url)
        stored = _stored(engine)
        minted, hand = bytes.fromhex(first.claim_id), b"\xff" + HAND.encode()
        assert stored["claims"] == sorted([minted, hand])
        for table, values in stored.items():
            assert all(isinstance(v, bytes) and v in (minted, hand) for v in values), table
            assert sorted(id_text(v) for v in values) == texts[table], table
        assert _foreign_keys(engine) == keys

        # The ledger finds claims by id and names them, minted or not.
        with factory() as uow:
            view = uow.claims.ledger_view(first.claim_id)
            assert view is not None and view.claim_id == first.claim_id
            cancelled = uow.attestations.source_cancellation_for_claim(HAND)
            assert cancelled is not None and cancelled.claim_id == HAND
            content = gd_trip("T9", "GD-METRO", "08:00", "08:30").digest_without_identity()
            held = uow.claims.find_lock_conflicts([ClaimLock(LockKind.CONTENT, content, 0, 0)])
            assert [c.held_by_claim_id for c in held] == [first.claim_id]
        # The same trip under another record id: its content is taken.
        (again,) = ingestion.submit("CN-GD", [gd_trip("T2", "GD-METRO", "08:00", "08:30")])
        assert "DUPLICATE_CONTENT" in {check.code for check in again.checks}

        command.downgrade(config, BEFORE)
        back = _stored(engine)
        assert all(isinstance(v, str) for values in back.values() for v in values)
        assert back["claims"] == sorted([first.claim_id, HAND, again.claim_id])
        assert back["site_bindings"] == texts["site_bindings"] == [HAND]
        assert _foreign_keys(engine) == keys
    finally:
        engine.dispose()
