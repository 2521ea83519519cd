"""RegisterProjects over mutual TLS: a roof re-registered at a rounded capacity
and a forest sub-parcel with a GeoJSON boundary are held naming the earlier
project; a boundary the hub cannot use is refused with its reason."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from hub.bootstrap import Hub, build_hub
from hub.domain.credit_codes import check_character
from hub.settings import HubSettings
from tests.trusted_clients import PartnerStub, TrustedClients

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
CREDIT_CODE = "91440101MA59" + "ABCDE"
CREDIT_CODE += check_character(CREDIT_CODE)
LAT, LON = 23.5, 113.5
M_LAT = 1 / (math.pi * 6_371_008.8 / 180)
M_LON = M_LAT / math.cos(math.radians(LAT))


@pytest.fixture
def stub(tmp_path: Path, database_url: str) -> Iterator[PartnerStub]:
    settings = HubSettings(
        data_dir=tmp_path, database_url=database_url, grpc_port=0, pki_dir=tmp_path / "pki"
    )
    hub: Hub = build_hub(settings, clock=lambda: NOW)
    trust = TrustedClients.prepare(tmp_path, hub.partner_keys)
    running = hub.serve()
    clients = TrustedClients(trust, running.address)
    yield PartnerStub(clients)
    clients.close()
    running.stop(None)
    hub.close()


def _project(**overrides: object) -> pb.Project:
    fields: dict[str, object] = dict(
        project_id="4401-PV-2023-0007",
        name="广州某厂房屋顶分布式光伏",
        owner_name="广州某新能源有限公司",
        owner_credit_code=CREDIT_CODE,
        partner_methodology="GD-PV",
        region_code="440100",
        longitude="113.2644",
        latitude="23.1291",
        size_value="380",
        size_unit="kW",
        crediting_start="2023-01-01",
        crediting_end="2032-12-31",
        status=pb.PROJECT_STATUS_REGISTERED,
    )
    fields.update(overrides)
    return pb.Project(**fields)  # type: ignore[arg-type]


def _square(side_m: float) -> list[list[float]]:
    x1, y1 = LON + side_m * M_LON, LAT + side_m * M_LAT
    return [[LON, LAT], [x1, LAT], [x1, y1], [LON, y1], [LON, LAT]]


def _forest(project_id: str, ha: int, **overrides: object) -> pb.Project:
    side = math.sqrt(ha * 10_000)
    fields: dict[str, object] = dict(
        project_id=project_id,
        name="河源市生态公益林",
        partner_methodology="GD-FOREST-P",
        size_value=str(ha),
        size_unit="ha",
        longitude=f"{LON + side / 2 * M_LON:.6f}",
        latitude=f"{LAT + side / 2 * M_LAT:.6f}",
        boundary=json.dumps({"type": "Polygon", "coordinates": [_square(side)]}),
        boundary_crs="EPSG:4490",
    )
    fields.update(overrides)
    return _project(**fields)


def _register(stub: PartnerStub, project: pb.Project) -> pb.ProjectResult:
    response = stub.RegisterProjects(
        pb.RegisterProjectsRequest(partner="CN-GD", projects=[project])
    )
    (result,) = response.results
    return result


def test_re_registrations_of_one_asset_are_held_naming_the_first(stub: PartnerStub) -> None:
    assert _register(stub, _project()).decision == pb.DECISION_ACCEPTED
    roof = _register(
        stub, _project(project_id="4401-PV-2025-0031", size_value="380.5", size_unit="kWp")
    )
    assert roof.decision == pb.DECISION_HELD
    (check,) = [c for c in roof.checks if c.code == "ASSET_ALREADY_REGISTERED"]
    assert check.details["other_project_id"] == "4401-PV-2023-0007"
    assert "380.5 kW" in check.message_en and "380 kW" in check.message_en

    assert _register(stub, _forest("GD-FOREST-1", 1200)).decision == pb.DECISION_ACCEPTED
    part = _register(stub, _forest("GD-FOREST-2", 300))
    assert part.decision == pb.DECISION_HELD
    (check,) = [c for c in part.checks if c.code == "ASSET_BOUNDARY_OVERLAP"]
    assert check.details["other_project_id"] == "GD-FOREST-1"
    assert check.details["overlap_percent"] == "100.0"


def test_a_boundary_in_a_web_map_system_is_refused(stub: PartnerStub) -> None:
    result = _register(stub, _forest("GD-FOREST-9", 300, boundary_crs="GCJ-02"))
    assert result.decision == pb.DECISION_REJECTED
    (check,) = result.checks
    assert check.code == "BOUNDARY_INVALID" and "GCJ-02" in check.details["reason"]
