"""The demo's commuters: a month of metro rides of many people, in each
partner's own export format, to show pooled issuance.

One commuter's month (about 625 passenger-km in Guangdong, 440 km on the MTR)
is a few hundredths of a tonne: never a unit on its own. Their platform's
pool gathers them and is issued whole tonnes, owned by the platform's
operator (DESIGN.md §5). The deliveries are written the same on every run
(same record ids, people and numbers), so a second demo run recognises them
as resubmissions. Hong Kong attests the accounting adjustment of the month's
MTR rides under one reference, so its rides pool together.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

from hub.domain.points import EntryKind

if TYPE_CHECKING:
    from hub.bootstrap import Hub

GD_COMMUTERS = 100
PROJECT_HEADER = [
    *("方法学编号", "项目编号", "项目名称", "行政区划代码", "经度", "纬度", "规模", "规模单位"),
    *("项目业主", "统一社会信用代码", "计入期开始", "计入期结束", "状态", "备注", "数据来源"),
]
HK_COMMUTERS = 80
HK_MONTHLY_ATTESTATION = "HKAA-2024-MTR-202410"


def _person(partner: str, index: int) -> str:
    """A well-formed pseudonym (64 lower-case hex), one per demo commuter."""
    return hashlib.sha256(f"demo-commuter:{partner}:{index}".encode()).hexdigest()


def _write(
    folder: Path, partner: str, delivery_id: str, created_at: str, files: dict[str, str]
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    roles = {name.removesuffix(".csv"): name for name in files}
    manifest = {
        "partner": partner,
        "delivery_id": delivery_id,
        "encoding": "utf-8",
        "created_at": created_at,
        "files": roles,
        "sha256": {
            name: hashlib.sha256(content.encode("utf-8")).hexdigest()
            for name, content in files.items()
        },
    }
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return folder


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def guangdong_commuters(into: Path) -> Path:
    """October 2024 metro rides of Guangdong's commuters (GD-METRO, 人公里)."""
    delivery_id = "GD-20241105-COMMUTERS"
    header = [
        "记录编号",
        "方法学编号",
        "项目编号",
        "个人标识",
        "活动量",
        "活动量单位",
        "监测期开始",
        "监测期结束",
        "减排量",
        "签发状态",
        "PHCER序列号",
        "核证机构",
        "数据批次",
        "备注",
    ]
    rows = [
        [
            f"GD2024C{i:05d}",
            "GD-METRO",
            "",
            _person("CN-GD", i),
            str(600 + i % 50),  # 600-649 pkm in the month
            "人公里",
            "2024-10-01",
            "2024-10-31",
            "",
            "未签发",
            "",
            "",
            "B20241105",
            "",
        ]
        for i in range(GD_COMMUTERS)
    ]
    # The export lists no project: its projects file is the header alone.
    projects = _csv([PROJECT_HEADER])
    return _write(
        into / delivery_id,
        "CN-GD",
        delivery_id,
        "2024-11-05T18:00:00+08:00",
        {"projects.csv": projects, "reductions.csv": _csv([header, *rows])},
    )


def hongkong_commuters(into: Path) -> Path:
    """October 2024 MTR rides of Hong Kong's commuters, under one monthly attestation."""
    delivery_id = "HK-20241105-COMMUTERS"
    header = [
        "ref",
        "programme",
        "district",
        "site_id",
        "participant",
        "start",
        "end",
        "material",
        "quantity",
        "unit",
        "utility",
        "co2e_kg",
        "adjustment_ref",
        "verifier",
    ]
    rows = [
        [
            f"MTR-2410-C{i:04d}",
            "MTR",
            "Sha Tin",
            "",
            _person("CN-HK", i),
            "01/10/2024",
            "31/10/2024",
            "",
            str(420 + i % 40),  # 420-459 km in the month
            "km",
            "",
            "",
            HK_MONTHLY_ATTESTATION,
            "",
        ]
        for i in range(HK_COMMUTERS)
    ]
    return _write(
        into / delivery_id,
        "CN-HK",
        delivery_id,
        "2024-11-05T09:30:00+08:00",
        {"activities.csv": _csv([header, *rows])},
    )


COMMUTERS = {"guangdong": guangdong_commuters, "hongkong": hongkong_commuters}


DEMO_REDEMPTION = "GD-DEMO-REDEEM-0001"
DEMO_REDEMPTION_POINTS = 500


def demo_points(hub: Hub) -> str:
    """One Guangdong commuter redeems points (once: the id makes a second run
    a repeat), and the line the demo prints about the points ledger."""
    redemption = hub.points.redeem(
        "CN-GD", _person("CN-GD", 0), DEMO_REDEMPTION, DEMO_REDEMPTION_POINTS
    )
    totals: dict[tuple[str, EntryKind], int] = {}
    for month in hub.points.months():
        key = (month.partner, month.kind)
        totals[key] = totals.get(key, 0) + month.points
    awarded = ", ".join(
        f"{partner} {points}"
        for (partner, kind), points in sorted(totals.items())
        if kind is EntryKind.AWARD
    )
    redeemed = sum(p for (_, kind), p in totals.items() if kind is EntryKind.REDEMPTION)
    return (
        f"carbon points (碳积分) awarded: {awarded}; redeemed {redeemed} "
        f"(one commuter's {redemption.redemption_id}, balance now {redemption.balance}); "
        "the tonnes behind them are the pools' (carbon-hub points, GET /api/v1/points)"
    )
