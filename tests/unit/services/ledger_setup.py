"""A small ledger on in-memory storage: the hub's services wired like build_hub does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision
from hub.domain.claims import Verdict
from hub.services.attestation import AttestationService
from hub.services.bureau import BureauService
from hub.services.exchange import ExchangeService
from hub.services.ingestion import IngestionService
from hub.services.issuance import IssuanceService
from hub.services.projects import ProjectRegistrationService
from hub.services.reconciliation import ReconciliationService
from hub.standard import Standard
from tests.fakes import FakeUnitOfWorkFactory

from .builders import PARTNER, pv_project


@dataclass
class MovableClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 1, 15, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Ledger:
    uow_factory: FakeUnitOfWorkFactory
    clock: MovableClock
    ingestion: IngestionService
    projects: ProjectRegistrationService
    issuance: IssuanceService
    attestations: AttestationService
    exchange: ExchangeService
    reconciliations: ReconciliationService
    bureau: BureauService

    def accept(self, claims: Sequence[ClaimSubmission]) -> list[Verdict]:
        partner = claims[0].partner
        verdicts = self.ingestion.submit(partner, claims)
        refused = [v for v in verdicts if v.decision is not Decision.ACCEPTED]
        assert not refused, [(v.record_id, [c.code for c in v.checks]) for v in refused]
        return verdicts


def make_ledger(standard: Standard, *, register_project: bool = True) -> Ledger:
    clock = MovableClock()
    factory = FakeUnitOfWorkFactory(clock)
    ledger = Ledger(
        uow_factory=factory,
        clock=clock,
        ingestion=IngestionService(factory, standard, clock),
        projects=ProjectRegistrationService(factory, standard),
        issuance=IssuanceService(factory, standard, clock, batch_size=3),
        attestations=AttestationService(factory, standard, clock),
        exchange=ExchangeService(factory, standard, clock),
        reconciliations=ReconciliationService(factory, standard, clock),
        bureau=BureauService(factory, clock),
    )
    if register_project:
        results = ledger.projects.register(PARTNER, [pv_project()])
        assert [r.decision for r in results] == [Decision.ACCEPTED]
    return ledger
