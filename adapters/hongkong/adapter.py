"""Reads a Hong Kong delivery: manifest.json and activities.csv."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from adapters.csv_table import CsvTable, read_table
from adapters.dates import iso_from_dmy
from adapters.delivery import Delivery, RowProblem, SourcedClaim, SourceRef
from adapters.hongkong.districts import HONG_KONG_REGION_CODE, canonical_district, near_districts
from adapters.hongkong.vocabulary import ACTIVITY_UNITS, CLAIM_COLUMNS, PARTNER, ROLES, TIME_ZONE
from adapters.manifest import ManifestError, load_manifest
from adapters.problem_codes import ProblemCode
from adapters.row_mapping import RowMapping
from carbonhub_contract.vocabulary.records import ClaimSubmission, OriginStatus

# A plain decimal as the hub reads numbers (hub.domain.normalisation):
# ASCII digits, an optional sign and point, no exponent, no separators.
_PLAIN_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)


def kg_to_tonnes(text: str | None) -> str | None:
    """``co2e_kg`` → the wire's ``reported_tco2e``.

    The one unit change an adapter makes: the proto field is in tonnes and
    Hong Kong reports kilograms. kg → t is a power of ten: the digits stay,
    the exponent moves by three (no decimal context, so nothing is rounded
    however many digits there are). A value that is not a plain decimal
    (``1e3``, ``1_000``, full-width digits, ``NaN`` ...) is passed through
    unchanged so the hub rejects it with REPORTED_MALFORMED, as it would the
    same text from any partner (its raw text stays in ``raw["co2e_kg"]``).
    """
    if text is None or not _PLAIN_DECIMAL.fullmatch(text):
        return text
    sign, digits, exponent = Decimal(text).as_tuple()
    if not isinstance(exponent, int):  # never for a plain decimal; keeps mypy exact
        return text
    return format(Decimal((sign, digits, exponent - 3)), "f")


# "Each programme has one operator, which is the platform that recorded its
# personal activities" (the export description): the platform ids of the
# hub's agreement with Hong Kong, by programme; the utility's for FiT and EV.
PROGRAMME_PLATFORMS = {"MTR": "MTR", "GREEN$": "EPD"}
UTILITY_PROGRAMMES = ("SOLAR_FIT", "EV_CHARGING")


def platform_of(programme: str, utility: str | None) -> str | None:
    """The platform that recorded a record of ``programme``; None leaves it to
    the agreement's default (an unknown utility is the hub's to refuse)."""
    if programme in UTILITY_PROGRAMMES:
        return utility or None
    return PROGRAMME_PLATFORMS.get(programme)


class HongKongAdapter:
    """Maps the Hong Kong activity export to hub claims (syntax only).

    Hong Kong has no origin credits: every claim is NOT_ISSUED and the hub
    recomputes the reduction from the activity data.
    """

    partner = PARTNER

    def read(self, delivery_dir: Path) -> Delivery:
        try:
            manifest = load_manifest(delivery_dir, PARTNER, ROLES)
        except ManifestError as exc:
            return Delivery(PARTNER, delivery_dir.name, 0, [], [], [exc.problem], CLAIM_COLUMNS)
        table, problems = read_table(
            delivery_dir, manifest, "activities", dict.fromkeys(CLAIM_COLUMNS.values())
        )
        claims: list[SourcedClaim] = []
        rows_read = 0
        if table is not None:
            rows_read = table.rows_read
            claims = self._claims(table, manifest.delivery_id, problems)
        problems.sort(key=lambda p: (p.file, p.line))
        return Delivery(
            PARTNER, manifest.delivery_id, rows_read, [], claims, problems, CLAIM_COLUMNS
        )

    @staticmethod
    def _claims(
        table: CsvTable, delivery_id: str, problems: list[RowProblem]
    ) -> list[SourcedClaim]:
        c = CLAIM_COLUMNS
        out: list[SourcedClaim] = []
        for row in table.rows:
            m = RowMapping(table.file, row)
            record_id = m.required(c["record_id"])
            programme = m.required(c["partner_methodology"])
            district_text = m.required(c["district"])
            district = canonical_district(district_text) if district_text else None
            if district_text and district is None:
                m.fault(
                    c["district"],
                    ProblemCode.ROW_DISTRICT_UNKNOWN,
                    f"'{district_text}' is not one of Hong Kong's 18 districts"
                    + near_districts(district_text),
                )
            start = m.date(c["period_start"], iso_from_dmy)
            end = m.date(c["period_end"], iso_from_dmy)
            quantity = m.required(c["activity_quantity"])
            unit = m.lookup(
                c["activity_unit"], ACTIVITY_UNITS, ProblemCode.ROW_UNIT_UNKNOWN, "unit"
            )
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
                region_code=HONG_KONG_REGION_CODE,
                district=district,
                material=m.optional(c["material"]),
                utility=m.optional(c["utility"]),
                reported_tco2e=kg_to_tonnes(m.optional(c["reported_tco2e"])),
                origin_status=OriginStatus.NOT_ISSUED,
                adjustment_ref=m.optional(c["adjustment_ref"]),
                verifier=m.optional(c["verifier"]),
                platform=platform_of(programme, m.optional(c["utility"])),
                raw=row.raw,
            )
            out.append(SourcedClaim(submission, SourceRef(table.file, row.line)))
        return out
