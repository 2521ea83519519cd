"""Separate processes race on one database (SQLite and PostgreSQL), issue 16:

* an issuer issuing claim after claim under an inventory exclusion, a
  partner delivering more claims under it, and the partner revoking it: no
  claim under it is issued after the revocation, every block under it is
  frozen and every block the exchange was offered is announced FROZEN;
* an issuer and a partner reconciliation that finds every record re-issued
  at its origin: each claim is either issued with its blocks frozen, or
  held (CLAIM_ORIGIN_REISSUED) and never issued.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from carbonhub_contract.vocabulary.holdings import partner_holding
from carbonhub_contract.vocabulary.records import AdjustmentStatus, Decision, OriginStatus
from hub.domain.attestations import AdjustmentAttestation
from hub.domain.issuance import IssuanceState
from hub.services.attestation import AttestationService
from hub.services.clock import system_clock
from hub.services.ingestion import IngestionService
from hub.services.issuance import IssuanceService
from hub.services.projects import ProjectRegistrationService
from hub.standard import Standard, default_standards_dir, load_standard
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage import exclusion_workers as workers
from tests.unit.services.builders import PARTNER, pv, pv_project

pytestmark = pytest.mark.slow

REVOKED = "CLAIM_INVENTORY_EXCLUSION_REVOKED"
REISSUED = "CLAIM_ORIGIN_REISSUED"


@dataclass
class Hub:
    url: str
    factory: SqlAlchemyUnitOfWorkFactory
    standard: Standard

    def codes(self, claim_id: str) -> tuple[Decision, IssuanceState | None, list[str]]:
        with self.factory() as uow:
            view = uow.claims.ledger_view(claim_id)
        assert view is not None
        return view.decision, view.issuance, [c.code for c in view.verdict.checks]


@pytest.fixture
def hub(migrated_url: str) -> Iterator[Hub]:
    engine = create_engine_for(migrated_url)
    try:
        yield Hub(
            migrated_url,
            SqlAlchemyUnitOfWorkFactory(engine),
            load_standard(default_standards_dir()),
        )
    finally:
        engine.dispose()


def _race(*calls: tuple[Any, ...]) -> list[Any]:
    """Run each (function, *args) in its own spawned process, released together."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(len(calls))
        with ProcessPoolExecutor(len(calls), mp_context=context) as pool:
            futures = [pool.submit(call[0], call[1], barrier, *call[2:]) for call in calls]
            return [future.result(timeout=300) for future in futures]


@pytest.mark.parametrize("round_", range(2))
def test_no_claim_is_issued_under_an_exclusion_after_its_revocation(hub: Hub, round_: int) -> None:
    ingestion = IngestionService(hub.factory, hub.standard, system_clock)
    issuance = IssuanceService(hub.factory, hub.standard, system_clock)
    (first,) = ingestion.submit("CN-HK", [workers.hk_month("HR-01", 1)])
    assert first.decision is Decision.ACCEPTED, [c.code for c in first.checks]
    assert issuance.issue_pending().blocks
    committed = AttestationService(hub.factory, hub.standard, system_clock).attest_adjustment(
        "CN-HK",
        workers.REFERENCE,
        AdjustmentStatus.COMMITTED,
        None,
        "",
        quantity=Decimal(1000),
        vintage=2024,
    )
    assert committed.accepted, [c.code for c in committed.checks]
    waiting = ingestion.submit("CN-HK", [workers.hk_month(f"HR-{m:02d}", m) for m in range(2, 7)])
    assert {v.decision for v in waiting} == {Decision.ACCEPTED}

    chooser = random.Random(round_)
    issued, revoked, delivered = _race(
        (workers.issue, hub.url, 3.0),
        (workers.revoke, hub.url, chooser.uniform(0.05, 1.0)),
        (workers.submit_months, hub.url, list(range(7, 13)), round_),
    )
    assert revoked is True and len(delivered) == 6
    issuance.issue_pending()  # what is left: a claim the revocation could not see

    claims = [first, *waiting]
    with hub.factory() as uow:
        for month in range(7, 13):
            stored = uow.claims.get_by_record_ids("CN-HK", [f"HR-{month:02d}"])
            claims.append(stored[f"HR-{month:02d}"].verdict)
    for claim in claims:
        decision, state, codes = hub.codes(claim.claim_id)
        assert (decision, state) == (Decision.ACCEPTED, IssuanceState.ISSUED) or (
            decision is Decision.REJECTED and REVOKED in codes
        ), (claim.record_id, decision, state, codes)
    with hub.factory.engine.connect() as connection:
        blocks = connection.execute(
            text(
                "SELECT block_id, adjustment_status, exclusion_frozen FROM blocks"
                " WHERE adjustment_ref = :ref"
            ),
            {"ref": workers.REFERENCE},
        ).all()
        events = connection.execute(text("SELECT kind, block_id FROM outbox ORDER BY cursor")).all()
    assert blocks
    assert {(status, bool(frozen)) for _, status, frozen in blocks} == {("REVOKED", True)}
    offered = {b for kind, b in events if kind == "QUALIFIED"}
    told = {b for kind, b in events if kind == "FROZEN"}
    assert offered <= told
    assert issued >= 0


@pytest.mark.parametrize("round_", range(2))
def test_a_claim_of_a_reissued_record_is_held_or_its_block_frozen(hub: Hub, round_: int) -> None:
    ProjectRegistrationService(hub.factory, hub.standard).register(PARTNER, [pv_project()])
    ingestion = IngestionService(hub.factory, hub.standard, system_clock)
    last = {2: 29, 4: 30, 6: 30}
    claims = [
        pv(
            f"R-{m:02d}",
            f"2024-{m:02d}-01",
            f"2024-{m:02d}-{last.get(m, 31)}",
            activity_quantity="9137.5",
        )
        for m in range(1, 9)
    ]
    verdicts = ingestion.submit(PARTNER, claims)
    assert {v.decision for v in verdicts} == {Decision.ACCEPTED}
    holdings = [
        partner_holding(
            replace(c, origin_serial=f"GDPH-4401-PV-2023-0007-2024-{n:04d}01-{n:04d}05"),
            OriginStatus.ISSUED,
        )
        for n, c in enumerate(claims, start=1)
    ]

    chooser = random.Random(round_)
    _, status = _race(
        (workers.issue, hub.url, 2.0),
        (workers.reconcile, hub.url, holdings, chooser.uniform(0.0, 0.6)),
    )
    assert status == "INCONSISTENT"
    IssuanceService(hub.factory, hub.standard, system_clock).issue_pending()

    standing = {v.claim_id: hub.codes(v.claim_id) for v in verdicts}
    with hub.factory() as uow:
        issued = uow.issuance.of_claims([v.claim_id for v in verdicts])
        for verdict in verdicts:
            decision, state, codes = standing[verdict.claim_id]
            if state is IssuanceState.ISSUED:
                record = issued[verdict.claim_id]
                for serial in record.block_serials:
                    block = uow.blocks.by_serial(serial)
                    assert block is not None and block.frozen, (verdict.record_id, serial)
            else:
                assert (decision, state) == (Decision.HELD, IssuanceState.PENDING)
                assert REISSUED in codes, (verdict.record_id, codes)
    # Both outcomes may occur; at least one claim took part in the race.
    assert standing


def test_an_issuer_waits_for_a_revocation_under_way(hub: Hub) -> None:
    """The lock closes the window the conditional writes leave: a revocation
    that has updated the blocks under its reference but not committed, and an
    issuer reading the reference's status meanwhile. The issuer waits, then
    reads REVOKED (PostgreSQL: the advisory lock; SQLite: BEGIN IMMEDIATE)."""
    key = ("CN-HK", workers.REFERENCE)
    revocation = hub.factory()
    seen: list[AdjustmentStatus | None] = []

    def issuer() -> None:
        with hub.factory() as uow:
            uow.attestations.lock_exclusions([key])
            seen.append(uow.attestations.adjustment_status(*key))

    with revocation:
        revocation.attestations.lock_exclusions([key])
        revocation.attestations.add_adjustment(
            AdjustmentAttestation(*key, AdjustmentStatus.REVOKED, datetime.now(UTC), "")
        )
        waiting = threading.Thread(target=issuer)
        waiting.start()
        waiting.join(timeout=1.0)
        assert waiting.is_alive() and seen == []
        revocation.commit()
    waiting.join(timeout=30)
    assert seen == [AdjustmentStatus.REVOKED]
