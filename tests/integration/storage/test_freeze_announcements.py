"""What the exchange hears when a block freezes or thaws, through the real
repositories on SQLite and PostgreSQL (issue 16): a reconciliation's freeze
and an inventory exclusion's ask "was this block offered to the exchange?"
the same way (hub.services.freeze_announcements)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal

import pytest

from carbonhub_contract.vocabulary.holdings import partner_holding
from carbonhub_contract.vocabulary.records import (
    AdjustmentStatus,
    ClaimSubmission,
    Decision,
    OriginStatus,
)
from hub.domain.blocks import Block, BlockState
from hub.services.attestation import AttestationService
from hub.services.exchange import ExchangeService
from hub.services.ingestion import IngestionService
from hub.services.issuance import IssuanceService
from hub.services.outbox_port import OutboxKind
from hub.services.projects import ProjectRegistrationService
from hub.services.reconciliation import ReconciliationService
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.builders import PARTNER, pv, pv_project
from tests.unit.services.ledger_setup import MovableClock
from tests.unit.services.test_attestation_service import hk_tonnes

REF = "HKAA-1"
S = AdjustmentStatus


@dataclass
class Hub:
    clock: MovableClock
    ingestion: IngestionService
    issuance: IssuanceService
    attestations: AttestationService
    exchange: ExchangeService
    reconciliations: ReconciliationService

    def events(self, after: int = 0) -> list[tuple[OutboxKind, str]]:
        return [(e.kind, e.block.block_id) for e in self.exchange.events(0, 1000)][after:]

    def issue(self, partner: str, claim: ClaimSubmission) -> list[Block]:
        (verdict,) = self.ingestion.submit(partner, [claim])
        assert verdict.decision is Decision.ACCEPTED, [c.code for c in verdict.checks]
        blocks = self.issuance.issue_pending().blocks
        assert blocks
        return blocks

    def reissue(self, partner: str, claim: ClaimSubmission, serial: str) -> list[str]:
        """The origin shows ``claim`` issued there; the discrepancies naming a block."""
        holding = partner_holding(replace(claim, origin_serial=serial), OriginStatus.ISSUED)
        report = self.reconciliations.submit(partner, None, [], [holding])
        return [d.discrepancy_id for d in report.discrepancies if d.block_id]

    def resolve(self, discrepancies: list[str]) -> None:
        for discrepancy in discrepancies:
            self.reconciliations.resolve(discrepancy, "cancelled at the origin", "officer-a")

    def attest(self, blocks: list[Block], status: AdjustmentStatus) -> None:
        units = Decimal(sum(b.units for b in blocks))
        outcome = self.attestations.attest_adjustment(
            "CN-HK", REF, status, None, "", quantity=units, vintage=2024
        )
        assert outcome.accepted, [c.code for c in outcome.checks]


@pytest.fixture
def hub(migrated_url: str) -> Iterator[Hub]:
    engine = create_engine_for(migrated_url)
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    standard = load_standard(default_standards_dir())
    clock = MovableClock()
    ProjectRegistrationService(factory, standard).register(PARTNER, [pv_project()])
    try:
        yield Hub(
            clock,
            IngestionService(factory, standard, clock),
            IssuanceService(factory, standard, clock),
            AttestationService(factory, standard, clock),
            ExchangeService(factory, standard, clock),
            ReconciliationService(factory, standard, clock),
        )
    finally:
        engine.dispose()


def test_an_offered_block_not_yet_acknowledged_hears_frozen_and_unfrozen(hub: Hub) -> None:
    claim = pv("R-1", "2024-01-01", "2024-01-31", activity_quantity="9137.5")
    (block,) = hub.issue(PARTNER, claim)
    assert hub.events() == [(OutboxKind.QUALIFIED, block.block_id)]
    found = hub.reissue(PARTNER, claim, "GDPH-4401-PV-2023-0007-2024-000501-000505")
    assert hub.events(1) == [(OutboxKind.FROZEN, block.block_id)]
    hub.resolve(found)
    assert hub.events(2) == [(OutboxKind.UNFROZEN, block.block_id)]


def test_a_block_frozen_before_it_was_offered_is_offered_when_thawed(hub: Hub) -> None:
    claim = hk_tonnes("H1", REF)
    blocks = hub.issue("CN-HK", claim)  # under a PENDING exclusion: not offered
    found = hub.reissue("CN-HK", claim, "HKFIT-2024-000001-000002")
    hub.attest(blocks, S.COMMITTED)
    assert hub.events() == []
    hub.resolve(found)
    assert sorted(hub.events()) == sorted((OutboxKind.QUALIFIED, b.block_id) for b in blocks)
    acks = hub.exchange.acknowledge([b.block_id for b in blocks])
    assert {a.state for a in acks} == {BlockState.DELIVERED}


def test_a_block_under_both_freezes_hears_unfrozen_once_both_are_gone(hub: Hub) -> None:
    claim = hk_tonnes("H1", REF)
    blocks = hub.issue("CN-HK", claim)
    hub.attest(blocks, S.COMMITTED)
    hub.exchange.acknowledge([b.block_id for b in blocks])
    found = hub.reissue("CN-HK", claim, "HKFIT-2024-000001-000002")
    hub.clock.now += timedelta(days=366)  # past CN-HK's 365 days to COMPLETED
    hub.attestations.freeze_overdue()
    before = len(hub.events())
    hub.attest(blocks, S.COMPLETED)  # the discrepancy still freezes them
    assert hub.events(before) == []
    hub.resolve(found)
    assert sorted(hub.events(before)) == sorted((OutboxKind.UNFROZEN, b.block_id) for b in blocks)
