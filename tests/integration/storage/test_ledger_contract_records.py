"""The storage contract of retirements, offset usage, attestations, ledger events
and reconciliations. Run on the in-memory fake, SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.attestations import AdjustmentAttestation, SourceCancellation
from hub.domain.reconciliation import (
    EXCHANGE,
    Discrepancy,
    DiscrepancyKind,
    Phase,
    ReconciliationStatus,
)
from hub.domain.retirements import Retirement, RetirementPurpose, RetirementRequest
from hub.services.audit_port import LedgerEvent
from hub.services.reconciliation_port import StoredDiscrepancy, StoredReconciliation
from hub.services.retirement_port import OffsetUsage
from hub.services.unit_of_work import ConcurrentWriteConflict, UnitOfWork, UnitOfWorkFactory
from tests.integration.storage.ledger_records import (
    AT,
    block,
    claim,
    in_one,
    later,
    one_wins,
    race,
)

# --- retirements ------------------------------------------------------------------


def _retirement(retirement_id: str = "EX-R-1", **changes: object) -> Retirement:
    request = RetirementRequest(
        retirement_id=retirement_id,
        block_id="B-1",
        units=4,
        purpose=RetirementPurpose.ETS_OFFSET,
        beneficiary="深圳某电力有限公司",
        compliance_entity="SZ-ETS-0042",
        compliance_year=2024,
        verified_emissions_tco2e=Decimal("125000.50"),
        note="履约抵销",
    )
    retirement = Retirement(
        retirement_id=retirement_id,
        request_digest="d" * 64,
        request=request,
        retired_block_id="B-1a",
        remainder_block_id="B-1b",
        retired_at=later(100),
    )
    return dataclasses.replace(retirement, **changes)  # type: ignore[arg-type]


def test_retirements_read_back_equal_and_by_retired_block(uow_factory: UnitOfWorkFactory) -> None:
    offset = _retirement()
    event = _retirement(
        "EX-R-2",
        request=RetirementRequest(
            retirement_id="EX-R-2",
            block_id="B-2",
            units=10,
            purpose=RetirementPurpose.CARBON_NEUTRAL_EVENT,
            beneficiary="深圳马拉松组委会",
            event_name="2024 深圳马拉松",
        ),
        retired_block_id="B-2",
        remainder_block_id=None,
    )

    def add(uow: UnitOfWork) -> None:
        uow.retirements.add(offset)
        uow.retirements.add(event)

    in_one(uow_factory, add)
    with uow_factory() as uow:
        assert uow.retirements.get("EX-R-1") == offset
        assert uow.retirements.get("EX-R-2") == event
        assert uow.retirements.get("EX-R-3") is None
        stored = uow.retirements.get("EX-R-1")
        assert stored is not None and stored.request.verified_emissions_tco2e is not None
        assert stored.request.verified_emissions_tco2e.as_tuple() == (
            Decimal("125000.50").as_tuple()
        )
        assert uow.retirements.for_blocks(["B-1a", "B-2", "B-9"]) == {
            "B-1a": [offset],
            "B-2": [event],
        }
        # Keyed by the retired block only: not the parent, not the remainder.
        assert {k: v for k, v in uow.retirements.for_blocks(["B-1", "B-1b"]).items() if v} == {}


def test_a_retirement_id_is_stored_once(uow_factory: UnitOfWorkFactory) -> None:
    in_one(uow_factory, lambda uow: uow.retirements.add(_retirement()))
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.retirements.add(_retirement(retired_block_id="B-7"))
    first = _retirement("EX-R-9", retired_block_id="B-first")
    second = _retirement("EX-R-9", retired_block_id="B-second")
    winner = one_wins(
        race(
            uow_factory,
            lambda uow: uow.retirements.add(first),
            lambda uow: uow.retirements.add(second),
        )
    )
    with uow_factory() as uow:
        assert uow.retirements.get("EX-R-9") == (first, second)[winner]


def test_offset_usage_saves_by_version(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        fresh = uow.retirements.offset_usage("SZ-ETS-0042", 2024)
    assert (fresh.entity, fresh.year, dict(fresh.units_by_origin), fresh.version) == (
        "SZ-ETS-0042",
        2024,
        {},
        0,
    )
    assert fresh.units == 0
    first = OffsetUsage("SZ-ETS-0042", 2024, {"CN-GD": 30, "CN-HK": 5}, 1)
    in_one(uow_factory, lambda uow: uow.retirements.save_offset_usage(first))
    with uow_factory() as uow:
        stored = uow.retirements.offset_usage("SZ-ETS-0042", 2024)
        assert (dict(stored.units_by_origin), stored.version, stored.units) == (
            {"CN-GD": 30, "CN-HK": 5},
            1,
            35,
        )
        assert uow.retirements.offset_usage("SZ-ETS-0042", 2025).version == 0
        assert uow.retirements.offset_usage("SZ-ETS-0043", 2024).units == 0
    for stale in (1, 3, 0):
        with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
            uow.retirements.save_offset_usage(dataclasses.replace(first, version=stale))
    second = OffsetUsage("SZ-ETS-0042", 2024, {"CN-GD": 40, "CN-HK": 5, "CN-MO": 1}, 2)
    in_one(uow_factory, lambda uow: uow.retirements.save_offset_usage(second))
    with uow_factory() as uow:
        stored = uow.retirements.offset_usage("SZ-ETS-0042", 2024)
    assert (dict(stored.units_by_origin), stored.version) == (
        {"CN-GD": 40, "CN-HK": 5, "CN-MO": 1},
        2,
    )


def test_two_units_of_work_saving_one_offset_usage_version_one_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    first = OffsetUsage("SZ-ETS-0042", 2024, {"CN-GD": 10}, 1)
    second = OffsetUsage("SZ-ETS-0042", 2024, {"CN-HK": 20}, 1)
    winner = one_wins(
        race(
            uow_factory,
            lambda uow: uow.retirements.save_offset_usage(first),
            lambda uow: uow.retirements.save_offset_usage(second),
        )
    )
    with uow_factory() as uow:
        stored = uow.retirements.offset_usage("SZ-ETS-0042", 2024)
    assert dict(stored.units_by_origin) == dict((first, second)[winner].units_by_origin)


# --- attestations -------------------------------------------------------------------


def _cancellation(claim_id: str, **changes: object) -> SourceCancellation:
    cancellation = SourceCancellation(
        partner="CN-GD",
        claim_id=claim_id,
        origin_serial="GDPH-4401-PV-2023-0007-2024-000101-000107",
        cancellation_id="GD-CXL-0001",
        note=f"cancelled for Shenzhen hub claim {claim_id} / 为深圳注销",
        cancelled_at=later(10),
        attested_at=later(20),
    )
    return dataclasses.replace(cancellation, **changes)  # type: ignore[arg-type]


def test_source_cancellations_read_back_by_claim_and_by_id(uow_factory: UnitOfWorkFactory) -> None:
    a, b = claim("R-1"), claim("R-2")
    in_one(uow_factory, lambda uow: uow.claims.add([a, b]))
    attestation = _cancellation(a.verdict.claim_id)
    in_one(uow_factory, lambda uow: uow.attestations.add_source_cancellation(attestation))
    with uow_factory() as uow:
        assert uow.attestations.source_cancellation_for_claim(a.verdict.claim_id) == attestation
        assert uow.attestations.source_cancellation_for_claim(b.verdict.claim_id) is None
        assert uow.attestations.source_cancellation_by_id("CN-GD", "GD-CXL-0001") == attestation
        assert uow.attestations.source_cancellation_by_id("CN-HK", "GD-CXL-0001") is None
        assert uow.attestations.source_cancellation_by_id("CN-GD", "GD-CXL-0002") is None


@pytest.mark.parametrize(
    "reuse",
    [
        pytest.param({"cancellation_id": "GD-CXL-0002", "origin_serial": "S-2"}, id="claim"),
        pytest.param({"claim_id": "other", "origin_serial": "S-2"}, id="cancellation-id"),
        pytest.param({"claim_id": "other", "cancellation_id": "GD-CXL-0002"}, id="origin-serial"),
    ],
)
def test_a_source_cancellation_is_unique_per_claim_cancellation_id_and_origin_serial(
    uow_factory: UnitOfWorkFactory, reuse: dict[str, str]
) -> None:
    a, other = claim("R-1"), claim("R-2", claim_id="other")
    in_one(uow_factory, lambda uow: uow.claims.add([a, other]))
    first = _cancellation(a.verdict.claim_id)
    in_one(uow_factory, lambda uow: uow.attestations.add_source_cancellation(first))
    second = _cancellation(**({"claim_id": a.verdict.claim_id} | reuse))
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.attestations.add_source_cancellation(second)
    with uow_factory() as uow:
        assert uow.attestations.source_cancellation_for_claim("other") is None
        assert uow.attestations.source_cancellation_by_id("CN-GD", "GD-CXL-0002") is None
    # Distinct in all three: accepted.
    third = _cancellation("other", cancellation_id="GD-CXL-0002", origin_serial="S-2")
    in_one(uow_factory, lambda uow: uow.attestations.add_source_cancellation(third))
    with uow_factory() as uow:
        assert uow.attestations.source_cancellation_for_claim("other") == third


def test_two_units_of_work_attesting_one_cancellation_one_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    a, b = claim("R-1"), claim("R-2")
    in_one(uow_factory, lambda uow: uow.claims.add([a, b]))
    # Two claims, one origin block: a partner may cancel it for one of them only.
    first = _cancellation(a.verdict.claim_id, cancellation_id="GD-CXL-1")
    second = _cancellation(b.verdict.claim_id, cancellation_id="GD-CXL-2")
    winner = one_wins(
        race(
            uow_factory,
            lambda uow: uow.attestations.add_source_cancellation(first),
            lambda uow: uow.attestations.add_source_cancellation(second),
        )
    )
    won, lost = (first, second) if winner == 0 else (second, first)
    with uow_factory() as uow:
        assert uow.attestations.source_cancellation_for_claim(won.claim_id) == won
        assert uow.attestations.source_cancellation_for_claim(lost.claim_id) is None


def test_adjustment_status_is_the_latest_attested(uow_factory: UnitOfWorkFactory) -> None:
    def attest(partner: str, reference: str, status: AdjustmentStatus, second: int) -> None:
        attestation = AdjustmentAttestation(partner, reference, status, later(second), "note")
        in_one(uow_factory, lambda uow: uow.attestations.add_adjustment(attestation))

    with uow_factory() as uow:
        assert uow.attestations.adjustment_status("CN-HK", "ITMO-1") is None
        assert uow.attestations.adjustments_of("CN-HK") == {}
    attest("CN-HK", "ITMO-1", AdjustmentStatus.PENDING, 1)
    attest("CN-HK", "ITMO-2", AdjustmentStatus.COMMITTED, 2)
    attest("CN-HK", "ITMO-1", AdjustmentStatus.COMMITTED, 3)
    attest("CN-MO", "ITMO-1", AdjustmentStatus.PENDING, 4)
    attest("CN-HK", "ITMO-1", AdjustmentStatus.COMPLETED, 5)
    with uow_factory() as uow:
        assert uow.attestations.adjustment_status("CN-HK", "ITMO-1") is AdjustmentStatus.COMPLETED
        assert uow.attestations.adjustment_status("CN-MO", "ITMO-1") is AdjustmentStatus.PENDING
        assert uow.attestations.adjustment_status("CN-MO", "ITMO-2") is None
        # The issuer's bulk read agrees, pair by pair; a pair never attested is absent.
        assert uow.attestations.adjustment_statuses(
            [("CN-HK", "ITMO-1"), ("CN-HK", "ITMO-2"), ("CN-MO", "ITMO-1"), ("CN-MO", "ITMO-2")]
        ) == {
            ("CN-HK", "ITMO-1"): AdjustmentStatus.COMPLETED,
            ("CN-HK", "ITMO-2"): AdjustmentStatus.COMMITTED,
            ("CN-MO", "ITMO-1"): AdjustmentStatus.PENDING,
        }
        assert uow.attestations.adjustment_statuses([]) == {}
        assert uow.attestations.adjustments_of("CN-HK") == {
            "ITMO-1": AdjustmentStatus.COMPLETED,
            "ITMO-2": AdjustmentStatus.COMMITTED,
        }
        assert uow.attestations.adjustments_of("CN-MO") == {"ITMO-1": AdjustmentStatus.PENDING}


# --- ledger events ---------------------------------------------------------------------


def test_events_read_back_in_append_order(uow_factory: UnitOfWorkFactory) -> None:
    events = [
        LedgerEvent("block", "B-1", "ISSUED", "hub", later(1), {"units": "10", "账户": "项目 7"}),
        LedgerEvent("claim", "C-1", "ISSUED", "hub", later(1)),
        LedgerEvent("block", "B-2", "ISSUED", "hub", later(2), {"units": "5"}),
        LedgerEvent("block", "B-1", "DELIVERED", "exchange", later(3)),
    ]
    in_one(uow_factory, lambda uow: uow.events.append(events[:2]))
    in_one(uow_factory, lambda uow: uow.events.append(events[2:]))
    with uow_factory() as uow:
        uow.events.append([LedgerEvent("block", "B-1", "SPLIT", "hub", later(4))])
        # rolled back
    with uow_factory() as uow:
        assert uow.events.for_subjects("block", ["B-1", "B-2"]) == [
            events[0],
            events[2],
            events[3],
        ]
        assert uow.events.for_subjects("block", ["B-1"]) == [events[0], events[3]]
        assert uow.events.for_subjects("claim", ["C-1", "B-1"]) == [events[1]]
        assert uow.events.for_subjects("project", ["B-1"]) == []
        assert uow.events.for_subjects("block", []) == []
        assert dict(uow.events.for_subjects("block", ["B-1"])[0].details) == {
            "units": "10",
            "账户": "项目 7",
        }


# --- reconciliations -------------------------------------------------------------------


def _discrepancy(
    discrepancy_id: str, reconciliation_id: str, block_id: str | None, subject: str
) -> StoredDiscrepancy:
    return StoredDiscrepancy(
        discrepancy_id=discrepancy_id,
        reconciliation_id=reconciliation_id,
        discrepancy=Discrepancy(
            Phase.UNIT_BLOCKS, DiscrepancyKind.STATE_DIFFERS, subject, "DELIVERED", "RETIRED"
        ),
        block_id=block_id,
        resolved=False,
        resolution="",
        resolved_by="",
        resolved_at=None,
    )


def _requested(reconciliation_id: str, counterpart: str, second: int) -> StoredReconciliation:
    return StoredReconciliation(
        reconciliation_id=reconciliation_id,
        counterpart=counterpart,
        status=ReconciliationStatus.REQUESTED,
        requested_at=later(second),
        requested_by="bureau:li.wei",
        answered_at=None,
        discrepancies=(),
    )


def test_reconciliations_read_back_and_list_by_counterpart(
    uow_factory: UnitOfWorkFactory,
) -> None:
    answered = dataclasses.replace(
        _requested("REC-0", EXCHANGE, 0),
        status=ReconciliationStatus.INCONSISTENT,
        answered_at=later(5),
        discrepancies=(
            _discrepancy("D-01", "REC-0", "B-1", "B-1"),
            dataclasses.replace(
                _discrepancy("D-02", "REC-0", None, "ISSUED/2024"),
                discrepancy=Discrepancy(
                    Phase.TOTALS, DiscrepancyKind.TOTAL_DIFFERS, "ISSUED/2024", "3/30", "2/20"
                ),
            ),
        ),
    )
    older, newer = _requested("REC-1", EXCHANGE, 10), _requested("REC-2", EXCHANGE, 20)
    partner = _requested("REC-3", "CN-GD", 30)

    def add_all(uow: UnitOfWork) -> None:
        for item in (newer, answered, partner, older):
            uow.reconciliations.add(item)

    in_one(uow_factory, add_all)
    with uow_factory() as uow:
        assert uow.reconciliations.get("REC-0") == answered
        assert uow.reconciliations.get("REC-2") == newer
        assert uow.reconciliations.get("REC-9") is None
        assert uow.reconciliations.requested(EXCHANGE) == [older, newer]
        assert uow.reconciliations.requested("CN-GD") == [partner]
        assert uow.reconciliations.requested("CN-HK") == []
        assert uow.reconciliations.latest(EXCHANGE) == newer
        assert uow.reconciliations.latest("CN-GD") == partner
        assert uow.reconciliations.latest("CN-HK") is None
        assert uow.reconciliations.open_discrepancy_blocks() == {"B-1"}


def test_record_outcome_only_from_requested(uow_factory: UnitOfWorkFactory) -> None:
    in_one(uow_factory, lambda uow: uow.reconciliations.add(_requested("REC-1", EXCHANGE, 0)))
    found = (
        _discrepancy("D-1", "REC-1", "B-1", "B-1"),
        _discrepancy("D-2", "REC-1", "B-2", "B-2"),
        _discrepancy("D-3", "REC-1", None, "B-x"),
    )
    in_one(
        uow_factory,
        lambda uow: uow.reconciliations.record_outcome(
            "REC-1", ReconciliationStatus.INCONSISTENT, found, later(9)
        ),
    )
    with uow_factory() as uow:
        stored = uow.reconciliations.get("REC-1")
        assert stored == dataclasses.replace(
            _requested("REC-1", EXCHANGE, 0),
            status=ReconciliationStatus.INCONSISTENT,
            answered_at=later(9),
            discrepancies=found,
        )
        assert uow.reconciliations.requested(EXCHANGE) == []
        assert uow.reconciliations.open_discrepancy_blocks() == {"B-1", "B-2"}
        with pytest.raises(ConcurrentWriteConflict):
            uow.reconciliations.record_outcome(
                "REC-1", ReconciliationStatus.CONSISTENT, [], later(10)
            )
    with uow_factory() as uow:
        stored = uow.reconciliations.get("REC-1")
        assert stored is not None and stored.status is ReconciliationStatus.INCONSISTENT


def test_two_units_of_work_recording_one_outcome_one_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    in_one(uow_factory, lambda uow: uow.reconciliations.add(_requested("REC-1", "CN-GD", 0)))
    winner = one_wins(
        race(
            uow_factory,
            lambda uow: uow.reconciliations.record_outcome(
                "REC-1", ReconciliationStatus.CONSISTENT, [], later(1)
            ),
            lambda uow: uow.reconciliations.record_outcome(
                "REC-1",
                ReconciliationStatus.INCONSISTENT,
                [_discrepancy("D-1", "REC-1", "B-1", "B-1")],
                later(2),
            ),
        )
    )
    with uow_factory() as uow:
        stored = uow.reconciliations.get("REC-1")
        blocks = uow.reconciliations.open_discrepancy_blocks()
    assert stored is not None
    if winner == 0:
        assert (stored.status, stored.discrepancies, blocks) == (
            ReconciliationStatus.CONSISTENT,
            (),
            set(),
        )
    else:
        assert (stored.status, len(stored.discrepancies), blocks) == (
            ReconciliationStatus.INCONSISTENT,
            1,
            {"B-1"},
        )


def test_resolve_marks_one_open_discrepancy_once(uow_factory: UnitOfWorkFactory) -> None:
    in_one(uow_factory, lambda uow: uow.reconciliations.add(_requested("REC-1", EXCHANGE, 0)))
    found = (
        _discrepancy("D-1", "REC-1", "B-1", "B-1"),
        _discrepancy("D-2", "REC-1", "B-2", "B-2"),
    )
    in_one(
        uow_factory,
        lambda uow: uow.reconciliations.record_outcome(
            "REC-1", ReconciliationStatus.INCONSISTENT, found, later(1)
        ),
    )
    with uow_factory() as uow:
        resolved = uow.reconciliations.resolve("D-1", "交易所已更正 / corrected", "bureau:li", AT)
        uow.commit()
    assert resolved == dataclasses.replace(
        found[0],
        resolved=True,
        resolution="交易所已更正 / corrected",
        resolved_by="bureau:li",
        resolved_at=AT,
    )
    with uow_factory() as uow:
        stored = uow.reconciliations.get("REC-1")
        assert stored is not None and stored.discrepancies == (resolved, found[1])
        assert uow.reconciliations.open_discrepancy_blocks() == {"B-2"}
        with pytest.raises(ConcurrentWriteConflict):
            uow.reconciliations.resolve("D-1", "again", "bureau:wang", later(1))
    with uow_factory() as uow, pytest.raises(KeyError):
        uow.reconciliations.resolve("D-404", "nothing", "bureau:wang", later(1))
    winner = one_wins(
        race(
            uow_factory,
            lambda uow: uow.reconciliations.resolve("D-2", "first", "bureau:li", later(2)),
            lambda uow: uow.reconciliations.resolve("D-2", "second", "bureau:wang", later(3)),
        )
    )
    with uow_factory() as uow:
        stored = uow.reconciliations.get("REC-1")
        assert uow.reconciliations.open_discrepancy_blocks() == set()
    assert stored is not None
    assert stored.discrepancies[1].resolution == ("first", "second")[winner]
    assert stored.discrepancies[1].resolved_by == ("bureau:li", "bureau:wang")[winner]


def test_set_status_is_conditional(uow_factory: UnitOfWorkFactory) -> None:
    # set_status has no docstring; read like every other conditional write of
    # these ports: a stored status other than ``expected`` is a conflict.
    inconsistent = dataclasses.replace(
        _requested("REC-1", "CN-GD", 0), status=ReconciliationStatus.INCONSISTENT
    )
    in_one(uow_factory, lambda uow: uow.reconciliations.add(inconsistent))
    done = ReconciliationStatus.COMPLETED_WITH_MANUAL_INTERVENTION
    in_one(
        uow_factory,
        lambda uow: uow.reconciliations.set_status(
            "REC-1", ReconciliationStatus.INCONSISTENT, done
        ),
    )
    with uow_factory() as uow:
        stored = uow.reconciliations.get("REC-1")
        assert stored is not None and stored.status is done
        with pytest.raises(ConcurrentWriteConflict):
            uow.reconciliations.set_status("REC-1", ReconciliationStatus.INCONSISTENT, done)


def test_frozen_blocks_and_open_discrepancies_agree(uow_factory: UnitOfWorkFactory) -> None:
    """open_discrepancy_blocks names hub blocks, which stay as stored."""
    in_one(uow_factory, lambda uow: uow.blocks.add([block("B-1", 1, 10, frozen=True)]))
    in_one(uow_factory, lambda uow: uow.reconciliations.add(_requested("REC-1", EXCHANGE, 0)))
    in_one(
        uow_factory,
        lambda uow: uow.reconciliations.record_outcome(
            "REC-1",
            ReconciliationStatus.INCONSISTENT,
            [_discrepancy("D-1", "REC-1", "B-1", "B-1")],
            later(1),
        ),
    )
    with uow_factory() as uow:
        assert uow.reconciliations.open_discrepancy_blocks() == {"B-1"}
        frozen = uow.blocks.get_many(uow.reconciliations.open_discrepancy_blocks())
        assert frozen["B-1"].frozen
