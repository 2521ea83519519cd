"""Personal reductions pool per reporting platform: the pool's whole tonnes
are issued to the platform's operator; one remainder per pool, never per person."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision
from hub.domain.issuance import AccountKey
from hub.domain.serial_blocks import PERSONAL_PROJECT, parse_serial
from hub.services.issuance_port import CarryAccount
from hub.standard import Standard

from .builders import PARTNER, PERSON_A, metro, pseudonym
from .ledger_setup import make_ledger

GD_POOL = AccountKey(PARTNER, "SZ-TRANSIT-METRO", 2024, "pool:GD-PHCER")


def commuters(count: int, **changes: str) -> list[ClaimSubmission]:
    """A month of metro rides (300 pkm, well under a tonne) of ``count`` people."""
    return [
        metro(f"M{i}", person_pseudonym=pseudonym(f"commuter-{i}"), **changes) for i in range(count)
    ]


def test_many_peoples_fractions_make_whole_tonnes_issued_to_the_platform(
    standard: Standard,
) -> None:
    ledger = make_ledger(standard, register_project=False)
    verdicts = ledger.accept(commuters(120))
    each = verdicts[0].credited_tco2e
    assert each is not None and each < 1  # no one person ever makes a tonne
    credited = sum((v.credited_tco2e or Decimal(0) for v in verdicts), Decimal(0))

    run = ledger.issuance.issue_pending()

    assert run.claims == 120
    assert run.units == int(credited) > 0
    assert {b.account for b in run.blocks} == {"pool:GD-PHCER"}
    for block in run.blocks:
        assert parse_serial(block.serial).series.project == PERSONAL_PROJECT
    with ledger.uow_factory() as uow:
        (pool,) = uow.issuance.pools(PARTNER, 2024)
        people = [
            replace(GD_POOL, account=f"person:{pseudonym(f'commuter-{i}')}") for i in range(120)
        ]
        assert uow.issuance.carried(people) == {}  # never a remainder per person
        events = uow.events.for_subjects("block", [b.block_id for b in run.blocks])
    assert pool.key == GD_POOL
    assert pool.claims == 120 and pool.credited_tco2e == credited
    assert pool.units == run.units and pool.carried_tco2e == credited - run.units
    assert 0 <= pool.carried_tco2e < 1
    # The signed ledger names the owner: the platform's operator.
    assert {e.details["operator"] for e in events} == {"广东省生态环境厅"}
    assert {e.details["operator_id"] for e in events} == {"HUB-OP-CN-GD-0001"}


def test_a_claim_naming_the_default_platform_shares_the_pool_of_those_naming_none(
    standard: Standard,
) -> None:
    ledger = make_ledger(standard, register_project=False)
    ledger.accept([metro("A"), metro("B", person_pseudonym=pseudonym("b"), platform="GD-PHCER")])
    ledger.issuance.issue_pending()
    with ledger.uow_factory() as uow:
        pools = uow.issuance.pools(None, None)
    assert [(p.key, p.claims) for p in pools] == [(GD_POOL, 2)]


def test_an_unknown_platform_is_rejected_with_its_own_check(standard: Standard) -> None:
    ledger = make_ledger(standard, register_project=False)
    (verdict,) = ledger.ingestion.submit(PARTNER, [metro("X", platform="GD-APP-0001")])
    assert verdict.decision is Decision.REJECTED
    (check,) = [c for c in verdict.checks if c.code == "PLATFORM_UNKNOWN"]
    assert check.details["platform"] == "GD-APP-0001"
    assert check.details["known"] == "GD-PHCER"
    assert check.details["field"] == "platform"
    assert ledger.issuance.issue_pending().claims == 0


def test_a_pool_holding_whole_tonnes_is_issued_without_a_new_claim(standard: Standard) -> None:
    # What migration 0007 leaves: the people's remainders summed into the pool.
    ledger = make_ledger(standard, register_project=False)
    with ledger.uow_factory() as uow:
        uow.issuance.save_carry([CarryAccount(GD_POOL, Decimal("2.750001"), 1)])
        uow.commit()

    run = ledger.issuance.issue_pending()

    assert run.claims == 0 and run.accounts == 1 and run.units == 2
    (block,) = run.blocks
    assert block.account == "pool:GD-PHCER" and block.units == 2
    with ledger.uow_factory() as uow:
        (pool,) = uow.issuance.pools(PARTNER, None)
    assert pool.carried_tco2e == Decimal("0.750001")
    assert pool.taken_over_tco2e == Decimal("2.750001")
    # Nothing more to issue: the next run finds no claim and no whole tonne.
    again = ledger.issuance.issue_pending()
    assert again.claims == 0 and again.accounts == 0 and again.blocks == []


def test_pools_are_kept_per_vintage(standard: Standard) -> None:
    ledger = make_ledger(standard, register_project=False)
    ledger.accept(
        [
            metro("Y1"),
            replace(
                metro("Y2", person_pseudonym=PERSON_A),
                period_start="2025-10-01",
                period_end="2025-10-31",
            ),
        ]
    )
    ledger.issuance.issue_pending()
    with ledger.uow_factory() as uow:
        assert [p.key.vintage for p in uow.issuance.pools(PARTNER, None)] == [2024, 2025]
        assert [p.key.vintage for p in uow.issuance.pools(PARTNER, 2025)] == [2025]
