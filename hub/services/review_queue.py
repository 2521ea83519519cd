"""What waits for the bureau, with its evidence: the console's read side.

HELD claims with every check that fired, the trace of the number and the
partner's raw fields; projects awaiting review (SUBMITTED, UNDER_REVIEW)
with their fields and their audited history. Decisions go through
hub.services.review and hub.services.bureau, never through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from carbonhub_contract.vocabulary.records import ClaimSubmission
from hub.domain.claims import Verdict
from hub.errors import NotFound
from hub.services.audit_port import LedgerEvent
from hub.services.disclosure import (
    DEFAULT_LIMIT,
    Page,
    ProjectEntry,
    ProjectKey,
    TimeKey,
    checked_limit,
    decode_cursor,
    page_of,
    parse_project_key,
    parse_time_key,
)

AWAITING_REVIEW = ("SUBMITTED", "UNDER_REVIEW")


@dataclass(frozen=True, slots=True)
class HeldClaim:
    partner: str
    record_id: str
    claim_id: str
    received_at: datetime
    methodology: str | None
    vintage: int | None
    credited_tco2e: Decimal | None
    hold_reason: str | None
    check_codes: tuple[str, ...]  # the checks held for review (severity REVIEW)


@dataclass(frozen=True, slots=True)
class ClaimEvidence:
    claim: HeldClaim
    decision: str
    verdict: Verdict
    submission: ClaimSubmission
    events: tuple[LedgerEvent, ...]


@dataclass(frozen=True, slots=True)
class ProjectEvidence:
    project: ProjectEntry
    owner_name: str
    owner_credit_code: str
    longitude: str
    latitude: str
    events: tuple[LedgerEvent, ...]  # the project's audited history, oldest first
    # Other projects registered for the same physical asset (methodology family,
    # location cell or its neighbours, capacity): why ASSET_ALREADY_REGISTERED held it.
    same_asset: tuple[ProjectEntry, ...] = ()


class ReviewQueueQueries(Protocol):
    def held_claims(self, after: TimeKey | None, limit: int) -> list[HeldClaim]:
        """HELD claims in (received_at, claim_id) order."""
        ...

    def claim(self, partner: str, record_id: str) -> ClaimEvidence | None: ...

    def projects_awaiting(self, after: ProjectKey | None, limit: int) -> list[ProjectEntry]:
        """Projects whose review state is SUBMITTED or UNDER_REVIEW, by key."""
        ...

    def project(self, partner: str, project_id: str) -> ProjectEvidence | None: ...


class ReviewQueueService:
    def __init__(self, queries: ReviewQueueQueries) -> None:
        self._queries = queries

    def held_claims(self, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[HeldClaim]:
        after = decode_cursor(cursor, "held-claims", parse_time_key)
        rows = self._queries.held_claims(after, checked_limit(limit) + 1)
        return page_of(
            rows, limit, "held-claims", lambda c: [c.received_at.isoformat(), c.claim_id]
        )

    def projects_awaiting(
        self, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[ProjectEntry]:
        after = decode_cursor(cursor, "awaiting-projects", parse_project_key)
        rows = self._queries.projects_awaiting(after, checked_limit(limit) + 1)
        return page_of(rows, limit, "awaiting-projects", lambda p: [p.partner, p.project_id])

    def claim(self, partner: str, record_id: str) -> ClaimEvidence:
        found = self._queries.claim(partner, record_id)
        if found is None:
            raise NotFound(
                "CLAIM_NOT_FOUND",
                f"no claim {record_id} of {partner}",
                {"partner": partner, "record_id": record_id},
            )
        return found

    def project(self, partner: str, project_id: str) -> ProjectEvidence:
        found = self._queries.project(partner, project_id)
        if found is None:
            raise NotFound(
                "PROJECT_NOT_FOUND",
                f"no project {project_id} of {partner}",
                {"partner": partner, "project_id": project_id},
            )
        return found
