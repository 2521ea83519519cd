"""Migration 0012 indexes the projects stored before it: a later registration of
the same roof at a rounded capacity, or of a parcel inside a forest, finds them."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, text

from carbonhub_contract.vocabulary.records import Decision
from hub.services.projects import ProjectRegistrationService
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import alembic_config, create_engine_for, downgrade, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.builders import pv_project


def _insert_project(
    engine: Engine, project_id: str, methodology: str, size: str, unit: str
) -> None:
    fingerprint = (
        f"SZ-PV|2317:11345|{size}{unit}"
        if unit == "kW"
        else f"SZ-FOREST-SINK|2350:11350|{size}{unit}"
    )
    latitude, longitude = ("23.1703", "113.4526") if unit == "kW" else ("23.5", "113.5")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO projects (partner, project_id, name, owner_name, owner_credit_code,"
                " partner_methodology, region_code, longitude, latitude, size_value, size_unit,"
                " crediting_start, crediting_end, status, version, updated_at, review_state,"
                " asset_fingerprint)"
                " VALUES ('CN-GD', :p, 'n', 'o', 'c', :m, '440100', :lon, :lat, :size, :unit,"
                " '2023-03-01', '2033-02-28', 'REGISTERED', 1, CURRENT_TIMESTAMP, 'APPROVED', :f)"
            ),
            {
                "p": project_id,
                "m": methodology,
                "lon": longitude,
                "lat": latitude,
                "size": size,
                "unit": unit,
                "f": fingerprint,
            },
        )


def test_projects_before_0012_are_found_by_tolerant_registrations(database_url: str) -> None:
    command.upgrade(alembic_config(url=database_url), "0011_transparency_log")
    engine = create_engine_for(database_url)
    try:
        _insert_project(engine, "OLD-ROOF", "GD-PV", "380", "kW")
        _insert_project(engine, "OLD-FOREST", "GD-FOREST-P", "1200", "ha")

        migrate(database_url)

        with engine.connect() as connection:
            keys = connection.execute(
                text("SELECT project_id, index_key FROM asset_index ORDER BY index_key")
            ).all()
        assert ("OLD-ROOF", "SZ-PV|P|2317:11345") in keys
        # 1,200 ha is a disc of 1.95 km around 23.5 N, 113.5 E: on the corner
        # of four coarse cells.
        assert {k for p, k in keys if p == "OLD-FOREST"} == {
            f"SZ-FOREST-SINK|A|{row}:{column}" for row in (234, 235) for column in (1134, 1135)
        }

        service = ProjectRegistrationService(
            SqlAlchemyUnitOfWorkFactory(engine), load_standard(default_standards_dir())
        )
        (roof,) = service.register(
            "CN-GD", [pv_project(project_id="NEW-ROOF", size_value="380.5", size_unit="kWp")]
        )
        assert roof.decision is Decision.HELD
        assert [c.details["matches"] for c in roof.checks] == ["CN-GD/OLD-ROOF"]
        (parcel,) = service.register(
            "CN-GD",
            [
                pv_project(
                    project_id="NEW-PARCEL",
                    partner_methodology="GD-FOREST-P",
                    size_value="300",
                    size_unit="ha",
                    longitude="113.49",
                    latitude="23.49",
                )
            ],
        )
        assert parcel.decision is Decision.HELD
        (check,) = parcel.checks
        assert (check.code, check.details["matches"]) == (
            "ASSET_OVERLAP_UNRESOLVED",
            "CN-GD/OLD-FOREST",
        )

        downgrade(database_url, "0011_transparency_log")
        migrate(database_url)
    finally:
        engine.dispose()
