"""Re-examining recorded claims when a register list is loaded, on the fake,
SQLite and PostgreSQL alike: found by asset id whatever its case, by an
overlapping serial range (a claim waiting for its source cancellation), by
its described roof; an issued claim's block frozen under a discrepancy."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbonhub_contract.vocabulary.records import Decision, OriginStatus
from hub.domain.issuance import IssuanceState
from hub.domain.registers import RegisterKind
from hub.services.asset_checks import thresholds_of
from hub.services.clock import system_clock
from hub.services.ingestion import IngestionService
from hub.services.issuance import IssuanceService
from hub.services.projects import ProjectRegistrationService
from hub.services.reconciliation import ReconciliationService
from hub.services.registers import RegisterImportService
from hub.services.unit_of_work import UnitOfWorkFactory
from hub.standard import Standard, default_standards_dir, load_standard
from tests.unit.services.builders import PARTNER, PROJECT_ID, pv, pv_project

SERIAL = f"GDPH-{PROJECT_ID}-2025-5001-5100"
HEADER = "entry_id,name,type,asset_id,period_start,period_end,serial_range\n"


@pytest.fixture(scope="module")
def standard() -> Standard:
    return load_standard(default_standards_dir())


def _load(
    factory: UnitOfWorkFactory, standard: Standard, tmp_path: Path, kind: RegisterKind, text: str
) -> RegisterImportService:
    service = RegisterImportService(
        factory, thresholds_of(standard.header.asset_matching), system_clock
    )
    listing = tmp_path / f"{kind}.csv"
    listing.write_text(text, encoding="utf-8")
    return service


def test_recorded_claims_are_found_and_moved_by_a_late_list(
    uow_factory: UnitOfWorkFactory, standard: Standard, tmp_path: Path
) -> None:
    (project,) = ProjectRegistrationService(uow_factory, standard).register(PARTNER, [pv_project()])
    assert project.decision is Decision.ACCEPTED
    ingestion = IngestionService(uow_factory, standard, system_clock)
    march, april, may, june = ingestion.submit(
        PARTNER,
        [
            pv("R-MAR", "2025-03-01", "2025-03-31"),
            pv("R-APR", "2025-04-01", "2025-04-30"),
            pv(
                "R-MAY",
                "2025-05-01",
                "2025-05-31",
                origin_status=OriginStatus.ISSUED,
                origin_serial=SERIAL,
            ),
            pv("R-JUN", "2025-06-01", "2025-06-30"),
        ],
    )
    assert {v.decision for v in (march, april, may, june)} == {Decision.ACCEPTED}
    IssuanceService(uow_factory, standard, system_clock).issue_pending()
    with uow_factory() as uow:
        states = {
            v.record_id: uow.claims.ledger_view(v.claim_id) for v in (march, april, may, june)
        }
    assert {r: s.issuance for r, s in states.items() if s is not None} == {
        "R-MAR": IssuanceState.ISSUED,
        "R-APR": IssuanceState.ISSUED,
        "R-MAY": IssuanceState.AWAITING_SOURCE_CANCELLATION,
        "R-JUN": IssuanceState.ISSUED,
    }

    # Shenzhen's list names April's roof in other case, and credited May's serials.
    rows = (
        f"SZ-04,屋顶光伏 2025 年 4 月,光伏, {PROJECT_ID.lower()} ,2025-04,2025-04,\n"
        f"SZ-PH-7,深圳碳普惠 已签发,光伏,,,,gdph-{PROJECT_ID}-2025-5050-5060\n"
    )
    service = _load(uow_factory, standard, tmp_path, RegisterKind.SHENZHEN, HEADER + rows)
    loaded = service.import_file(RegisterKind.SHENZHEN, tmp_path / "shenzhen.csv", "bureau:test")

    claims = {c.record_id: c for c in loaded.reexamined.claims}
    assert set(claims) == {"R-APR", "R-MAY"}
    assert (claims["R-MAY"].was, claims["R-MAY"].now) == ("ACCEPTED", "REJECTED")
    assert (claims["R-APR"].now, claims["R-APR"].entries) == ("ISSUED", ("shenzhen/SZ-04",))
    (serial,) = claims["R-APR"].frozen
    with uow_factory() as uow:
        may_view = uow.claims.ledger_view(may.claim_id)
        april_view = uow.claims.ledger_view(april.claim_id)
        block = uow.blocks.by_serial(serial)
    assert may_view is not None and (may_view.decision, may_view.issuance) == (
        Decision.REJECTED,
        None,
    )
    # Issued stays issued, its verdict untouched: the bureau decides.
    assert april_view is not None
    assert (april_view.decision, april_view.issuance) == (Decision.ACCEPTED, IssuanceState.ISSUED)
    assert not [c for c in april_view.verdict.checks if "EXTERNAL_REGISTER" in c.code]
    assert block is not None and block.frozen

    reconciliations = ReconciliationService(uow_factory, standard, system_clock)
    reconciliation = reconciliations.get(str(loaded.reexamined.reconciliation_id))
    (discrepancy,) = reconciliation.discrepancies
    assert discrepancy.block_id == block.block_id
    reconciliations.resolve(discrepancy.discrepancy_id, "GEC cancelled", "officer-1")
    with uow_factory() as uow:
        thawed = uow.blocks.by_serial(serial)
    assert thawed is not None and not thawed.frozen
