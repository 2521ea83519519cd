"""The CAD Trust v2 mapping: picklist values CAD Trust accepts, links it
requires, stable ids, and every block back from its unit record."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hub.interchange.cadt_files import read_export, write_export
from hub.interchange.cadt_mapping import UNIT_STATUS, cadt_id, to_cadt
from hub.interchange.cadt_read_back import UnitBlock, origin_serials_of, unit_blocks
from hub.interchange.ledger_facts import (
    BlockFacts,
    IssuanceFacts,
    MethodologyFacts,
    OriginCancellation,
    PartnerFacts,
    ProjectFacts,
    RetirementFacts,
)

# Picklists of the CAD Trust data dictionary v2.0.2 (docs/cadtrust-schema-v2.0.2.json
# of Chia-Network/cadt), the values this mapping may write.
UNIT_STATUSES = {
    "Buffer",
    "Cancelled",
    "Expired",
    "Held",
    "Inactive",
    "Issued",
    "Rejected",
    "Retired",
}
UNIT_TYPES = {
    "Avoidance - nature",
    "Avoidance - technical",
    "Not Determined",
    "Reduction - nature",
    "Reduction - technical",
    "Removal - nature",
    "Removal - technical",
}
PROJECT_STATUSES = {
    "Certified",
    "Completed",
    "Inactive",
    "Listed",
    "Registered",
    "Rejected",
    "Validated",
    "Verified",
    "Withdrawn",
}
PROJECT_SECTORS = {
    "Afforestation and reforestation",
    "Energy demand",
    "Energy industries (renewable-/ non renewable sources)",
    "Others",
    "Transport",
    "Waste handling and disposal",
}
PROJECT_TYPES = {
    "Agriculture, forestry and other land use (AFOLU)",
    "Any combination of the above",
    "Energy Efficiency households",
    "Solar",
    "Transport",
    "Waste",
}
COUNTRIES = {"China", "Hong Kong S.A.R.", "Macau S.A.R."}

AT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
PARTNERS = {
    "CN-GD": PartnerFacts("CN-GD", "Guangdong PHCER", "CN-GD", "Guangdong"),
    "CN-HK": PartnerFacts("CN-HK", "Hong Kong programmes", "CN-HK", "Hong Kong"),
}
METHODOLOGIES = {"SZ-PV": MethodologyFacts("SZ-PV", "Distributed PV", "2026.1")}


def _project() -> ProjectFacts:
    return ProjectFacts(
        "CN-GD",
        "4401-PV-2023-0007",
        "黄埔光伏",
        "GD-PV",
        "440100",
        "113.4526",
        "23.1703",
        "380",
        "kW",
        date(2023, 3, 1),
        date(2033, 2, 28),
        "REGISTERED",
        "APPROVED",
        AT,
        "SZ-PV",
    )


def _block(block_id: str, first: int, last: int, state: str, **kw: object) -> BlockFacts:
    values: dict[str, object] = {
        "block_id": block_id,
        "serial": f"SZCER-CN-GD-SZ-PV-2024-4401-PV-2023-0007-{first:06d}-{last:06d}",
        "partner": "CN-GD",
        "methodology": "SZ-PV",
        "vintage": 2024,
        "project": "4401-PV-2023-0007",
        "account": "project:4401-PV-2023-0007",
        "first_unit": first,
        "last_unit": last,
        "state": state,
        "frozen": False,
        "adjustment_ref": None,
        "adjustment_status": "NOT_REQUIRED",
        "issuance_id": "ISS-1",
        "updated_at": AT,
    }
    values.update(kw)
    return BlockFacts(**values)  # type: ignore[arg-type]


RETIRED = RetirementFacts("EX-1", "CARBON_NEUTRAL_EVENT", "某公司", "marathon", AT)
BLOCKS = [
    _block("b1", 1, 29, "RETIRED", retirement=RETIRED),
    _block("b2", 30, 62, "DELIVERED"),
    _block("b3", 63, 70, "ISSUED"),
    _block("b4", 71, 71, "CANCELLED", frozen=True),
    _block(
        "b5",
        1,
        2,
        "DELIVERED",
        partner="CN-HK",
        serial="SZCER-CN-HK-SZ-TRANSIT-METRO-2024-P-000001-000002",
        methodology="SZ-TRANSIT-METRO",
        project="P",
        account="pool:MTR",
        adjustment_ref="HKAA-2024-MTR",
        adjustment_status="COMMITTED",
        issuance_id="ISS-2",
    ),
]
ISSUANCES = [
    IssuanceFacts(
        "ISS-1",
        "CN-GD",
        "SZ-PV",
        2024,
        "project:4401-PV-2023-0007",
        71,
        AT,
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 6, 30, tzinfo=UTC),
        (OriginCancellation("GDPH-4401-PV-2023-0007-2024-000101-000116", "GDZX-1"),),
    )
]


def test_every_picklist_value_written_is_one_cad_trust_accepts() -> None:
    export = to_cadt(
        partners=PARTNERS,
        methodologies=METHODOLOGIES,
        projects=[_project()],
        issuances=ISSUANCES,
        blocks=BLOCKS,
        link_base="https://hub.example.org/",
    )
    units = export.records("unit")
    assert {u["unitStatus"] for u in units} <= UNIT_STATUSES
    assert {u["unitType"] for u in units} <= UNIT_TYPES
    assert {u["unitMetric"] for u in units} == {"tCO2e"}
    projects = export.records("project")
    assert {p["projectStatus"] for p in projects} <= PROJECT_STATUSES
    assert {s for p in projects for s in p["projectSector"]} <= PROJECT_SECTORS
    assert {t for p in projects for t in p["projectType"]} <= PROJECT_TYPES
    assert {loc["locationCountry"] for loc in export.records("location")} <= COUNTRIES
    assert {"Hong Kong S.A.R.", "China"} <= {
        loc["locationCountry"] for loc in export.records("location")
    }
    assert set(UNIT_STATUS.values()) <= UNIT_STATUSES


def test_units_keep_serials_counts_states_and_what_the_exchange_said() -> None:
    export = to_cadt(
        partners=PARTNERS,
        methodologies=METHODOLOGIES,
        projects=[_project()],
        issuances=ISSUANCES,
        blocks=BLOCKS,
        link_base="https://hub.example.org/",
    )
    assert unit_blocks(export.records("unit")) == sorted(
        UnitBlock(b.serial, b.first_unit, b.last_unit, b.units, b.state) for b in BLOCKS
    )
    retired = next(u for u in export.records("unit") if u["unitStatus"] == "Retired")
    assert retired["unitRetirementBeneficiary"] == "某公司"
    assert retired["unitRetirementDetail"] == "CARBON_NEUTRAL_EVENT: marathon"
    assert retired["unitStartBlock"] == "1" and retired["unitCount"] == 29
    cancelled = next(u for u in export.records("unit") if u["unitStatus"] == "Cancelled")
    assert "frozen" in cancelled["unitStatusReason"]
    # The origin serial block cancelled at source rides with the units of its issuance.
    origins = origin_serials_of(export)
    assert origins[BLOCKS[0].serial] == ["GDPH-4401-PV-2023-0007-2024-000101-000116"]
    assert BLOCKS[4].serial not in origins


def test_a_pool_gets_a_project_and_an_attestation_label() -> None:
    export = to_cadt(
        partners=PARTNERS,
        methodologies=METHODOLOGIES,
        projects=[],
        issuances=[],
        blocks=[BLOCKS[4]],
        link_base="https://hub.example.org",
    )
    (project,) = export.records("project")
    assert project["projectId"] == "CN-HK/pool:MTR"
    assert "platform MTR" in project["projectName"]
    names = sorted(label["labelName"] for label in export.records("label"))
    assert names[0] == "Inventory exclusion attested by CN-HK: HKAA-2024-MTR"
    (link,) = [
        ul
        for ul in export.records("unit_label")
        if ul["labelUnitDescription"] == "adjustment COMMITTED"
    ]
    assert link["cadTrustUnitId"] == cadt_id("unit", "b5")


def test_ids_are_stable_and_every_link_resolves() -> None:
    first = to_cadt(
        partners=PARTNERS,
        methodologies=METHODOLOGIES,
        projects=[_project()],
        issuances=ISSUANCES,
        blocks=BLOCKS,
        link_base="https://hub.example.org",
    )
    second = to_cadt(
        partners=PARTNERS,
        methodologies=METHODOLOGIES,
        projects=[_project()],
        issuances=ISSUANCES,
        blocks=list(reversed(BLOCKS)),
        link_base="https://hub.example.org",
    )
    ids = {r["cadTrustUnitId"] for r in first.records("unit")}
    assert ids == {r["cadTrustUnitId"] for r in second.records("unit")}
    projects = {p["cadTrustProjectId"] for p in first.records("project")}
    for table in ("location", "project_methodology", "verification"):
        assert {r["cadTrustProjectId"] for r in first.records(table)} <= projects
    labels = {r["cadTrustLabelId"] for r in first.records("label")}
    assert {r["cadTrustLabelId"] for r in first.records("unit_label")} <= labels
    assert {r["cadTrustUnitId"] for r in first.records("unit_label")} == ids


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_files_read_back_to_the_same_records(tmp_path: Path, fmt: str) -> None:
    export = to_cadt(
        partners=PARTNERS,
        methodologies=METHODOLOGIES,
        projects=[_project()],
        issuances=ISSUANCES,
        blocks=BLOCKS,
        link_base="https://hub.example.org",
    )
    write_export(export, fmt, tmp_path, None, AT)
    again = read_export(tmp_path)
    for table, records in export.tables.items():
        read = again.records(table)
        assert len(read) == len(records), table
        for before, after in zip(records, read, strict=True):
            # A workbook keeps no empty cells: absent is None.
            assert {k: v for k, v in before.items() if v is not None} == {
                k: v for k, v in after.items() if v is not None
            }, table
