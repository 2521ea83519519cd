"""What the HTTP routers are given: the services, behind their ports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import Request

from hub.domain.reconciliation import EXCHANGE
from hub.http_api.methodology_names import MethodologyName
from hub.http_api.partner_names import PartnerName
from hub.services.bureau import BureauService
from hub.services.disclosure import DisclosureService
from hub.services.officers_auth import OfficerAuthService
from hub.services.reconciliation import ReconciliationService
from hub.services.review_queue import ReviewQueueService
from hub.settings import HubSettings


class ReviewActions(Protocol):
    """The bureau's review decisions (hub.services.review.ReviewService)."""

    def approve_claim(self, partner: str, record_id: str, *, officer: str, comment: str) -> Any: ...

    def reject_claim(self, partner: str, record_id: str, *, officer: str, comment: str) -> Any: ...

    def open_project_review(self, partner: str, project_id: str, *, officer: str) -> Any: ...

    def approve_project(
        self, partner: str, project_id: str, *, officer: str, comment: str
    ) -> Any: ...

    def reject_project(
        self, partner: str, project_id: str, *, officer: str, comment: str
    ) -> Any: ...


@dataclass(frozen=True)
class HttpServices:
    disclosure: DisclosureService
    officers: OfficerAuthService
    review_queue: ReviewQueueService
    review: ReviewActions
    bureau: BureauService
    reconciliations: ReconciliationService
    counterparts: Sequence[str]  # the exchange and every partner with an agreement
    settings: HubSettings
    # Display names by partner code (hub.http_api.partner_names): none in
    # tests that do not show them, where pages fall back to the code.
    partner_names: Mapping[str, PartnerName] = field(default_factory=dict)
    # Current and former methodology ids (hub.http_api.methodology_names):
    # none where a test does not show them, and pages show the code as stored.
    methodology_names: Mapping[str, MethodologyName] = field(default_factory=dict)

    @property
    def partners(self) -> tuple[str, ...]:
        """Every partner the hub has an agreement with: what a filter may name."""
        return tuple(c for c in self.counterparts if c != EXCHANGE)


def services(request: Request) -> HttpServices:
    found: HttpServices = request.app.state.services
    return found
