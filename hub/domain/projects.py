"""Partner projects as registered with the hub."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from carbonhub_contract.vocabulary.records import PartnerProjectStatus
from hub.domain.project_review import ProjectReviewState


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
