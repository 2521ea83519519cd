"""Reading hub blocks back from CAD Trust records: the round trip that
shows an export keeps every block's serial, unit numbers, count and state."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.interchange.cadt_mapping import HUB_STATE_OF_STATUS, CadtExport


@dataclass(frozen=True, slots=True, order=True)
class UnitBlock:
    """What a CAD Trust unit record says of a hub block."""

    serial: str
    first_unit: int
    last_unit: int
    count: int
    state: str  # the hub state


def unit_blocks(units: Iterable[Mapping[str, Any]]) -> list[UnitBlock]:
    """Read hub blocks back from CAD Trust unit records (JSON or a workbook row)."""
    blocks: list[UnitBlock] = []
    for unit in units:
        status = str(unit["unitStatus"])
        if status not in HUB_STATE_OF_STATUS:
            raise ValueError(f"unitStatus {status!r} is not one the hub exports")
        blocks.append(
            UnitBlock(
                serial=str(unit["unitSerialId"]),
                first_unit=int(str(unit["unitStartBlock"])),
                last_unit=int(str(unit["unitEndBlock"])),
                count=int(str(unit["unitCount"])),
                state=HUB_STATE_OF_STATUS[status],
            )
        )
    return sorted(blocks)


def origin_serials_of(export: CadtExport) -> dict[str, list[str]]:
    """Unit serial -> the origin serial blocks its labels name (sorted)."""
    label_names = {r["cadTrustLabelId"]: str(r["labelName"]) for r in export.records("label")}
    serial_of = {r["cadTrustUnitId"]: str(r["unitSerialId"]) for r in export.records("unit")}
    found: dict[str, list[str]] = {}
    for link in export.records("unit_label"):
        name = label_names.get(link["cadTrustLabelId"], "")
        if name.startswith("Cancelled at origin "):
            serial = serial_of[link["cadTrustUnitId"]]
            found.setdefault(serial, []).append(name.split(": ", 1)[1])
    return {serial: sorted(origins) for serial, origins in found.items()}
