"""Migration 0005 on projects recorded under 0004: approved (or suspended) and fingerprinted."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect, text

from hub.storage.database import alembic_config, create_engine_for, downgrade, migrate


def _insert_project(engine: Engine, project_id: str, longitude: str, unit: str = "kW") -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO projects (partner, project_id, name, owner_name, owner_credit_code,"
                " partner_methodology, region_code, longitude, latitude, size_value, size_unit,"
                " crediting_start, crediting_end, status, version, updated_at)"
                " VALUES ('CN-GD', :p, 'n', 'o', 'c', 'GD-PV', '440100', :lon, '23.1703',"
                " '0.38', :unit, '2023-03-01', '2033-02-28', 'REGISTERED', 1, CURRENT_TIMESTAMP)"
            ),
            {"p": project_id, "lon": longitude, "unit": unit},
        )


def _projects(engine: Engine) -> dict[str, tuple[str, str | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT project_id, review_state, asset_fingerprint FROM projects")
        ).all()
    return {row[0]: (row[1], row[2]) for row in rows}


def test_projects_before_0005_are_approved_suspended_ones_suspended(database_url: str) -> None:
    command.upgrade(alembic_config(url=database_url), "0004_audit_chain")
    engine = create_engine_for(database_url)
    try:
        _insert_project(engine, "P-1", "113.4526", unit="MW")
        _insert_project(engine, "P-2", "114.0000")
        _insert_project(engine, "P-3", "114.5000", unit="kWh")  # no capacity unit
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO project_supervision (partner, project_id, suspended, reason,"
                    " actor, at) VALUES ('CN-GD', 'P-2', :yes, 'r', 'bureau:x', CURRENT_TIMESTAMP)"
                ),
                {"yes": True},
            )

        migrate(database_url)

        assert _projects(engine) == {
            # 0.38 MW is 380 kW: the same key a registration in kW makes.
            "P-1": ("APPROVED", "SZ-PV|2317:11345|380kW"),
            "P-2": ("SUSPENDED", "SZ-PV|2317:11400|0.38kW"),
            "P-3": ("APPROVED", None),
        }
        indexes = {i["name"] for i in inspect(engine).get_indexes("projects")}
        assert "ix_projects_asset_fingerprint" in indexes

        downgrade(database_url, "0004_audit_chain")
        columns = {c["name"] for c in inspect(engine).get_columns("projects")}
        assert not columns & {"review_state", "asset_fingerprint"}
        assert "asset_guards" not in inspect(engine).get_table_names()
        migrate(database_url)
        assert _projects(engine)["P-1"] == ("APPROVED", "SZ-PV|2317:11345|380kW")
    finally:
        engine.dispose()
