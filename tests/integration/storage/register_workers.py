"""Code run in separate OS processes by the register re-examination race test
(spawned): each process its own engine, services and transactions."""

from __future__ import annotations

import calendar
import random
import time
from pathlib import Path
from typing import Any

from hub.domain.registers import RegisterKind
from hub.services.asset_checks import thresholds_of
from hub.services.clock import system_clock
from hub.services.ingestion import IngestionService
from hub.services.registers import RegisterImportService
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.unit.services.builders import PARTNER, pv


def month(number: int) -> tuple[str, str, str]:
    """Record id, first and last day of a month of 2025."""
    last = calendar.monthrange(2025, number)[1]
    return f"R-{number:02d}", f"2025-{number:02d}-01", f"2025-{number:02d}-{last}"


def submit_months(url: str, barrier: Any, months: list[int], seed: int) -> list[str]:
    """Deliver one month per transaction, with short random pauses."""
    engine = create_engine_for(url)
    chooser = random.Random(seed)
    try:
        service = IngestionService(
            SqlAlchemyUnitOfWorkFactory(engine),
            load_standard(default_standards_dir()),
            system_clock,
        )
        barrier.wait(timeout=120)
        decided = []
        for number in months:
            (verdict,) = service.submit(PARTNER, [pv(*month(number))])
            decided.append(str(verdict.decision))
            time.sleep(chooser.uniform(0, 0.05))
        return decided
    finally:
        engine.dispose()


def load_list(url: str, barrier: Any, listing: str, delay: float) -> tuple[int, int]:
    """Load ``listing`` as the GEC list after ``delay`` seconds: (examined, rejected)."""
    engine = create_engine_for(url)
    try:
        standard = load_standard(default_standards_dir())
        service = RegisterImportService(
            SqlAlchemyUnitOfWorkFactory(engine),
            thresholds_of(standard.header.asset_matching),
            system_clock,
        )
        barrier.wait(timeout=120)
        time.sleep(delay)
        result = service.import_file(RegisterKind.GEC, Path(listing), "bureau:race")
        return result.reexamined.examined, result.reexamined.count("REJECTED")
    finally:
        engine.dispose()
