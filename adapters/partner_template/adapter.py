"""A minimal working partner adapter: one CSV of personal claims plus manifest.json.

Copy this folder to adapters/<name>/ and change the four marked places
(README.md walks through them, step by step; adapters/hechi/ is the worked
example, with a projects file too). Everything else — manifest and digest
checks, encodings, header and row faults, duplicates, line numbers — comes
from the shared modules and needs no change.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from adapters.csv_table import CsvTable, read_table
from adapters.dates import iso_from_ymd
from adapters.delivery import Delivery, RowProblem, SourcedClaim, SourceRef
from adapters.manifest import ManifestError, load_manifest
from adapters.problem_codes import ProblemCode
from adapters.row_mapping import RowMapping
from carbonhub_contract.vocabulary.records import ClaimSubmission

# (1) Who the partner is and where its local times are. The code is the one
# in standards/agreements/<code>.yaml and on the partner's certificate: ISO
# 3166-2 (CN-MO), or the 6-digit GB/T 2260 code of a region without one.
PARTNER = "CN-TPL"
TIME_ZONE = "Asia/Shanghai"

# (2) The files the manifest must name, by role.
ROLES = ("claims",)

# (3) ClaimSubmission field → the partner's column.
CLAIM_COLUMNS: Mapping[str, str] = {
    "record_id": "record_id",
    "partner_methodology": "methodology",
    "period_start": "start",
    "period_end": "end",
    "activity_quantity": "quantity",
    "activity_unit": "unit",
    "person_pseudonym": "person",
    "reported_tco2e": "reported_tco2e",
}

# (4) The partner's unit names → canonical unit codes (hub.domain.units).
UNITS: Mapping[str, str] = {"kWh": "kWh", "km": "km", "pkm": "pkm", "trips": "trip"}


class TemplateAdapter:
    partner = PARTNER

    def read(self, delivery_dir: Path) -> Delivery:
        try:
            manifest = load_manifest(delivery_dir, PARTNER, ROLES)
        except ManifestError as exc:
            return Delivery(PARTNER, delivery_dir.name, 0, [], [], [exc.problem], CLAIM_COLUMNS)
        table, problems = read_table(delivery_dir, manifest, "claims", CLAIM_COLUMNS.values())
        claims: list[SourcedClaim] = []
        rows_read = 0
        if table is not None:
            rows_read = table.rows_read
            claims = _claims(table, manifest.delivery_id, problems)
        problems.sort(key=lambda p: (p.file, p.line))
        return Delivery(
            PARTNER, manifest.delivery_id, rows_read, [], claims, problems, CLAIM_COLUMNS
        )


def _claims(table: CsvTable, delivery_id: str, problems: list[RowProblem]) -> list[SourcedClaim]:
    c = CLAIM_COLUMNS
    out: list[SourcedClaim] = []
    for row in table.rows:
        m = RowMapping(table.file, row)
        record_id = m.required(c["record_id"])
        methodology = m.required(c["partner_methodology"])
        start = m.date(c["period_start"], iso_from_ymd)
        end = m.date(c["period_end"], iso_from_ymd)
        quantity = m.required(c["activity_quantity"])
        unit = m.lookup(c["activity_unit"], UNITS, ProblemCode.ROW_UNIT_UNKNOWN, "unit")
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
            person_pseudonym=m.optional(c["person_pseudonym"]),
            reported_tco2e=m.optional(c["reported_tco2e"]),
            raw=row.raw,
        )
        out.append(SourcedClaim(submission, SourceRef(table.file, row.line)))
    return out
