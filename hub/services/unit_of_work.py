"""The unit of work the services depend on: one transaction over every repository.

Each repository's port (its Protocol and data classes) is in the module named
for its concept: claims and their locks in hub.services.claim_port, projects
in project_port, issuance in issuance_port, blocks in block_port, the outbox
to the exchange in outbox_port, retirements in retirement_port, attestations
in attestation_port, the audit log in audit_port, reconciliations in
reconciliation_port, partner keys and signed writes in key_port (and assets,
registers, mobility, points, certificates and exclusion freezes in theirs).
The SQLAlchemy implementation is hub.storage.unit_of_work; unit tests use the
in-memory fakes of tests/fakes.py. Both must give the same answers.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from hub.services.asset_port import AssetRepository
from hub.services.attestation_port import AttestationRepository
from hub.services.audit_port import AuditRepository, EventRepository
from hub.services.block_port import BlockRepository
from hub.services.certificate_port import CertificateRepository
from hub.services.claim_port import ClaimRepository
from hub.services.exclusion_freeze_port import ExclusionFreezeRepository
from hub.services.issuance_port import IssuanceRepository
from hub.services.key_port import PartnerKeyRepository, SignedPayloadRepository
from hub.services.mobility_port import MobilityRepository
from hub.services.outbox_port import OutboxRepository
from hub.services.points_port import PointsRepository
from hub.services.project_port import ProjectRepository, SupervisionRepository
from hub.services.reconciliation_port import ReconciliationRepository
from hub.services.register_port import RegisterRepository
from hub.services.retirement_port import RetirementRepository


class ConcurrentWriteConflict(Exception):
    """Another hub process recorded a conflicting row first.

    Raised when a database constraint refuses the write at flush or commit.
    The transaction is rolled back; the service re-reads and decides again,
    and the second decision sees the other process's row.
    """


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
