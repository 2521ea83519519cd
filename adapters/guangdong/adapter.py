"""Reads a Guangdong delivery: manifest.json, projects.csv and reductions.csv."""

from __future__ import annotations

from pathlib import Path

from adapters.csv_table import CsvTable, read_table
from adapters.dates import iso_date_from_ymd, iso_from_ymd
from adapters.delivery import Delivery, RowProblem, SourcedClaim, SourcedProject, SourceRef
from adapters.guangdong.vocabulary import (
    ACTIVITY_UNITS,
    CLAIM_COLUMNS,
    ORIGIN_STATUSES,
    PARTNER,
    PROJECT_COLUMNS,
    PROJECT_STATUSES,
    ROLES,
    SIZE_UNITS,
    TIME_ZONE,
)
from adapters.manifest import ManifestError, load_manifest
from adapters.problem_codes import ProblemCode
from adapters.row_mapping import RowMapping
from carbonhub_contract.vocabulary.records import ClaimSubmission, ProjectSubmission


class GuangdongAdapter:
    """Maps the Guangdong PHCER registry export to hub submissions (syntax only)."""

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
            projects = self._projects(table, problems)

        claims: list[SourcedClaim] = []
        table, found = read_table(delivery_dir, manifest, "reductions", CLAIM_COLUMNS.values())
        problems += found
        if table is not None:
            rows_read += table.rows_read
            claims = self._claims(table, manifest.delivery_id, problems)

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

    @staticmethod
    def _projects(table: CsvTable, problems: list[RowProblem]) -> list[SourcedProject]:
        c = PROJECT_COLUMNS
        out: list[SourcedProject] = []
        for row in table.rows:
            m = RowMapping(table.file, row)
            project_id = m.required(c["project_id"])
            size_unit = m.lookup(
                c["size_unit"], SIZE_UNITS, ProblemCode.ROW_UNIT_UNKNOWN, "规模单位"
            )
            status = m.lookup(
                c["status"], PROJECT_STATUSES, ProblemCode.ROW_STATUS_UNKNOWN, "项目状态"
            )
            start = m.date(c["crediting_start"], iso_date_from_ymd)
            end = m.date(c["crediting_end"], iso_date_from_ymd)
            if not m.ok or size_unit is None or status is None:
                problems += m.problems
                continue
            submission = ProjectSubmission(
                partner=PARTNER,
                project_id=project_id,
                name=m.text(c["name"]),
                owner_name=m.text(c["owner_name"]),
                owner_credit_code=m.text(c["owner_credit_code"]),
                partner_methodology=m.text(c["partner_methodology"]),
                region_code=m.text(c["region_code"]),
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

    @staticmethod
    def _claims(
        table: CsvTable, delivery_id: str, problems: list[RowProblem]
    ) -> list[SourcedClaim]:
        c = CLAIM_COLUMNS
        out: list[SourcedClaim] = []
        for row in table.rows:
            m = RowMapping(table.file, row)
            record_id = m.required(c["record_id"])
            methodology = m.required(c["partner_methodology"])
            start = m.date(c["period_start"], iso_from_ymd)
            end = m.date(c["period_end"], iso_from_ymd)
            quantity = m.required(c["activity_quantity"])
            unit = m.lookup(
                c["activity_unit"], ACTIVITY_UNITS, ProblemCode.ROW_UNIT_UNKNOWN, "活动量单位"
            )
            status = m.lookup(
                c["origin_status"], ORIGIN_STATUSES, ProblemCode.ROW_STATUS_UNKNOWN, "签发状态"
            )
            if not m.ok or unit is None or status is None:
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
                person_pseudonym=m.optional(c["person_pseudonym"]),
                reported_tco2e=m.optional(c["reported_tco2e"]),
                origin_status=status,
                origin_serial=m.optional(c["origin_serial"]),
                verifier=m.optional(c["verifier"]),
                raw=row.raw,
            )
            out.append(SourcedClaim(submission, SourceRef(table.file, row.line)))
        return out
