"""The hub's ledger as Climate Action Data Trust (CAD Trust) v2 records.

Field names and picklist values are those of the CAD Trust data dictionary
v2.0.2 (Chia-Network/cadt, docs/cadtrust-schema-v2.0.2.json and
src/validations/v2); docs/cadt-mapping.md gives the mapping field by field
and names every hub value that has no CAD Trust equivalent.

Pure: plain values in, records (dicts keyed by CAD Trust API field names)
out. Every CAD Trust id is a UUIDv5 of the hub's own id, so exporting the
same ledger twice gives the same ids: a registry updates its records on a
second import instead of duplicating them.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from hub.interchange.ledger_facts import (
    BlockFacts,
    IssuanceFacts,
    MethodologyFacts,
    OriginCancellation,
    PartnerFacts,
    ProjectFacts,
)

SCHEMA_VERSION = "2.0.2"
REGISTRY_NAME = "Shenzhen Carbon Inclusion Federation Hub"
CREDITING_PROGRAM = "Shenzhen carbon inclusion (深圳碳普惠)"
MARKETPLACE = "Shenzhen Green Exchange (深圳绿色交易所)"
UNIT_METRIC = "tCO2e"  # one hub unit is one tonne of CO2e
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:carbon-inclusion-federation-hub:cadt")

Record = dict[str, Any]

# CAD Trust tables in its insert order (schema "insert_order"), as exported.
TABLES = (
    "methodology",
    "label",
    "project",
    "project_methodology",
    "verification",
    "location",
    "issuance",
    "unit",
    "unit_label",
)

# Hub block state -> CAD Trust unit_status (v2: "Held" is v1's "Active").
UNIT_STATUS = {
    "ISSUED": "Issued",
    "DELIVERED": "Held",
    "RETIRED": "Retired",
    "CANCELLED": "Cancelled",
}
HUB_STATE_OF_STATUS = {status: state for state, status in UNIT_STATUS.items()}

# Shenzhen methodology -> (project_sector, project_type, unit_type), each a
# CAD Trust picklist value. A methodology missing here maps to the
# picklists' catch-alls (UNMAPPED) and is listed in docs/cadt-mapping.md.
METHODOLOGY_CLASSES: Mapping[str, tuple[str, str, str]] = {
    "SZ-PV": (
        "Energy industries (renewable-/ non renewable sources)",
        "Solar",
        "Reduction - technical",
    ),
    "HUB-INTERIM-FOREST-SINK": (
        "Afforestation and reforestation",
        "Agriculture, forestry and other land use (AFOLU)",
        "Removal - nature",
    ),
    "SZ-TRANSIT-BUS": ("Transport", "Transport", "Reduction - technical"),
    "SZ-TRANSIT-METRO": ("Transport", "Transport", "Reduction - technical"),
    "SZ-BIKE": ("Transport", "Transport", "Avoidance - technical"),
    "SZ-RES-ELEC": ("Energy demand", "Energy Efficiency households", "Reduction - technical"),
    "HUB-INTERIM-RECYCLE": ("Waste handling and disposal", "Waste", "Reduction - technical"),
}
UNMAPPED = ("Others", "Any combination of the above", "Not Determined")

# Hub project review state -> CAD Trust project_status.
PROJECT_STATUS = {
    "SUBMITTED": "Listed",
    "UNDER_REVIEW": "Listed",
    "APPROVED": "Registered",
    "REJECTED": "Rejected",
    "SUSPENDED": "Inactive",
}
# A partner's own suspension of an approved project (its status field).
_PARTNER_SUSPENDED = "SUSPENDED"

# ISO 3166-2 region of a partner -> CAD Trust location_country.
_COUNTRIES = {"CN-HK": "Hong Kong S.A.R.", "CN-MO": "Macau S.A.R.", "CN-TW": "Taiwan"}
_MAINLAND = "China"

AGREEMENT_LABEL_TYPE = "Certification"


@functools.lru_cache(maxsize=65536)
def cadt_id(kind: str, hub_id: str) -> str:
    """A stable CAD Trust UUID for one hub record of one kind (cached: one
    record's id is asked for by every record that refers to it)."""
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{hub_id}"))


def country_of(iso_3166_2: str) -> str:
    return _COUNTRIES.get(iso_3166_2, _MAINLAND)


@dataclass(frozen=True, slots=True)
class CadtExport:
    """CAD Trust records per table (TABLES), each list in a stable order."""

    tables: dict[str, list[Record]] = field(default_factory=dict)

    def records(self, table: str) -> list[Record]:
        return self.tables.get(table, [])


def _day(instant: datetime | date | None) -> str | None:
    if instant is None:
        return None
    if isinstance(instant, datetime):
        return instant.date().isoformat()
    return instant.isoformat()


def _project_key(partner: str, account: str) -> str:
    """The hub id of the project a block belongs to: its account."""
    kind, _, name = account.partition(":")
    return f"{partner}/{name}" if kind == "project" else f"{partner}/{account}"


def _classes(methodology: str) -> tuple[str, str, str]:
    return METHODOLOGY_CLASSES.get(methodology, UNMAPPED)


@dataclass
class _Builder:
    partners: Mapping[str, PartnerFacts]
    methodologies: Mapping[str, MethodologyFacts]
    link_base: str
    tables: dict[str, list[Record]] = field(default_factory=lambda: {t: [] for t in TABLES})
    seen: set[str] = field(default_factory=set)

    def _once(self, table: str, record_id: str, record: Record) -> None:
        if record_id in self.seen:
            return
        self.seen.add(record_id)
        self.tables[table].append(record)

    def _link(self, partner: str) -> str:
        return f"{self.link_base.rstrip('/')}/projects?partner={quote(partner)}"

    def methodology(self, methodology_id: str) -> str:
        ident = cadt_id("methodology", methodology_id)
        facts = self.methodologies.get(methodology_id)
        self._once(
            "methodology",
            ident,
            {
                "cadTrustMethodologyId": ident,
                "methodologyCode": methodology_id,
                "methodologyName": facts.name_en if facts else methodology_id,
                "methodologyType": _classes(methodology_id)[2],
                "methodologyVersion": facts.standard_version if facts else None,
                "methodologyDate": None,
                "methodologyLink": None,
            },
        )
        return ident

    def agreement_label(self, partner: str) -> str:
        ident = cadt_id("label", f"agreement:{partner}")
        facts = self.partners.get(partner)
        name = facts.name_en if facts else partner
        self._once(
            "label",
            ident,
            {
                "cadTrustLabelId": ident,
                "labelName": f"Recognised by Shenzhen under its agreement with {partner} ({name})",
                "labelType": AGREEMENT_LABEL_TYPE,
                "labelLink": self._link(partner),
                "labelDate": None,
            },
        )
        return ident

    def attestation_label(self, partner: str, reference: str) -> str:
        ident = cadt_id("label", f"adjustment:{partner}:{reference}")
        self._once(
            "label",
            ident,
            {
                "cadTrustLabelId": ident,
                "labelName": f"Inventory exclusion attested by {partner}: {reference}",
                "labelType": None,  # no CAD Trust label type (docs/cadt-mapping.md)
                "labelLink": None,
                "labelDate": None,
            },
        )
        return ident

    def origin_label(self, partner: str, cancelled: OriginCancellation) -> str:
        ident = cadt_id("label", f"origin:{partner}:{cancelled.origin_serial}")
        self._once(
            "label",
            ident,
            {
                "cadTrustLabelId": ident,
                "labelName": f"Cancelled at origin {partner}: {cancelled.origin_serial}",
                "labelType": None,
                "labelLink": None,
                "labelDate": None,
            },
        )
        return ident

    def project(self, facts: ProjectFacts) -> str:
        key = f"{facts.partner}/{facts.project_id}"
        ident = cadt_id("project", key)
        sector, kind, _ = _classes(facts.methodology) if facts.methodology else UNMAPPED
        status = PROJECT_STATUS.get(facts.review_state, "Listed")
        if status == "Registered" and facts.status == _PARTNER_SUSPENDED:
            status = "Inactive"
        self._once(
            "project",
            ident,
            {
                "cadTrustProjectId": ident,
                "projectRegistryName": REGISTRY_NAME,
                "projectId": key,
                "projectCreditingProgram": CREDITING_PROGRAM,
                "projectName": facts.name,
                "projectLink": self._link(facts.partner),
                "projectDescription": (
                    f"{facts.size_value} {facts.size_unit}; crediting "
                    f"{facts.crediting_start.isoformat()} to {facts.crediting_end.isoformat()}; "
                    f"partner methodology {facts.partner_methodology}; partner status "
                    f"{facts.status}; hub review {facts.review_state}"
                ),
                "projectSector": [sector],
                "projectType": [kind],
                "projectSubtype": facts.partner_methodology,
                "projectStatus": status,
                "projectStatusDate": _day(facts.updated_at),
                "projectUnitMetric": UNIT_METRIC,
                "cadTrustProgramId": None,
            },
        )
        self.location(key, facts.partner, facts.region_code, facts.latitude, facts.longitude)
        return ident

    def account_project(self, block: BlockFacts) -> str:
        """A pool's or a site's units have no registered project: one is named for them."""
        key = _project_key(block.partner, block.account)
        ident = cadt_id("project", key)
        if ident in self.seen:
            return ident
        kind, _, name = block.account.partition(":")
        title = (
            f"Pooled personal reductions reported by platform {name} ({block.partner})"
            if kind == "pool"
            else f"Site {name} ({block.partner})"
        )
        sector, ptype, _ = _classes(block.methodology)
        self._once(
            "project",
            ident,
            {
                "cadTrustProjectId": ident,
                "projectRegistryName": REGISTRY_NAME,
                "projectId": key,
                "projectCreditingProgram": CREDITING_PROGRAM,
                "projectName": title,
                "projectLink": self._link(block.partner),
                "projectDescription": f"hub account {block.account}",
                "projectSector": [sector],
                "projectType": [ptype],
                "projectSubtype": None,
                "projectStatus": "Registered",
                "projectStatusDate": _day(block.updated_at),
                "projectUnitMetric": UNIT_METRIC,
                "cadTrustProgramId": None,
            },
        )
        self.location(key, block.partner, None, None, None)
        return ident

    def location(
        self,
        project_key: str,
        partner: str,
        region_code: str | None,
        latitude: str | None,
        longitude: str | None,
    ) -> str:
        ident = cadt_id("location", project_key)
        facts = self.partners.get(partner)
        region = facts.region_name_en if facts else partner
        if region_code:
            region = f"{region}, GB/T 2260 {region_code}"
        gis = f"{latitude}, {longitude}" if latitude and longitude else None
        self._once(
            "location",
            ident,
            {
                "cadTrustLocationId": ident,
                "locationCountry": country_of(facts.iso_3166_2) if facts else _MAINLAND,
                "locationRegion": region,
                "locationGis": gis,
                "locationMapType": None,
                "locationMapFileLink": None,
                "cadTrustProjectId": cadt_id("project", project_key),
            },
        )
        return ident

    def project_methodology(self, project_key: str, methodology_id: str, partner: str) -> str:
        ident = cadt_id("project_methodology", f"{project_key}|{methodology_id}")
        self._once(
            "project_methodology",
            ident,
            {
                "cadTrustProjectMethodologyId": ident,
                "cadTrustProjectId": cadt_id("project", project_key),
                "cadTrustMethodologyId": self.methodology(methodology_id),
                "projectMethodologyDate": None,
                "projectMethodologyDescription": (
                    f"Shenzhen methodology {methodology_id}, through the {partner} crosswalk"
                ),
            },
        )
        return ident

    def issuance(self, facts: IssuanceFacts, project_key: str) -> str:
        ident = cadt_id("issuance", facts.issuance_id)
        if ident in self.seen:
            return ident
        verification = cadt_id("verification", facts.issuance_id)
        self._once(
            "verification",
            verification,
            {
                "cadTrustVerificationId": verification,
                "verificationId": f"{facts.issuance_id}-conformity",
                "verificationStartDate": _day(facts.period_start),
                "verificationEndDate": _day(facts.period_end),
                "verificationBody": None,  # the hub's conformity check: no VVB of the picklist
                "cadTrustProjectId": cadt_id("project", project_key),
                "cadTrustValidationId": None,
            },
        )
        self._once(
            "issuance",
            ident,
            {
                "cadTrustIssuanceId": ident,
                "issuanceId": facts.issuance_id,
                "issuanceDate": _day(facts.issued_at),
                "cadTrustVerificationId": verification,
                "cadTrustProjectMethodologyId": self.project_methodology(
                    project_key, facts.methodology, facts.partner
                ),
                "cadTrustLocationId": cadt_id("location", project_key),
            },
        )
        return ident

    def unit(self, block: BlockFacts, issuance_id: str) -> str:
        ident = cadt_id("unit", block.block_id)
        retirement = block.retirement
        reason = _STATUS_REASON.get(block.state, block.state)
        if retirement is not None:
            reason = f"retired for {retirement.purpose} ({retirement.retirement_id})"
        if block.frozen:
            reason += "; frozen pending a reconciliation discrepancy"
        self._once(
            "unit",
            ident,
            {
                "cadTrustUnitId": ident,
                "unitSerialId": block.serial,
                "unitStartBlock": str(block.first_unit),
                "unitEndBlock": str(block.last_unit),
                "unitCount": block.units,
                "unitType": _classes(block.methodology)[2],
                "unitVintageYear": block.vintage,
                "unitStatus": UNIT_STATUS[block.state],
                "unitStatusReason": reason,
                "unitStatusDate": _day(
                    retirement.retired_at if retirement is not None else block.updated_at
                ),
                "unitRetirementDetail": (
                    f"{retirement.purpose}: {retirement.detail}" if retirement else None
                ),
                "unitRetirementBeneficiary": retirement.beneficiary if retirement else None,
                "unitRetirementBeneficiaryId": None,
                "unitLink": self._link(block.partner),
                "unitMetric": UNIT_METRIC,
                "unitCurrentOwner": None,
                "unitItmosReferenceId": None,
                "marketplace": MARKETPLACE if block.state != "ISSUED" else None,
                "marketplaceLink": None,
                "marketplaceIdentifier": None,
                "cadTrustIssuanceId": issuance_id,
            },
        )
        return ident

    def unit_label(self, unit_id: str, label_id: str, on: datetime, description: str) -> None:
        ident = cadt_id("unit_label", f"{unit_id}|{label_id}")
        self._once(
            "unit_label",
            ident,
            {
                "cadTrustUnitLabelId": ident,
                "cadTrustLabelId": label_id,
                "cadTrustUnitId": unit_id,
                "labelUnitDate": _day(on),
                "labelUnitDescription": description,
            },
        )


_STATUS_REASON = {
    "ISSUED": "issued by the hub, not yet acknowledged by the exchange",
    "DELIVERED": "held at the Shenzhen exchange",
    "CANCELLED": "cancelled by the Shenzhen ecology bureau",
}


def to_cadt(
    *,
    partners: Mapping[str, PartnerFacts],
    methodologies: Mapping[str, MethodologyFacts],
    projects: Sequence[ProjectFacts],
    issuances: Iterable[IssuanceFacts],
    blocks: Sequence[BlockFacts],
    link_base: str,
) -> CadtExport:
    """Map the hub's projects, issuances and live blocks to CAD Trust v2 records.

    A block's project is its account's: a registered project when the account
    is ``project:<id>`` and the project is among ``projects``, else a project
    named for the pool or site. Units carry the agreement label of their
    partner, the attestation label of their adjustment reference, and one
    label per origin serial block cancelled for their issuance.
    """
    builder = _Builder(partners, methodologies, link_base)
    registered = {f"{p.partner}/{p.project_id}": p for p in projects}
    for facts in projects:
        builder.project(facts)
    by_issuance = {i.issuance_id: i for i in issuances}
    for block in blocks:
        key = _project_key(block.partner, block.account)
        if key in registered:
            builder.project(registered[key])
        else:
            builder.account_project(block)
        issuance = by_issuance.get(block.issuance_id) or IssuanceFacts(
            block.issuance_id,
            block.partner,
            block.methodology,
            block.vintage,
            block.account,
            block.units,
            block.updated_at,
            None,
            None,
        )
        unit = builder.unit(block, builder.issuance(issuance, key))
        builder.unit_label(
            unit, builder.agreement_label(block.partner), issuance.issued_at, "recognised"
        )
        if block.adjustment_ref:
            builder.unit_label(
                unit,
                builder.attestation_label(block.partner, block.adjustment_ref),
                issuance.issued_at,
                f"adjustment {block.adjustment_status}",
            )
        for cancelled in issuance.origin_cancellations:
            builder.unit_label(
                unit,
                builder.origin_label(block.partner, cancelled),
                issuance.issued_at,
                f"origin cancellation {cancelled.cancellation_id}",
            )
    return CadtExport(builder.tables)
