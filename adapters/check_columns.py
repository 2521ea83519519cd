"""Which partner column a hub check is about, for the per-row report.

The hub names the ClaimSubmission / ProjectSubmission field a check concerns
in the check's details as ``field=<name>``. Checks that do not say so are
still about one field; the table below names it, keyed by the stable hub
check codes (carbonhub_contract.vocabulary.checks.CATALOGUE: codes are never renamed or
reused). The adapter's column mapping then turns the field into the
partner's own column name.
"""

from __future__ import annotations

from collections.abc import Mapping

FIELD_OF_CHECK: Mapping[str, str] = {
    "METHODOLOGY_NOT_IN_CROSSWALK": "partner_methodology",
    "METHODOLOGY_NOT_RECOGNISED": "partner_methodology",
    "PROJECT_REQUIRED": "project_id",
    "PROJECT_NOT_REGISTERED": "project_id",
    "PROJECT_NOT_ACTIVE": "project_id",
    "PROJECT_METHODOLOGY_MISMATCH": "partner_methodology",
    "SITE_OUTSIDE_PARTNER_REGION": "region_code",
    "REGION_CODE_INVALID": "region_code",
    "REGION_CODE_UNKNOWN": "region_code",
    "REGION_CODE_NOT_IN_FORCE": "region_code",
    "PROJECT_SIZE_EXCEEDS_LIMIT": "size_value",
    "CREDIT_CODE_INVALID": "owner_credit_code",
    "CREDITING_PERIOD_MALFORMED": "crediting_start",
    "PROJECT_SIZE_UNIT_INVALID": "size_unit",
    "PERIOD_MALFORMED": "period_start",
    "PERIOD_IN_FUTURE": "period_end",
    "PERIOD_OUTSIDE_CREDITING": "period_start",
    "PERIOD_TOO_LONG": "period_end",
    "UNIT_UNKNOWN": "activity_unit",
    "UNIT_NOT_FOR_METHODOLOGY": "activity_unit",
    "TRIP_WITHOUT_DISTANCE": "activity_unit",
    "QUANTITY_MALFORMED": "activity_quantity",
    "QUANTITY_NOT_POSITIVE": "activity_quantity",
    "QUANTITY_OUT_OF_BOUNDS": "activity_quantity",
    "REPORTED_MALFORMED": "reported_tco2e",
    "REPORTED_NEGATIVE": "reported_tco2e",
    "PERSON_REQUIRED": "person_pseudonym",
    "PSEUDONYM_MALFORMED": "person_pseudonym",
    "DAILY_CAP_APPLIED": "reported_tco2e",
    "MATERIAL_REQUIRED": "material",
    "MATERIAL_UNKNOWN": "material",
    "UTILITY_REQUIRED": "utility",
    "REPORTED_EXCEEDS_RECOMPUTED": "reported_tco2e",
    "REPORTED_REQUIRED": "reported_tco2e",
    "PLATFORM_UNKNOWN": "platform",
    "ADJUSTMENT_REF_MISSING": "adjustment_ref",
    "ORIGIN_ISSUED_WITHOUT_SERIAL": "origin_serial",
    "ORIGIN_SERIAL_MALFORMED": "origin_serial",
    "ORIGIN_SERIAL_QUANTITY_MISMATCH": "origin_serial",
    "ORIGIN_SERIAL_UNEXPECTED": "origin_serial",
    "ORIGIN_CANCELLED_ELSEWHERE": "origin_status",
    "DUPLICATE_RECORD_CHANGED": "record_id",
    "DUPLICATE_CONTENT": "record_id",
    "PROJECT_PERIOD_OVERLAP": "period_start",
    "PERSON_PERIOD_OVERLAP": "person_pseudonym",
    "ORIGIN_SERIAL_OVERLAP": "origin_serial",
    "SITE_PROGRAMME_CONFLICT": "site_id",
}


def column_for(code: str, details: Mapping[str, str], columns: Mapping[str, str]) -> str:
    """The partner column a check concerns, or "" when it concerns no single column."""
    field = details.get("field") or FIELD_OF_CHECK.get(code, "")
    return columns.get(field, field)
