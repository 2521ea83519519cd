"""The Guangdong adapter against the sample deliveries and hand-made variants."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from adapters.delivery import RowProblem
from adapters.guangdong import GuangdongAdapter
from adapters.problem_codes import ProblemCode
from carbonhub_contract.vocabulary.records import OriginStatus, PartnerProjectStatus
from tests.unit.adapters.adapter_testkit import DATA, GD_01, GD_02, write_delivery

PROJECTS_HEADER = (
    "项目编号,项目名称,项目业主,统一社会信用代码,方法学编号,行政区划代码,经度,纬度,规模,规模单位,"
    "计入期开始,计入期结束,状态"
)
PROJECT_ROW = (
    "4401-PV-2023-0007,广州科学城光伏,广州科城新能源有限公司,91440112MA5CKM3B0A,GD-PV,440100,"
    "113.4526,23.1703,380,kW,2023-03-01,2033-02-28,已备案"
)
REDUCTIONS_HEADER = (
    "记录编号,项目编号,个人标识,方法学编号,监测期开始,监测期结束,活动量,活动量单位,减排量,签发状态,"
    "PHCER序列号,核证机构"
)
REDUCTION_ROW = (
    "R1,4401-PV-2023-0007,,GD-PV,2024-07-01,2024-07-31,42180,千瓦时,16.319442,已签发,"
    "GDPH-4401-PV-2023-0007-2024-000101-000116,粤核环境核证有限公司"
)


def _gd(tmp: Path, encoding: str, data: dict[str, bytes], name: str = "GD-T") -> Path:
    return write_delivery(
        tmp / name,
        "CN-GD",
        name,
        encoding,
        {
            "projects": ("projects.csv", data["projects"]),
            "reductions": ("reductions.csv", data["reductions"]),
        },
    )


def _problems(delivery_problems: Sequence[RowProblem]) -> list[tuple[str, int, str, str]]:
    return [(p.file, p.line, p.column, p.code) for p in delivery_problems]


def test_first_sample_counts_and_problems() -> None:
    d = GuangdongAdapter().read(GD_01)
    assert (d.partner, d.delivery_id) == ("CN-GD", "GD-20241031-01")
    assert d.rows_read == 14 + 46
    assert len(d.projects) == 13
    assert len(d.claims) == 40
    assert _problems(d.problems) == [
        ("projects.csv", 10, "", "ROW_DUPLICATE_IN_DELIVERY"),
        ("reductions.csv", 32, "", "ROW_DUPLICATE_IN_DELIVERY"),
        ("reductions.csv", 41, "监测期开始", "ROW_DATE_MALFORMED"),
        ("reductions.csv", 42, "监测期开始", "ROW_DATE_MALFORMED"),
        ("reductions.csv", 42, "监测期结束", "ROW_DATE_MALFORMED"),
        ("reductions.csv", 43, "监测期开始", "ROW_DATE_MALFORMED"),
        ("reductions.csv", 43, "监测期结束", "ROW_DATE_MALFORMED"),
        ("reductions.csv", 44, "活动量单位", "ROW_UNIT_UNKNOWN"),
        ("reductions.csv", 45, "签发状态", "ROW_STATUS_UNKNOWN"),
    ]
    assert not d.refused


def test_every_row_is_sent_or_reported_never_both() -> None:
    for folder in (GD_01, GD_02):
        d = GuangdongAdapter().read(folder)
        sent = [(c.source.file, c.source.line) for c in d.claims]
        sent += [(p.source.file, p.source.line) for p in d.projects]
        reported = {(p.file, p.line) for p in d.problems}
        assert len(sent) == len(set(sent))
        assert not set(sent) & reported
        assert len(sent) + len(reported) == d.rows_read


def test_claim_mapping_of_the_first_sample() -> None:
    d = GuangdongAdapter().read(GD_01)
    by_id = {c.submission.record_id: c for c in d.claims}
    issued = by_id["GD2024R0001201"]
    assert issued.source.line == 2
    s = issued.submission
    assert (s.project_id, s.person_pseudonym) == ("4401-PV-2023-0007", None)
    assert (s.period_start, s.period_end, s.time_zone) == (
        "2024-07-01",
        "2024-07-31",
        "Asia/Shanghai",
    )
    assert (s.activity_quantity, s.activity_unit) == ("42180", "kWh")
    assert s.origin_status is OriginStatus.ISSUED
    assert s.origin_serial == "GDPH-4401-PV-2023-0007-2024-000101-000116"
    assert s.raw["数据批次"] == "B20241031"  # an extra column, kept for audit
    # values with spaces are stripped for the hub, kept as delivered in raw
    spaced = by_id["GD2024R0001204"].submission
    assert (spaced.activity_quantity, spaced.raw["活动量"]) == ("39870", " 39870 ")
    datetime_period = by_id["GD2024R0001206"].submission
    assert datetime_period.period_start == "2024-08-01T00:00:00"
    assert datetime_period.period_end == "2024-08-31T23:59:59"
    personal = by_id["GD2024P0030106"].submission
    assert personal.project_id is None and personal.person_pseudonym is not None
    assert len(personal.person_pseudonym) == 64 and personal.activity_unit == "km"
    forest = by_id["GD2024R0001226"].submission
    assert forest.activity_unit == "mu"
    # semantic faults travel unchanged for the hub to reject
    assert by_id["GD2024R0001221"].submission.activity_quantity == "-19870"
    assert by_id["GD2024R0001222"].submission.reported_tco2e == "-19.577140"
    assert by_id["GD2024R0001217"].submission.activity_unit == "pkm"
    assert by_id["GD2024R0001223"].submission.origin_serial is None
    # the line after a quoted value spanning two physical lines
    assert by_id["GD2024R0001215"].source.line == 16
    assert by_id["GD2024R0001216"].source.line == 18


def test_project_mapping_of_the_first_sample() -> None:
    d = GuangdongAdapter().read(GD_01)
    by_id = {p.submission.project_id: p.submission for p in d.projects}
    pv = by_id["4401-PV-2023-0007"]
    assert pv.name == "广州市黄埔区科学城厂房屋顶分布式光伏项目"
    assert (pv.size_value, pv.size_unit, pv.status) == (
        "380",
        "kW",
        PartnerProjectStatus.REGISTERED,
    )
    assert (pv.crediting_start, pv.crediting_end) == ("2023-03-01", "2033-02-28")
    assert by_id["4420-PV-2023-0016"].status is PartnerProjectStatus.SUSPENDED
    assert by_id["4418-FM-2023-0005"].size_unit == "mu"
    assert by_id["4418-FM-2023-0005"].longitude == "113.4102"
    assert by_id["4416-FP-2023-0002"].size_unit == "ha"
    # the wrong check character is passed through: the hub rejects it
    assert by_id["4405-PV-2024-0002"].owner_credit_code.startswith("91440507")
    assert by_id["4405-PV-2024-0002"].raw["数据来源"] == "省碳普惠登记簿导出"


def test_second_sample_is_gb18030_and_resends_records() -> None:
    assert not (GD_02 / "reductions.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    manifest = json.loads((GD_02 / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["encoding"] == "gb18030"
    d = GuangdongAdapter().read(GD_02)
    assert (d.rows_read, len(d.projects), len(d.claims), d.problems) == (22, 3, 19, [])
    first = {c.submission.record_id: c.submission for c in GuangdongAdapter().read(GD_01).claims}
    second = {c.submission.record_id: c.submission for c in d.claims}
    for unchanged in ("GD2024R0001204", "GD2024R0001224", "GD2024P0030101"):
        assert second[unchanged].content_digest() == first[unchanged].content_digest()
        assert second[unchanged].delivery_id == "GD-20241107-02"
    changed = "GD2024R0001205"
    assert second[changed].content_digest() != first[changed].content_digest()
    assert second[changed].activity_quantity == "74600"
    assert second[changed].raw["审核人"] == "陈晓明"


def test_bom_no_bom_and_gb18030_read_the_same(tmp_path: Path) -> None:
    text = {
        "projects": f"{PROJECTS_HEADER}\r\n{PROJECT_ROW}\r\n",
        "reductions": f"{REDUCTIONS_HEADER}\r\n{REDUCTION_ROW}\r\n",
    }
    variants = {
        "bom": ("utf-8", {k: b"\xef\xbb\xbf" + v.encode() for k, v in text.items()}),
        "nobom": ("utf-8", {k: v.encode() for k, v in text.items()}),
        "gb": ("gb18030", {k: v.encode("gb18030") for k, v in text.items()}),
    }
    results = []
    for name, (encoding, data) in variants.items():
        d = GuangdongAdapter().read(_gd(tmp_path, encoding, data, name))
        assert d.problems == [], name
        results.append(
            (
                d.projects[0].submission.name,
                d.claims[0].submission.content_digest(),
                d.claims[0].source.line,
            )
        )
    assert results[0] == results[1] == results[2]
    assert results[0][2] == 2


def test_shuffled_header_and_extra_columns(tmp_path: Path) -> None:
    header = REDUCTIONS_HEADER.split(",")
    row = REDUCTION_ROW.split(",")
    order = list(reversed(range(len(header))))
    shuffled_header = ",".join(["附加列", *(header[i] for i in order)])
    shuffled_row = ",".join(["x", *(row[i] for i in order)])
    data = {
        "projects": f"{PROJECTS_HEADER}\n{PROJECT_ROW}\n".encode(),
        "reductions": f"{shuffled_header}\n{shuffled_row}\n".encode(),
    }
    plain = {
        "projects": data["projects"],
        "reductions": f"{REDUCTIONS_HEADER}\n{REDUCTION_ROW}\n".encode(),
    }
    a = GuangdongAdapter().read(_gd(tmp_path, "utf-8", data, "a")).claims[0].submission
    b = GuangdongAdapter().read(_gd(tmp_path, "utf-8", plain, "b")).claims[0].submission
    assert a.content_digest() == b.content_digest()
    assert a.raw["附加列"] == "x"


def test_missing_column_refuses_that_file_only(tmp_path: Path) -> None:
    header = REDUCTIONS_HEADER.replace(",核证机构", "")
    row = REDUCTION_ROW.rsplit(",", 1)[0]
    data = {
        "projects": f"{PROJECTS_HEADER}\n{PROJECT_ROW}\n".encode(),
        "reductions": f"{header}\n{row}\n".encode(),
    }
    d = GuangdongAdapter().read(_gd(tmp_path, "utf-8", data))
    assert len(d.projects) == 1 and d.claims == []
    assert _problems(d.problems) == [("reductions.csv", 0, "核证机构", "HEADER_MISSING_COLUMN")]


def test_bad_rows_do_not_stop_good_rows(tmp_path: Path) -> None:
    rows = [
        REDUCTION_ROW,
        REDUCTION_ROW.replace("R1,", "R2,").replace("42180", ""),  # blank quantity
        "R3,only,three",  # wrong field count
        REDUCTION_ROW.replace("R1,", "R4,").replace("2024-07-31", "31/07/2024"),
        "",  # a blank line is layout, not a row
        REDUCTION_ROW.replace("R1,", "R5,").replace("已签发", "已注销"),
    ]
    data = {
        "projects": f"{PROJECTS_HEADER}\n{PROJECT_ROW}\n".encode(),
        "reductions": ("\n".join([REDUCTIONS_HEADER, *rows]) + "\n").encode(),
    }
    d = GuangdongAdapter().read(_gd(tmp_path, "utf-8", data))
    assert [c.submission.record_id for c in d.claims] == ["R1", "R5"]
    assert d.claims[1].source.line == 7
    assert d.claims[1].submission.origin_status is OriginStatus.CANCELLED
    assert _problems(d.problems) == [
        ("reductions.csv", 3, "活动量", "ROW_FIELD_MISSING"),
        ("reductions.csv", 4, "", "ROW_COLUMN_COUNT"),
        ("reductions.csv", 5, "监测期结束", "ROW_DATE_MALFORMED"),
    ]
    assert d.rows_read == 1 + 5


def test_digest_mismatch_refuses_the_file_whole() -> None:
    d = GuangdongAdapter().read(DATA / "GD-BROKEN-DIGEST")
    assert d.claims == [] and len(d.projects) == 13
    mismatch = [p for p in d.problems if p.code == ProblemCode.FILE_DIGEST_MISMATCH]
    assert [(p.file, p.line, p.column) for p in mismatch] == [("reductions.csv", 0, "")]
    assert "refused whole" in mismatch[0].message


def test_encoding_mismatch_refuses_the_delivery() -> None:
    d = GuangdongAdapter().read(DATA / "GD-BROKEN-ENCODING")
    assert d.refused
    assert Counter(p.code for p in d.problems) == {ProblemCode.ENCODING_MISMATCH: 2}
    assert "not utf-8 as the manifest says" in d.problems[0].message


def test_utf8_declared_as_gb18030_is_refused(tmp_path: Path) -> None:
    data = {
        "projects": f"{PROJECTS_HEADER}\n{PROJECT_ROW}\n".encode(),
        "reductions": f"{REDUCTIONS_HEADER}\n{REDUCTION_ROW}\n".encode(),
    }
    d = GuangdongAdapter().read(_gd(tmp_path, "gb18030", data))
    assert d.refused
    assert {p.code for p in d.problems} == {ProblemCode.ENCODING_MISMATCH}


def test_manifest_faults_refuse_the_delivery(tmp_path: Path) -> None:
    d = GuangdongAdapter().read(tmp_path)
    assert d.refused and d.problems[0].code == ProblemCode.MANIFEST_MISSING
    data = {
        "projects": f"{PROJECTS_HEADER}\n{PROJECT_ROW}\n".encode(),
        "reductions": f"{REDUCTIONS_HEADER}\n{REDUCTION_ROW}\n".encode(),
    }
    folder = _gd(tmp_path, "utf-8", data)
    manifest = json.loads((folder / "manifest.json").read_text())
    for change, expected in (
        ({"partner": "CN-HK"}, "is for partner CN-HK"),
        ({"encoding": "latin-1"}, "not supported"),
        ({"files": {"projects": "projects.csv"}}, "no 'reductions' entry"),
    ):
        (folder / "manifest.json").write_text(json.dumps({**manifest, **change}))
        d = GuangdongAdapter().read(folder)
        assert d.refused
        assert d.problems[0].code == ProblemCode.MANIFEST_INVALID
        assert expected in d.problems[0].message
    (folder / "manifest.json").write_text("{not json")
    assert GuangdongAdapter().read(folder).problems[0].code == ProblemCode.MANIFEST_INVALID
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "reductions.csv").unlink()
    d = GuangdongAdapter().read(folder)
    assert [p.code for p in d.problems] == [ProblemCode.FILE_MISSING]
