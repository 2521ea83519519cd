"""GET /api/v1/registers and the home page on each database: the registers
the hub checks claims against, each version with its SHA-256 and entries,
the highest of each kind current, never who loaded it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from hub.domain.registers import RegisterKind
from hub.services.asset_checks import thresholds_of
from hub.services.registers import RegisterImportService
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory

from .conftest import LiveLedger

LIST = (
    "entry_id,name,type,asset_id,period_start,period_end\n"
    "GEC-2024-03-77,屋顶光伏 2024 年 3 月绿证,光伏,4401-PV-2023-0007,2024-03,2024-03\n"
)


def test_the_registers_loaded_are_disclosed(live: LiveLedger, tmp_path: Path) -> None:
    hub = live.hub
    service = RegisterImportService(
        SqlAlchemyUnitOfWorkFactory(hub.engine),
        thresholds_of(hub.standard.header.asset_matching),
        live.clock,
    )
    first, second = tmp_path / "gec-1.csv", tmp_path / "gec-2.csv"
    first.write_text(LIST, encoding="utf-8")
    second.write_text(LIST + LIST.splitlines()[1].replace("03-77", "04-78") + "\n", "utf-8")
    service.import_file(RegisterKind.GEC, first, "bureau:王科长")
    service.import_file(RegisterKind.GEC, second, "bureau:王科长")

    answer = live.client.get("/api/v1/registers")

    assert answer.status_code == 200
    body = answer.json()
    assert [(i["kind"], i["version"], i["entries"], i["current"]) for i in body["items"]] == [
        ("gec", 1, 1, False),
        ("gec", 2, 2, True),
    ]
    assert body["items"][1]["sha256"] == hashlib.sha256(second.read_bytes()).hexdigest()
    assert body["items"][1]["loaded_at"] == "2026-01-15T12:00:00Z"
    assert body["not_loaded"] == ["ccer", "hk-rec", "shenzhen"]
    assert "王科长" not in answer.text and "gec-2.csv" not in answer.text
    page = live.client.get("/").text
    assert '<tr data-id="gec">' in page and "已核对的外部登记系统" in page
