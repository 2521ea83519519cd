"""Code run in separate OS processes by the exclusion and re-issuance race
tests (spawned): each process its own engine, services and transactions."""

from __future__ import annotations

import random
import time
from dataclasses import replace
from typing import Any

from carbonhub_contract.vocabulary.holdings import Holding
from carbonhub_contract.vocabulary.records import AdjustmentStatus, ClaimSubmission
from hub.services.attestation import AttestationService
from hub.services.clock import system_clock
from hub.services.ingestion import IngestionService
from hub.services.issuance import IssuanceService
from hub.services.reconciliation import ReconciliationService
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.test_attestation_service import hk_tonnes

REFERENCE = "HKAA-RACE"


def hk_month(record_id: str, month: int) -> ClaimSubmission:
    """A month of 2024 of one Hong Kong rooftop under REFERENCE."""
    last = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}.get(month, 31)
    return replace(
        hk_tonnes(record_id, REFERENCE),
        period_start=f"2024-{month:02d}-01",
        period_end=f"2024-{month:02d}-{last}",
    )


def _factory(url: str) -> tuple[Any, SqlAlchemyUnitOfWorkFactory]:
    engine = create_engine_for(url)
    return engine, SqlAlchemyUnitOfWorkFactory(engine)


def issue(url: str, barrier: Any, seconds: float) -> int:
    """Issue one claim per transaction, again and again for ``seconds``."""
    engine, factory = _factory(url)
    service = IssuanceService(
        factory,
        load_standard(default_standards_dir()),
        system_clock,
        batch_size=1,
        write_retries=200,
    )
    issued = 0
    barrier.wait(timeout=120)
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            issued += service.issue_pending(limit=1).claims
        return issued
    finally:
        engine.dispose()


def revoke(url: str, barrier: Any, delay: float) -> bool:
    """Revoke REFERENCE after ``delay`` seconds."""
    engine, factory = _factory(url)
    service = AttestationService(
        factory, load_standard(default_standards_dir()), system_clock, write_retries=200
    )
    barrier.wait(timeout=120)
    try:
        time.sleep(delay)
        outcome = service.attest_adjustment(
            "CN-HK", REFERENCE, AdjustmentStatus.REVOKED, None, "withdrawn"
        )
        return outcome.accepted
    finally:
        engine.dispose()


def submit_months(url: str, barrier: Any, months: list[int], seed: int) -> list[str]:
    """Deliver the months one by one while the others race; the decisions."""
    engine, factory = _factory(url)
    service = IngestionService(factory, load_standard(default_standards_dir()), system_clock)
    chooser = random.Random(seed)
    barrier.wait(timeout=120)
    try:
        decisions = []
        for month in months:
            time.sleep(chooser.uniform(0, 0.05))
            (verdict,) = service.submit("CN-HK", [hk_month(f"HR-{month:02d}", month)])
            decisions.append(str(verdict.decision))
        return decisions
    finally:
        engine.dispose()


def reconcile(url: str, barrier: Any, holdings: list[Holding], delay: float) -> str:
    """Guangdong answers a reconciliation after ``delay`` seconds."""
    engine, factory = _factory(url)
    service = ReconciliationService(
        factory, load_standard(default_standards_dir()), system_clock, write_retries=200
    )
    barrier.wait(timeout=120)
    try:
        time.sleep(delay)
        return str(service.submit("CN-GD", None, [], holdings).status)
    finally:
        engine.dispose()
