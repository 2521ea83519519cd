"""The storage port of claims and the locks they take (hub.storage.claim_repository).

A claim is stored once, with its verdict, its locks (hub.domain.locks: what
two claims must never share) and its site binding, in one batch; the
database refuses an overlapping lock, a second record id or a site bound to
another methodology that another process wrote first. The same port reads
the claims back for issuance, review, supervision and reconciliation.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision
from hub.domain.claims import NormalisedClaim, Verdict
from hub.domain.issuance import AccountKey, IssuanceState
from hub.domain.locks import ClaimLock, OriginBlock


@dataclass(frozen=True, slots=True)
class StoredClaim:
    claim_id: str
    partner: str
    record_id: str
    content_digest: str
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class LockConflict:
    """A stored lock that overlaps a requested one."""

    requested: ClaimLock
    held_by_claim_id: str
    held_by_partner: str
    held_by_record_id: str


@dataclass(frozen=True, slots=True)
class NewClaimRecord:
    """Everything the ledger keeps about one newly decided claim."""

    submission: ClaimSubmission
    normalised: NormalisedClaim | None
    verdict: Verdict
    content_digest: str
    locks: tuple[ClaimLock, ...]  # empty unless ACCEPTED or HELD
    site_binding: str | None  # Shenzhen methodology the claim's site is bound to, if any
    received_at: datetime
    # PENDING or AWAITING_SOURCE_CANCELLATION for an ACCEPTED claim (also kept
    # on a HELD one, for when a reviewer accepts it); None for a REJECTED one.
    issuance: IssuanceState | None = None
    hold_reason: str | None = None  # the check code that holds it, when the hub held it
    # True when the caller appends, in the same unit of work, the claim's
    # decision event naming ``content_digest`` (the ingestion does): the
    # ledger then keeps the digest there only (hub.storage.claim_digests).
    content_digest_in_event: bool = False


@dataclass(frozen=True, slots=True)
class RefusedResubmission:
    """A record id re-sent with other content: refused, but kept for audit."""

    submission: ClaimSubmission
    original_claim_id: str
    content_digest: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class IssuableClaim:
    """An ACCEPTED claim whose issuance is PENDING, with what issuance needs."""

    claim_id: str
    partner: str
    record_id: str
    account: AccountKey  # from the stored methodology, vintage, project/site/person, adjustment ref
    credited_tco2e: Decimal
    received_at: datetime
    platform: str | None = None  # the reporting platform a personal claim named
    # The monitoring period (aware UTC, [start, end)) and the time zone the
    # partner gave ("" for its agreement's): a period spanning a local 31
    # December is issued in per-year parts (hub.domain.vintage_parts).
    period_start: datetime | None = None
    period_end: datetime | None = None
    time_zone: str = ""


@dataclass(frozen=True, slots=True)
class ClaimLedgerView:
    """One claim's place in the ledger, beyond its verdict."""

    claim_id: str
    partner: str
    record_id: str
    decision: Decision
    issuance: IssuanceState | None
    hold_reason: str | None
    project_id: str | None
    origin_block: OriginBlock | None  # from the claim's ORIGIN_SERIAL lock, if it holds one
    received_at: datetime
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class VerdictChange:
    """A conditional change of a stored claim's decision (suspension, voiding, review).

    Applied only when the stored decision equals ``expected_decision`` and the
    stored issuance equals ``expected_issuance``; otherwise the unit of work
    raises ConcurrentWriteConflict (someone else moved the claim first).
    """

    claim_id: str
    expected_decision: Decision
    expected_issuance: IssuanceState | None
    verdict: Verdict  # the new verdict: its decision and checks replace the stored ones
    issuance: IssuanceState | None
    hold_reason: str | None
    release_locks: bool = False  # delete the claim's locks and site binding (a voided claim)


@dataclass(frozen=True, slots=True)
class PartnerClaimHolding:
    """What reconciliation with a partner compares, for one stored claim."""

    claim_id: str
    record_id: str
    submission: ClaimSubmission  # as first recorded
    decision: Decision
    issuance: IssuanceState | None
    vintage: int | None


class ClaimRepository(Protocol):
    def get_by_record_ids(
        self, partner: str, record_ids: Collection[str]
    ) -> dict[str, StoredClaim]: ...

    def get_by_claim_id(self, claim_id: str) -> StoredClaim | None: ...

    def find_lock_conflicts(self, locks: Collection[ClaimLock]) -> list[LockConflict]:
        """Every stored lock overlapping any of ``locks``, in one set-based query."""
        ...

    def site_bindings(self, partner: str, site_ids: Collection[str]) -> dict[str, str]:
        """site id -> the methodology it is bound to."""
        ...

    def add(self, records: Sequence[NewClaimRecord]) -> None:
        """Insert claims with their locks and site bindings, as a batch.

        Raises ConcurrentWriteConflict when the database refuses a lock,
        a record id or a site binding that another process wrote first.
        """
        ...

    def add_refused(self, refused: Sequence[RefusedResubmission]) -> None: ...

    def count_by_decision(self, partner: str) -> dict[str, int]: ...

    def issuable(self, limit: int) -> list[IssuableClaim]:
        """ACCEPTED claims with issuance PENDING, oldest received first (then claim id)."""
        ...

    def set_issuance(
        self, claim_ids: Collection[str], expected: IssuanceState, new: IssuanceState
    ) -> None:
        """Move claims from ``expected`` to ``new``; every one must be in ``expected``,
        else ConcurrentWriteConflict. ``new`` ISSUED raises ValueError: a claim
        is issued only with its issuance records (IssuanceRepository.record)."""
        ...

    def ledger_view(self, claim_id: str) -> ClaimLedgerView | None: ...

    def overdue_awaiting(self, cutoffs: Mapping[str, datetime], limit: int) -> list[str]:
        """Claim ids with issuance AWAITING_SOURCE_CANCELLATION, decision ACCEPTED or
        HELD, of a partner in ``cutoffs`` and received before that partner's cutoff."""
        ...

    def of_project(
        self, partner: str, project_id: str, decisions: Collection[Decision]
    ) -> list[ClaimLedgerView]:
        """The project's claims whose decision is one of ``decisions``."""
        ...

    def waiting_under_exclusion(self, partner: str, reference: str) -> list[ClaimLedgerView]:
        """The partner's claims naming inventory exclusion ``reference`` that
        are not issued yet: ACCEPTED or HELD, issuance PENDING or
        AWAITING_SOURCE_CANCELLATION; oldest received first (then claim id)."""
        ...

    def change_verdicts(self, changes: Sequence[VerdictChange]) -> None:
        """Apply conditional decision changes; see VerdictChange."""
        ...

    def holdings(self, partner: str) -> list[PartnerClaimHolding]:
        """Every claim of the partner (any decision), by record id."""
        ...
