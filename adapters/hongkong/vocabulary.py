"""Hong Kong's column names and words, and what they map to.

Source: /work/shared/partners/hongkong-export.md.
"""

from __future__ import annotations

from collections.abc import Mapping

PARTNER = "CN-HK"
TIME_ZONE = "Asia/Hong_Kong"
ROLES = ("activities",)

# activities.csv: ClaimSubmission field → Hong Kong column
CLAIM_COLUMNS: Mapping[str, str] = {
    "record_id": "ref",
    "partner_methodology": "programme",
    "district": "district",
    "region_code": "district",
    "site_id": "site_id",
    "person_pseudonym": "participant",
    "period_start": "start",
    "period_end": "end",
    "material": "material",
    "activity_quantity": "quantity",
    "activity_unit": "unit",
    "utility": "utility",
    "reported_tco2e": "co2e_kg",
    "adjustment_ref": "adjustment_ref",
    "verifier": "verifier",
}

ACTIVITY_UNITS: Mapping[str, str] = {
    "kg": "kg",
    "kWh": "kWh",
    "km": "km",
    "trips": "trip",
    "trip": "trip",
}
