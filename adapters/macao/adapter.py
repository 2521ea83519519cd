"""Reads a Macao delivery: manifest.json and actividades.csv.

Built from adapters/partner_template/ as Hechi was: partner, zone, roles,
columns and words live in vocabulary.py, the date layouts in dates.py, the
two ways of writing a number in numbers.py. Manifest and digest checks,
UTF-8 / Big5-HKSCS decoding (a file not in its stated encoding is refused
whole), header and row faults, duplicates and line numbers come from the
shared modules; Macao's bilingual header cells are named by
``vocabulary.header_name``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from adapters.csv_table import CsvTable, read_table
from adapters.delivery import Delivery, RowProblem, SourcedClaim, SourceRef
from adapters.macao.dates import iso_from_macao
from adapters.macao.numbers import QuantityAmbiguous, plain_quantity
from adapters.macao.vocabulary import (
    ACTIVITY_UNITS,
    CLAIM_COLUMNS,
    MACAO_REGION_CODE,
    MATERIALS,
    PARTNER,
    PLATFORM,
    POINTS,
    PROGRAMME_PLATFORMS,
    PROGRAMMES,
    REQUIRED_COLUMNS,
    ROLES,
    TIME_ZONE,
    UTILITIES,
    fold,
    header_name,
    near_parishes,
    parish,
)
from adapters.manifest import ManifestError, load_manifest
from adapters.problem_codes import ProblemCode
from adapters.row_mapping import RowMapping
from carbonhub_contract.vocabulary.records import ClaimSubmission, OriginStatus


class MacaoAdapter:
    """Maps Macao's low-carbon activity export to hub claims (syntax only).

    Macao issues no credits: every claim is NOT_ISSUED, the hub recomputes
    the reduction from the activity with Macao's factors, and the DSPA
    points (碳積分) travel only in the raw record.
    """

    partner = PARTNER

    def read(self, delivery_dir: Path) -> Delivery:
        try:
            manifest = load_manifest(delivery_dir, PARTNER, ROLES)
        except ManifestError as exc:
            return Delivery(PARTNER, delivery_dir.name, 0, [], [], [exc.problem], CLAIM_COLUMNS)
        table, problems = read_table(
            delivery_dir, manifest, "activities", REQUIRED_COLUMNS, header_name
        )
        claims: list[SourcedClaim] = []
        rows_read = 0
        if table is not None:
            rows_read = table.rows_read
            claims = _claims(table, manifest.delivery_id, problems)
        problems.sort(key=lambda p: (p.file, p.line))
        return Delivery(
            PARTNER, manifest.delivery_id, rows_read, [], claims, problems, CLAIM_COLUMNS
        )


def _word(m: RowMapping, column: str, words: Mapping[str, str]) -> str | None:
    """A Macao word in either language (accents optional) → its canonical form.

    A word not in the table is passed on as delivered: the hub judges it
    (METHODOLOGY_NOT_IN_CROSSWALK, MATERIAL_UNKNOWN, UTILITY_UNKNOWN) and
    says so with its own code.
    """
    value = m.optional(column)
    if value is None:
        return None
    return words.get(fold(value), value)


def _quantity(m: RowMapping, column: str) -> str:
    text = m.text(column)
    if not text:
        points = m.row.values.get(POINTS)
        if points:
            m.fault(
                column,
                ProblemCode.ROW_POINTS_NOT_QUANTITY,
                f"'{column}' is blank and '{POINTS}' holds {points}: DSPA points are "
                "information, never a quantity",
            )
        else:
            m.fault(column, ProblemCode.ROW_FIELD_MISSING, f"'{column}' is blank")
        return text
    try:
        return plain_quantity(text)
    except QuantityAmbiguous as exc:
        m.fault(column, ProblemCode.ROW_QUANTITY_AMBIGUOUS, f"'{column}': {exc}")
        return text


def _unit(m: RowMapping, column: str) -> str | None:
    value = m.text(column)
    if not value:
        m.fault(column, ProblemCode.ROW_FIELD_MISSING, f"'{column}' is blank")
        return None
    unit = ACTIVITY_UNITS.get(fold(value))
    if unit is None:
        m.fault(
            column,
            ProblemCode.ROW_UNIT_UNKNOWN,
            f"unit '{value}' is not known (known: kg, 公斤, kWh, 千瓦時, km, 公里, viagens, 次)",
        )
    return unit


def _claims(table: CsvTable, delivery_id: str, problems: list[RowProblem]) -> list[SourcedClaim]:
    c = CLAIM_COLUMNS
    out: list[SourcedClaim] = []
    for row in table.rows:
        m = RowMapping(table.file, row)
        record_id = m.required(c["record_id"])
        m.required(c["partner_methodology"])
        programme = _word(m, c["partner_methodology"], PROGRAMMES) or ""
        place = m.required(c["district"])
        district = parish(place) if place else None
        if place and district is None:
            m.fault(
                c["district"],
                ProblemCode.ROW_DISTRICT_UNKNOWN,
                f"'{place}' is not one of Macao's parishes or zones" + near_parishes(place),
            )
        start = m.date(c["period_start"], iso_from_macao)
        end = m.date(c["period_end"], iso_from_macao)
        quantity = _quantity(m, c["activity_quantity"])
        unit = _unit(m, c["activity_unit"])
        if not m.ok or unit is None:
            problems += m.problems
            continue
        submission = ClaimSubmission(
            partner=PARTNER,
            delivery_id=delivery_id,
            record_id=record_id,
            partner_methodology=programme,
            period_start=start,
            period_end=end,
            time_zone=TIME_ZONE,
            activity_quantity=quantity,
            activity_unit=unit,
            person_pseudonym=m.optional(c["person_pseudonym"]),
            site_id=m.optional(c["site_id"]),
            region_code=MACAO_REGION_CODE,
            district=district,
            material=_word(m, c["material"], MATERIALS),
            utility=_word(m, c["utility"], UTILITIES),
            origin_status=OriginStatus.NOT_ISSUED,
            adjustment_ref=m.optional(c["adjustment_ref"]),
            platform=_platform(row.values.get(PLATFORM), programme),
            raw=row.raw,
        )
        out.append(SourcedClaim(submission, SourceRef(table.file, row.line)))
    return out


def _platform(given: str | None, programme: str) -> str | None:
    """平台 / Plataforma as delivered (the hub refuses one its agreement does not
    name: PLATFORM_UNKNOWN); where absent or blank, the programme's operator."""
    text = (given or "").strip()
    return text or PROGRAMME_PLATFORMS.get(programme)
