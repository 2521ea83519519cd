"""What the HTTP routers are given: the services, behind their ports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import Request

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


def services(request: Request) -> HttpServices:
    found: HttpServices = request.app.state.services
    return found
