"""Reads a Hechi delivery: manifest.json, projects.csv (项目台账) and monitoring.csv (监测记录).

Built from adapters/partner_template/: the four marked places of the
template live in vocabulary.py ((1) partner and zone, (2) roles, (3)
columns, (4) words), the date layouts in dates.py. Manifest and digest
checks, GB18030 / UTF-8 decoding, header and row faults, duplicates and
line numbers come from the shared modules unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path

from adapters.csv_table import CsvTable, read_table
from adapters.delivery import Delivery, RowProblem, SourcedClaim, SourcedProject, SourceRef
from adapters.hechi.dates import iso_date_from_ledger
from adapters.hechi.vocabulary import (
    ACTIVITY_UNITS,
    CLAIM_COLUMNS,
    COUNTIES,
    PARTNER,
    PROJECT_COLUMNS,
    PROJECT_STATUSES,
    ROLES,
    SIZE_UNITS,
    TIME_ZONE,
)
from adapters.manifest import ManifestError, load_manifest
from adapters.near_spellings import near_hint
from adapters.problem_codes import ProblemCode
from adapters.row_mapping import RowMapping
from carbonhub_contract.vocabulary.records import ClaimSubmission, OriginStatus, ProjectSubmission

_REGION_CODE = re.compile(r"\d{6}", re.ASCII)


class HechiAdapter:
    """Maps Hechi's carbon-inclusion ledger to hub submissions (syntax only)."""

    partner = PARTNER

    def read(self, delivery_dir: Path) -> Delivery:
        try:
            manifest = load_manifest(delivery_dir, PARTNER, ROLES)
        except ManifestError as exc:
            return Delivery(
                PARTNER, delivery_dir.name, 0, [], [], [exc.problem], CLAIM_COLUMNS, PROJECT_COLUMNS
            )
        problems: list[RowProblem] = []
        rows_read = 0

        projects: list[SourcedProject] = []
        table, found = read_table(delivery_dir, manifest, "projects", PROJECT_COLUMNS.values())
        problems += found
        if table is not None:
            rows_read += table.rows_read
            projects = _projects(table, problems)

        claims: list[SourcedClaim] = []
        table, found = read_table(delivery_dir, manifest, "monitoring", CLAIM_COLUMNS.values())
        problems += found
        if table is not None:
            rows_read += table.rows_read
            claims = _claims(table, manifest.delivery_id, problems)

        problems.sort(key=lambda p: (p.file, p.line))
        return Delivery(
            PARTNER,
            manifest.delivery_id,
            rows_read,
            projects,
            claims,
            problems,
            CLAIM_COLUMNS,
            PROJECT_COLUMNS,
        )


def _region_code(m: RowMapping, column: str) -> str | None:
    """The county's GB/T 2260 code; six digits pass through for the hub to judge."""
    value = m.text(column)
    if _REGION_CODE.fullmatch(value):
        return value
    if not value:
        m.fault(column, ProblemCode.ROW_FIELD_MISSING, f"'{column}' is blank")
        return None
    code = COUNTIES.get(value)
    if code is None:
        # A few near names, not all eleven counties with their spellings.
        m.fault(
            column,
            ProblemCode.ROW_DISTRICT_UNKNOWN,
            f"县区 '{value}' is not one of Hechi's counties and districts"
            + near_hint(value, COUNTIES),
        )
    return code


def _projects(table: CsvTable, problems: list[RowProblem]) -> list[SourcedProject]:
    c = PROJECT_COLUMNS
    out: list[SourcedProject] = []
    for row in table.rows:
        m = RowMapping(table.file, row)
        project_id = m.required(c["project_id"])
        region_code = _region_code(m, c["region_code"])
        size_unit = m.lookup(c["size_unit"], SIZE_UNITS, ProblemCode.ROW_UNIT_UNKNOWN, "规模单位")
        status = m.lookup(c["status"], PROJECT_STATUSES, ProblemCode.ROW_STATUS_UNKNOWN, "项目状态")
        start = m.date(c["crediting_start"], iso_date_from_ledger)
        end = m.date(c["crediting_end"], iso_date_from_ledger)
        if not m.ok or region_code is None or size_unit is None or status is None:
            problems += m.problems
            continue
        submission = ProjectSubmission(
            partner=PARTNER,
            project_id=project_id,
            name=m.text(c["name"]),
            owner_name=m.text(c["owner_name"]),
            owner_credit_code=m.text(c["owner_credit_code"]),
            partner_methodology=m.text(c["partner_methodology"]),
            region_code=region_code,
            longitude=m.text(c["longitude"]),
            latitude=m.text(c["latitude"]),
            size_value=m.text(c["size_value"]),
            size_unit=size_unit,
            crediting_start=start,
            crediting_end=end,
            status=status,
            raw=row.raw,
        )
        out.append(SourcedProject(submission, SourceRef(table.file, row.line)))
    return out


def _claims(table: CsvTable, delivery_id: str, problems: list[RowProblem]) -> list[SourcedClaim]:
    c = CLAIM_COLUMNS
    out: list[SourcedClaim] = []
    for row in table.rows:
        m = RowMapping(table.file, row)
        record_id = m.required(c["record_id"])
        methodology = m.required(c["partner_methodology"])
        start = m.date(c["period_start"], iso_date_from_ledger)
        end = m.date(c["period_end"], iso_date_from_ledger)
        quantity = m.required(c["activity_quantity"])
        unit = m.lookup(
            c["activity_unit"], ACTIVITY_UNITS, ProblemCode.ROW_UNIT_UNKNOWN, "计量单位"
        )
        if not m.ok or unit is None:
            problems += m.problems
            continue
        submission = ClaimSubmission(
            partner=PARTNER,
            delivery_id=delivery_id,
            record_id=record_id,
            partner_methodology=methodology,
            period_start=start,
            period_end=end,
            time_zone=TIME_ZONE,
            activity_quantity=quantity,
            activity_unit=unit,
            project_id=m.optional(c["project_id"]),
            reported_tco2e=m.optional(c["reported_tco2e"]),
            # Hechi issues no credits of its own: nothing is issued at the origin.
            origin_status=OriginStatus.NOT_ISSUED,
            verifier=m.optional(c["verifier"]),
            raw=row.raw,
        )
        out.append(SourcedClaim(submission, SourceRef(table.file, row.line)))
    return out
