"""Issuance: whole tonnes floor into serial blocks, remainders carried, never twice."""

from __future__ import annotations

import itertools
from decimal import Decimal

from carbonhub_contract.vocabulary.records import AdjustmentStatus, Decision
from hub.domain.blocks import BlockState
from hub.domain.issuance import AccountKey, ClaimState
from hub.domain.serial_blocks import parse_serial
from hub.services.outbox_port import OutboxKind
from hub.standard import Standard

from .builders import PARTNER, PERSON_A, metro, pv
from .ledger_setup import make_ledger


def months(n: int) -> list[tuple[str, str]]:
    spans = []
    for month in range(1, n + 1):
        end_day = {2: 28, 4: 30, 6: 30, 9: 30, 11: 30}.get(month, 31)
        spans.append((f"2024-{month:02d}-01", f"2024-{month:02d}-{end_day:02d}"))
    return spans


def test_whole_tonnes_are_issued_and_the_remainder_is_carried(standard: Standard) -> None:
    ledger = make_ledger(standard)
    verdicts = ledger.accept([pv(f"R{i}", start, end) for i, (start, end) in enumerate(months(5))])
    credited = sum((v.credited_tco2e or Decimal(0) for v in verdicts), Decimal(0))

    run = ledger.issuance.issue_pending()

    assert run.claims == 5
    # Batches of 3 claims: the account issues twice, carrying in between.
    with ledger.uow_factory() as uow:
        totals = uow.issuance.totals(PARTNER)
    assert totals.claims_issued == 5
    assert Decimal(totals.units_issued) + totals.carried_tco2e == credited
    assert Decimal(0) <= totals.carried_tco2e < 1
    assert totals.units_issued == int(credited)  # floor of the sum, nothing lost to batching
    for block in run.blocks:
        parsed = parse_serial(block.serial)
        assert parsed.series.origin == PARTNER
        assert parsed.series.methodology == "SZ-PV"
        assert parsed.series.vintage == 2024
        assert parsed.series.project == "4401-PV-2023-0007"
        assert block.adjustment.status is AdjustmentStatus.NOT_REQUIRED
    ranges = sorted((b.range.first, b.range.last) for b in run.blocks)
    assert ranges[0][0] == 1
    assert all(a[1] + 1 == b[0] for a, b in itertools.pairwise(ranges))


def test_a_second_run_issues_nothing_and_later_claims_use_the_carry(standard: Standard) -> None:
    ledger = make_ledger(standard)
    ledger.accept([pv("R1", "2024-01-01", "2024-01-31")])
    first = ledger.issuance.issue_pending()
    assert ledger.issuance.issue_pending().claims == 0
    ledger.accept([pv("R2", "2024-02-01", "2024-02-29")])
    second = ledger.issuance.issue_pending()
    assert second.claims == 1
    # Unit numbers continue in the series: no gap, no overlap.
    assert second.blocks[0].range.first == first.blocks[0].range.last + 1


def test_every_issued_block_is_offered_to_the_exchange_once(standard: Standard) -> None:
    ledger = make_ledger(standard)
    ledger.accept([pv("R1", "2024-01-01", "2024-01-31")])
    run = ledger.issuance.issue_pending()
    events = ledger.exchange.events(0, 100)
    assert [(e.kind, e.block.block_id) for e in events] == [
        (OutboxKind.QUALIFIED, b.block_id) for b in run.blocks
    ]


def test_a_personal_claim_below_a_tonne_is_carried_in_its_platforms_pool(
    standard: Standard,
) -> None:
    ledger = make_ledger(standard, register_project=False)
    (verdict,) = ledger.accept([metro("M1")])
    run = ledger.issuance.issue_pending()
    assert run.claims == 1 and run.blocks == []
    status = ledger.ingestion.status(PARTNER, "M1")
    assert status is not None
    assert status.state is ClaimState.ISSUED
    assert status.block_serials == ()
    assert status.carried_tco2e == verdict.credited_tco2e
    with ledger.uow_factory() as uow:
        person = AccountKey(PARTNER, "SZ-TRANSIT-METRO", 2024, f"person:{PERSON_A}")
        assert uow.issuance.carried([person]) == {}
        pool = AccountKey(PARTNER, "SZ-TRANSIT-METRO", 2024, "pool:GD-PHCER")
        (account,) = uow.issuance.carried([pool]).values()
    assert account.carried == verdict.credited_tco2e


def test_a_rejected_or_held_claim_is_never_issued(standard: Standard) -> None:
    ledger = make_ledger(standard)
    verdicts = ledger.ingestion.submit(
        PARTNER, [pv("BAD", "2024-01-01", "2024-01-31", activity_quantity="-5")]
    )
    assert verdicts[0].decision is Decision.REJECTED
    assert ledger.issuance.issue_pending().claims == 0
    with ledger.uow_factory() as uow:
        assert uow.blocks.unit_totals(PARTNER).get(BlockState.ISSUED, (0, 0)) == (0, 0)


def test_a_period_spanning_new_year_is_issued_in_one_part_per_vintage(
    standard: Standard,
) -> None:
    """2024-12-16 .. 2025-01-15: 16 days in 2024, 15 in 2025, each part under
    its own vintage (own account, own serial series); the parts sum exactly."""
    ledger = make_ledger(standard)
    (verdict,) = ledger.accept([pv("R-NY", "2024-12-16", "2025-01-15", activity_quantity="90000")])
    credited = verdict.credited_tco2e or Decimal(0)
    assert verdict.vintage == 2025

    run = ledger.issuance.issue_pending()

    assert run.claims == 1
    assert run.credited_tco2e == credited
    assert sorted(parse_serial(b.serial).series.vintage for b in run.blocks) == [2024, 2025]
    with ledger.uow_factory() as uow:
        totals = uow.issuance.totals(PARTNER)
        (issued,) = uow.issuance.of_claims([verdict.claim_id]).values()
    assert totals.claims_issued == 1
    assert totals.credited_issued_tco2e == credited
    assert Decimal(totals.units_issued) + totals.carried_tco2e == credited
    assert [p.vintage for p in issued.parts] == [2024, 2025]
    first = (credited * 16 / 31).quantize(Decimal("0.000001"), rounding="ROUND_FLOOR")
    assert [p.credited_tco2e for p in issued.parts] == [first, credited - first]
    assert issued.block_serials == tuple(s for p in issued.parts for s in p.block_serials)
    assert ledger.issuance.issue_pending().claims == 0


def test_a_period_inside_one_year_is_issued_whole_under_its_vintage(standard: Standard) -> None:
    ledger = make_ledger(standard)
    (verdict,) = ledger.accept([pv("R-DEC", "2024-12-01", "2024-12-31")])
    ledger.issuance.issue_pending()
    with ledger.uow_factory() as uow:
        (issued,) = uow.issuance.of_claims([verdict.claim_id]).values()
    assert [(p.vintage, p.credited_tco2e) for p in issued.parts] == [(2024, verdict.credited_tco2e)]
