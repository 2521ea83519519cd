"""The Hechi adapter (451200): its sample delivery, row mapping, refusals and encodings.

Hechi's county bureaus keep the ledger in Excel on zh-CN Windows, so a
delivery is GB18030 with CRLF, Excel's 2024/7/1 dates, county names instead
of codes and everyday units such as 度.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.cli import app
from adapters.dates import DateMalformed
from adapters.hechi import HechiAdapter
from adapters.hechi.dates import iso_date_from_ledger
from adapters.hechi.vocabulary import COUNTIES
from adapters.registry import adapter_for
from carbonhub_contract.vocabulary.records import OriginStatus, PartnerProjectStatus
from hub.domain import regions
from hub.standard import default_standards_dir, load_standard
from tests.unit.adapters.adapter_testkit import REPO, FakeHub, write_delivery

SAMPLE = REPO / "adapters/hechi/samples/HC-20241105-01"

PROJECTS_HEADER = (
    "项目编号,项目名称,业主单位,统一社会信用代码,方法学代码,所在县区,经度,纬度,"
    "规模,规模单位,计入期起,计入期止,项目状态"
)
PROJECT_ROW = (
    "HC-PV-2023-009,罗城仫佬族自治县四把镇光伏帮扶电站,广西河池桂能新能源有限公司,"
    "91451200MA5N8K3Q7B,HC-PV,罗城县,108.9065,24.7771,250,千瓦,2023/5/1,2033/4/30,正常"
)
MONITORING_HEADER = (
    "记录编号,项目编号,方法学代码,监测期起,监测期止,监测量,计量单位,核算减排量,核查机构"
)
MONITORING_ROW = "HC-JC-2024-0100,HC-PV-2023-009,HC-PV,2024/6/1,2024/6/30,28000,度,11.3,核查所"


def _delivery(folder: Path, encoding: str, files: dict[str, bytes]) -> Path:
    return write_delivery(
        folder,
        "451200",
        "HC-TEST-01",
        encoding,
        {
            "projects": ("projects.csv", files["projects"]),
            "monitoring": ("monitoring.csv", files["monitoring"]),
        },
    )


def _text(projects: list[str], monitoring: list[str]) -> dict[str, str]:
    return {
        "projects": "\r\n".join([PROJECTS_HEADER, *projects]) + "\r\n",
        "monitoring": "\r\n".join([MONITORING_HEADER, *monitoring]) + "\r\n",
    }


def test_the_sample_sends_its_good_rows_and_refuses_the_bad_ones_with_codes() -> None:
    d = HechiAdapter().read(SAMPLE)
    assert (d.partner, d.delivery_id, d.rows_read) == ("451200", "HC-20241105-01", 14)
    assert [(p.source.line, p.submission.project_id) for p in d.projects] == [
        (2, "HC-PV-2023-001"),
        (3, "HC-PV-2023-002"),
        (4, "HC-FOREST-M-2022-001"),
        (7, "HC-PV-2024-005"),
    ]
    assert [(c.source.line, c.submission.record_id) for c in d.claims] == [
        (2, "HC-JC-2024-0001"),
        (3, "HC-JC-2024-0002"),
        (4, "HC-JC-2024-0003"),
        (5, "HC-JC-2024-0004"),
    ]
    assert [(p.file, p.line, p.column, p.code) for p in d.problems] == [
        ("monitoring.csv", 6, "计量单位", "ROW_UNIT_UNKNOWN"),
        ("monitoring.csv", 7, "监测期止", "ROW_DATE_MALFORMED"),
        ("monitoring.csv", 8, "记录编号", "ROW_FIELD_MISSING"),
        ("monitoring.csv", 9, "", "ROW_DUPLICATE_IN_DELIVERY"),
        ("projects.csv", 5, "所在县区", "ROW_DISTRICT_UNKNOWN"),
        ("projects.csv", 6, "项目状态", "ROW_STATUS_UNKNOWN"),
        ("projects.csv", 6, "计入期止", "ROW_DATE_MALFORMED"),
    ]
    sent = {(s.source.file, s.source.line) for s in d.projects} | {
        (s.source.file, s.source.line) for s in d.claims
    }
    refused = {(p.file, p.line) for p in d.problems}
    assert not sent & refused
    assert len(sent | refused) == d.rows_read


def test_the_sample_is_gb18030_with_crlf_as_excel_writes_it() -> None:
    data = (SAMPLE / "projects.csv").read_bytes()
    assert b"\r\n" in data and not data.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "都安瑶族自治县" in data.decode("gb18030")


def test_project_rows_map_county_names_units_dates_and_status() -> None:
    projects = {p.submission.project_id: p.submission for p in HechiAdapter().read(SAMPLE).projects}
    pv = projects["HC-PV-2023-001"]
    assert (pv.partner, pv.region_code, pv.size_value, pv.size_unit) == (
        "451200",
        "451228",  # 都安瑶族自治县
        "300",
        "kW",  # 千瓦
    )
    assert (pv.crediting_start, pv.crediting_end) == ("2023-07-01", "2033-06-30")  # 2023/7/1
    assert pv.status is PartnerProjectStatus.REGISTERED  # 正常
    assert pv.owner_credit_code == "N2451228MF0412345E"
    assert pv.raw["填报单位"] == "河池市都安生态环境局"  # an extra column, kept for audit
    school = projects["HC-PV-2023-002"]
    assert (school.region_code, school.size_value, school.size_unit) == ("451227", "0.48", "MW")
    assert school.crediting_start == "2023-09-01"  # typed as 2023-09-01
    forest = projects["HC-FOREST-M-2022-001"]
    assert (forest.region_code, forest.size_unit) == ("451226", "mu")  # 环江, 亩
    assert (forest.crediting_start, forest.crediting_end) == ("2022-01-01", "2041-12-31")
    # Six digits pass through: the hub, not the adapter, says 451002 is in Baise.
    assert projects["HC-PV-2024-005"].region_code == "451002"


def test_monitoring_rows_map_to_claims_not_issued_at_the_origin() -> None:
    claims = {c.submission.record_id: c.submission for c in HechiAdapter().read(SAMPLE).claims}
    july = claims["HC-JC-2024-0001"]
    assert (july.period_start, july.period_end, july.time_zone) == (
        "2024-07-01",
        "2024-07-31",
        "Asia/Shanghai",
    )
    assert (july.activity_quantity, july.activity_unit, july.reported_tco2e) == (
        "33600",
        "kWh",
        "13.5",
    )
    assert (july.project_id, july.partner_methodology) == ("HC-PV-2023-001", "HC-PV")
    assert july.origin_status is OriginStatus.NOT_ISSUED and july.origin_serial is None
    assert july.verifier == "广西桂中碳核查技术有限公司"
    assert july.raw["备注"] == "7月上网电量"
    assert claims["HC-JC-2024-0002"].activity_unit == "kWh"  # 度
    assert (
        claims["HC-JC-2024-0003"].activity_quantity,
        claims["HC-JC-2024-0003"].activity_unit,
    ) == (
        "152.4",
        "MWh",
    )
    assert claims["HC-JC-2024-0004"].activity_unit == "mu"  # 亩


def test_ten_thousand_kwh_is_refused_not_multiplied(tmp_path: Path) -> None:
    row = MONITORING_ROW.replace(",28000,度,", ",2.8,万千瓦时,")
    text = _text([PROJECT_ROW], [row])
    d = HechiAdapter().read(
        _delivery(tmp_path, "gb18030", {k: v.encode("gb18030") for k, v in text.items()})
    )
    assert d.claims == []
    assert [(p.line, p.column, p.code) for p in d.problems] == [(2, "计量单位", "ROW_UNIT_UNKNOWN")]
    assert "万千瓦时" in d.problems[0].message


def test_utf8_with_bom_and_gb18030_read_the_same(tmp_path: Path) -> None:
    # 𠮷 is outside GBK: GB18030 writes it in four bytes.
    text = _text([PROJECT_ROW.replace("四把镇", "四把镇𠮷屯")], [MONITORING_ROW])
    gb = HechiAdapter().read(
        _delivery(tmp_path / "gb", "gb18030", {k: v.encode("gb18030") for k, v in text.items()})
    )
    bom = HechiAdapter().read(
        _delivery(
            tmp_path / "bom", "utf-8", {k: b"\xef\xbb\xbf" + v.encode() for k, v in text.items()}
        )
    )
    assert gb.problems == [] and bom.problems == []
    assert gb.projects[0].submission == bom.projects[0].submission
    assert gb.projects[0].submission.name == "罗城仫佬族自治县四把镇𠮷屯光伏帮扶电站"
    assert gb.projects[0].submission.region_code == "451225"
    assert gb.claims[0].submission.content_digest() == bom.claims[0].submission.content_digest()


def test_a_utf8_export_declared_gb18030_is_refused_whole(tmp_path: Path) -> None:
    text = _text([PROJECT_ROW], [MONITORING_ROW])
    d = HechiAdapter().read(
        _delivery(tmp_path, "gb18030", {k: v.encode() for k, v in text.items()})
    )
    assert (d.projects, d.claims) == ([], [])
    assert {(p.file, p.line, p.code) for p in d.problems} == {
        ("projects.csv", 0, "ENCODING_MISMATCH"),
        ("monitoring.csv", 0, "ENCODING_MISMATCH"),
    }


def test_a_missing_column_refuses_that_file_only(tmp_path: Path) -> None:
    text = _text([PROJECT_ROW], [MONITORING_ROW])
    text["monitoring"] = text["monitoring"].replace("计量单位", "单位")
    d = HechiAdapter().read(
        _delivery(tmp_path, "gb18030", {k: v.encode("gb18030") for k, v in text.items()})
    )
    assert [p.submission.project_id for p in d.projects] == ["HC-PV-2023-009"]
    assert d.claims == []
    assert [(p.file, p.column, p.code) for p in d.problems] == [
        ("monitoring.csv", "计量单位", "HEADER_MISSING_COLUMN")
    ]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2024/7/1", "2024-07-01"),
        ("2024/12/31", "2024-12-31"),
        ("2024-07-01", "2024-07-01"),
        ("2024年7月1日", "2024-07-01"),
        ("2024/2/29", "2024-02-29"),
    ],
)
def test_ledger_date_layouts(text: str, iso: str) -> None:
    assert iso_date_from_ledger(text) == iso


@pytest.mark.parametrize(
    "text",
    ["", "2024/9/31", "2023/2/29", "7/1/2024", "2024.7.1", "2024-7-1", "2024年13月1日", "45474"],
)
def test_dates_that_are_not_ledger_dates_are_malformed(text: str) -> None:
    with pytest.raises(DateMalformed):
        iso_date_from_ledger(text)


def test_every_county_name_maps_inside_hechi_and_a_neighbours_is_unknown(tmp_path: Path) -> None:
    agreement = load_standard(default_standards_dir()).agreement("451200")
    assert agreement is not None
    assert len(set(COUNTIES.values())) == 11  # 2 districts, 9 counties
    for name, code in COUNTIES.items():
        assert regions.within(code, agreement.region.gbt2260_prefix), name
    baise = PROJECT_ROW.replace(",罗城县,", ",右江区,")  # Baise's district, not Hechi's
    text = _text([baise], [])
    d = HechiAdapter().read(
        _delivery(tmp_path, "gb18030", {k: v.encode("gb18030") for k, v in text.items()})
    )
    assert [(p.line, p.column, p.code) for p in d.problems] == [
        (2, "所在县区", "ROW_DISTRICT_UNKNOWN")
    ]


def test_the_cli_sends_the_sample_as_451200(fake_hub: FakeHub) -> None:
    assert adapter_for("hechi").partner == "451200"
    key = fake_hub.signing_key_file("451200")
    result = CliRunner().invoke(
        app,
        [
            "hechi",
            "--delivery",
            str(SAMPLE),
            "--hub",
            fake_hub.address,
            "--insecure",
            "--signing-key",
            str(key),
        ],
    )
    assert result.exit_code == 0, result.output
    [projects] = fake_hub.service.project_requests
    assert projects.partner == "451200"
    assert [p.project_id for p in projects.projects] == [
        "HC-PV-2023-001",
        "HC-PV-2023-002",
        "HC-FOREST-M-2022-001",
        "HC-PV-2024-005",
    ]
    sent = [c.record_id for e in fake_hub.service.envelopes for c in e.claims]
    assert sent == ["HC-JC-2024-0001", "HC-JC-2024-0002", "HC-JC-2024-0003", "HC-JC-2024-0004"]
    assert {e.partner for e in fake_hub.service.envelopes} == {"451200"}
    output = " ".join(result.output.split())
    for code in ("ROW_UNIT_UNKNOWN", "ROW_DISTRICT_UNKNOWN", "ROW_DUPLICATE_IN_DELIVERY"):
        assert code in output
