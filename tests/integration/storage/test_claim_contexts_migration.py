"""What a delivery's claims share of their submissions, kept once (0045), on
a hub-written ledger: the shared fields leave the rows for claim_contexts;
the downgrade writes each body and delivery id back as the hub wrote them
before; every claim reads back the same."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision
from hub.domain.checks import fire
from hub.storage.claim_body import (
    claim_body,
    claim_select,
    normalised_of,
    submission_of,
    verdict_of,
    with_checks,
)
from hub.storage.database import alembic_config, migrate
from hub.storage.hex_id_column import id_bytes, id_text
from tests.integration.storage.ingested_ledgers import ingested
from tests.integration.storage.test_activity_once_migration import _read
from tests.unit.services.builders import pseudonym
from tests.unit.services.test_person_travel_ingestion import gd_trip

BEFORE = "0044_period_days"
_SUBMISSION = 3
_CONTEXT_KEYS = {3, 6, 8, 12}  # partner methodology, time zone, unit, region


def _claims() -> list[ClaimSubmission]:
    def trip(n: int, mode: str) -> ClaimSubmission:
        return replace(
            gd_trip(f"T{n}", mode, "08:00", "08:30"),
            person_pseudonym=pseudonym(f"rider-{n}"),
            region_code="440300",
        )

    return [
        trip(1, "GD-METRO"),
        trip(2, "GD-METRO"),
        trip(3, "GD-METRO"),
        # The only bus trip: its context is its own, kept in its row.
        trip(4, "GD-BUS"),
        # Refused (no period), the metro's context all the same: shared.
        replace(trip(5, "GD-METRO"), period_start="2 Oct 2024"),
    ]


def _rows(engine: Engine) -> dict[str, tuple[str, Any, dict[int, Any]]]:
    """Each claim's delivery id, context id (None: no such column) and body."""
    columns = {c["name"] for c in inspect(engine).get_columns("claims")}
    context = "context_id" if "context_id" in columns else "NULL"
    with engine.connect() as connection:
        rows = connection.execute(
            text(f"SELECT claim_id, delivery_id, {context}, body FROM claims")
        ).all()
    return {
        id_text(claim_id): (
            delivery_id,
            context_id,
            msgpack.unpackb(bytes(body), raw=False, strict_map_key=False),
        )
        for claim_id, delivery_id, context_id, body in rows
    }


def _bodies_without_contexts(engine: Engine) -> dict[str, bytes]:
    """The body the hub writes for each claim when no context is shared."""
    with engine.connect() as connection:
        rows = connection.execute(claim_select(text("claims.checks_id"))).all()
    return {
        row.claim_id: claim_body(
            verdict_of(row),
            submission_of(row),
            normalised_of(row),
            shared_checks=row.checks_id is not None,
        )
        for row in rows
    }


def test_shared_fields_are_kept_once_and_written_back(database_url: str) -> None:
    config = alembic_config(url=database_url)
    with ingested(database_url, _claims()) as (engine, verdicts):
        assert [v.decision for v in verdicts] == [Decision.ACCEPTED] * 4 + [Decision.REJECTED]
        ids = [v.claim_id for v in verdicts]
        read = _read(engine)
        at_head = _rows(engine)
        shared = [ids[i] for i in (0, 1, 2, 4)]
        (context_id,) = {at_head[c][1] for c in shared}
        assert context_id is not None
        for claim_id in shared:
            delivery_id, _, body = at_head[claim_id]
            assert delivery_id == ""
            assert not _CONTEXT_KEYS & set(body.get(_SUBMISSION, {}))
        alone = at_head[ids[3]]
        assert alone[:2] == ("GD-20241031-01", None)
        assert set(alone[2][_SUBMISSION]) >= _CONTEXT_KEYS
        with engine.connect() as connection:
            (stored,) = connection.execute(text("SELECT context FROM claim_contexts")).scalars()
        assert stored == (
            '{"delivery_id":"GD-20241031-01","partner_methodology":"GD-METRO",'
            '"time_zone":"Asia/Shanghai","activity_unit":"pkm","region_code":"440300"}'
        )
        expected = _bodies_without_contexts(engine)

        command.downgrade(config, BEFORE)
        assert "claim_contexts" not in inspect(engine).get_table_names()
        before = _rows(engine)
        for claim_id, (delivery_id, context, body) in before.items():
            assert (delivery_id, context) == ("GD-20241031-01", None)
            assert msgpack.packb(body, use_bin_type=True) == expected[claim_id]

        migrate(database_url)
        assert _rows(engine) == at_head
        assert _read(engine) == read


def test_a_changed_verdict_keeps_its_body_s_order_across_the_migration(
    database_url: str,
) -> None:
    """A refused claim (no normalised claim) whose checks change later has its
    checks after its submission in the body (with_checks): written back in
    that order, byte for byte."""
    config = alembic_config(url=database_url)
    with ingested(database_url, _claims()) as (engine, verdicts):
        refused = verdicts[4]
        check = fire("ZERO_REDUCTION", field="activity_quantity")
        with engine.begin() as connection:
            (body,) = connection.execute(
                text("SELECT body FROM claims WHERE claim_id = :c"),
                {"c": id_bytes(refused.claim_id)},
            ).one()
            connection.execute(
                text("UPDATE claims SET body = :b, checks_id = NULL WHERE claim_id = :c"),
                {"b": with_checks(bytes(body), (check,)), "c": id_bytes(refused.claim_id)},
            )
        submission = replace(_claims()[4])
        expected = with_checks(claim_body(replace(refused, checks=()), submission, None), (check,))
        assert list(msgpack.unpackb(expected, strict_map_key=False)) == [_SUBMISSION, 0]
        command.downgrade(config, BEFORE)
        with engine.connect() as connection:
            (back,) = connection.execute(
                text("SELECT body FROM claims WHERE claim_id = :c"),
                {"c": id_bytes(refused.claim_id)},
            ).one()
        assert bytes(back) == expected


def test_a_context_removed_by_hand_stops_the_downgrade_and_is_named(database_url: str) -> None:
    with ingested(database_url, _claims()) as (engine, verdicts):
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM claim_contexts"))
        with pytest.raises(RuntimeError, match=f"claim {verdicts[0].claim_id} names context"):
            command.downgrade(alembic_config(url=database_url), BEFORE)
        with pytest.raises(ValueError, match="which claim_contexts does not hold"):
            _read(engine)
