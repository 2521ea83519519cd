"""Registers outside the hub where an asset or a reduction may be credited already.

The same roof or forest can be in the national CCER registry (uniqueness is
a CCER rule), earn green electricity certificates (绿证, GEC: every PV kWh),
Hong Kong's renewable energy certificates (RECs of CLP and HK Electric), or
be credited by Shenzhen's own carbon-inclusion platform. The bureau loads
each register's list of projects and assets (``carbon-hub registers
import``); a project registration that describes an asset on one of them is
HELD for the bureau, naming the register, the entry and the list's version.

A list row names its entry (the register's own id), the asset's type, its
point and its capacity or area, as those registers publish them; the rules
comparing a row with a project are the asset matching's
(hub.domain.asset_matching): same family, within the distance, capacity
within the tolerance, parcels by their areas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from hub.domain import regions, units
from hub.domain.asset_matching import AssetSite, Thresholds, area_match, power_match, site_of
from hub.domain.checks import CheckResult, fire
from hub.domain.normalisation import parse_decimal


class RegisterKind(StrEnum):
    CCER = "ccer"  # 全国温室气体自愿减排交易 (CCER) registry
    GEC = "gec"  # 绿色电力证书 (green electricity certificates)
    HK_REC = "hk-rec"  # Hong Kong renewable energy certificates
    SHENZHEN = "shenzhen"  # 深圳碳普惠 platform


REGISTER_NAMES = {
    RegisterKind.CCER: "CCER",
    RegisterKind.GEC: "GEC 绿证",
    RegisterKind.HK_REC: "HK REC",
    RegisterKind.SHENZHEN: "深圳碳普惠",
}

# The asset types a list names, as the registers write them, to the Shenzhen
# methodology family the hub compares them under.
FAMILIES: Mapping[str, str] = {
    "pv": "SZ-PV",
    "solar": "SZ-PV",
    "光伏": "SZ-PV",
    "分布式光伏": "SZ-PV",
    "太陽能": "SZ-PV",
    "forest": "SZ-FOREST-SINK",
    "林业碳汇": "SZ-FOREST-SINK",
    "森林": "SZ-FOREST-SINK",
    "造林": "SZ-FOREST-SINK",
}

COLUMNS = ("entry_id", "name", "type", "longitude", "latitude", "size", "size_unit")


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    entry_id: str
    name: str
    family: str
    latitude: Decimal
    longitude: Decimal
    size: Decimal
    size_unit: str
    region_code: str = ""

    def site(self, kind: RegisterKind) -> AssetSite | None:
        return site_of(
            f"register:{kind}",
            self.entry_id,
            self.family,
            self.latitude,
            self.longitude,
            self.size,
            self.size_unit,
        )


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int  # 1-based data row (CSV: the header is line 1, so the first row is 2)
    column: str
    reason: str


def parse_entries(
    rows: Sequence[Mapping[str, str]], first_line: int = 2
) -> tuple[list[RegisterEntry], list[RowProblem]]:
    """A register's list as entries, or every problem found in it."""
    entries: list[RegisterEntry] = []
    problems: list[RowProblem] = []
    seen: set[str] = set()
    for offset, row in enumerate(rows):
        line = first_line + offset
        values = {c: str(row.get(c) or "").strip() for c in (*COLUMNS, "region_code")}
        missing = [c for c in COLUMNS if not values[c]]
        if missing:
            problems.extend(RowProblem(line, c, "missing") for c in missing)
            continue
        if values["entry_id"] in seen:
            problems.append(RowProblem(line, "entry_id", "the entry appears twice"))
            continue
        family = FAMILIES.get(values["type"].lower())
        lat, lon = parse_decimal(values["latitude"]), parse_decimal(values["longitude"])
        size = parse_decimal(values["size"])
        unit = values["size_unit"]
        found = len(problems)
        if family is None:
            problems.append(RowProblem(line, "type", f"unknown asset type {values['type']!r}"))
        if lat is None or not -90 <= lat <= 90:
            problems.append(RowProblem(line, "latitude", "not a latitude in degrees"))
        if lon is None or not -180 <= lon <= 180:
            problems.append(RowProblem(line, "longitude", "not a longitude in degrees"))
        if size is None or size <= 0:
            problems.append(RowProblem(line, "size", "not a positive number"))
        if units.dimension(unit) not in (units.Dimension.POWER, units.Dimension.AREA):
            problems.append(RowProblem(line, "size_unit", f"{unit!r} is no capacity or area unit"))
        region = values["region_code"]
        if region and not regions.is_valid_code(region):
            problems.append(RowProblem(line, "region_code", "not a GB/T 2260 code"))
        if len(problems) > found or family is None or lat is None or lon is None or size is None:
            continue
        seen.add(values["entry_id"])
        entries.append(
            RegisterEntry(values["entry_id"], values["name"], family, lat, lon, size, unit, region)
        )
    return entries, problems


@dataclass(frozen=True, slots=True)
class ListedEntry:
    """An entry of the current version of a register's list."""

    kind: RegisterKind
    version: int
    imported_at: str  # RFC 3339, when the bureau loaded this version
    entry: RegisterEntry


def register_checks(
    site: AssetSite, listed: Sequence[ListedEntry], thresholds: Thresholds
) -> list[CheckResult]:
    """A check for each register entry that describes the project's asset."""
    found: list[CheckResult] = []
    for item in listed:
        other = item.entry.site(item.kind)
        if other is None:
            continue
        if site.is_area:
            same = area_match(site.without_boundary(), other, thresholds, overlap_ha=None)
        else:
            same = power_match(site, other, thresholds)
        if same is None:
            continue
        found.append(
            fire(
                "PROJECT_IN_EXTERNAL_REGISTER",
                field="project_id",
                register=REGISTER_NAMES[item.kind],
                kind=str(item.kind),
                entry_id=item.entry.entry_id,
                entry_name=item.entry.name,
                version=item.version,
                imported_at=item.imported_at,
                matches=f"{item.kind}/{item.entry.entry_id}",
            )
        )
    return found
