"""The ledger as plain values: what the CAD Trust mapping and the annual
report are computed from (storage fills them; nothing here touches it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class PartnerFacts:
    partner: str
    name_en: str
    iso_3166_2: str
    region_name_en: str


@dataclass(frozen=True, slots=True)
class MethodologyFacts:
    methodology_id: str
    name_en: str
    standard_version: str


@dataclass(frozen=True, slots=True)
class ProjectFacts:
    partner: str
    project_id: str
    name: str
    partner_methodology: str
    region_code: str
    longitude: str
    latitude: str
    size_value: str
    size_unit: str
    crediting_start: date
    crediting_end: date
    status: str  # the partner's own status
    review_state: str  # the hub's review
    updated_at: datetime
    # The Shenzhen methodology the partner's crosswalk maps it to (None: none).
    methodology: str | None = None


@dataclass(frozen=True, slots=True)
class RetirementFacts:
    retirement_id: str
    purpose: str
    beneficiary: str
    detail: str  # the event, or the compliance entity and year
    retired_at: datetime


@dataclass(frozen=True, slots=True)
class OriginCancellation:
    """Origin credits cancelled at source before Shenzhen issued for them."""

    origin_serial: str
    cancellation_id: str


@dataclass(frozen=True, slots=True)
class IssuanceFacts:
    issuance_id: str
    partner: str
    methodology: str
    vintage: int
    account: str
    units: int
    issued_at: datetime
    period_start: datetime | None  # the monitoring periods of its claims
    period_end: datetime | None
    origin_cancellations: tuple[OriginCancellation, ...] = ()


@dataclass(frozen=True, slots=True)
class BlockFacts:
    """A live block (not SPLIT): the units as they stand."""

    block_id: str
    serial: str
    partner: str
    methodology: str
    vintage: int
    project: str  # the serial's project field
    account: str  # "project:<id>", "site:<id>" or "pool:<platform>"
    first_unit: int
    last_unit: int
    state: str
    frozen: bool
    adjustment_ref: str | None
    adjustment_status: str
    issuance_id: str
    updated_at: datetime
    retirement: RetirementFacts | None = None
    issued_at: datetime | None = None
    delivered_at: datetime | None = None

    @property
    def units(self) -> int:
        return self.last_unit - self.first_unit + 1


@dataclass(frozen=True, slots=True)
class AttestationFacts:
    """One attestation of an origin's inventory exclusion (corresponding adjustment)."""

    reference: str
    status: str
    attested_at: datetime
    note: str


@dataclass(frozen=True, slots=True)
class ReconciliationFacts:
    reconciliation_id: str
    status: str
    requested_at: datetime
    answered_at: datetime | None
    discrepancies: int
    unresolved: int
