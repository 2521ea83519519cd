"""What the hub made of one delivery, row by row, and its totals."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from adapters.delivery import RowProblem, SourceRef
from carbonhub_contract.vocabulary.checks import Severity
from carbonhub_contract.vocabulary.records import Decision


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    code: str
    severity: Severity
    message_zh: str
    message_en: str
    details: Mapping[str, str]
    column: str  # the partner column the check concerns, "" when none


@dataclass(frozen=True, slots=True)
class VintagePartOutcome:
    """One calendar year's part of an issued claim: a monitoring period
    spanning 31 December is issued in one part per year, each under its own
    vintage; a period inside one year is one part, the whole claim."""

    vintage: int
    credited_tco2e: str
    block_serials: tuple[str, ...]
    carried_tco2e: str


@dataclass(frozen=True, slots=True)
class ClaimOutcome:
    source: SourceRef
    record_id: str
    claim_id: str
    decision: Decision
    checks: tuple[CheckOutcome, ...]
    resubmission: bool
    methodology: str
    vintage: int | None
    reported_tco2e: str  # "" when the hub has no value
    recomputed_tco2e: str
    credited_tco2e: str
    # Where the claim stands now (ACCEPTED, HELD, ISSUED ...), "" when the hub
    # recorded nothing; the SZCER blocks its tonnes went into once issued, and
    # the part still carried on its account; the origin serial it was sent with.
    state: str = ""
    block_serials: tuple[str, ...] = ()
    carried_tco2e: str = ""
    origin_serial: str = ""
    vintage_parts: tuple[VintagePartOutcome, ...] = ()  # once issued


@dataclass(frozen=True, slots=True)
class ProjectOutcome:
    source: SourceRef
    project_id: str
    decision: Decision
    checks: tuple[CheckOutcome, ...]
    # The hub's review state after this registration (SUBMITTED, APPROVED ...);
    # "" when the registration was rejected and nothing was stored.
    review_state: str = ""


def _decimal(text: str) -> Decimal:
    if not text:
        return Decimal(0)
    try:
        return Decimal(text)
    except InvalidOperation:
        return Decimal(0)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    partner: str
    delivery_id: str
    rows_read: int
    problems: tuple[RowProblem, ...]  # found by the adapter; these rows were not sent
    claims: tuple[ClaimOutcome, ...] = ()
    projects: tuple[ProjectOutcome, ...] = ()

    def claim_counts(self) -> dict[Decision, int]:
        """Claims by decision, every decision present (0 when none)."""
        counts = Counter(c.decision for c in self.claims)
        return {d: counts.get(d, 0) for d in Decision}

    def project_counts(self) -> dict[Decision, int]:
        counts = Counter(p.decision for p in self.projects)
        return {d: counts.get(d, 0) for d in Decision}

    def projects_by_review_state(self) -> dict[str, int]:
        """Stored projects by their review state at the hub, e.g. SUBMITTED until
        the bureau approves a paired-assistance region's project."""
        counts = Counter(p.review_state for p in self.projects if p.review_state)
        return dict(sorted(counts.items()))

    def rejections_by_code(self) -> dict[str, int]:
        """ERROR checks of rejected claims plus the adapter's own problem codes."""
        counts: Counter[str] = Counter(p.code for p in self.problems)
        for claim in self.claims:
            if claim.decision is Decision.REJECTED:
                counts.update(c.code for c in claim.checks if c.severity is Severity.ERROR)
        return dict(counts.most_common())

    def project_rejections_by_code(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for project in self.projects:
            if project.decision is Decision.REJECTED:
                counts.update(c.code for c in project.checks if c.severity is Severity.ERROR)
        return dict(counts.most_common())

    def accepted_tco2e(self) -> tuple[Decimal, Decimal]:
        """(reported, credited) tCO2e summed over accepted claims."""
        accepted = [c for c in self.claims if c.decision is Decision.ACCEPTED]
        reported = sum((_decimal(c.reported_tco2e) for c in accepted), Decimal(0))
        credited = sum((_decimal(c.credited_tco2e) for c in accepted), Decimal(0))
        return reported, credited

    def resubmissions(self) -> int:
        return sum(1 for c in self.claims if c.resubmission)
