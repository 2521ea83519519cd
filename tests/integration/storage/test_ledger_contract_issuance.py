"""The storage contract of issuance: carried remainders, serial numbering, records.

Run on the in-memory fake, SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal

import pytest

from carbonhub_contract.vocabulary.records import AdjustmentStatus, Decision
from hub.domain.blocks import BlockState
from hub.domain.inventory_exclusions import Coverage
from hub.domain.issuance import AccountKey, IssuanceState
from hub.domain.serial_blocks import SerialRange
from hub.services.claim_port import NewClaimRecord
from hub.services.issuance_port import (
    CarryAccount,
    ClaimIssuance,
    IssuanceRecord,
    IssuanceTotals,
    IssuedPart,
)
from hub.services.unit_of_work import ConcurrentWriteConflict, UnitOfWork, UnitOfWorkFactory
from tests.fakes import FakeUnitOfWorkFactory
from tests.integration.storage.ledger_records import (
    AT,
    OTHER_SERIES,
    SERIES,
    block,
    children,
    claim,
    in_one,
    later,
    one_wins,
    race,
)

PROJECT = AccountKey("CN-GD", "SZ-PV", 2024, "project:GD-PV-0007")
CROSS_BORDER = AccountKey("CN-GD", "SZ-PV", 2024, "project:GD-PV-0007", "ITMO-2024-001")
HK = AccountKey("CN-HK", "SZ-PV", 2024, "person:PSN-1")


# --- carried remainders ------------------------------------------------------------


def test_carry_accounts_save_by_version_and_read_back_exactly(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        assert uow.issuance.carried([PROJECT, CROSS_BORDER]) == {}
    first = CarryAccount(PROJECT, Decimal("0.707500"), 1)
    other = CarryAccount(CROSS_BORDER, Decimal("0.1"), 1)
    in_one(uow_factory, lambda uow: uow.issuance.save_carry([first, other]))
    with uow_factory() as uow:
        stored = uow.issuance.carried([PROJECT, CROSS_BORDER, HK])
        assert stored == {PROJECT: first, CROSS_BORDER: other}
        assert stored[PROJECT].carried.as_tuple() == Decimal("0.707500").as_tuple()
        assert stored[CROSS_BORDER].key.adjustment_ref == "ITMO-2024-001"
        assert stored[PROJECT].key.adjustment_ref is None
    for stale in (
        CarryAccount(PROJECT, Decimal("0.2"), 1),  # a concurrent insert
        CarryAccount(PROJECT, Decimal("0.2"), 3),  # skips a version
        CarryAccount(PROJECT, Decimal("0.2"), 0),
    ):
        with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
            uow.issuance.save_carry([stale])
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        # One stale account refuses the batch.
        uow.issuance.save_carry(
            [CarryAccount(CROSS_BORDER, Decimal("0.3"), 2), CarryAccount(PROJECT, Decimal(0), 1)]
        )
    second = CarryAccount(PROJECT, Decimal("0"), 2)
    in_one(uow_factory, lambda uow: uow.issuance.save_carry([second]))
    with uow_factory() as uow:
        assert uow.issuance.carried([PROJECT, CROSS_BORDER]) == {
            PROJECT: second,
            CROSS_BORDER: other,
        }


def test_two_units_of_work_saving_one_carry_version_one_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    in_one(uow_factory, lambda uow: uow.issuance.save_carry([CarryAccount(PROJECT, Decimal(0), 1)]))
    first = CarryAccount(PROJECT, Decimal("0.25"), 2)
    second = CarryAccount(PROJECT, Decimal("0.75"), 2)
    winner = one_wins(
        race(
            uow_factory,
            lambda uow: uow.issuance.save_carry([first]),
            lambda uow: uow.issuance.save_carry([second]),
        )
    )
    with uow_factory() as uow:
        assert uow.issuance.carried([PROJECT]) == {PROJECT: (first, second)[winner]}


# --- serial numbering ----------------------------------------------------------------


def test_reserve_units_hands_out_consecutive_ranges_per_series(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        assert uow.issuance.reserve_units(SERIES, 10) == SerialRange(SERIES, 1, 10)
        assert uow.issuance.reserve_units(SERIES, 5) == SerialRange(SERIES, 11, 15)
        assert uow.issuance.reserve_units(OTHER_SERIES, 1) == SerialRange(OTHER_SERIES, 1, 1)
        uow.commit()
    with uow_factory() as uow:
        assert uow.issuance.reserve_units(SERIES, 3) == SerialRange(SERIES, 16, 18)
        # not committed: the counter goes back
    with uow_factory() as uow:
        assert uow.issuance.reserve_units(SERIES, 1) == SerialRange(SERIES, 16, 16)
        assert uow.issuance.reserve_units(OTHER_SERIES, 2) == SerialRange(OTHER_SERIES, 2, 3)
        uow.commit()


def test_concurrent_reservations_in_one_series_never_share_a_unit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """Two units of work reserve in one series at once. Where the database
    serialises them (SQLite's BEGIN IMMEDIATE: the second begins after the
    first committed) both may commit, one after the other; otherwise the
    second to commit is refused. Either way no unit is handed out twice."""
    in_one(uow_factory, lambda uow: uow.issuance.reserve_units(SERIES, 4))
    reserved: dict[int, SerialRange] = {}

    def reserve(units: int) -> Callable[[UnitOfWork], None]:
        def run(uow: UnitOfWork) -> None:
            reserved[units] = uow.issuance.reserve_units(SERIES, units)

        return run

    outcomes = race(uow_factory, reserve(10), reserve(20))
    with uow_factory() as uow:
        following = uow.issuance.reserve_units(SERIES, 1)
    if "conflict" in outcomes:
        winner_units = (10, 20)[one_wins(outcomes)]
        assert reserved[winner_units] == SerialRange(SERIES, 5, 4 + winner_units)
        assert following == SerialRange(SERIES, 5 + winner_units, 5 + winner_units)
    else:
        spans = sorted((r.first, r.last) for r in reserved.values())
        assert spans in ([(5, 14), (15, 34)], [(5, 24), (25, 34)])
        assert following == SerialRange(SERIES, 35, 35)


def test_fake_refuses_the_second_reservation_to_commit() -> None:
    """The fake's snapshot isolation: both reserve from the same counter; the
    second to commit is refused, and the counter moved once."""
    factory = FakeUnitOfWorkFactory()
    with factory() as first, factory() as second:
        assert first.issuance.reserve_units(SERIES, 10) == SerialRange(SERIES, 1, 10)
        assert second.issuance.reserve_units(SERIES, 5) == SerialRange(SERIES, 1, 5)
        second.commit()
        with pytest.raises(ConcurrentWriteConflict):
            first.commit()
    with factory() as uow:
        assert uow.issuance.reserve_units(SERIES, 1) == SerialRange(SERIES, 6, 6)


# --- issuance records ------------------------------------------------------------------


def _claims(factory: UnitOfWorkFactory, *records: NewClaimRecord) -> list[str]:
    in_one(factory, lambda uow: uow.claims.add(list(records)))
    return [r.verdict.claim_id for r in records]


def _issuance(
    issuance_id: str,
    claims: tuple[tuple[str, Decimal], ...],
    *,
    key: AccountKey = PROJECT,
    carried_before: Decimal = Decimal(0),
    block_id: str | None = None,
) -> IssuanceRecord:
    total = carried_before + sum((amount for _, amount in claims), Decimal(0))
    units = int(total)
    return IssuanceRecord(
        issuance_id=issuance_id,
        key=key,
        claims=claims,
        carried_before=carried_before,
        units=units,
        carried_after=total - units,
        block_id=block_id,
        issued_at=AT,
    )


def _whole(
    issuance_id: str, serials: tuple[str, ...], carried_after: Decimal, credited: Decimal
) -> ClaimIssuance:
    """A claim issued in one part, under the 2024 vintage."""
    part = IssuedPart(2024, credited, issuance_id, serials, carried_after)
    return ClaimIssuance(issuance_id, serials, carried_after, (part,))


def test_issuance_records_answer_of_claims_and_totals(uow_factory: UnitOfWorkFactory) -> None:
    a, b, c, d = _claims(
        uow_factory,
        claim("R-1", credited=Decimal("6.707500")),
        claim("R-2", credited=Decimal("0.5")),
        claim("R-3", credited=Decimal("0.25"), adjustment_ref="ITMO-2024-001"),
        claim("R-1", partner="CN-HK", project_id=None, person_pseudonym="PSN-1"),
    )
    issued_block = block("B-1", 1, 7, issuance_id="I-1")
    one = _issuance(
        "I-1",
        ((a, Decimal("6.707500")), (b, Decimal("0.5"))),
        carried_before=Decimal("0.1"),
        block_id="B-1",
    )
    below = _issuance("I-2", ((c, Decimal("0.25")),), key=CROSS_BORDER)
    hk_block = block("B-HK", 1, 6, series=HK.series(), partner="CN-HK", account=HK.account)
    hk = _issuance("I-3", ((d, Decimal("6.707500")),), key=HK, block_id="B-HK")
    assert (one.units, one.carried_after) == (7, Decimal("0.307500"))

    def issue(uow: UnitOfWork) -> None:
        uow.blocks.add([issued_block, hk_block])
        uow.issuance.record([one, below, hk])
        uow.issuance.save_carry(
            [
                CarryAccount(PROJECT, one.carried_after, 1),
                CarryAccount(CROSS_BORDER, below.carried_after, 1),
                CarryAccount(HK, hk.carried_after, 1),
            ]
        )

    in_one(uow_factory, issue)
    with uow_factory() as uow:
        # Recording an issuance moved its claims PENDING -> ISSUED.
        assert uow.claims.issuable(10) == []
        for claim_id in (a, b, c, d):
            view = uow.claims.ledger_view(claim_id)
            assert view is not None and view.issuance is IssuanceState.ISSUED
        assert uow.issuance.of_claims([a, b, c, "no-such-claim"]) == {
            a: _whole("I-1", (issued_block.serial,), Decimal("0.307500"), Decimal("6.707500")),
            b: _whole("I-1", (issued_block.serial,), Decimal("0.307500"), Decimal("0.5")),
            c: _whole("I-2", (), Decimal("0.25"), Decimal("0.25")),
        }
        assert uow.issuance.of_claims([]) == {}
        assert uow.issuance.totals("CN-GD") == IssuanceTotals(
            claims_issued=3,
            units_issued=7,
            carried_tco2e=Decimal("0.557500"),
            credited_issued_tco2e=Decimal("7.457500"),
        )
        assert uow.issuance.totals("CN-HK") == IssuanceTotals(
            1, 6, Decimal("0.707500"), Decimal("6.707500")
        )
        assert uow.issuance.totals("CN-MO") == IssuanceTotals(0, 0, Decimal(0), Decimal(0))


def test_of_claims_follows_splits_to_the_live_descendants(uow_factory: UnitOfWorkFactory) -> None:
    (a,) = _claims(uow_factory, claim("R-1", credited=Decimal("10")))
    parent = block("B-1", 1, 10, state=BlockState.DELIVERED, issuance_id="I-1")

    def issue(uow: UnitOfWork) -> None:
        uow.blocks.add([parent])
        uow.issuance.record([_issuance("I-1", ((a, Decimal("10")),), block_id="B-1")])

    in_one(uow_factory, issue)
    head, tail = children(parent, 3, "B-1a", "B-1b")
    head = dataclasses.replace(head, state=BlockState.RETIRED)
    in_one(uow_factory, lambda uow: uow.blocks.split(parent, head, tail, later(1)))
    tail_head, tail_tail = children(tail, 2, "B-1b1", "B-1b2")
    in_one(uow_factory, lambda uow: uow.blocks.split(tail, tail_head, tail_tail, later(2)))
    with uow_factory() as uow:
        found = uow.issuance.of_claims([a])[a]
    assert found.issuance_id == "I-1" and found.carried_after == Decimal(0)
    # Order of the serials is not specified: compared as a set.
    assert sorted(found.block_serials) == sorted([head.serial, tail_head.serial, tail_tail.serial])
    assert len(found.block_serials) == 3
    assert parent.serial not in found.block_serials and tail.serial not in found.block_serials


def test_a_claim_spanning_new_year_is_recorded_once_per_vintage_part(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (a,) = _claims(uow_factory, claim("R-NY", credited=Decimal("10")))
    next_year = dataclasses.replace(PROJECT, vintage=2025)
    first = _issuance("I-2024", ((a, Decimal("5.161290")),), block_id="B-2024")
    second = _issuance("I-2025", ((a, Decimal("4.838710")),), key=next_year, block_id="B-2025")
    blocks = [
        block("B-2024", 1, 5, issuance_id="I-2024"),
        block("B-2025", 1, 4, series=next_year.series(), issuance_id="I-2025"),
    ]

    def issue(uow: UnitOfWork) -> None:
        uow.blocks.add(blocks)
        uow.issuance.record([first, second])

    in_one(uow_factory, issue)
    with uow_factory() as uow:
        found = uow.issuance.of_claims([a])[a]
        totals = uow.issuance.totals("CN-GD")
        # The same part again (another process's issuer) is refused.
        with pytest.raises(ConcurrentWriteConflict):
            uow.issuance.record([_issuance("I-again", ((a, Decimal("4.838710")),), key=next_year)])
    assert [(p.vintage, p.credited_tco2e, p.issuance_id) for p in found.parts] == [
        (2024, Decimal("5.161290"), "I-2024"),
        (2025, Decimal("4.838710"), "I-2025"),
    ]
    assert found.block_serials == (blocks[0].serial, blocks[1].serial)
    assert (found.issuance_id, found.carried_after) == ("I-2025", second.carried_after)
    assert totals.claims_issued == 1
    assert totals.credited_issued_tco2e == Decimal(10)
    assert totals.units_issued == 9


def test_a_claim_is_issued_once(uow_factory: UnitOfWorkFactory) -> None:
    a, b = _claims(uow_factory, claim("R-1"), claim("R-2"))
    in_one(
        uow_factory,
        lambda uow: uow.issuance.record([_issuance("I-1", ((a, Decimal("6.707500")),))]),
    )
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.issuance.record([_issuance("I-2", ((b, Decimal("0.5")), (a, Decimal("6.707500"))))])
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.issuance.record(
            [
                _issuance("I-3", ((b, Decimal("0.5")),)),
                _issuance("I-4", ((b, Decimal("0.5")),), key=CROSS_BORDER),
            ]
        )
    with uow_factory() as uow:
        assert set(uow.issuance.of_claims([a, b])) == {a}
        assert uow.issuance.totals("CN-GD").claims_issued == 1


def test_two_units_of_work_issuing_one_claim_in_two_issuances_one_is_refused(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (a,) = _claims(uow_factory, claim("R-1"))
    records = (
        _issuance("I-first", ((a, Decimal("6.707500")),)),
        _issuance("I-second", ((a, Decimal("6.707500")),)),
    )
    winner = one_wins(
        race(
            uow_factory,
            lambda uow: uow.issuance.record([records[0]]),
            lambda uow: uow.issuance.record([records[1]]),
        )
    )
    with uow_factory() as uow:
        assert uow.issuance.of_claims([a])[a].issuance_id == records[winner].issuance_id
        # No carry account was saved here: nothing is carried.
        assert uow.issuance.totals("CN-GD") == IssuanceTotals(1, 6, Decimal(0), Decimal("6.707500"))


def test_recording_refuses_a_claim_not_pending_or_not_accepted(
    uow_factory: UnitOfWorkFactory,
) -> None:
    held, waiting, pending = _claims(
        uow_factory,
        claim("R-HELD", decision=Decision.HELD),
        claim("R-WAIT", issuance=IssuanceState.AWAITING_SOURCE_CANCELLATION),
        claim("R-OK"),
    )
    for claim_id in (held, waiting):
        with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
            uow.issuance.record(
                [_issuance("I-" + claim_id, ((pending, Decimal("0.5")), (claim_id, Decimal(1))))]
            )
    with uow_factory() as uow:
        assert uow.issuance.of_claims([held, waiting, pending]) == {}
        assert [c.claim_id for c in uow.claims.issuable(10)] == [pending]


def test_coverage_sums_the_live_units_under_a_reference(uow_factory: UnitOfWorkFactory) -> None:
    ref = CROSS_BORDER.adjustment_ref
    assert ref is not None
    with uow_factory() as uow:
        assert uow.issuance.coverage("CN-GD", ref) == Coverage(0, frozenset())
    next_year = dataclasses.replace(CROSS_BORDER, vintage=2025)
    committed = AdjustmentStatus.COMMITTED
    blocks = [
        block("B-1", 1, 7, reference=ref, adjustment=committed, state=BlockState.DELIVERED),
        block("B-2", 8, 9, reference=ref, adjustment=committed, state=BlockState.RETIRED),
        block("B-3", 1, 4, series=next_year.series(), reference=ref, adjustment=committed),
        block("B-4", 10, 30, reference="ITMO-OTHER", adjustment=committed),
        block("B-5", 31, 40),
    ]
    in_one(uow_factory, lambda uow: uow.blocks.add(blocks))
    parent = blocks[0]
    head, tail = children(parent, 3, "B-1a", "B-1b")
    in_one(uow_factory, lambda uow: uow.blocks.split(parent, head, tail, later(1)))
    with uow_factory() as uow:
        # The split parent no longer counts; its children do: 7 + 2 + 4.
        assert uow.issuance.coverage("CN-GD", ref) == Coverage(13, frozenset({2024, 2025}))
        assert uow.issuance.coverage("CN-HK", ref) == Coverage(0, frozenset())
