"""A register list loaded after claims were recorded re-examines them by the
delivery's rule: not issued yet, rejected (units credited) or held (asset
listed), audited; issued, never changed but reported, its blocks frozen until
the bureau resolves the discrepancy."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.issuance import IssuanceState
from hub.domain.locks import ClaimLock, LockKind
from hub.domain.points import EntryKind
from hub.domain.registers import RegisterKind
from hub.services.asset_checks import thresholds_of
from hub.services.ingestion import IngestionService
from hub.services.outbox_port import OutboxKind
from hub.services.registers import ImportResult, RegisterImportService
from hub.standard import Standard, default_standards_dir
from hub.standard.points import load_points_rules

from .builders import PARTNER, PROJECT_ID, metro, pv
from .ledger_setup import Ledger, make_ledger

CREDITED = "CLAIM_CREDITED_IN_EXTERNAL_REGISTER"
LISTED = "CLAIM_ASSET_IN_EXTERNAL_REGISTER"
CLAIM_HEADER = "entry_id,name,type,asset_id,period_start,period_end\n"
JUNE_GEC = f"GEC-2025-0612,屋顶光伏 2025 年 6 月,光伏,{PROJECT_ID},2025-06,2025-06\n"
SITE_HEADER = "entry_id,name,type,longitude,latitude,size,size_unit\n"
ROOF = "CCER-PV-9,广州科学城厂房屋顶光伏,分布式光伏,113.4529,23.1701,380,kW\n"


@pytest.fixture
def ledger(standard: Standard) -> Ledger:
    return make_ledger(standard)


@pytest.fixture
def registers(ledger: Ledger, standard: Standard) -> RegisterImportService:
    thresholds = thresholds_of(standard.header.asset_matching)
    return RegisterImportService(ledger.uow_factory, thresholds, ledger.clock)


def _view(ledger: Ledger, record_id: str) -> tuple[Decision, IssuanceState | None, list[str]]:
    with ledger.uow_factory() as uow:
        stored = uow.claims.get_by_record_ids(PARTNER, [record_id])[record_id]
        view = uow.claims.ledger_view(stored.claim_id)
    assert view is not None
    return view.decision, view.issuance, [c.code for c in view.verdict.checks]


def _load(
    tmp_path: Path, registers: RegisterImportService, kind: RegisterKind, text: str
) -> ImportResult:
    listing = tmp_path / f"{kind}.csv"
    listing.write_text(text, encoding="utf-8")
    return registers.import_file(kind, listing, "bureau:王科长")


def test_a_recorded_claim_for_months_a_list_credits_is_rejected_and_its_locks_freed(
    ledger: Ledger, registers: RegisterImportService, tmp_path: Path
) -> None:
    june, july = ledger.accept(
        [pv("R-JUNE", "2025-06-01", "2025-06-30"), pv("R-JULY", "2025-07-01", "2025-07-31")]
    )

    loaded = _load(tmp_path, registers, RegisterKind.GEC, CLAIM_HEADER + JUNE_GEC)

    reexamined = loaded.reexamined
    assert reexamined.examined == 2  # both name the roof's id; only June is credited
    (moved,) = reexamined.claims
    assert (moved.record_id, moved.was, moved.now, moved.codes, moved.entries) == (
        "R-JUNE",
        "ACCEPTED",
        "REJECTED",
        (CREDITED,),
        ("gec/GEC-2025-0612",),
    )
    decision, issuance, codes = _view(ledger, "R-JUNE")
    assert (decision, issuance, codes[-1]) == (Decision.REJECTED, None, CREDITED)
    assert _view(ledger, "R-JULY")[:2] == (Decision.ACCEPTED, IssuanceState.PENDING)
    # Its double-issuance locks are gone, July's are kept.
    with ledger.uow_factory() as uow:
        holders = {
            c.held_by_record_id
            for c in uow.claims.find_lock_conflicts(
                [ClaimLock(LockKind.PROJECT_PERIOD, f"{PARTNER}|project|{PROJECT_ID}", 0, 2**62)]
            )
        }
    assert "R-JUNE" not in holders and "R-JULY" in holders
    # Audited like every move, and the import's event counts it.
    events = ledger.uow_factory.store.events
    (claim_event,) = [e for e in events if e.subject_id == june.claim_id and e.event == "REJECTED"]
    assert claim_event.actor == "bureau:王科长"
    assert claim_event.details["because"] == "register gec version 1 loaded"
    (imported,) = [e for e in events if e.subject_kind == "register"]
    assert (imported.details["claims_examined"], imported.details["claims_rejected"]) == ("2", "1")
    # The issuer never issues it.
    ledger.issuance.issue_pending()
    assert _view(ledger, "R-JUNE")[1] is None
    assert _view(ledger, "R-JULY")[1] is IssuanceState.ISSUED
    assert july.claim_id != june.claim_id


def test_a_recorded_claim_of_a_listed_roof_is_held_once_and_not_issued(
    ledger: Ledger, registers: RegisterImportService, tmp_path: Path
) -> None:
    ledger.accept([pv("R-1", "2025-06-01", "2025-06-30")])

    first = _load(tmp_path, registers, RegisterKind.CCER, SITE_HEADER + ROOF)
    again = _load(tmp_path, registers, RegisterKind.CCER, SITE_HEADER + ROOF)

    assert [(c.now, c.codes) for c in first.reexamined.claims] == [("HELD", (LISTED,))]
    assert again.reexamined.claims == ()  # it carries that entry's check already
    decision, issuance, codes = _view(ledger, "R-1")
    assert (decision, issuance, codes.count(LISTED)) == (Decision.HELD, IssuanceState.PENDING, 1)
    ledger.issuance.issue_pending()
    assert _view(ledger, "R-1")[1] is IssuanceState.PENDING


def test_an_issued_claim_is_reported_and_its_block_frozen_until_resolved(
    ledger: Ledger, registers: RegisterImportService, tmp_path: Path
) -> None:
    ledger.accept([pv("R-1", "2025-06-01", "2025-06-30")])
    ledger.issuance.issue_pending()
    assert _view(ledger, "R-1")[1] is IssuanceState.ISSUED

    loaded = _load(tmp_path, registers, RegisterKind.GEC, CLAIM_HEADER + JUNE_GEC)

    (reported,) = loaded.reexamined.claims
    assert (reported.was, reported.now, reported.codes) == ("ISSUED", "ISSUED", (CREDITED,))
    assert reported.frozen  # its block
    decision, issuance, codes = _view(ledger, "R-1")
    assert (decision, issuance, CREDITED in codes) == (
        Decision.ACCEPTED,
        IssuanceState.ISSUED,
        False,
    )  # never silently changed
    reconciliation = ledger.reconciliations.get(str(loaded.reexamined.reconciliation_id))
    assert reconciliation.counterpart == "register:gec"
    (discrepancy,) = reconciliation.discrepancies
    assert (discrepancy.discrepancy.kind, discrepancy.discrepancy.subject_id) == (
        "EXTERNAL_REGISTER",
        f"{PARTNER}/R-1",
    )
    assert discrepancy.discrepancy.hub_value == reported.frozen[0]
    assert discrepancy.discrepancy.counterpart_value == f"{CREDITED} gec/GEC-2025-0612"
    with ledger.uow_factory() as uow:
        block = uow.blocks.by_serial(reported.frozen[0])
    assert block is not None and block.frozen

    # The same list again reports nothing new: once per check and entry.
    again = _load(tmp_path, registers, RegisterKind.GEC, CLAIM_HEADER + JUNE_GEC)
    assert (again.reexamined.claims, again.reexamined.reconciliation_id) == ((), None)

    ledger.reconciliations.resolve(discrepancy.discrepancy_id, "GEC cancelled", "officer-1")

    with ledger.uow_factory() as uow:
        thawed = uow.blocks.by_serial(reported.frozen[0])
    assert thawed is not None and not thawed.frozen


def test_the_points_a_rejected_claim_earned_are_taken_back(
    standard: Standard, tmp_path: Path
) -> None:
    # A household's appliance saving on its meter (a personal claim naming a
    # site), credited afterwards by a register that names the meter.
    ledger = make_ledger(standard)
    loaded = load_points_rules(default_standards_dir(), standard)
    ingestion = IngestionService(ledger.uow_factory, standard, ledger.clock, points=loaded)
    claim = replace(
        metro("AC-1"),
        partner_methodology="GD-AC",
        activity_quantity="3",
        activity_unit="kWh",
        reported_tco2e="0.005",
        site_id="METER-0001",
        period_start="2024-10-01",
        period_end="2024-10-01",
    )
    (verdict,) = ingestion.submit(PARTNER, [claim])
    assert verdict.decision is Decision.ACCEPTED
    with ledger.uow_factory() as uow:
        award = uow.points.award_of(verdict.claim_id)
    assert award is not None and award.points > 0

    registers = RegisterImportService(
        ledger.uow_factory, thresholds_of(standard.header.asset_matching), ledger.clock
    )
    listing = (
        "entry_id,name,type,asset_id,period_start,period_end\n"
        "GEC-M,家庭光伏,pv,meter-0001,2024-10,2024-10\n"
    )
    (moved,) = _load(tmp_path, registers, RegisterKind.GEC, listing).reexamined.claims

    assert (moved.was, moved.now) == ("ACCEPTED", "REJECTED")
    with ledger.uow_factory() as uow:
        entries = uow.points.entries(PARTNER, award.person)
    # The award, then its reversal of as many points.
    assert [(e.kind, e.points) for e in entries] == [
        (EntryKind.AWARD, award.points),
        (EntryKind.REVERSAL, award.points),
    ]
    reversed_ = [e for e in ledger.uow_factory.store.events if e.event == "POINTS_REVERSED"]
    assert [e.subject_id for e in reversed_] == [verdict.claim_id]


def test_an_offered_block_frozen_by_a_late_list_tells_the_exchange_then_thaws(
    ledger: Ledger, registers: RegisterImportService, tmp_path: Path
) -> None:
    """Offered (QUALIFIED) but not yet acknowledged: the exchange holds it all the
    same, so it hears FROZEN, and UNFROZEN when the bureau resolves the discrepancy."""
    ledger.accept([pv("R-1", "2025-06-01", "2025-06-30")])
    ledger.issuance.issue_pending()
    with ledger.uow_factory() as uow:
        before = uow.outbox.read(0, 1000)
    (block_id,) = {e.block.block_id for e in before if e.kind is OutboxKind.QUALIFIED}
    assert all(e.block.delivered_at is None for e in before)  # never acknowledged

    loaded = _load(tmp_path, registers, RegisterKind.GEC, CLAIM_HEADER + JUNE_GEC)
    reconciliation = ledger.reconciliations.get(str(loaded.reexamined.reconciliation_id))
    (discrepancy,) = reconciliation.discrepancies
    ledger.reconciliations.resolve(discrepancy.discrepancy_id, "GEC cancelled", "officer-1")

    with ledger.uow_factory() as uow:
        after = uow.outbox.read(before[-1].cursor, 1000)
    assert [(e.kind, e.block.block_id) for e in after] == [
        (OutboxKind.FROZEN, block_id),
        (OutboxKind.UNFROZEN, block_id),
    ]


def test_an_issued_claim_carried_in_no_block_is_reported_to_the_bureau(
    ledger: Ledger, registers: RegisterImportService, tmp_path: Path
) -> None:
    """Under a tonne, its tonnes were carried on the account, not minted: no
    block of its own to freeze, but the bureau sees it, once."""
    ledger.accept([pv("R-1", "2025-06-01", "2025-06-30", activity_quantity="900")])
    run = ledger.issuance.issue_pending()
    assert (run.claims, run.blocks) == (1, [])
    assert _view(ledger, "R-1")[1] is IssuanceState.ISSUED

    loaded = _load(tmp_path, registers, RegisterKind.GEC, CLAIM_HEADER + JUNE_GEC)

    (reported,) = loaded.reexamined.claims
    assert (reported.now, reported.frozen) == ("ISSUED", ())
    reconciliation = ledger.reconciliations.get(str(loaded.reexamined.reconciliation_id))
    (discrepancy,) = reconciliation.discrepancies
    assert discrepancy.block_id is None
    assert (discrepancy.discrepancy.subject_id, discrepancy.discrepancy.hub_value) == (
        f"{PARTNER}/R-1",
        "carried on its account (in no block of its own)",
    )
    again = _load(tmp_path, registers, RegisterKind.GEC, CLAIM_HEADER + JUNE_GEC)
    assert (again.reexamined.claims, again.reexamined.reconciliation_id) == ((), None)
