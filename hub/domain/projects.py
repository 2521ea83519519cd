"""Partner projects as registered with the hub."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from hub.domain.project_review import ProjectReviewState


class PartnerProjectStatus(StrEnum):
    """The project's status in the partner's own registry."""

    REGISTERED = "REGISTERED"  # 已备案
    SUSPENDED = "SUSPENDED"  # 暂停
    DEREGISTERED = "DEREGISTERED"  # 已注销


@dataclass(frozen=True, slots=True)
class ProjectSubmission:
    """A partner project after the adapter mapped its syntax.

    Sizes stay strings with a canonical unit code (kW, ha, mu); dates ISO.
    """

    partner: str
    project_id: str
    name: str
    owner_name: str
    owner_credit_code: str
    partner_methodology: str
    region_code: str
    longitude: str
    latitude: str
    size_value: str
    size_unit: str
    crediting_start: str
    crediting_end: str
    status: PartnerProjectStatus
    raw: Mapping[str, str] = field(default_factory=dict)
    # A parcel's boundary (GeoJSON or WKT, longitude first) and its coordinate
    # reference system (WGS84 / EPSG:4326, the default, or CGCS2000 /
    # EPSG:4490); "" when the partner gave none (hub.domain.asset_matching).
    boundary: str = ""
    boundary_crs: str = ""


@dataclass(frozen=True, slots=True)
class Project:
    """A project the hub accepted for registration."""

    partner: str
    project_id: str
    name: str
    owner_name: str
    owner_credit_code: str
    partner_methodology: str
    region_code: str
    longitude: str
    latitude: str
    size_value: str
    size_unit: str
    crediting_start: date
    crediting_end: date  # inclusive
    status: PartnerProjectStatus
    # The bureau's review (hub.domain.project_review). A new registration starts
    # SUBMITTED; only an approved project's claims go on to issuance.
    review_state: ProjectReviewState = ProjectReviewState.SUBMITTED
    # hub.domain.asset_fingerprints key; None when the size is in no capacity unit.
    asset_fingerprint: str | None = None

    @property
    def active(self) -> bool:
        return self.status is PartnerProjectStatus.REGISTERED
