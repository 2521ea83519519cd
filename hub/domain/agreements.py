"""A partner's agreement with Shenzhen as the domain reads it.

The agreement (standards/agreements/<partner>.yaml) names the partner's
region and time zone, which of its methodologies Shenzhen recognises and
when, whether its claims need an accounting adjustment, how it numbers the
credits it issues itself, who reviews its projects, which platforms report
personal behaviour for it and which identifiers name its projects' owners.
hub.standard validates the file and hands it to the domain as an
``Agreement``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from hub.domain.owner_ids import OwnerIdScheme
from hub.domain.sourced import SourcedInt


@dataclass(frozen=True, slots=True, kw_only=True)
class PartnerRegion:
    # The ISO 3166-2 code of the region, or for a prefecture-level partner
    # (partner code = its GB/T 2260 code) of the province that contains it.
    iso_3166_2: str
    # 2 digits (province), 4 (prefecture) or 6 (county) of GB/T 2260.
    gbt2260_prefix: str
    name_zh: str
    name_en: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Recognition:
    """Shenzhen recognises a partner methodology for activity from valid_from to valid_to."""

    partner_methodology: str
    valid_from: date
    valid_to: date | None  # None: open-ended


class ProjectReview(StrEnum):
    """Who reviews a partner's projects before its claims can be issued."""

    # The partner's own registry approved the project (a provincial or SAR
    # registry with its own review): a registration passing every check is
    # approved at once, audited under the agreement.
    PARTNER_REGISTRY = "partner_registry"
    # The Shenzhen ecology bureau reviews each project (paired-assistance regions).
    BUREAU = "bureau"


class OperatorIdScheme(StrEnum):
    """What kind of identifier names a platform's operator."""

    # GB 32100-2015 unified social credit code (统一社会信用代码), checked on load.
    USCC = "uscc"
    # A registry or company number outside the mainland (Hong Kong Companies
    # Registry, Macao commercial registry ...), as the registry writes it.
    REGISTRY = "registry"
    # Assigned by the hub where the operator's registry number was not read in
    # a source: stable, and marked provisional with the platform.
    HUB = "hub"


@dataclass(frozen=True, slots=True, kw_only=True)
class Platform:
    """An app or registry that reports personal behaviour for a partner.

    The personal reductions a platform reports are pooled per (partner,
    platform, methodology, vintage); the pool's whole tonnes are issued as
    blocks owned by the platform's operator (DESIGN.md §5).
    """

    id: str
    name: str
    operator_name: str
    operator_id: str
    operator_id_scheme: OperatorIdScheme
    # Personal claims that name no platform fall to the partner's default.
    default: bool
    source: str
    provisional: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Agreement:
    partner: str
    name_zh: str
    name_en: str
    region: PartnerRegion
    time_zone: str
    adjustment_ref_required: bool
    origin_serial_format: str | None  # None: the partner issues no credits of its own
    # Days a claim may wait in AWAITING_SOURCE_CANCELLATION before it is
    # voided; None exactly when the partner issues no credits of its own
    # (nothing is ever cancelled at that origin, so no claim waits).
    source_cancellation_deadline_days: int | None
    # Days from the origin's COMMITTED inventory exclusion to its COMPLETED
    # one, past which the blocks under the reference freeze
    # (hub.domain.inventory_exclusions); None: no deadline (domestic partners).
    inventory_exclusion_completion_days: SourcedInt | None
    recognised: list[Recognition]
    project_review: ProjectReview
    # The platforms that report personal behaviour for the partner; exactly
    # one is the default where the partner has personal methodologies.
    platforms: list[Platform]
    # Which identifiers name the owner of a project (hub.domain.owner_ids).
    owner_id_schemes: list[OwnerIdScheme]
    source: str
    provisional: bool

    def platform(self, platform_id: str) -> Platform | None:
        return next((p for p in self.platforms if p.id == platform_id), None)

    @property
    def default_platform(self) -> Platform | None:
        return next((p for p in self.platforms if p.default), None)
