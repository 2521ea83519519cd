"""Three-phase reconciliation: totals, unit blocks, audit trail."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from carbonhub_contract.vocabulary.holdings import Holding, Total, totals_of
from hub.domain.reconciliation import (
    Discrepancy,
    DiscrepancyKind,
    Phase,
    ReconciliationStatus,
    compare,
    outcome,
)

K = DiscrepancyKind


def _holding(subject: str, **changes: object) -> Holding:
    base = Holding(
        subject_id=subject,
        state="DELIVERED",
        vintage=2024,
        quantity=Decimal(10),
        serial=f"SZCER-CN-GD-SZ-PV-2024-{subject}-000001-000010",
        digest=f"d-{subject}",
        trail=frozenset({f"ISSUED:{subject}"}),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _compare(hub: list[Holding], counterpart: list[Holding]) -> list[Discrepancy]:
    return compare(hub, totals_of(counterpart), counterpart)


def test_identical_holdings_are_consistent() -> None:
    hub = [_holding("B1"), _holding("B2", state="RETIRED", vintage=2023)]
    found = _compare(hub, list(hub))
    assert found == []
    assert outcome(found) is ReconciliationStatus.CONSISTENT


def test_quantities_compare_as_numbers() -> None:
    hub = [_holding("B1", quantity=Decimal("5"))]
    counterpart = [_holding("B1", quantity=Decimal("5.000"))]
    assert _compare(hub, counterpart) == []


def test_missing_at_counterpart_and_at_hub_with_totals() -> None:
    hub = [_holding("B1"), _holding("B2")]
    counterpart = [_holding("B1"), _holding("B3", state="RETIRED", vintage=2023)]
    found = _compare(hub, counterpart)
    assert found == [
        Discrepancy(
            Phase.TOTALS,
            K.TOTAL_DIFFERS,
            "DELIVERED/2024",
            "count=2;quantity=20",
            "count=1;quantity=10",
        ),
        Discrepancy(
            Phase.TOTALS,
            K.TOTAL_DIFFERS,
            "RETIRED/2023",
            "count=0;quantity=0",
            "count=1;quantity=10",
        ),
        Discrepancy(Phase.UNIT_BLOCKS, K.MISSING_AT_COUNTERPART, "B2", "DELIVERED", ""),
        Discrepancy(Phase.UNIT_BLOCKS, K.MISSING_AT_HUB, "B3", "", "RETIRED"),
    ]
    assert outcome(found) is ReconciliationStatus.INCONSISTENT


def test_one_discrepancy_per_differing_aspect() -> None:
    hub = [_holding("B1")]
    counterpart = [
        _holding(
            "B1",
            state="RETIRED",
            quantity=Decimal(7),
            serial="SZCER-CN-GD-SZ-PV-2024-B1-000001-000007",
            digest="other",
        )
    ]
    unit_blocks = [d for d in _compare(hub, counterpart) if d.phase is Phase.UNIT_BLOCKS]
    assert [(d.kind, d.hub_value, d.counterpart_value) for d in unit_blocks] == [
        (K.STATE_DIFFERS, "DELIVERED", "RETIRED"),
        (K.QUANTITY_DIFFERS, "10", "7"),
        (K.SERIAL_DIFFERS, hub[0].serial, "SZCER-CN-GD-SZ-PV-2024-B1-000001-000007"),
        (K.CONTENT_DIFFERS, "d-B1", "other"),
    ]


def test_content_differs_when_one_digest_is_empty() -> None:
    found = _compare([_holding("B1")], [_holding("B1", digest="")])
    assert [(d.kind, d.hub_value, d.counterpart_value) for d in found] == [
        (K.CONTENT_DIFFERS, "d-B1", "")
    ]


def test_trail_differs_lists_sorted_entries() -> None:
    hub = [_holding("B1", trail=frozenset({"RETIRED:r2", "ISSUED:B1"}))]
    counterpart = [_holding("B1", trail=frozenset({"ISSUED:B1"}))]
    assert _compare(hub, counterpart) == [
        Discrepancy(Phase.AUDIT_TRAIL, K.TRAIL_DIFFERS, "B1", "ISSUED:B1,RETIRED:r2", "ISSUED:B1")
    ]


def test_trail_is_not_compared_for_a_subject_on_one_side_only() -> None:
    found = _compare([_holding("B1")], [])
    assert {d.phase for d in found} == {Phase.TOTALS, Phase.UNIT_BLOCKS}


def test_counterpart_whose_totals_do_not_add_up_is_reported() -> None:
    holdings = [_holding("B1"), _holding("B2")]
    # The counterpart states the hub's totals but lists only one block.
    found = compare(holdings, totals_of(holdings), holdings[:1])
    assert [(d.phase, d.kind, d.subject_id) for d in found] == [
        (Phase.TOTALS, K.COUNTERPART_TOTALS_INCONSISTENT, "DELIVERED/2024"),
        (Phase.UNIT_BLOCKS, K.MISSING_AT_COUNTERPART, "B2"),
    ]
    inconsistent = found[0]
    assert (inconsistent.hub_value, inconsistent.counterpart_value) == (
        "count=1;quantity=10",
        "count=2;quantity=20",
    )


def test_stated_totals_on_two_rows_add_up() -> None:
    holdings = [_holding("B1"), _holding("B2")]
    split = [Total("DELIVERED", 2024, 1, Decimal(10)), Total("DELIVERED", 2024, 1, Decimal(10))]
    assert compare(holdings, split, holdings) == []


def test_duplicate_subject_is_reported_and_not_compared_further() -> None:
    hub = [_holding("B1")]
    counterpart = [_holding("B1"), _holding("B1", state="RETIRED", trail=frozenset())]
    unit_and_trail = [d for d in _compare(hub, counterpart) if d.phase is not Phase.TOTALS]
    assert unit_and_trail == [Discrepancy(Phase.UNIT_BLOCKS, K.DUPLICATE_SUBJECT, "B1", "1", "2")]


def test_order_is_phase_then_subject_then_kind() -> None:
    hub = [_holding("B2", trail=frozenset()), _holding("B1", quantity=Decimal(3))]
    counterpart = [_holding("B2", state="RETIRED"), _holding("B1", digest="x", quantity=Decimal(4))]
    found = _compare(hub, counterpart)
    assert [(d.phase, d.subject_id, d.kind) for d in found] == [
        (Phase.TOTALS, "DELIVERED/2024", K.TOTAL_DIFFERS),
        (Phase.TOTALS, "RETIRED/2024", K.TOTAL_DIFFERS),
        (Phase.UNIT_BLOCKS, "B1", K.QUANTITY_DIFFERS),
        (Phase.UNIT_BLOCKS, "B1", K.CONTENT_DIFFERS),
        (Phase.UNIT_BLOCKS, "B2", K.STATE_DIFFERS),
        (Phase.AUDIT_TRAIL, "B2", K.TRAIL_DIFFERS),
    ]


_holdings = st.lists(
    st.builds(
        Holding,
        subject_id=st.sampled_from(["B1", "B2", "B3", "B4"]),
        state=st.sampled_from(["DELIVERED", "RETIRED"]),
        vintage=st.sampled_from([2023, 2024]),
        quantity=st.integers(0, 5).map(Decimal),
        serial=st.sampled_from(["", "s"]),
        digest=st.sampled_from(["", "d"]),
        trail=st.frozensets(st.sampled_from(["a", "b"])),
    ),
    max_size=6,
    unique_by=lambda h: h.subject_id,
)


@given(_holdings, _holdings)
def test_consistent_exactly_when_the_holdings_are_equal(
    hub: list[Holding], counterpart: list[Holding]
) -> None:
    found = _compare(hub, counterpart)
    same = sorted(hub, key=lambda h: h.subject_id) == sorted(
        counterpart, key=lambda h: h.subject_id
    )
    assert (outcome(found) is ReconciliationStatus.CONSISTENT) == same
    assert found == _compare(list(reversed(hub)), list(reversed(counterpart)))
    assert all(d.kind is not K.COUNTERPART_TOTALS_INCONSISTENT for d in found)
