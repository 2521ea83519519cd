"""SubmitClaims over mutual TLS against the registers outside the hub, on
SQLite and PostgreSQL: the months a GEC list certified for the project and a
Hong Kong REC for a FiT site are rejected naming the entry, an origin block
Shenzhen's platform issued too is rejected, a roof a CCER project list
describes by point and size is held; other months go through."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from hub.domain.registers import RegisterKind
from hub.services.asset_checks import thresholds_of
from hub.services.registers import RegisterImportService
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.grpc.ledger_helpers import (
    PROJECT_ID,
    Running,
    hk_solar_claim,
    pv_claim,
    register_gd_project,
    running_hub,
    submit,
)

pytestmark = pytest.mark.slow

HEADER = "entry_id,name,type,asset_id,period_start,period_end,serial_range\n"
SERIALS = f"GDPH-{PROJECT_ID}-2024-5001-5100"


@pytest.fixture
def running(tmp_path: Path, database_url: str) -> Iterator[Running]:
    with running_hub(tmp_path, database_url) as hub:
        yield hub


def _load(running: Running, tmp_path: Path, kind: RegisterKind, name: str, text: str) -> None:
    hub = running.hub
    service = RegisterImportService(
        SqlAlchemyUnitOfWorkFactory(hub.engine),
        thresholds_of(hub.standard.header.asset_matching),
    )
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    service.import_file(kind, path, "bureau:test")


def _register_codes(verdict: pb.Verdict) -> list[tuple[str, str, str]]:
    return [
        (c.code, c.details["register"], c.details["entry_id"])
        for c in verdict.checks
        if "EXTERNAL_REGISTER" in c.code
    ]


def test_claims_on_registers_outside_the_hub(running: Running, tmp_path: Path) -> None:
    register_gd_project(running.partner)
    site = hk_solar_claim("HK-REC-1").site_id
    _load(
        running,
        tmp_path,
        RegisterKind.GEC,
        "gec.csv",
        HEADER + f"GEC-2024-03-77,屋顶光伏 2024 年 3 月绿证,光伏,{PROJECT_ID},2024-03,2024-03,\n",
    )
    _load(
        running,
        tmp_path,
        RegisterKind.HK_REC,
        "hk-rec.json",
        '{"entries": [{"entry_id": "CLP-REC-2024-10-9", "name": "FiT REC", "type": "solar",'
        f' "asset_id": "{site}", "period_start": "2024-10-01", "period_end": "2024-10-31"}}]}}',
    )
    _load(
        running,
        tmp_path,
        RegisterKind.SHENZHEN,
        "shenzhen.csv",
        HEADER + f"SZ-PH-2024-0009,深圳碳普惠 已签发,光伏,,,,{SERIALS}\n",
    )

    march, april, serial = submit(
        running.partner,
        pv_claim("GD-MAR", 3, 20),
        pv_claim("GD-APR", 4, 20),
        pv_claim("GD-MAY", 5, 100, origin_serial=SERIALS),
    )
    assert march.decision == pb.DECISION_REJECTED
    assert _register_codes(march) == [
        ("CLAIM_CREDITED_IN_EXTERNAL_REGISTER", "GEC 绿证", "GEC-2024-03-77")
    ]
    assert april.decision == pb.DECISION_ACCEPTED and _register_codes(april) == []
    assert serial.decision == pb.DECISION_REJECTED
    assert _register_codes(serial) == [
        ("CLAIM_CREDITED_IN_EXTERNAL_REGISTER", "深圳碳普惠", "SZ-PH-2024-0009")
    ]
    (hk,) = submit(running.partner, hk_solar_claim("HK-REC-1"), partner="CN-HK")
    assert hk.decision == pb.DECISION_REJECTED
    assert _register_codes(hk) == [
        ("CLAIM_CREDITED_IN_EXTERNAL_REGISTER", "HK REC", "CLP-REC-2024-10-9")
    ]

    # A CCER project list naming the roof by its point and size, loaded after
    # the project was registered: its next claim is held for the bureau.
    _load(
        running,
        tmp_path,
        RegisterKind.CCER,
        "ccer.csv",
        "entry_id,name,type,longitude,latitude,size,size_unit\n"
        "CCER-PV-0042,广州某厂房屋顶光伏,光伏,113.2645,23.1290,0.5,MW\n",
    )
    (june,) = submit(running.partner, pv_claim("GD-JUN", 6, 20))
    assert june.decision == pb.DECISION_HELD
    assert _register_codes(june) == [("CLAIM_ASSET_IN_EXTERNAL_REGISTER", "CCER", "CCER-PV-0042")]
