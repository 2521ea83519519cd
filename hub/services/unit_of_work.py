"""The storage ports the services depend on: repositories and a unit of work.

The SQLAlchemy implementation lives in hub.storage; unit tests use the
in-memory fakes of tests/fakes.py. Both must give the same answers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from types import TracebackType
from typing import Protocol, Self

from hub.domain.attestations import AdjustmentAttestation, SourceCancellation
from hub.domain.audit_chain import ChainHead, ChainRow, Checkpoint
from hub.domain.blocks import AdjustmentStatus, Block, BlockState
from hub.domain.claims import ClaimSubmission, Decision, NormalisedClaim, Verdict
from hub.domain.issuance import AccountKey, IssuanceState
from hub.domain.locks import ClaimLock, OriginBlock
from hub.domain.project_review import ProjectReviewState
from hub.domain.projects import Project
from hub.domain.reconciliation import Discrepancy, ReconciliationStatus
from hub.domain.retirements import Retirement
from hub.domain.serial_blocks import SerialRange, Series
from hub.domain.signed_payloads import PartnerKey, SignedRecord
from hub.services.asset_port import AssetRepository
from hub.services.certificate_port import CertificateRepository
from hub.services.exclusion_freeze_port import ExclusionFreezeRepository
from hub.services.mobility_port import MobilityRepository
from hub.services.points_port import PointsRepository
from hub.services.register_port import RegisterRepository


class ConcurrentWriteConflict(Exception):
    """Another hub process recorded a conflicting row first.

    Raised when a database constraint refuses the write at flush or commit.
    The transaction is rolled back; the service re-reads and decides again,
    and the second decision sees the other process's row.
    """


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
        """Move claims from ``expected`` to ``new``; every one must be in ``expected``
        (and ACCEPTED when ``new`` is ISSUED), else ConcurrentWriteConflict."""
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

    def change_verdicts(self, changes: Sequence[VerdictChange]) -> None:
        """Apply conditional decision changes; see VerdictChange."""
        ...

    def holdings(self, partner: str) -> list[PartnerClaimHolding]:
        """Every claim of the partner (any decision), by record id."""
        ...


@dataclass(frozen=True, slots=True)
class RegisteredAsset:
    """A stored project holding an asset fingerprint (hub.domain.asset_fingerprints)."""

    partner: str
    project_id: str
    asset_fingerprint: str
    review_state: ProjectReviewState


class ProjectRepository(Protocol):
    def get_many(self, partner: str, project_ids: Collection[str]) -> dict[str, Project]: ...

    def upsert(self, project: Project) -> bool:
        """Insert or update (every field, review state and fingerprint included);
        True when something changed."""
        ...

    def guard_assets(self, fingerprints: Collection[str]) -> list[RegisteredAsset]:
        """Take the database's guard of each fingerprint, then return the stored
        projects, not REJECTED, whose fingerprint is one of them.

        The guards are rows written in this transaction: a concurrent
        registration guarding any of the same fingerprints waits for this one
        to end (or conflicts), and then sees the project it registered. So two
        registrations of one asset cannot both miss each other."""
        ...

    def set_review_state(
        self,
        partner: str,
        project_id: str,
        expected: ProjectReviewState,
        new: ProjectReviewState,
    ) -> None:
        """Conditional: ConcurrentWriteConflict unless the stored state is ``expected``."""
        ...


@dataclass(frozen=True, slots=True)
class ProjectSupervision:
    """The bureau's hand on a project, beside the partner's own status."""

    partner: str
    project_id: str
    suspended: bool
    reason: str
    actor: str
    at: datetime


class SupervisionRepository(Protocol):
    def get_many(self, partner: str, project_ids: Collection[str]) -> dict[str, ProjectSupervision]:
        """Only projects the bureau ever acted on appear."""
        ...

    def save(self, supervision: ProjectSupervision, *, expected_suspended: bool) -> None:
        """Insert or update; the stored ``suspended`` (False when there is no row)
        must equal ``expected_suspended``, else ConcurrentWriteConflict."""
        ...


# --- issuance ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CarryAccount:
    """An issuance account's carried remainder, 0 <= carried < 1.

    ``version`` 0 means "not stored yet"; saving increments it, conditionally.
    """

    key: AccountKey
    carried: Decimal
    version: int


@dataclass(frozen=True, slots=True)
class PoolBalance:
    """A platform's pool: credited = units + carried, to the micro-tonne."""

    key: AccountKey
    claims: int  # claims issued through the pool
    credited_tco2e: Decimal  # credited tonnes of those claims
    units: int  # units issued from the pool
    carried_tco2e: Decimal  # what the pool carries, unissued

    @property
    def taken_over_tco2e(self) -> Decimal:
        """The people's remainders the pool took over when pooling began
        (migration 0007): credited + taken over == units + carried."""
        return self.units + self.carried_tco2e - self.credited_tco2e


@dataclass(frozen=True, slots=True)
class IssuanceRecord:
    """One account's issuance in one run: which claims, what came out."""

    issuance_id: str
    key: AccountKey
    claims: tuple[tuple[str, Decimal], ...]  # (claim id, credited tCO2e)
    carried_before: Decimal
    units: int
    carried_after: Decimal
    block_id: str | None  # None when the account is still below a whole tonne
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class ClaimIssuance:
    issuance_id: str
    block_serials: tuple[str, ...]  # the block of its issuance (and children after splits)
    carried_after: Decimal  # what the account carried after that issuance


class IssuanceRepository(Protocol):
    def carried(self, keys: Collection[AccountKey]) -> dict[AccountKey, CarryAccount]:
        """Stored accounts among ``keys``; a key never saved is absent."""
        ...

    def save_carry(self, accounts: Sequence[CarryAccount]) -> None:
        """Store each account with its new ``version``: version 1 inserts; version
        n > 1 updates the row stored at version n - 1. Any other stored version
        (or a concurrent insert) raises ConcurrentWriteConflict."""
        ...

    def reserve_units(self, series: Series, units: int) -> SerialRange:
        """The next ``units`` unused unit numbers of the series (first = 1 for a new
        series); the counter is advanced in this transaction. A concurrent
        reservation makes the commit (or this call) raise ConcurrentWriteConflict."""
        ...

    def record(self, issuances: Sequence[IssuanceRecord]) -> None:
        """Store issuance records and one row per claim; a claim already issued
        (by anyone) raises ConcurrentWriteConflict."""
        ...

    def totals(self, partner: str) -> IssuanceTotals: ...

    def overfull(self, limit: int) -> list[CarryAccount]:
        """At most ``limit`` accounts carrying a whole tonne or more (pools that
        took over their people's remainders, migration 0007), to be issued."""
        ...

    def pools(self, partner: str | None, vintage: int | None) -> list[PoolBalance]:
        """Every pool ("pool:<platform>" account), with what its claims were
        credited, the units issued from it and what it carries."""
        ...

    def of_claims(self, claim_ids: Collection[str]) -> dict[str, ClaimIssuance]:
        """For issued claims: the serials of the block their issuance made (or, once
        split, of its live descendants) and the account's remainder after it."""
        ...


@dataclass(frozen=True, slots=True)
class IssuanceTotals:
    claims_issued: int
    units_issued: int  # over the partner's issuance records
    carried_tco2e: Decimal  # sum of the partner's carry accounts
    credited_issued_tco2e: Decimal  # sum of credited tCO2e of issued claims


# --- blocks, outbox, retirements -------------------------------------------


class OutboxKind(StrEnum):
    QUALIFIED = "QUALIFIED"  # the block may go to the exchange (once per block)
    CANCELLED = "CANCELLED"
    FROZEN = "FROZEN"
    UNFROZEN = "UNFROZEN"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    cursor: int  # strictly increasing in commit order: a reader never skips one
    kind: OutboxKind
    block: Block  # the block as stored now
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class BlockFilter:
    partner: str | None = None
    states: frozenset[BlockState] | None = None
    delivered_only: bool = False  # only blocks the exchange acknowledged at some point
    adjustment_ref: str | None = None  # only blocks under this inventory-exclusion reference


class BlockRepository(Protocol):
    def add(self, blocks: Sequence[Block]) -> None:
        """Insert blocks. Two live (not SPLIT) blocks of one series with
        overlapping unit ranges are refused by the database:
        ConcurrentWriteConflict."""
        ...

    def get_many(self, block_ids: Collection[str]) -> dict[str, Block]: ...

    def by_serial(self, serial: str) -> Block | None: ...

    def transition(
        self,
        block_id: str,
        expected: Collection[BlockState],
        new: BlockState,
        at: datetime,
        *,
        require_unfrozen: bool = True,
    ) -> None:
        """Conditional state change; DELIVERED also sets delivered_at if unset.
        Raises ConcurrentWriteConflict when the stored state is not in
        ``expected`` (or the block is frozen and ``require_unfrozen``)."""
        ...

    def split(self, parent: Block, head: Block, tail: Block, at: datetime) -> None:
        """The parent (in parent.state, unfrozen) becomes SPLIT; head and tail,
        whose ranges partition the parent's, are inserted. Conditional like
        transition()."""
        ...

    def set_adjustment(self, partner: str, reference: str, status: AdjustmentStatus) -> list[Block]:
        """Set the adjustment status of the partner's blocks with that reference
        (every state); returns them as now stored."""
        ...

    def set_frozen(self, block_ids: Collection[str], frozen: bool) -> None: ...

    def find(self, where: BlockFilter) -> list[Block]:
        """Blocks matching, ordered by serial."""
        ...

    def unit_totals(self, partner: str) -> dict[BlockState, tuple[int, int]]:
        """Per state: (blocks, units) of the partner's blocks; SPLIT excluded."""
        ...


class OutboxRepository(Protocol):
    def append(self, entries: Sequence[tuple[OutboxKind, str, str]], at: datetime) -> None:
        """Append (kind, block id, reason) events. A second QUALIFIED event for one
        block is refused (ConcurrentWriteConflict): a block qualifies once."""
        ...

    def read(self, after: int, limit: int) -> list[OutboxEntry]:
        """Committed events with cursor > ``after``, in cursor order."""
        ...

    def last_cursor(self) -> int: ...


class RetirementRepository(Protocol):
    def get(self, retirement_id: str) -> Retirement | None: ...

    def add(self, retirement: Retirement) -> None:
        """Refuses a second retirement with the same id: ConcurrentWriteConflict."""
        ...

    def offset_usage(self, entity: str, year: int) -> OffsetUsage: ...

    def save_offset_usage(self, usage: OffsetUsage) -> None:
        """Store with ``usage.version``: 1 inserts, n > 1 updates the row at n - 1;
        anything else raises ConcurrentWriteConflict."""
        ...

    def for_blocks(self, block_ids: Collection[str]) -> dict[str, list[Retirement]]:
        """Retirements whose retired block is among ``block_ids``."""
        ...


@dataclass(frozen=True, slots=True)
class OffsetUsage:
    """Units an ETS entity already retired for offsetting in one compliance year."""

    entity: str
    year: int
    units_by_origin: Mapping[str, int]
    version: int  # 0: never stored

    @property
    def units(self) -> int:
        return sum(self.units_by_origin.values())


# --- attestations -----------------------------------------------------------


class AttestationRepository(Protocol):
    def source_cancellation_for_claim(self, claim_id: str) -> SourceCancellation | None: ...

    def source_cancellation_by_id(
        self, partner: str, cancellation_id: str
    ) -> SourceCancellation | None: ...

    def add_source_cancellation(self, attestation: SourceCancellation) -> None:
        """Unique per claim, per (partner, cancellation id) and per origin serial:
        a second one raises ConcurrentWriteConflict."""
        ...

    def adjustment_status(self, partner: str, reference: str) -> AdjustmentStatus | None:
        """The latest attested status of a reference; None when never attested."""
        ...

    def add_adjustment(self, attestation: AdjustmentAttestation) -> None:
        """Append to the reference's history; the latest becomes its status."""
        ...

    def adjustment_history(self, partner: str, reference: str) -> list[AdjustmentAttestation]:
        """The reference's attestations in the order they were recorded."""
        ...

    def adjustments_of(self, partner: str) -> dict[str, AdjustmentStatus]: ...


# --- audit trail of transitions ---------------------------------------------


@dataclass(frozen=True, slots=True)
class LedgerEvent:
    """One state transition, appended and never changed (issue 4 chains them)."""

    subject_kind: str  # claim, block, project, reconciliation, adjustment
    subject_id: str
    event: str  # e.g. ISSUED, DELIVERED, SPLIT, RETIRED, CANCELLED, SUSPENDED
    actor: str  # hub, exchange, a partner code, bureau:<name>
    at: datetime
    details: Mapping[str, str] = field(default_factory=dict)


class EventRepository(Protocol):
    def append(self, events: Sequence[LedgerEvent]) -> None:
        """Extend the audit chain (see AuditRepository): seqs follow commit order.
        Holds the chain's head until commit, so append last in a unit of work."""
        ...

    def for_subjects(self, subject_kind: str, subject_ids: Collection[str]) -> list[LedgerEvent]:
        """In append order."""
        ...


# --- reconciliation -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredDiscrepancy:
    discrepancy_id: str
    reconciliation_id: str
    discrepancy: Discrepancy
    block_id: str | None  # the hub block it concerns, frozen while open
    resolved: bool
    resolution: str
    resolved_by: str
    resolved_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredReconciliation:
    reconciliation_id: str
    counterpart: str  # partner code or EXCHANGE
    status: ReconciliationStatus
    requested_at: datetime
    requested_by: str
    answered_at: datetime | None
    discrepancies: tuple[StoredDiscrepancy, ...]


class ReconciliationRepository(Protocol):
    def add(self, reconciliation: StoredReconciliation) -> None: ...

    def get(self, reconciliation_id: str) -> StoredReconciliation | None: ...

    def requested(self, counterpart: str) -> list[StoredReconciliation]:
        """Still REQUESTED, oldest first."""
        ...

    def latest(self, counterpart: str) -> StoredReconciliation | None: ...

    def record_outcome(
        self,
        reconciliation_id: str,
        status: ReconciliationStatus,
        discrepancies: Sequence[StoredDiscrepancy],
        answered_at: datetime,
    ) -> None:
        """Only from REQUESTED, else ConcurrentWriteConflict."""
        ...

    def resolve(
        self, discrepancy_id: str, resolution: str, actor: str, at: datetime
    ) -> StoredDiscrepancy:
        """Mark one open discrepancy resolved; ConcurrentWriteConflict if it was
        already; KeyError if there is none."""
        ...

    def set_status(
        self, reconciliation_id: str, expected: ReconciliationStatus, new: ReconciliationStatus
    ) -> None: ...

    def open_discrepancy_blocks(self) -> set[str]:
        """Block ids under any unresolved discrepancy."""
        ...


# --- trust: partner signing keys and signed writes ------------------------------


class SequenceNotAdvanced(Exception):
    """A signed write's sequence is not above the partner's last one: replayed,
    reordered, or taken by a concurrent write of the same partner."""

    def __init__(self, partner: str, sequence: int, last: int) -> None:
        super().__init__(f"{partner} sequence {sequence} is not above {last}")
        self.partner = partner
        self.sequence = sequence
        self.last = last


class PartnerKeyRepository(Protocol):
    def get(self, key_id: str) -> PartnerKey | None: ...

    def of_partner(self, partner: str) -> list[PartnerKey]:
        """In registration order."""
        ...

    def add(self, key: PartnerKey) -> None:
        """ConcurrentWriteConflict at commit when the key id is registered already."""
        ...

    def save(self, key: PartnerKey) -> None:
        """Update the validity or revocation of a registered key."""
        ...


class SignedPayloadRepository(Protocol):
    def last_sequence(self, partner: str) -> int:
        """0 when the partner has signed nothing yet."""
        ...

    def record(self, record: SignedRecord) -> None:
        """Advance the partner's sequence to ``record.sequence`` and keep the
        signed bytes. Raises SequenceNotAdvanced when the sequence is not above
        the last one (the database decides: two replicas cannot both take it)."""
        ...

    def get(self, partner: str, sequence: int) -> SignedRecord | None: ...


# --- audit log -----------------------------------------------------------------


class AuditRepository(Protocol):
    """The hash chain over ledger events (hub.domain.audit_chain), for verifying
    and checkpointing it. EventRepository.append extends the chain."""

    def rows(self, after_seq: int, limit: int) -> list[ChainRow]:
        """Stored events with seq > ``after_seq``, by seq then row id, as stored:
        values that do not read as their type come back None, never an error."""
        ...

    def head(self) -> ChainHead | None:
        """The recorded head; None when its row is gone. Appenders wait until this
        unit of work ends, so rows read after it here are the ones it covers."""
        ...

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """ConcurrentWriteConflict when a checkpoint at that seq exists already."""
        ...

    def checkpoints(self) -> list[Checkpoint]:
        """By seq."""
        ...

    def last_checkpoint(self) -> Checkpoint | None: ...


class UnitOfWork(Protocol):
    """One database transaction. Writers are serialised per rule by the
    database (SQLite: BEGIN IMMEDIATE; PostgreSQL: constraints)."""

    claims: ClaimRepository
    projects: ProjectRepository
    assets: AssetRepository
    registers: RegisterRepository
    supervision: SupervisionRepository
    issuance: IssuanceRepository
    blocks: BlockRepository
    outbox: OutboxRepository
    retirements: RetirementRepository
    attestations: AttestationRepository
    events: EventRepository
    reconciliations: ReconciliationRepository
    partner_keys: PartnerKeyRepository
    signed_payloads: SignedPayloadRepository
    audit: AuditRepository
    mobility: MobilityRepository
    points: PointsRepository
    certificates: CertificateRepository
    exclusion_freezes: ExclusionFreezeRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None:
        """Raises ConcurrentWriteConflict when a constraint refuses the write."""
        ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
