"""The retirement policy: deterministic, once per block, ids stable across retries."""

from __future__ import annotations

import dataclasses

from hub.exchange_client.policy import (
    CARBON_NEUTRAL_EVENT,
    ETS_OFFSET,
    VOLUNTARY,
    decide,
    plan_for,
    plan_retirements,
    retirement_id,
)
from hub.exchange_client.state import BlockRecord, BlockStatus


def _blocks(n: int, units: int = 10) -> list[BlockRecord]:
    # Listed out of serial order on purpose: the policy numbers in serial order.
    return [
        BlockRecord(f"B{i}", f"SZCER-S-{i:03d}", units, 2024, "CN-GD", acknowledged=True)
        for i in reversed(range(1, n + 1))
    ]


def test_every_third_fourth_and_fifth_in_serial_order() -> None:
    plans, decided, position = plan_retirements(_blocks(15), 0)
    by_block = {p.block_id: (p.purpose, p.units) for p in plans}
    assert by_block == {
        "B3": (CARBON_NEUTRAL_EVENT, 10),
        "B4": (ETS_OFFSET, 5),
        "B5": (VOLUNTARY, 10),
        "B6": (CARBON_NEUTRAL_EVENT, 10),
        "B8": (ETS_OFFSET, 5),
        "B9": (CARBON_NEUTRAL_EVENT, 10),
        "B10": (VOLUNTARY, 10),
        "B12": (CARBON_NEUTRAL_EVENT, 10),
        "B15": (CARBON_NEUTRAL_EVENT, 10),
    }
    assert position == 15
    assert sorted(decided) == sorted(f"B{i}" for i in range(1, 16))


def test_same_state_same_plans() -> None:
    assert plan_retirements(_blocks(12), 3) == plan_retirements(_blocks(12), 3)


def test_numbering_continues_from_the_stored_position() -> None:
    plans, _, position = plan_retirements(_blocks(2), 2)
    assert [(p.block_id, p.purpose) for p in plans] == [
        ("B1", CARBON_NEUTRAL_EVENT),
        ("B2", ETS_OFFSET),
    ]
    assert position == 4


def test_only_held_acknowledged_unfrozen_undecided_blocks_count() -> None:
    blocks = _blocks(6)
    skipped: dict[str, dict[str, object]] = {
        "B1": {"frozen": True},
        "B2": {"acknowledged": False},
        "B3": {"status": BlockStatus.RETIRED},
        "B4": {"policy_decided": True},
    }
    blocks = [dataclasses.replace(b, **skipped.get(b.block_id, {})) for b in blocks]  # type: ignore[arg-type]
    plans, decided, position = plan_retirements(blocks, 0)
    assert sorted(decided) == ["B5", "B6"]
    assert position == 2
    assert plans == []


def test_partial_retirement_needs_two_units() -> None:
    one = BlockRecord("B", "S", 1, 2024, "CN-GD", acknowledged=True)
    assert decide(4, one) is None
    three = dataclasses.replace(one, units=3)
    plan = decide(4, three)
    assert plan is not None and plan.units == 1


def test_ets_offset_fields_fit_a_ten_percent_cap() -> None:
    block = BlockRecord("B", "S", 400, 2023, "CN-HK", acknowledged=True)
    plan = plan_for(block, ETS_OFFSET)
    assert plan.compliance_year == 2024
    assert plan.compliance_entity
    assert int(plan.verified_emissions_tco2e) * 0.10 >= plan.units * 100


def test_retirement_ids_depend_on_block_and_purpose_only() -> None:
    block = BlockRecord("B7", "S", 10, 2024, "CN-GD", acknowledged=True)
    again = dataclasses.replace(block, serial="other", units=4)
    assert plan_for(block, VOLUNTARY).retirement_id == plan_for(again, VOLUNTARY).retirement_id
    ids = {retirement_id(b, p) for b in ("B7", "B8") for p in (VOLUNTARY, ETS_OFFSET)}
    assert len(ids) == 4
