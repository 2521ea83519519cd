"""Migration 0007 on a ledger with person accounts: their remainders move into
the default platform's pools, no issued unit changes, the audit log stays
clean, and the issuer then issues each pool's whole tonnes once."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, text

from hub.bootstrap import build_hub
from hub.settings import HubSettings
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.tables import ExactDecimal
from tests.unit.services.builders import PARTNER, metro, pseudonym, pv, pv_project

PREVIOUS = "0006_officers"

# What the issuer before pooling left: one remainder per person.
PERSON_ROWS = [
    ("CN-GD", "SZ-TRANSIT-METRO", 2024, "a", "", "0.4"),
    ("CN-GD", "SZ-TRANSIT-METRO", 2024, "b", "", "0.5"),
    ("CN-GD", "SZ-TRANSIT-METRO", 2024, "c", "", "0.350001"),
    ("CN-GD", "SZ-BIKE", 2023, "a", "", "0.25"),
    ("CN-HK", "SZ-TRANSIT-METRO", 2025, "d", "HK-CA-2025-001", "0.75"),
    ("CN-HK", "SZ-TRANSIT-METRO", 2025, "e", "HK-CA-2025-001", "0.5"),
    ("CN-HK", "SZ-TRANSIT-METRO", 2025, "f", "HK-CA-2025-002", "0.125"),
    # A partner without a default platform at this revision keeps its row.
    ("451200", "SZ-TRANSIT-BUS", 2024, "g", "", "0.2"),
]


def _snapshot(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        return {
            "blocks": sorted(
                connection.execute(
                    text("SELECT serial, first_unit, last_unit, state, project FROM blocks")
                ).all()
            ),
            "issuances": sorted(
                connection.execute(text("SELECT issuance_id, units, block_id FROM issuances")).all()
            ),
            "series": sorted(connection.execute(text("SELECT * FROM serial_series")).all()),
            "claim_issuances": connection.execute(
                text("SELECT count(*) FROM claim_issuances")
            ).scalar_one(),
        }


def _carry(engine: Engine) -> dict[tuple[str, str, int, str, str], Decimal]:
    exact = ExactDecimal()
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT partner, methodology, vintage, account, adjustment_ref, carried"
                " FROM carry_accounts"
            )
        ).all()
        dialect = connection.dialect
    found = {}
    for p, m, v, a, r, c in rows:
        value = exact.process_result_value(c, dialect)
        assert value is not None
        found[(p, m, int(v), a, r)] = Decimal(value)
    return found


def _insert_person_rows(engine: Engine) -> None:
    with engine.begin() as connection:
        for partner, methodology, vintage, who, ref, carried in PERSON_ROWS:
            connection.execute(
                text(
                    "INSERT INTO carry_accounts (partner, methodology, vintage, account,"
                    " adjustment_ref, carried, version) VALUES (:p, :m, :v, :a, :r, :c, 3)"
                ),
                {
                    "p": partner,
                    "m": methodology,
                    "v": vintage,
                    "a": f"person:{pseudonym(who)}",
                    "r": ref,
                    "c": Decimal(carried) if connection.dialect.name == "postgresql" else carried,
                },
            )


def test_person_remainders_move_into_pools_and_are_issued_once(
    database_url: str, tmp_path: Path
) -> None:
    settings = HubSettings(database_url=database_url, data_dir=tmp_path)
    # A ledger with real issued blocks and a signed audit chain: a PV
    # project's units and a pool's (the commuters), under the new issuer.
    hub = build_hub(settings)
    try:
        hub.projects.register(PARTNER, [pv_project()])
        months = [pv(f"PV{m}", f"2024-0{m}-01", f"2024-0{m}-28") for m in range(1, 6)]
        hub.ingestion.submit(PARTNER, months)
        hub.ingestion.submit(
            PARTNER, [metro(f"M{i}", person_pseudonym=pseudonym(f"m{i}")) for i in range(60)]
        )
        hub.issuance.issue_pending()
        assert hub.audit.verify().ok
    finally:
        hub.close()

    # Back to the revision before pooling, where the issuer kept person rows.
    command.downgrade(alembic_config(url=database_url), PREVIOUS)
    engine = create_engine_for(database_url)
    try:
        _insert_person_rows(engine)
        before = _snapshot(engine)
        carried_before = _carry(engine)
        assert before["blocks"], "the ledger has issued blocks to keep"

        migrate(database_url)

        assert _snapshot(engine) == before  # not a single issued unit changed
        after = _carry(engine)
        gd_pool = ("CN-GD", "SZ-TRANSIT-METRO", 2024, "pool:GD-PHCER", "")
        pooled_by_the_issuer = carried_before[gd_pool]  # the commuters' pool
        assert after[gd_pool] == pooled_by_the_issuer + Decimal("1.250001")
        assert after[("CN-GD", "SZ-BIKE", 2023, "pool:GD-PHCER", "")] == Decimal("0.25")
        assert after[("CN-HK", "SZ-TRANSIT-METRO", 2025, "pool:MTR", "HK-CA-2025-001")] == Decimal(
            "1.25"
        )
        assert after[("CN-HK", "SZ-TRANSIT-METRO", 2025, "pool:MTR", "HK-CA-2025-002")] == Decimal(
            "0.125"
        )
        people = [k for k in after if k[3].startswith("person:")]
        assert people == [("451200", "SZ-TRANSIT-BUS", 2024, f"person:{pseudonym('g')}", "")]
        assert sum(after.values()) == sum(carried_before.values())  # carried tonnes conserved
    finally:
        engine.dispose()

    hub = build_hub(settings)
    try:
        assert hub.audit.verify().ok
        run = hub.issuance.issue_pending()
        # The pools holding whole tonnes are issued, to their operators.
        issued = {(b.partner, b.account, b.units) for b in run.blocks}
        whole_gd = int(pooled_by_the_issuer + Decimal("1.250001"))
        assert issued == {("CN-GD", "pool:GD-PHCER", whole_gd), ("CN-HK", "pool:MTR", 1)}
        assert run.claims == 0
        assert hub.issuance.issue_pending().blocks == []  # once
        assert hub.audit.verify().ok
    finally:
        hub.close()
    engine = create_engine_for(database_url)
    try:
        final = _carry(engine)
        assert all(value < 1 for value in final.values())
        assert sum(final.values()) + sum(units for *_, units in issued) == sum(
            carried_before.values()
        )
    finally:
        engine.dispose()
