"""Registers outside the hub where an asset or a reduction may be credited already.

The same roof or forest can be in the national CCER registry (uniqueness is
a CCER rule), earn green electricity certificates (绿证, GEC: every PV kWh),
Hong Kong's renewable energy certificates (RECs of CLP and HK Electric), or
be credited by Shenzhen's own carbon-inclusion platform. The bureau loads
each register's list of projects and assets (``carbon-hub registers
import``); a project registration that describes an asset on one of them is
HELD for the bureau, naming the register, the entry and the list's version.

A list row names its entry (the register's own id), the asset's type, and
the asset as the register gives it: its point and its capacity or area, or
the register's own asset id (a project or site id), or both; optionally the
period the register credited or certified (``period_start``..``period_end``,
inclusive dates or months, China/Hong Kong time) and the serial range it
issued (``serial_range``: ``{series}-{first}-{last}``). The rules comparing
a row's point with a project are the asset matching's
(hub.domain.asset_matching): same family, within the distance, capacity
within the tolerance, parcels by their areas. A claim is compared with the
entries in hub.domain.register_claims.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
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

# The asset types a list names, as the registers write them, to the asset
# family the hub compares them under: a methodology's first id
# (Methodology.asset_family), which a rename keeps, so SZ-FOREST-SINK is the
# family of HUB-INTERIM-FOREST-SINK.
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

# Every row names these.
REQUIRED = ("entry_id", "name", "type")
# The asset by its point and size: all four, or none when the row names the
# asset by ``asset_id`` or its units by ``serial_range``.
SITE_COLUMNS = ("longitude", "latitude", "size", "size_unit")
OPTIONAL = ("region_code", "asset_id", "period_start", "period_end", "serial_range")
COLUMNS = (*REQUIRED, *SITE_COLUMNS)
# Ids and series are index keys (hub.storage.register_tables: 200 characters).
MAX_ID_LENGTH = 150
_SERIAL = re.compile(r"(?P<series>\S+)-(?P<first>\d{1,12})-(?P<last>\d{1,12})", re.ASCII)
_MONTH = re.compile(r"\d{4}-\d{2}", re.ASCII)


@dataclass(frozen=True, slots=True)
class SerialRange:
    """Units numbered ``first``..``last`` (inclusive) in one ``series``."""

    series: str  # upper case: compared without regard to case
    first: int
    last: int

    def overlaps(self, other: SerialRange) -> bool:
        return self.series == other.series and self.first <= other.last and other.first <= self.last

    def __str__(self) -> str:
        return f"{self.series}-{self.first}-{self.last}"


def parse_serial_range(text: str) -> SerialRange | None:
    """``{series}-{first}-{last}`` (a PHCER block reads the same way: its
    series is everything before the two unit numbers); None when malformed."""
    found = _SERIAL.fullmatch(text.strip())
    if found is None:
        return None
    first, last = int(found["first"]), int(found["last"])
    series = found["series"].upper()
    if first < 1 or last < first or len(series) > MAX_ID_LENGTH:
        return None
    return SerialRange(series, first, last)


def parse_day(text: str, *, is_end: bool) -> date | None:
    """An ISO date, or a month (its first day, or its last when ``is_end``)."""
    try:
        if _MONTH.fullmatch(text):
            year, month = int(text[:4]), int(text[5:])
            last = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 1
            return date(year, month, last if is_end else 1)
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    entry_id: str
    name: str
    family: str
    latitude: Decimal | None
    longitude: Decimal | None
    size: Decimal | None
    size_unit: str
    region_code: str = ""
    asset_id: str = ""  # the register's id of the asset (project or site id)
    period_start: date | None = None  # the period credited, inclusive
    period_end: date | None = None
    serials: SerialRange | None = None  # the units issued

    def site(self, kind: RegisterKind) -> AssetSite | None:
        if self.latitude is None or self.longitude is None or self.size is None:
            return None
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
        values = {c: str(row.get(c) or "").strip() for c in (*COLUMNS, *OPTIONAL)}
        found = len(problems)
        entry = _entry(values, line, problems)
        if entry is None or len(problems) > found:
            continue
        if entry.entry_id in seen:
            problems.append(RowProblem(line, "entry_id", "the entry appears twice"))
            continue
        seen.add(entry.entry_id)
        entries.append(entry)
    return entries, problems


def _entry(
    values: Mapping[str, str], line: int, problems: list[RowProblem]
) -> RegisterEntry | None:
    """One row as an entry; its problems appended to ``problems``."""
    has_site = any(values[c] for c in SITE_COLUMNS)
    identified = values["asset_id"] or values["serial_range"]
    needed = (*REQUIRED, *SITE_COLUMNS) if has_site or not identified else REQUIRED
    missing = [c for c in needed if not values[c]]
    if missing:
        problems.extend(RowProblem(line, c, "missing") for c in missing)
        return None
    family = FAMILIES.get(values["type"].lower())
    if family is None:
        problems.append(RowProblem(line, "type", f"unknown asset type {values['type']!r}"))
    lat = lon = size = None
    if has_site:
        lat, lon = parse_decimal(values["latitude"]), parse_decimal(values["longitude"])
        size = parse_decimal(values["size"])
        if lat is None or not -90 <= lat <= 90:
            problems.append(RowProblem(line, "latitude", "not a latitude in degrees"))
        if lon is None or not -180 <= lon <= 180:
            problems.append(RowProblem(line, "longitude", "not a longitude in degrees"))
        if size is None or size <= 0:
            problems.append(RowProblem(line, "size", "not a positive number"))
        unit = values["size_unit"]
        if units.dimension(unit) not in (units.Dimension.POWER, units.Dimension.AREA):
            problems.append(RowProblem(line, "size_unit", f"{unit!r} is no capacity or area unit"))
    region = values["region_code"]
    if region and not regions.is_valid_code(region):
        problems.append(RowProblem(line, "region_code", "not a GB/T 2260 code"))
    if len(values["asset_id"]) > MAX_ID_LENGTH:
        problems.append(RowProblem(line, "asset_id", f"longer than {MAX_ID_LENGTH} characters"))
    start, end = _period(values, line, problems)
    serials = parse_serial_range(values["serial_range"]) if values["serial_range"] else None
    if values["serial_range"] and serials is None:
        reason = "not a serial range {series}-{first}-{last} (first >= 1, last >= first)"
        problems.append(RowProblem(line, "serial_range", reason))
    if family is None:
        return None
    return RegisterEntry(
        values["entry_id"],
        values["name"],
        family,
        lat,
        lon,
        size,
        values["size_unit"],
        region,
        values["asset_id"],
        start,
        end,
        serials,
    )


def _period(
    values: Mapping[str, str], line: int, problems: list[RowProblem]
) -> tuple[date | None, date | None]:
    """The row's credited period: both ends or neither, the start not after the end."""
    texts = values["period_start"], values["period_end"]
    if not any(texts):
        return None, None
    start = parse_day(texts[0], is_end=False) if texts[0] else None
    end = parse_day(texts[1], is_end=True) if texts[1] else None
    for column, text, day in (("period_start", texts[0], start), ("period_end", texts[1], end)):
        if day is None:
            why = (
                "missing: a period has both ends"
                if not text
                else "not a date (YYYY-MM-DD) or month (YYYY-MM)"
            )
            problems.append(RowProblem(line, column, why))
    if start is not None and end is not None and end < start:
        problems.append(RowProblem(line, "period_end", "before the period's start"))
    return start, end


@dataclass(frozen=True, slots=True)
class ListedEntry:
    """An entry of the current version of a register's list."""

    kind: RegisterKind
    version: int
    imported_at: str  # RFC 3339, when the bureau loaded this version
    entry: RegisterEntry


def asset_id_folded(asset_id: str) -> str:
    """An asset id as entries and claims are compared by it: case and
    surrounding spaces ignored (registers and partners write ids both ways)."""
    return asset_id.strip().casefold()


def names_asset(entry: RegisterEntry, ids: Iterable[str | None]) -> bool:
    """Whether the entry's ``asset_id`` is one of ``ids`` (a project's id, a
    claim's project and site ids); an entry without one names nothing."""
    if not entry.asset_id.strip():
        return False
    wanted = asset_id_folded(entry.asset_id)
    return any(i and asset_id_folded(i) == wanted for i in ids)


def describes(item: ListedEntry, site: AssetSite, thresholds: Thresholds) -> bool:
    """Whether the entry's point and size describe ``site``'s asset, by the
    asset matching's rules (parcels by their areas: a list has no boundaries)."""
    other = item.entry.site(item.kind)
    if other is None:
        return False
    if site.is_area:
        return area_match(site.without_boundary(), other, thresholds, overlap_ha=None) is not None
    return power_match(site, other, thresholds) is not None


def register_checks(
    site: AssetSite | None,
    listed: Sequence[ListedEntry],
    thresholds: Thresholds,
    project_id: str | None = None,
) -> list[CheckResult]:
    """A check for each register entry that describes the project's asset
    (``site``: its point and size; None without a fingerprint) or names it by
    the register's asset id (``project_id``: case and spaces ignored)."""
    found: list[CheckResult] = []
    for item in listed:
        named = names_asset(item.entry, (project_id,))
        if not named and (site is None or not describes(item, site, thresholds)):
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
                matched_by="asset_id" if named else "location_and_size",
                matches=f"{item.kind}/{item.entry.entry_id}",
            )
        )
    return found
