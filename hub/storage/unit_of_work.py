"""The SQLAlchemy unit of work (hub.services.unit_of_work.UnitOfWork).

A unit of work is one database transaction on one connection, shared by its
repositories (hub.storage.transaction): a write the database refuses rolls
the transaction back and raises ConcurrentWriteConflict. Each repository is
in the module named for its concept: claims (and, in claim_locks, the locks
they take) in hub.storage.claim_repository, projects in project_repository,
issuance in issuance_repository, blocks in block_repository, the outbox in
outbox_repository, retirements in retirement_repository, attestations in
attestation_repository, the audit log in audit_repository, reconciliations
in reconciliation_repository, partner keys and signed writes in
key_repository, and so on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from sqlalchemy import Engine

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
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.storage.asset_repository import SqlAlchemyAssetRepository
from hub.storage.attestation_repository import SqlAlchemyAttestationRepository
from hub.storage.audit_repository import SqlAlchemyAuditRepository, SqlAlchemyEventRepository
from hub.storage.block_repository import SqlAlchemyBlockRepository
from hub.storage.certificate_repository import SqlAlchemyCertificateRepository
from hub.storage.claim_repository import SqlAlchemyClaimRepository
from hub.storage.exclusion_freeze_repository import SqlAlchemyExclusionFreezeRepository
from hub.storage.issuance_repository import SqlAlchemyIssuanceRepository
from hub.storage.key_repository import (
    SqlAlchemyPartnerKeyRepository,
    SqlAlchemySignedPayloadRepository,
)
from hub.storage.mobility_repository import SqlAlchemyMobilityRepository
from hub.storage.outbox_repository import SqlAlchemyOutboxRepository
from hub.storage.points_repository import SqlAlchemyPointsRepository
from hub.storage.project_repository import (
    SqlAlchemyProjectRepository,
    SqlAlchemySupervisionRepository,
)
from hub.storage.reconciliation_repository import SqlAlchemyReconciliationRepository
from hub.storage.register_repository import SqlAlchemyRegisterRepository
from hub.storage.retirement_repository import SqlAlchemyRetirementRepository
from hub.storage.transaction import Transaction

__all__ = ["SqlAlchemyUnitOfWork", "SqlAlchemyUnitOfWorkFactory"]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SqlAlchemyUnitOfWork:
    """One database transaction; implements hub.services.unit_of_work.UnitOfWork."""

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

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _utc_now) -> None:
        self._tx = Transaction(engine)
        self.claims = SqlAlchemyClaimRepository(self._tx)
        self.projects = SqlAlchemyProjectRepository(self._tx, clock)
        self.assets = SqlAlchemyAssetRepository(self._tx)
        self.registers = SqlAlchemyRegisterRepository(self._tx)
        self.supervision = SqlAlchemySupervisionRepository(self._tx)
        self.issuance = SqlAlchemyIssuanceRepository(self._tx)
        self.blocks = SqlAlchemyBlockRepository(self._tx, clock)
        self.outbox = SqlAlchemyOutboxRepository(self._tx)
        self.retirements = SqlAlchemyRetirementRepository(self._tx)
        self.attestations = SqlAlchemyAttestationRepository(self._tx)
        self.events = SqlAlchemyEventRepository(self._tx)
        self.reconciliations = SqlAlchemyReconciliationRepository(self._tx)
        self.partner_keys = SqlAlchemyPartnerKeyRepository(self._tx)
        self.signed_payloads = SqlAlchemySignedPayloadRepository(self._tx)
        self.audit = SqlAlchemyAuditRepository(self._tx)
        self.mobility = SqlAlchemyMobilityRepository(self._tx)
        self.points = SqlAlchemyPointsRepository(self._tx)
        self.certificates = SqlAlchemyCertificateRepository(self._tx)
        self.exclusion_freezes = SqlAlchemyExclusionFreezeRepository(self._tx)

    def __enter__(self) -> Self:
        self._tx.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tx.close()

    def commit(self) -> None:
        with self._tx.writing() as connection:
            connection.commit()

    def rollback(self) -> None:
        self._tx.rollback()


class SqlAlchemyUnitOfWorkFactory:
    """Makes a new unit of work per call; implements UnitOfWorkFactory."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _utc_now) -> None:
        self.engine = engine
        self._clock = clock

    def __call__(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self.engine, self._clock)


def _conforms(factory: SqlAlchemyUnitOfWorkFactory) -> UnitOfWorkFactory:
    """Static proof (checked by mypy) that the factory satisfies the service port."""
    return factory
