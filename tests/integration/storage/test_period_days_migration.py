"""A submission's period texts kept as offsets from the row's period (0044)
on a hub-written ledger: every claim reads back as the same verdict,
submission and normalised claim across the migration both ways; the bodies
are smaller after it; on PostgreSQL the claims table is not left at twice
its size by the rewrite of every body."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest
from alembic import command
from sqlalchemy import Engine, text

from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision
from hub.storage.database import alembic_config, migrate
from tests.integration.storage.ingested_ledgers import ingested
from tests.integration.storage.table_sizes import assert_written_afresh
from tests.integration.storage.test_activity_once_migration import _read
from tests.unit.services.builders import pseudonym
from tests.unit.services.test_person_travel_ingestion import gd_trip

BEFORE = "0043_digest_in_event"
_SUBMISSION, _START, _END = 3, 4, 5


def _periods(engine: Engine) -> list[tuple[Any, Any]]:
    """Each body's kept period start and end, in claim id order."""
    with engine.connect() as connection:
        bodies = [
            msgpack.unpackb(bytes(body), raw=False, strict_map_key=False)
            for (body,) in connection.execute(text("SELECT body FROM claims ORDER BY claim_id"))
        ]
    return [(b[_SUBMISSION].get(_START), b[_SUBMISSION].get(_END)) for b in bodies]


def current(engine: Engine) -> str:
    with engine.connect() as connection:
        found: str = connection.execute(
            text("SELECT version_num FROM alembic_version")
        ).scalar_one()
        return found


def _claims() -> list[ClaimSubmission]:
    trip = gd_trip("T1", "GD-METRO", "08:00", "08:30")
    return [
        # "2024-10-02 08:00:00" to "08:30:00": 480 minutes from each UTC column.
        trip,
        gd_trip("T2", "GD-BUS", "12:00", "12:40"),
        # As dates, the end inclusive: kept as days (1 and 0 in Shanghai).
        replace(trip, record_id="T3", period_start="2024-10-03", period_end="2024-10-03"),
        # A time with a T and no seconds; a date-time start and a date end.
        replace(trip, record_id="T4", period_start="2024-10-04T09:00", period_end="2024-10-04"),
        # Spelt with spaces around it: read the same, kept as text.
        replace(trip, record_id="T5", period_start=" 2024-10-05 ", period_end="2024-10-05"),
        # Not a period at all: refused, no period column, kept as text.
        replace(trip, record_id="T6", period_start="2 Oct 2024", period_end="2024-10-06"),
    ]


def test_every_claim_reads_back_the_same_across_the_migration(database_url: str) -> None:
    config = alembic_config(url=database_url)
    with ingested(database_url, _claims()) as (engine, verdicts):
        assert [v.decision for v in verdicts] == [Decision.ACCEPTED] * 5 + [Decision.REJECTED]
        order = sorted(range(6), key=lambda i: verdicts[i].claim_id)
        read = _read(engine)
        lean = _periods(engine)
        assert [lean[order.index(i)] for i in range(6)] == [
            ([480, 0], [480, 0]),
            ([480, 0], [480, 0]),
            (1, 0),
            ([480, 3], 0),
            (" 2024-10-05 ", 0),
            ("2 Oct 2024", "2024-10-06"),
        ]

        command.downgrade(config, BEFORE)
        # Read by the hub at head only (below): its reads name tables of
        # later migrations (claim_contexts, 0045).
        full = _periods(engine)
        assert [full[order.index(i)] for i in range(6)] == [
            (c.period_start, c.period_end) for c in _claims()
        ]

        migrate(database_url)
        assert _read(engine) == read
        assert _periods(engine) == lean


def test_postgresql_writes_the_claims_table_afresh_after_the_rewrite(
    postgres_schema_url: str,
) -> None:
    """Every body (0045, 0044) or digest (0043) rewritten by an UPDATE leaves its
    old row version behind (the table twice its size until VACUUM FULL);
    each migration writes the table afresh after it, both ways."""
    url = postgres_schema_url
    config = alembic_config(url=url)
    trips = [
        replace(
            gd_trip(f"T{n}", "GD-METRO", "08:00", "08:30"),
            person_pseudonym=pseudonym(f"person-{n:04d}"),
        )
        for n in range(400)
    ]
    with ingested(url, trips) as (engine, verdicts):
        assert {v.decision for v in verdicts} == {Decision.ACCEPTED}
        # Each step both ways: 0045's contexts, 0044's bodies and 0043's
        # digests (an UPDATE of every claim each, then the table written afresh).
        steps = ("0044_period_days", BEFORE, "0042_event_subject_index", BEFORE)
        for revision in (*steps, "0044_period_days", "head"):
            if revision == "head" or revision > current(engine):
                command.upgrade(config, revision)
            else:
                command.downgrade(config, revision)
            assert_written_afresh(engine, "claims", revision)


def test_a_kept_period_without_its_column_stops_the_downgrade(database_url: str) -> None:
    """A period column emptied by hand leaves an offset nothing can read back:
    the downgrade stops and names the claim rather than leave the offset for
    a hub of 0043 to read as the partner's text."""
    with ingested(database_url, [gd_trip("T1", "GD-METRO", "08:00", "08:30")]) as (engine, (trip,)):
        with engine.begin() as connection:
            connection.execute(text("UPDATE claims SET period_start = NULL"))
        with pytest.raises(RuntimeError, match=f"claim {trip.claim_id}: its period_start text"):
            command.downgrade(alembic_config(url=database_url), BEFORE)
        assert current(engine) == "0045_claim_contexts"
        assert _periods(engine) == [([480, 0], [480, 0])]
