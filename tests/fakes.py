"""In-memory fakes of the storage ports, for unit tests of the services.

They answer exactly like hub.storage's SQLAlchemy implementation (the
storage contract tests in tests/integration/storage run against both):

* ``add`` raises ConcurrentWriteConflict at once for an overlapping lock,
  a duplicate (partner, record id) or a site bound to another methodology,
  and the unit of work is rolled back, as a database would at flush time;
* every unit of work reads a snapshot of the committed state plus its own
  writes; its writes become visible to others only on ``commit``, which
  re-checks them against whatever was committed meanwhile and raises
  ConcurrentWriteConflict if another unit of work got there first;
* verdicts are stored as their JSON (hub.storage.serialisation) and read
  back from it, so what a service gets back is what the database returns;
* the ledger's other writes (issuance, blocks, outbox, retirements,
  attestations, events, reconciliations) are checked the same way: a
  conditional write whose condition no longer holds, or a row that a
  uniqueness or overlap constraint would refuse, raises
  ConcurrentWriteConflict when written and again when replayed at commit,
  so the second of two racing units of work to commit is refused; outbox
  cursors are assigned on commit, in commit order.

Use one FakeUnitOfWorkFactory per test; its ``store`` is the shared,
committed state (inspect it in assertions).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from types import TracebackType
from typing import Self

from carbonhub_contract.vocabulary.records import AdjustmentStatus, ClaimSubmission, Decision
from hub.domain.attestations import AdjustmentAttestation, SourceCancellation
from hub.domain.audit_chain import (
    GENESIS,
    GENESIS_HEAD,
    ChainHead,
    ChainRow,
    Checkpoint,
    PreparedEvent,
    link,
    prepare_event,
)
from hub.domain.blocks import LIVE_STATES, Adjustment, Block, BlockState
from hub.domain.claims import Verdict
from hub.domain.inventory_exclusions import Coverage, coverage_of
from hub.domain.issuance import AccountKey, IssuanceState, account_for
from hub.domain.locks import ClaimLock, LockKind, OriginBlock
from hub.domain.project_review import ProjectReviewState
from hub.domain.projects import Project
from hub.domain.reconciliation import ReconciliationStatus
from hub.domain.retirements import Retirement
from hub.domain.serial_blocks import SerialRange, Series
from hub.domain.signed_payloads import PartnerKey, SignedRecord
from hub.services.asset_port import AssetRepository
from hub.services.attestation_port import AttestationRepository
from hub.services.audit_port import AuditRepository, EventRepository, LedgerEvent
from hub.services.block_port import BlockFilter, BlockRepository
from hub.services.certificate_port import CertificateRepository
from hub.services.claim_port import (
    ClaimLedgerView,
    ClaimRepository,
    IssuableClaim,
    LockConflict,
    NewClaimRecord,
    PartnerClaimHolding,
    RefusedResubmission,
    StoredClaim,
    VerdictChange,
)
from hub.services.exclusion_freeze_port import ExclusionFreezeRepository
from hub.services.issuance_port import (
    CarryAccount,
    ClaimIssuance,
    IssuanceRecord,
    IssuanceRepository,
    IssuanceTotals,
    IssuedPart,
    PoolBalance,
)
from hub.services.key_port import PartnerKeyRepository, SequenceNotAdvanced, SignedPayloadRepository
from hub.services.mobility_port import MobilityRepository
from hub.services.outbox_port import OutboxEntry, OutboxKind, OutboxRepository
from hub.services.points_port import LedgerPointsEntry, PointsRepository
from hub.services.project_port import (
    ProjectRepository,
    ProjectSupervision,
    RegisteredAsset,
    SupervisionRepository,
)
from hub.services.reconciliation_port import (
    ReconciliationRepository,
    StoredDiscrepancy,
    StoredReconciliation,
)
from hub.services.register_port import RegisterRepository
from hub.services.retirement_port import OffsetUsage, RetirementRepository
from hub.services.unit_of_work import ConcurrentWriteConflict, UnitOfWork, UnitOfWorkFactory
from hub.storage.serialisation import verdict_from_json, verdict_to_json
from tests.fake_assets import AssetStore, FakeAssetRepository
from tests.fake_certificates import FakeCertificateRepository, NeutralityStore
from tests.fake_exclusion_freezes import FakeExclusionFreezeRepository
from tests.fake_mobility import FakeMobilityRepository
from tests.fake_points import FakePointsRepository
from tests.fake_registers import FakeRegisterRepository, RegisterStore

__all__ = [
    "FakeAttestationRepository",
    "FakeAuditRepository",
    "FakeBlockRepository",
    "FakeClaimRepository",
    "FakeEventRepository",
    "FakeIssuanceRepository",
    "FakeOutboxRepository",
    "FakeProjectRepository",
    "FakeReconciliationRepository",
    "FakeRetirementRepository",
    "FakeStore",
    "FakeSupervisionRepository",
    "FakeUnitOfWork",
    "FakeUnitOfWorkFactory",
]


@dataclasses.dataclass(frozen=True, slots=True)
class _ClaimRow:
    claim_id: str
    partner: str
    record_id: str
    content_digest: str
    decision: str
    verdict_json: str
    record: NewClaimRecord
    issuance: IssuanceState | None = None
    hold_reason: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class _LockRow:
    lo: int
    hi: int
    claim_id: str


@dataclasses.dataclass(frozen=True, slots=True)
class _OutboxRow:
    cursor: int
    kind: OutboxKind
    block_id: str
    reason: str
    at: datetime


@dataclasses.dataclass(frozen=True, slots=True)
class _ClaimIssuanceRow:
    issuance_id: str
    credited: Decimal


@dataclasses.dataclass(slots=True)
class FakeStore:
    """The committed state (or a unit of work's working copy of it)."""

    claims: dict[str, _ClaimRow] = dataclasses.field(default_factory=dict)
    by_record: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)
    locks: dict[tuple[str, str], list[_LockRow]] = dataclasses.field(default_factory=dict)
    site_bindings: dict[tuple[str, str], tuple[str, str]] = dataclasses.field(default_factory=dict)
    refused: list[RefusedResubmission] = dataclasses.field(default_factory=list)
    projects: dict[tuple[str, str], tuple[Project, int, datetime]] = dataclasses.field(
        default_factory=dict
    )
    supervision: dict[tuple[str, str], ProjectSupervision] = dataclasses.field(default_factory=dict)
    carry: dict[AccountKey, CarryAccount] = dataclasses.field(default_factory=dict)
    series_counters: dict[str, int] = dataclasses.field(default_factory=dict)  # last unit used
    issuance_records: dict[str, IssuanceRecord] = dataclasses.field(default_factory=dict)
    # (claim id, vintage): a claim spanning 31 December is issued in parts.
    claim_issuances: dict[tuple[str, int], _ClaimIssuanceRow] = dataclasses.field(
        default_factory=dict
    )
    blocks: dict[str, Block] = dataclasses.field(default_factory=dict)
    block_serials: dict[str, str] = dataclasses.field(default_factory=dict)  # serial -> id
    outbox: list[_OutboxRow] = dataclasses.field(default_factory=list)
    qualified: set[str] = dataclasses.field(default_factory=set)  # block ids
    retirements: dict[str, Retirement] = dataclasses.field(default_factory=dict)
    offset_usage: dict[tuple[str, int], OffsetUsage] = dataclasses.field(default_factory=dict)
    source_cancellations: dict[str, SourceCancellation] = dataclasses.field(
        default_factory=dict
    )  # by claim id
    cancellation_ids: dict[tuple[str, str], str] = dataclasses.field(default_factory=dict)
    cancelled_origin_serials: dict[str, str] = dataclasses.field(default_factory=dict)
    adjustments: dict[tuple[str, str], tuple[AdjustmentAttestation, ...]] = dataclasses.field(
        default_factory=dict
    )
    events: list[LedgerEvent] = dataclasses.field(default_factory=list)
    reconciliations: dict[str, StoredReconciliation] = dataclasses.field(default_factory=dict)
    discrepancy_index: dict[str, str] = dataclasses.field(default_factory=dict)  # -> rec id
    partner_keys: dict[str, PartnerKey] = dataclasses.field(default_factory=dict)
    sequences: dict[str, int] = dataclasses.field(default_factory=dict)
    signed: dict[tuple[str, int], SignedRecord] = dataclasses.field(default_factory=dict)
    # The audit chain as the database holds it (tests may tamper with these).
    audit_rows: list[ChainRow] = dataclasses.field(default_factory=list)
    audit_head: ChainHead | None = GENESIS_HEAD
    audit_checkpoints: dict[int, Checkpoint] = dataclasses.field(default_factory=dict)
    points: list[LedgerPointsEntry] = dataclasses.field(default_factory=list)
    neutrality: NeutralityStore = dataclasses.field(default_factory=NeutralityStore)
    assets: AssetStore = dataclasses.field(default_factory=AssetStore)
    registers: RegisterStore = dataclasses.field(default_factory=RegisterStore)
    exclusion_frozen: set[str] = dataclasses.field(default_factory=set)  # block ids

    def copy(self) -> FakeStore:
        return FakeStore(
            claims=dict(self.claims),
            by_record=dict(self.by_record),
            locks={key: list(rows) for key, rows in self.locks.items()},
            site_bindings=dict(self.site_bindings),
            refused=list(self.refused),
            projects=dict(self.projects),
            supervision=dict(self.supervision),
            carry=dict(self.carry),
            series_counters=dict(self.series_counters),
            issuance_records=dict(self.issuance_records),
            claim_issuances=dict(self.claim_issuances),
            blocks=dict(self.blocks),
            block_serials=dict(self.block_serials),
            outbox=list(self.outbox),
            qualified=set(self.qualified),
            retirements=dict(self.retirements),
            offset_usage=dict(self.offset_usage),
            source_cancellations=dict(self.source_cancellations),
            cancellation_ids=dict(self.cancellation_ids),
            cancelled_origin_serials=dict(self.cancelled_origin_serials),
            adjustments=dict(self.adjustments),
            events=list(self.events),
            reconciliations=dict(self.reconciliations),
            discrepancy_index=dict(self.discrepancy_index),
            partner_keys=dict(self.partner_keys),
            sequences=dict(self.sequences),
            signed=dict(self.signed),
            audit_rows=list(self.audit_rows),
            audit_head=self.audit_head,
            audit_checkpoints=dict(self.audit_checkpoints),
            points=list(self.points),
            neutrality=self.neutrality.copy(),
            assets=self.assets.copy(),
            registers=self.registers.copy(),
            exclusion_frozen=set(self.exclusion_frozen),
        )

    # Convenience for assertions ------------------------------------------

    def all_locks(self) -> list[tuple[ClaimLock, str]]:
        """Every stored lock with the claim id holding it."""
        return [
            (ClaimLock(LockKind(kind), key, row.lo, row.hi), row.claim_id)
            for (kind, key), rows in self.locks.items()
            for row in rows
        ]

    def stored_records(self) -> list[NewClaimRecord]:
        return [row.record for row in self.claims.values()]

    # Writes, each checked like the database's constraints -----------------

    def insert_claims(self, records: Sequence[NewClaimRecord]) -> None:
        for record in records:
            verdict, submission = record.verdict, record.submission
            if (verdict.partner, verdict.record_id) != (submission.partner, submission.record_id):
                raise ValueError(
                    f"verdict for {verdict.partner}/{verdict.record_id} recorded with "
                    f"submission {submission.partner}/{submission.record_id}"
                )
            identity = (submission.partner, submission.record_id)
            if verdict.claim_id in self.claims:
                raise ConcurrentWriteConflict(f"claim id {verdict.claim_id} already stored")
            if identity in self.by_record:
                raise ConcurrentWriteConflict(
                    f"record {submission.partner}/{submission.record_id} already stored"
                )
            self.claims[verdict.claim_id] = _ClaimRow(
                claim_id=verdict.claim_id,
                partner=submission.partner,
                record_id=submission.record_id,
                content_digest=record.content_digest,
                decision=str(verdict.decision),
                verdict_json=verdict_to_json(verdict),
                record=record,
                issuance=record.issuance,
                hold_reason=record.hold_reason,
            )
            self.by_record[identity] = verdict.claim_id
            for lock in record.locks:
                if lock.lo > lock.hi:
                    raise ValueError(f"lock range reversed: {lock}")
                rows = self.locks.setdefault((str(lock.kind), lock.key), [])
                for row in rows:
                    if row.lo <= lock.hi and lock.lo <= row.hi:
                        raise ConcurrentWriteConflict(
                            f"lock {lock} overlaps one held by claim {row.claim_id}"
                        )
                rows.append(_LockRow(lock.lo, lock.hi, verdict.claim_id))
        bindings: dict[tuple[str, str], tuple[str, str]] = {}
        for record in records:
            if record.site_binding is None:
                continue
            if not record.submission.site_id:
                raise ValueError(f"claim {record.verdict.claim_id} binds a site but names none")
            site = (record.submission.partner, record.submission.site_id)
            earlier = bindings.setdefault(site, (record.site_binding, record.verdict.claim_id))
            if earlier[0] != record.site_binding:
                raise ConcurrentWriteConflict(
                    f"site {site[1]} bound to {earlier[0]} and {record.site_binding} in one batch"
                )
        for site, (methodology, claim_id) in bindings.items():
            stored = self.site_bindings.setdefault(site, (methodology, claim_id))
            if stored[0] != methodology:
                raise ConcurrentWriteConflict(
                    f"site {site[0]}/{site[1]} is bound to {stored[0]}, not {methodology}"
                )

    def insert_refused(self, refused: Sequence[RefusedResubmission]) -> None:
        for item in refused:
            if item.original_claim_id not in self.claims:
                raise ConcurrentWriteConflict(f"no claim {item.original_claim_id} to refer to")
        self.refused.extend(refused)

    def upsert_project(self, project: Project, now: datetime, inserting: bool) -> None:
        key = (project.partner, project.project_id)
        current = self.projects.get(key)
        if inserting:
            if current is not None:
                raise ConcurrentWriteConflict(f"project {key} registered concurrently")
            self.projects[key] = (project, 1, now)
        else:
            version = 1 if current is None else current[1] + 1
            self.projects[key] = (project, version, now)

    def set_review_state(
        self,
        partner: str,
        project_id: str,
        expected: ProjectReviewState,
        new: ProjectReviewState,
        now: datetime,
    ) -> None:
        stored = self.projects.get((partner, project_id))
        if stored is None or stored[0].review_state is not expected:
            raise ConcurrentWriteConflict(f"project {partner}/{project_id} is not {expected}")
        project, version, _ = stored
        self.projects[(partner, project_id)] = (
            dataclasses.replace(project, review_state=new),
            version,
            now,
        )

    # Ledger writes (issue 3) ------------------------------------------------

    def change_verdicts(self, changes: Sequence[VerdictChange]) -> None:
        for change in changes:
            if change.verdict.claim_id != change.claim_id:
                raise ValueError(
                    f"change of claim {change.claim_id} carries the verdict of "
                    f"{change.verdict.claim_id}"
                )
            row = self.claims.get(change.claim_id)
            if row is None:
                raise ConcurrentWriteConflict(f"no claim {change.claim_id}")
            if row.decision != str(change.expected_decision) or row.issuance != (
                change.expected_issuance
            ):
                raise ConcurrentWriteConflict(
                    f"claim {change.claim_id} is {row.decision}/{row.issuance}, not "
                    f"{change.expected_decision}/{change.expected_issuance}"
                )
            stored = verdict_from_json(row.verdict_json)
            verdict = dataclasses.replace(
                stored, decision=change.verdict.decision, checks=change.verdict.checks
            )
            self.claims[change.claim_id] = dataclasses.replace(
                row,
                decision=str(verdict.decision),
                verdict_json=verdict_to_json(verdict),
                issuance=change.issuance,
                hold_reason=change.hold_reason,
            )
            if change.release_locks:
                for key, rows in list(self.locks.items()):
                    kept = [r for r in rows if r.claim_id != change.claim_id]
                    if len(kept) != len(rows):
                        self.locks[key] = kept
                for site, (_, holder) in list(self.site_bindings.items()):
                    if holder == change.claim_id:
                        del self.site_bindings[site]

    def set_issuance(
        self, claim_ids: Collection[str], expected: IssuanceState, new: IssuanceState
    ) -> None:
        for claim_id in claim_ids:
            row = self.claims.get(claim_id)
            if row is None or row.issuance is not expected:
                raise ConcurrentWriteConflict(f"claim {claim_id} is not {expected}")
            if new is IssuanceState.ISSUED and row.decision != str(Decision.ACCEPTED):
                raise ConcurrentWriteConflict(f"claim {claim_id} is {row.decision}, not ACCEPTED")
            self.claims[claim_id] = dataclasses.replace(row, issuance=new)

    def save_supervision(self, supervision: ProjectSupervision, expected_suspended: bool) -> None:
        key = (supervision.partner, supervision.project_id)
        stored = self.supervision.get(key)
        if (stored is not None and stored.suspended) != expected_suspended:
            raise ConcurrentWriteConflict(
                f"project {key} supervision changed: suspended is not {expected_suspended}"
            )
        self.supervision[key] = supervision

    def save_carry(self, accounts: Sequence[CarryAccount]) -> None:
        for account in accounts:
            stored = self.carry.get(account.key)
            stored_version = 0 if stored is None else stored.version
            if account.version < 1 or stored_version != account.version - 1:
                raise ConcurrentWriteConflict(
                    f"carry account {account.key} is at version {stored_version}, "
                    f"cannot save version {account.version}"
                )
            self.carry[account.key] = account

    def reserve_units(self, series_key: str, seen: int, units: int) -> None:
        current = self.series_counters.get(series_key, 0)
        if current != seen:
            raise ConcurrentWriteConflict(
                f"series {series_key} reserved concurrently: at {current}, expected {seen}"
            )
        self.series_counters[series_key] = seen + units

    def record_issuances(self, issuances: Sequence[IssuanceRecord]) -> None:
        for issuance in issuances:
            if issuance.issuance_id in self.issuance_records:
                raise ConcurrentWriteConflict(f"issuance {issuance.issuance_id} already stored")
            self.issuance_records[issuance.issuance_id] = issuance
            for claim_id, credited in issuance.claims:
                part = (claim_id, issuance.key.vintage)
                if part in self.claim_issuances:
                    raise ConcurrentWriteConflict(f"claim {claim_id} already issued")
                self.claim_issuances[part] = _ClaimIssuanceRow(issuance.issuance_id, credited)

    def insert_blocks(self, blocks: Sequence[Block]) -> None:
        for block in blocks:
            if block.block_id in self.blocks:
                raise ConcurrentWriteConflict(f"block {block.block_id} already stored")
            if block.serial in self.block_serials:
                raise ConcurrentWriteConflict(f"serial {block.serial} already stored")
            if block.state is not BlockState.SPLIT:
                for other in self.blocks.values():
                    if other.state is not BlockState.SPLIT and other.range.overlaps(block.range):
                        raise ConcurrentWriteConflict(
                            f"block {block.serial} overlaps live block {other.serial}"
                        )
            self.blocks[block.block_id] = block
            self.block_serials[block.serial] = block.block_id

    def transition_block(
        self,
        block_id: str,
        expected: frozenset[BlockState],
        new: BlockState,
        at: datetime,
        require_unfrozen: bool,
    ) -> None:
        block = self.blocks.get(block_id)
        if block is None or block.state not in expected:
            state = None if block is None else block.state
            raise ConcurrentWriteConflict(f"block {block_id} is {state}, not one of {expected}")
        if require_unfrozen and block.frozen:
            raise ConcurrentWriteConflict(f"block {block_id} is frozen")
        delivered_at = block.delivered_at
        if new is BlockState.DELIVERED and delivered_at is None:
            delivered_at = at
        self.blocks[block_id] = dataclasses.replace(block, state=new, delivered_at=delivered_at)

    def split_block(self, parent: Block, head: Block, tail: Block) -> None:
        stored = self.blocks.get(parent.block_id)
        if stored is None or stored.state is not parent.state:
            raise ConcurrentWriteConflict(f"block {parent.block_id} is no longer {parent.state}")
        if stored.frozen:
            raise ConcurrentWriteConflict(f"block {parent.block_id} is frozen")
        self.blocks[parent.block_id] = dataclasses.replace(stored, state=BlockState.SPLIT)
        self.insert_blocks([head, tail])

    def set_block_adjustment(self, partner: str, reference: str, status: AdjustmentStatus) -> None:
        for block_id, block in list(self.blocks.items()):
            if block.partner == partner and block.adjustment.reference == reference:
                self.blocks[block_id] = dataclasses.replace(
                    block, adjustment=Adjustment(reference, status)
                )

    def set_frozen(self, block_ids: Collection[str], frozen: bool) -> None:
        for block_id in block_ids:
            block = self.blocks.get(block_id)
            if block is not None:
                self.blocks[block_id] = dataclasses.replace(block, frozen=frozen)

    @property
    def last_cursor(self) -> int:
        return self.outbox[-1].cursor if self.outbox else 0

    def append_outbox(self, entries: Sequence[tuple[OutboxKind, str, str]], at: datetime) -> None:
        cursor = self.last_cursor
        for kind, block_id, reason in entries:
            if block_id not in self.blocks:
                raise ConcurrentWriteConflict(f"no block {block_id} for an outbox event")
            if kind is OutboxKind.QUALIFIED:
                if block_id in self.qualified:
                    raise ConcurrentWriteConflict(f"block {block_id} already qualified")
                self.qualified.add(block_id)
            cursor += 1
            self.outbox.append(_OutboxRow(cursor, OutboxKind(kind), block_id, reason, at))

    def add_retirement(self, retirement: Retirement) -> None:
        if retirement.retirement_id in self.retirements:
            raise ConcurrentWriteConflict(f"retirement {retirement.retirement_id} already stored")
        self.retirements[retirement.retirement_id] = retirement

    def save_offset_usage(self, usage: OffsetUsage) -> None:
        key = (usage.entity, usage.year)
        stored = self.offset_usage.get(key)
        stored_version = 0 if stored is None else stored.version
        if usage.version < 1 or stored_version != usage.version - 1:
            raise ConcurrentWriteConflict(
                f"offset usage {key} is at version {stored_version}, "
                f"cannot save version {usage.version}"
            )
        self.offset_usage[key] = dataclasses.replace(
            usage, units_by_origin=dict(usage.units_by_origin)
        )

    def add_source_cancellation(self, attestation: SourceCancellation) -> None:
        by_id = (attestation.partner, attestation.cancellation_id)
        if attestation.claim_id in self.source_cancellations:
            raise ConcurrentWriteConflict(f"claim {attestation.claim_id} already cancelled")
        if by_id in self.cancellation_ids:
            raise ConcurrentWriteConflict(f"cancellation {by_id} already attested")
        if attestation.origin_serial in self.cancelled_origin_serials:
            raise ConcurrentWriteConflict(
                f"origin serial {attestation.origin_serial} already cancelled"
            )
        self.source_cancellations[attestation.claim_id] = attestation
        self.cancellation_ids[by_id] = attestation.claim_id
        self.cancelled_origin_serials[attestation.origin_serial] = attestation.claim_id
        part = attestation.cancelled
        if part is not None:
            # As the storage does: the claim's origin lock shrinks to the cancelled part.
            key = (str(LockKind.ORIGIN_SERIAL), part.series)
            kept = [r for r in self.locks.get(key, []) if r.claim_id != attestation.claim_id]
            self.locks[key] = [*kept, _LockRow(part.first, part.last, attestation.claim_id)]

    def add_adjustment(self, attestation: AdjustmentAttestation) -> None:
        key = (attestation.partner, attestation.reference)
        self.adjustments[key] = (*self.adjustments.get(key, ()), attestation)

    def add_reconciliation(self, reconciliation: StoredReconciliation) -> None:
        if reconciliation.reconciliation_id in self.reconciliations:
            raise ConcurrentWriteConflict(
                f"reconciliation {reconciliation.reconciliation_id} already stored"
            )
        self._index_discrepancies(reconciliation.reconciliation_id, reconciliation.discrepancies)
        self.reconciliations[reconciliation.reconciliation_id] = reconciliation

    def _index_discrepancies(
        self, reconciliation_id: str, discrepancies: Sequence[StoredDiscrepancy]
    ) -> None:
        for item in discrepancies:
            if item.reconciliation_id != reconciliation_id:
                raise ValueError(
                    f"discrepancy {item.discrepancy_id} belongs to {item.reconciliation_id}, "
                    f"not {reconciliation_id}"
                )
            if item.discrepancy_id in self.discrepancy_index:
                raise ConcurrentWriteConflict(f"discrepancy {item.discrepancy_id} already stored")
            self.discrepancy_index[item.discrepancy_id] = reconciliation_id

    def record_outcome(
        self,
        reconciliation_id: str,
        status: ReconciliationStatus,
        discrepancies: Sequence[StoredDiscrepancy],
        answered_at: datetime,
    ) -> None:
        stored = self.reconciliations.get(reconciliation_id)
        if stored is None or stored.status is not ReconciliationStatus.REQUESTED:
            raise ConcurrentWriteConflict(f"reconciliation {reconciliation_id} is not REQUESTED")
        self._index_discrepancies(reconciliation_id, discrepancies)
        self.reconciliations[reconciliation_id] = dataclasses.replace(
            stored,
            status=status,
            answered_at=answered_at,
            discrepancies=(*stored.discrepancies, *discrepancies),
        )

    def resolve(self, discrepancy_id: str, resolution: str, actor: str, at: datetime) -> None:
        reconciliation_id = self.discrepancy_index.get(discrepancy_id)
        if reconciliation_id is None:
            raise KeyError(discrepancy_id)
        stored = self.reconciliations[reconciliation_id]
        items = list(stored.discrepancies)
        for i, item in enumerate(items):
            if item.discrepancy_id == discrepancy_id:
                if item.resolved:
                    raise ConcurrentWriteConflict(f"discrepancy {discrepancy_id} already resolved")
                items[i] = dataclasses.replace(
                    item, resolved=True, resolution=resolution, resolved_by=actor, resolved_at=at
                )
        self.reconciliations[reconciliation_id] = dataclasses.replace(
            stored, discrepancies=tuple(items)
        )

    def set_reconciliation_status(
        self, reconciliation_id: str, expected: ReconciliationStatus, new: ReconciliationStatus
    ) -> None:
        stored = self.reconciliations.get(reconciliation_id)
        if stored is None or stored.status is not expected:
            raise ConcurrentWriteConflict(f"reconciliation {reconciliation_id} is not {expected}")
        self.reconciliations[reconciliation_id] = dataclasses.replace(stored, status=new)

    # Reads shared by the repositories -------------------------------------

    def live_serials(self, block_id: str) -> list[str]:
        """The block's serial, or once split, those of its live descendants."""
        block = self.blocks.get(block_id)
        if block is None:
            return []
        if block.state is not BlockState.SPLIT:
            return [block.serial]
        serials: list[str] = []
        for child in self.blocks.values():
            if child.parent_block_id == block_id:
                serials.extend(self.live_serials(child.block_id))
        return sorted(serials)


_Operation = Callable[[FakeStore], None]


class _Transaction:
    def __init__(self, factory: FakeUnitOfWorkFactory) -> None:
        self._factory = factory
        self._working: FakeStore | None = None
        self._journal: list[_Operation] = []
        self.open = False

    @property
    def state(self) -> FakeStore:
        if not self.open:
            raise RuntimeError("the unit of work is not open: use it in a `with` block")
        if self._working is None:
            self._working = self._factory.snapshot()
        return self._working

    def write(self, operation: _Operation) -> None:
        try:
            operation(self.state)
        except ConcurrentWriteConflict:
            self.rollback()
            raise
        self._journal.append(operation)

    def commit(self) -> None:
        journal, self._journal, self._working = self._journal, [], None
        self._factory.apply(journal)

    def rollback(self) -> None:
        self._journal, self._working = [], None


class FakeClaimRepository:
    def __init__(self, transaction: _Transaction) -> None:
        self._tx = transaction

    def _stored(self, row: _ClaimRow) -> StoredClaim:
        return StoredClaim(
            row.claim_id,
            row.partner,
            row.record_id,
            row.content_digest,
            verdict_from_json(row.verdict_json),
        )

    def get_by_record_ids(
        self, partner: str, record_ids: Collection[str]
    ) -> dict[str, StoredClaim]:
        state = self._tx.state
        found: dict[str, StoredClaim] = {}
        for record_id in set(record_ids):
            claim_id = state.by_record.get((partner, record_id))
            if claim_id is not None:
                found[record_id] = self._stored(state.claims[claim_id])
        return found

    def get_by_claim_id(self, claim_id: str) -> StoredClaim | None:
        row = self._tx.state.claims.get(claim_id)
        return None if row is None else self._stored(row)

    def find_lock_conflicts(self, locks: Collection[ClaimLock]) -> list[LockConflict]:
        state = self._tx.state
        found: list[LockConflict] = []
        for lock in dict.fromkeys(locks):
            rows = state.locks.get((str(lock.kind), lock.key), [])
            for row in sorted(rows, key=lambda r: r.lo):
                if row.lo <= lock.hi and lock.lo <= row.hi:
                    holder = state.claims[row.claim_id]
                    found.append(
                        LockConflict(lock, holder.claim_id, holder.partner, holder.record_id)
                    )
        return found

    def site_bindings(self, partner: str, site_ids: Collection[str]) -> dict[str, str]:
        bindings = self._tx.state.site_bindings
        return {
            site_id: bindings[(partner, site_id)][0]
            for site_id in set(site_ids)
            if (partner, site_id) in bindings
        }

    def add(self, records: Sequence[NewClaimRecord]) -> None:
        batch = list(records)
        if batch:
            self._tx.write(lambda state: state.insert_claims(batch))

    def add_refused(self, refused: Sequence[RefusedResubmission]) -> None:
        batch = list(refused)
        if batch:
            self._tx.write(lambda state: state.insert_refused(batch))

    def count_by_decision(self, partner: str) -> dict[str, int]:
        counts = {str(decision): 0 for decision in Decision}
        for row in self._tx.state.claims.values():
            if row.partner == partner:
                counts[row.decision] += 1
        return counts

    def issuable(self, limit: int) -> list[IssuableClaim]:
        rows = [
            row
            for row in self._tx.state.claims.values()
            if row.decision == str(Decision.ACCEPTED) and row.issuance is IssuanceState.PENDING
        ]
        rows.sort(key=lambda row: (row.record.received_at, row.claim_id))
        found: list[IssuableClaim] = []
        for row in rows[: max(limit, 0)]:
            verdict = verdict_from_json(row.verdict_json)
            if verdict.methodology is None or verdict.vintage is None:
                raise ValueError(f"accepted claim {row.claim_id} has no methodology or vintage")
            if verdict.credited_tco2e is None:
                raise ValueError(f"accepted claim {row.claim_id} credits nothing")
            normalised = row.record.normalised
            found.append(
                IssuableClaim(
                    claim_id=row.claim_id,
                    partner=row.partner,
                    record_id=row.record_id,
                    account=_account_of(row.record.submission, verdict),
                    credited_tco2e=verdict.credited_tco2e,
                    received_at=row.record.received_at,
                    platform=(row.record.submission.platform or "").strip() or None,
                    period_start=normalised.period_start if normalised else None,
                    period_end=normalised.period_end if normalised else None,
                    time_zone=row.record.submission.time_zone.strip(),
                )
            )
        return found

    def set_issuance(
        self, claim_ids: Collection[str], expected: IssuanceState, new: IssuanceState
    ) -> None:
        if new is IssuanceState.ISSUED:
            raise ValueError("claims are issued with their issuance records, not set ISSUED")
        ids = list(dict.fromkeys(claim_ids))
        if ids:
            self._tx.write(lambda state: state.set_issuance(ids, expected, new))

    def _view(self, row: _ClaimRow) -> ClaimLedgerView:
        origin_block: OriginBlock | None = None
        for (kind, key), locks in self._tx.state.locks.items():
            if kind != str(LockKind.ORIGIN_SERIAL):
                continue
            for lock in locks:
                if lock.claim_id == row.claim_id:
                    origin_block = OriginBlock(key, lock.lo, lock.hi)
        verdict = verdict_from_json(row.verdict_json)
        return ClaimLedgerView(
            claim_id=row.claim_id,
            partner=row.partner,
            record_id=row.record_id,
            decision=verdict.decision,
            issuance=row.issuance,
            hold_reason=row.hold_reason,
            project_id=_clean(row.record.submission.project_id),
            origin_block=origin_block,
            received_at=row.record.received_at,
            verdict=verdict,
        )

    def ledger_view(self, claim_id: str) -> ClaimLedgerView | None:
        row = self._tx.state.claims.get(claim_id)
        return None if row is None else self._view(row)

    def overdue_awaiting(self, cutoffs: Mapping[str, datetime], limit: int) -> list[str]:
        held_or_accepted = {str(Decision.ACCEPTED), str(Decision.HELD)}
        rows = [
            row
            for row in self._tx.state.claims.values()
            if row.issuance is IssuanceState.AWAITING_SOURCE_CANCELLATION
            and row.decision in held_or_accepted
            and row.partner in cutoffs
            and row.record.received_at < cutoffs[row.partner]
        ]
        rows.sort(key=lambda row: (row.record.received_at, row.claim_id))
        return [row.claim_id for row in rows[: max(limit, 0)]]

    def of_project(
        self, partner: str, project_id: str, decisions: Collection[Decision]
    ) -> list[ClaimLedgerView]:
        wanted = {str(decision) for decision in decisions}
        rows = [
            row
            for row in self._tx.state.claims.values()
            if row.partner == partner
            and _clean(row.record.submission.project_id) == project_id
            and row.decision in wanted
        ]
        rows.sort(key=lambda row: (row.record.received_at, row.claim_id))
        return [self._view(row) for row in rows]

    def waiting_under_exclusion(self, partner: str, reference: str) -> list[ClaimLedgerView]:
        decisions = {str(Decision.ACCEPTED), str(Decision.HELD)}
        waiting = {IssuanceState.PENDING, IssuanceState.AWAITING_SOURCE_CANCELLATION}
        rows = [
            row
            for row in self._tx.state.claims.values()
            if row.partner == partner
            and _clean(row.record.submission.adjustment_ref) == reference
            and row.decision in decisions
            and row.issuance in waiting
        ]
        rows.sort(key=lambda row: (row.record.received_at, row.claim_id))
        return [self._view(row) for row in rows]

    def change_verdicts(self, changes: Sequence[VerdictChange]) -> None:
        batch = list(changes)
        if batch:
            self._tx.write(lambda state: state.change_verdicts(batch))

    def holdings(self, partner: str) -> list[PartnerClaimHolding]:
        rows = sorted(
            (row for row in self._tx.state.claims.values() if row.partner == partner),
            key=lambda row: row.record_id,
        )
        holdings: list[PartnerClaimHolding] = []
        for row in rows:
            verdict = verdict_from_json(row.verdict_json)
            holdings.append(
                PartnerClaimHolding(
                    claim_id=row.claim_id,
                    record_id=row.record_id,
                    submission=row.record.submission,
                    decision=verdict.decision,
                    issuance=row.issuance,
                    vintage=verdict.vintage,
                )
            )
        return holdings


class FakeProjectRepository:
    def __init__(self, transaction: _Transaction, clock: Callable[[], datetime]) -> None:
        self._tx = transaction
        self._clock = clock

    def get_many(
        self, partner: str, project_ids: Collection[str], *, for_update: bool = False
    ) -> dict[str, Project]:
        # One fake transaction at a time: nothing to lock.
        projects = self._tx.state.projects
        return {
            project_id: projects[(partner, project_id)][0]
            for project_id in set(project_ids)
            if (partner, project_id) in projects
        }

    def upsert(self, project: Project) -> bool:
        current = self._tx.state.projects.get((project.partner, project.project_id))
        if current is not None and current[0] == project:
            return False
        now = self._clock()
        inserting = current is None
        self._tx.write(lambda state: state.upsert_project(project, now, inserting))
        return True

    def guard_assets(self, fingerprints: Collection[str]) -> list[RegisteredAsset]:
        # One fake unit of work commits at a time: nothing to guard against.
        wanted = set(fingerprints)
        return [
            RegisteredAsset(
                project.partner,
                project.project_id,
                project.asset_fingerprint,
                project.review_state,
            )
            for _, (project, _, _) in sorted(self._tx.state.projects.items())
            if project.asset_fingerprint is not None
            and project.asset_fingerprint in wanted
            and project.review_state is not ProjectReviewState.REJECTED
        ]

    def set_review_state(
        self,
        partner: str,
        project_id: str,
        expected: ProjectReviewState,
        new: ProjectReviewState,
    ) -> None:
        now = self._clock()
        self._tx.write(
            lambda state: state.set_review_state(partner, project_id, expected, new, now)
        )


def _clean(value: str | None) -> str | None:
    """A submission field as the ledger keys it: stripped, empty as None."""
    if value is None:
        return None
    return value.strip() or None


def _account_of(submission: ClaimSubmission, verdict: Verdict) -> AccountKey:
    assert verdict.methodology is not None and verdict.vintage is not None
    return account_for(
        submission.partner,
        verdict.methodology,
        verdict.vintage,
        project_id=_clean(submission.project_id),
        site_id=_clean(submission.site_id),
        person_pseudonym=_clean(submission.person_pseudonym),
        adjustment_ref=_clean(submission.adjustment_ref),
    )


class FakeSupervisionRepository:
    def __init__(self, transaction: _Transaction) -> None:
        self._tx = transaction

    def get_many(self, partner: str, project_ids: Collection[str]) -> dict[str, ProjectSupervision]:
        stored = self._tx.state.supervision
        return {
            project_id: stored[(partner, project_id)]
            for project_id in set(project_ids)
            if (partner, project_id) in stored
        }

    def save(self, supervision: ProjectSupervision, *, expected_suspended: bool) -> None:
        self._tx.write(lambda state: state.save_supervision(supervision, expected_suspended))


class FakeIssuanceRepository:
    def __init__(self, transaction: _Transaction) -> None:
        self._tx = transaction

    def carried(self, keys: Collection[AccountKey]) -> dict[AccountKey, CarryAccount]:
        stored = self._tx.state.carry
        return {key: stored[key] for key in set(keys) if key in stored}

    def save_carry(self, accounts: Sequence[CarryAccount]) -> None:
        batch = list(accounts)
        if batch:
            self._tx.write(lambda state: state.save_carry(batch))

    def reserve_units(self, series: Series, units: int) -> SerialRange:
        if units < 1:
            raise ValueError(f"cannot reserve {units} units")
        key = series.key
        seen = self._tx.state.series_counters.get(key, 0)
        self._tx.write(lambda state: state.reserve_units(key, seen, units))
        return SerialRange(series, seen + 1, seen + units)

    def record(self, issuances: Sequence[IssuanceRecord]) -> None:
        batch = list(issuances)
        if not batch:
            return
        issued = list(dict.fromkeys(c for record in batch for c, _ in record.claims))

        def write(state: FakeStore) -> None:
            state.record_issuances(batch)
            state.set_issuance(issued, IssuanceState.PENDING, IssuanceState.ISSUED)

        self._tx.write(write)

    def coverage(self, partner: str, reference: str) -> Coverage:
        return coverage_of(
            (block.units, block.vintage)
            for block in self._tx.state.blocks.values()
            if block.partner == partner
            and block.adjustment.reference == reference
            and block.state in LIVE_STATES
        )

    def totals(self, partner: str) -> IssuanceTotals:
        state = self._tx.state
        records = [r for r in state.issuance_records.values() if r.key.partner == partner]
        carried = [a.carried for key, a in state.carry.items() if key.partner == partner]
        return IssuanceTotals(
            claims_issued=len({claim_id for r in records for claim_id, _ in r.claims}),
            units_issued=sum(r.units for r in records),
            carried_tco2e=sum(carried, Decimal(0)),
            credited_issued_tco2e=sum(
                (credited for r in records for _, credited in r.claims), Decimal(0)
            ),
        )

    def overfull(self, limit: int) -> list[CarryAccount]:
        state = self._tx.state
        found = [a for a in state.carry.values() if a.key.platform is not None and a.carried >= 1]
        return sorted(found, key=lambda a: str(a.key))[:limit]

    def pools(self, partner: str | None, vintage: int | None) -> list[PoolBalance]:
        state = self._tx.state

        def wanted(key: AccountKey) -> bool:
            return (
                key.platform is not None
                and partner in (None, key.partner)
                and vintage in (None, key.vintage)
            )

        keys = {k for k in state.carry if wanted(k)} | {
            r.key for r in state.issuance_records.values() if wanted(r.key)
        }
        balances = []
        for key in sorted(keys, key=str):
            records = [r for r in state.issuance_records.values() if r.key == key]
            carry = state.carry.get(key)
            balances.append(
                PoolBalance(
                    key=key,
                    claims=sum(len(r.claims) for r in records),
                    credited_tco2e=sum((c for r in records for _, c in r.claims), Decimal(0)),
                    units=sum(r.units for r in records),
                    carried_tco2e=carry.carried if carry is not None else Decimal(0),
                )
            )
        return balances

    def of_claims(self, claim_ids: Collection[str]) -> dict[str, ClaimIssuance]:
        state = self._tx.state
        found: dict[str, ClaimIssuance] = {}
        wanted = set(claim_ids)
        parts: dict[str, list[IssuedPart]] = {}
        for (claim_id, vintage), row in sorted(state.claim_issuances.items()):
            if claim_id not in wanted:
                continue
            issuance = state.issuance_records[row.issuance_id]
            serials = [] if issuance.block_id is None else state.live_serials(issuance.block_id)
            parts.setdefault(claim_id, []).append(
                IssuedPart(
                    vintage,
                    row.credited,
                    row.issuance_id,
                    tuple(sorted(serials)),
                    issuance.carried_after,
                )
            )
        for claim_id, issued in parts.items():
            found[claim_id] = ClaimIssuance(
                issued[-1].issuance_id,
                tuple(s for part in issued for s in part.block_serials),
                issued[-1].carried_after,
                tuple(issued),
            )
        return found


class FakeBlockRepository:
    def __init__(self, transaction: _Transaction) -> None:
        self._tx = transaction

    def add(self, blocks: Sequence[Block]) -> None:
        batch = list(blocks)
        if batch:
            self._tx.write(lambda state: state.insert_blocks(batch))

    def get_many(self, block_ids: Collection[str]) -> dict[str, Block]:
        stored = self._tx.state.blocks
        return {block_id: stored[block_id] for block_id in set(block_ids) if block_id in stored}

    def by_serial(self, serial: str) -> Block | None:
        state = self._tx.state
        block_id = state.block_serials.get(serial)
        return None if block_id is None else state.blocks[block_id]

    def transition(
        self,
        block_id: str,
        expected: Collection[BlockState],
        new: BlockState,
        at: datetime,
        *,
        require_unfrozen: bool = True,
    ) -> None:
        allowed = frozenset(expected)
        self._tx.write(
            lambda state: state.transition_block(block_id, allowed, new, at, require_unfrozen)
        )

    def split(self, parent: Block, head: Block, tail: Block, at: datetime) -> None:
        first, second = head.range, tail.range
        if not (
            first.series == second.series == parent.range.series
            and first.first == parent.range.first
            and second.first == first.last + 1
            and second.last == parent.range.last
        ):
            raise ValueError(f"{head.serial} and {tail.serial} do not partition {parent.serial}")
        self._tx.write(lambda state: state.split_block(parent, head, tail))

    def set_adjustment(self, partner: str, reference: str, status: AdjustmentStatus) -> list[Block]:
        self._tx.write(lambda state: state.set_block_adjustment(partner, reference, status))
        return sorted(
            (
                block
                for block in self._tx.state.blocks.values()
                if block.partner == partner and block.adjustment.reference == reference
            ),
            key=lambda block: block.serial,
        )

    def set_frozen(self, block_ids: Collection[str], frozen: bool) -> None:
        ids = list(dict.fromkeys(block_ids))
        if ids:
            self._tx.write(lambda state: state.set_frozen(ids, frozen))

    def find(self, where: BlockFilter) -> list[Block]:
        found = [
            block
            for block in self._tx.state.blocks.values()
            if (where.partner is None or block.partner == where.partner)
            and (where.states is None or block.state in where.states)
            and (not where.delivered_only or block.delivered_at is not None)
            and (where.adjustment_ref is None or block.adjustment.reference == where.adjustment_ref)
        ]
        return sorted(found, key=lambda block: block.serial)

    def unit_totals(self, partner: str) -> dict[BlockState, tuple[int, int]]:
        totals: dict[BlockState, tuple[int, int]] = {}
        for block in self._tx.state.blocks.values():
            if block.partner != partner or block.state is BlockState.SPLIT:
                continue
            count, units = totals.get(block.state, (0, 0))
            totals[block.state] = (count + 1, units + block.units)
        return totals


class FakeOutboxRepository:
    def __init__(self, transaction: _Transaction) -> None:
        self._tx = transaction

    def append(self, entries: Sequence[tuple[OutboxKind, str, str]], at: datetime) -> None:
        batch = list(entries)
        if batch:
            self._tx.write(lambda state: state.append_outbox(batch, at))

    def read(self, after: int, limit: int) -> list[OutboxEntry]:
        state = self._tx.state
        rows = [row for row in state.outbox if row.cursor > after][: max(limit, 0)]
        return [
            OutboxEntry(row.cursor, row.kind, state.blocks[row.block_id], row.reason, row.at)
            for row in rows
        ]

    def last_cursor(self) -> int:
        return self._tx.state.last_cursor

    def qualified(self, block_ids: Collection[str]) -> set[str]:
        return set(block_ids) & self._tx.state.qualified


class FakeRetirementRepository:
    def __init__(self, transaction: _Transaction) -> None:
        self._tx = transaction

    def get(self, retirement_id: str) -> Retirement | None:
        return self._tx.state.retirements.get(retirement_id)

    def add(self, retirement: Retirement) -> None:
        self._tx.write(lambda state: state.add_retirement(retirement))

    def offset_usage(self, entity: str, year: int) -> OffsetUsage:
        stored = self._tx.state.offset_usage.get((entity, year))
        return stored if stored is not None else OffsetUsage(entity, year, {}, 0)

    def save_offset_usage(self, usage: OffsetUsage) -> None:
        self._tx.write(lambda state: state.save_offset_usage(usage))

    def for_blocks(self, block_ids: Collection[str]) -> dict[str, list[Retirement]]:
        wanted = set(block_ids)
        found: dict[str, list[Retirement]] = {}
        for retirement in self._tx.state.retirements.values():
            if retirement.retired_block_id in wanted:
                found.setdefault(retirement.retired_block_id, []).append(retirement)
        return found


class FakeAttestationRepository:
    def __init__(self, transaction: _Transaction) -> None:
        self._tx = transaction

    def source_cancellation_for_claim(self, claim_id: str) -> SourceCancellation | None:
        return self._tx.state.source_cancellations.get(claim_id)

    def source_cancellation_by_id(
        self, partner: str, cancellation_id: str
    ) -> SourceCancellation | None:
        state = self._tx.state
        claim_id = state.cancellation_ids.get((partner, cancellation_id))
        return None if claim_id is None else state.source_cancellations[claim_id]

    def add_source_cancellation(self, attestation: SourceCancellation) -> None:
        self._tx.write(lambda state: state.add_source_cancellation(attestation))

    def adjustment_status(self, partner: str, reference: str) -> AdjustmentStatus | None:
        history = self._tx.state.adjustments.get((partner, reference), ())
        return history[-1].status if history else None

    def adjustment_statuses(
        self, references: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], AdjustmentStatus]:
        adjustments = self._tx.state.adjustments
        return {
            pair: adjustments[pair][-1].status for pair in set(references) if adjustments.get(pair)
        }

    def add_adjustment(self, attestation: AdjustmentAttestation) -> None:
        self._tx.write(lambda state: state.add_adjustment(attestation))

    def adjustment_history(self, partner: str, reference: str) -> list[AdjustmentAttestation]:
        return list(self._tx.state.adjustments.get((partner, reference), ()))

    def adjustments_of(self, partner: str) -> dict[str, AdjustmentStatus]:
        return {
            reference: history[-1].status
            for (owner, reference), history in self._tx.state.adjustments.items()
            if owner == partner and history
        }

    def lock_exclusions(self, references: Collection[tuple[str, str]]) -> None:
        """Nothing to wait for: the fake's units of work run one at a time."""


class FakeEventRepository:
    def __init__(self, transaction: _Transaction) -> None:
        self._tx = transaction

    def append(self, events: Sequence[LedgerEvent]) -> None:
        batch = [dataclasses.replace(event, details=dict(event.details)) for event in events]
        if batch:
            chained = [_prepared(event) for event in batch]

            def append(state: FakeStore) -> None:
                # Replayed on the committed state at commit: seqs follow commit order.
                state.events.extend(batch)
                _chain(state, chained)

            self._tx.write(append)

    def for_subjects(self, subject_kind: str, subject_ids: Collection[str]) -> list[LedgerEvent]:
        wanted = set(subject_ids)
        return [
            event
            for event in self._tx.state.events
            if event.subject_kind == subject_kind and event.subject_id in wanted
        ]


def _prepared(event: LedgerEvent) -> tuple[ChainRow, PreparedEvent]:
    """The row as SQL reads it back (UTC instant, details as strings), unchained."""
    details = {str(k): str(v) for k, v in event.details.items()}
    at = event.at.astimezone(UTC)
    row = ChainRow(
        row_id=0,
        seq=None,
        subject_kind=event.subject_kind,
        subject_id=event.subject_id,
        event=event.event,
        actor=event.actor,
        at=at,
        details=details,
        prev_hash=None,
        hash=None,
    )
    prepared = prepare_event(
        event.subject_kind, event.subject_id, event.event, event.actor, event.at, details
    )
    return row, prepared


def _chain(state: FakeStore, rows: Sequence[tuple[ChainRow, PreparedEvent]]) -> None:
    if state.audit_head is None:
        raise RuntimeError("the audit_head row is missing: the audit log was tampered with")
    seq, prev_hash = state.audit_head.seq, state.audit_head.hash
    for row, prepared in rows:
        seq += 1
        digest = link(prev_hash, prepared.canonical(seq))
        # A row is named by its seq, the table's key since 0037.
        state.audit_rows.append(dataclasses.replace(row, row_id=seq, seq=seq, hash=digest))
        prev_hash = digest
    state.audit_head = ChainHead(seq, prev_hash)


class FakeAuditRepository:
    def __init__(self, transaction: _Transaction) -> None:
        self._tx = transaction

    def rows(self, after_seq: int, limit: int) -> list[ChainRow]:
        # Like SQL's "seq > after" (from the start: every row with a seq).
        stored = self._tx.state.audit_rows
        rows = [r for r in stored if r.seq is not None and (after_seq <= 0 or r.seq > after_seq)]
        rows.sort(key=lambda r: r.seq or 0)  # every row here has a seq
        # Like SQL since 0021: no previous hash is stored, it is the hash of
        # the row at seq - 1 (seqs are unique there).
        hashes = {r.seq: r.hash for r in stored if r.seq is not None}
        hashes[0] = GENESIS
        return [
            dataclasses.replace(r, prev_hash=hashes.get(r.seq - 1))
            for r in rows[:limit]
            if r.seq is not None
        ]

    def head(self) -> ChainHead | None:
        return self._tx.state.audit_head

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        def add(state: FakeStore) -> None:
            if checkpoint.seq in state.audit_checkpoints:
                raise ConcurrentWriteConflict(f"a checkpoint at seq {checkpoint.seq} exists")
            state.audit_checkpoints[checkpoint.seq] = checkpoint

        self._tx.write(add)

    def checkpoints(self) -> list[Checkpoint]:
        return [cp for _, cp in sorted(self._tx.state.audit_checkpoints.items())]

    def last_checkpoint(self) -> Checkpoint | None:
        stored = self._tx.state.audit_checkpoints
        return stored[max(stored)] if stored else None


class FakePartnerKeyRepository:
    def __init__(self, transaction: _Transaction) -> None:
        self._tx = transaction

    def get(self, key_id: str) -> PartnerKey | None:
        return self._tx.state.partner_keys.get(key_id)

    def of_partner(self, partner: str) -> list[PartnerKey]:
        keys = [k for k in self._tx.state.partner_keys.values() if k.partner == partner]
        return sorted(keys, key=lambda k: (k.registered_at, k.key_id))

    def add(self, key: PartnerKey) -> None:
        def add(state: FakeStore) -> None:
            if key.key_id in state.partner_keys:
                raise ConcurrentWriteConflict(f"signing key {key.key_id} exists")
            state.partner_keys[key.key_id] = key

        self._tx.write(add)

    def save(self, key: PartnerKey) -> None:
        def save(state: FakeStore) -> None:
            if key.key_id not in state.partner_keys:
                raise ConcurrentWriteConflict(f"signing key {key.key_id} is not registered")
            state.partner_keys[key.key_id] = key

        self._tx.write(save)


class FakeSignedPayloadRepository:
    def __init__(self, transaction: _Transaction) -> None:
        self._tx = transaction

    def last_sequence(self, partner: str) -> int:
        return self._tx.state.sequences.get(partner, 0)

    def record(self, record: SignedRecord) -> None:
        last = self.last_sequence(record.partner)
        if record.sequence <= last:
            self._tx.rollback()
            raise SequenceNotAdvanced(record.partner, record.sequence, last)

        def advance(state: FakeStore) -> None:
            # Replayed on the latest committed state at commit: a concurrent
            # writer that took the sequence meanwhile makes this one retry.
            if record.sequence <= state.sequences.get(record.partner, 0):
                raise ConcurrentWriteConflict(f"{record.partner} sequence {record.sequence}")
            state.sequences[record.partner] = record.sequence
            state.signed[(record.partner, record.sequence)] = record

        self._tx.write(advance)

    def get(self, partner: str, sequence: int) -> SignedRecord | None:
        return self._tx.state.signed.get((partner, sequence))


class FakeReconciliationRepository:
    def __init__(self, transaction: _Transaction) -> None:
        self._tx = transaction

    def add(self, reconciliation: StoredReconciliation) -> None:
        self._tx.write(lambda state: state.add_reconciliation(reconciliation))

    def get(self, reconciliation_id: str) -> StoredReconciliation | None:
        return self._tx.state.reconciliations.get(reconciliation_id)

    def _of(self, counterpart: str) -> list[StoredReconciliation]:
        return sorted(
            (r for r in self._tx.state.reconciliations.values() if r.counterpart == counterpart),
            key=lambda r: (r.requested_at, r.reconciliation_id),
        )

    def requested(self, counterpart: str) -> list[StoredReconciliation]:
        return [r for r in self._of(counterpart) if r.status is ReconciliationStatus.REQUESTED]

    def latest(self, counterpart: str) -> StoredReconciliation | None:
        found = self._of(counterpart)
        return found[-1] if found else None

    def record_outcome(
        self,
        reconciliation_id: str,
        status: ReconciliationStatus,
        discrepancies: Sequence[StoredDiscrepancy],
        answered_at: datetime,
    ) -> None:
        batch = list(discrepancies)
        self._tx.write(
            lambda state: state.record_outcome(reconciliation_id, status, batch, answered_at)
        )

    def resolve(
        self, discrepancy_id: str, resolution: str, actor: str, at: datetime
    ) -> StoredDiscrepancy:
        self._tx.write(lambda state: state.resolve(discrepancy_id, resolution, actor, at))
        state = self._tx.state
        stored = state.reconciliations[state.discrepancy_index[discrepancy_id]]
        return next(d for d in stored.discrepancies if d.discrepancy_id == discrepancy_id)

    def set_status(
        self, reconciliation_id: str, expected: ReconciliationStatus, new: ReconciliationStatus
    ) -> None:
        self._tx.write(
            lambda state: state.set_reconciliation_status(reconciliation_id, expected, new)
        )

    def open_discrepancy_blocks(self) -> set[str]:
        return {
            item.block_id
            for reconciliation in self._tx.state.reconciliations.values()
            for item in reconciliation.discrepancies
            if not item.resolved and item.block_id is not None
        }


class FakeUnitOfWork:
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

    def __init__(self, factory: FakeUnitOfWorkFactory, clock: Callable[[], datetime]) -> None:
        self._tx = _Transaction(factory)
        self.claims = FakeClaimRepository(self._tx)
        self.projects = FakeProjectRepository(self._tx, clock)
        self.assets = FakeAssetRepository(lambda: self._tx.state, self._tx.write)
        self.registers = FakeRegisterRepository(lambda: self._tx.state, self._tx.write)
        self.supervision = FakeSupervisionRepository(self._tx)
        self.issuance = FakeIssuanceRepository(self._tx)
        self.blocks = FakeBlockRepository(self._tx)
        self.outbox = FakeOutboxRepository(self._tx)
        self.retirements = FakeRetirementRepository(self._tx)
        self.attestations = FakeAttestationRepository(self._tx)
        self.events = FakeEventRepository(self._tx)
        self.reconciliations = FakeReconciliationRepository(self._tx)
        self.partner_keys = FakePartnerKeyRepository(self._tx)
        self.signed_payloads = FakeSignedPayloadRepository(self._tx)
        self.audit = FakeAuditRepository(self._tx)
        self.mobility = FakeMobilityRepository(lambda: self._tx.state)
        self.points = FakePointsRepository(lambda: self._tx.state, self._tx.write)
        self.certificates = FakeCertificateRepository(lambda: self._tx.state, self._tx.write)
        self.exclusion_freezes = FakeExclusionFreezeRepository(
            lambda: self._tx.state, self._tx.write
        )
        self.commits = 0
        self.rollbacks = 0

    def __enter__(self) -> Self:
        if self._tx.open:
            raise RuntimeError("the unit of work is already open")
        self._tx.open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tx.rollback()
        self._tx.open = False

    def commit(self) -> None:
        if not self._tx.open:
            raise RuntimeError("the unit of work is not open: use it in a `with` block")
        self._tx.commit()
        self.commits += 1

    def rollback(self) -> None:
        self._tx.rollback()
        self.rollbacks += 1


def _utc_now() -> datetime:
    return datetime.now(UTC)


class FakeUnitOfWorkFactory:
    """Makes FakeUnitOfWorks over one shared committed ``store``."""

    def __init__(self, clock: Callable[[], datetime] = _utc_now) -> None:
        self.store = FakeStore()
        self._clock = clock
        self._lock = threading.Lock()
        self.created: list[FakeUnitOfWork] = []

    def __call__(self) -> UnitOfWork:
        uow = FakeUnitOfWork(self, self._clock)
        self.created.append(uow)
        return uow

    def snapshot(self) -> FakeStore:
        with self._lock:
            return self.store.copy()

    def apply(self, journal: Sequence[_Operation]) -> None:
        """Commit: replay a unit of work's writes on the latest committed state."""
        with self._lock:
            candidate = self.store.copy()
            for operation in journal:
                operation(candidate)
            self.store = candidate


def _conforms(factory: FakeUnitOfWorkFactory) -> UnitOfWorkFactory:
    return factory
