"""Inventory exclusions (the wire's accounting adjustments): states, terms, deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.attestations import AdjustmentAttestation
from hub.domain.blocks import Adjustment
from hub.domain.inventory_exclusions import (
    Coverage,
    Freeze,
    check_coverage,
    check_status,
    completion_due,
    coverage_of,
    freeze_of,
    outgrown,
    same_terms,
    stated_terms,
)

S = AdjustmentStatus
T0 = datetime(2025, 1, 10, 8, tzinfo=UTC)


def _at(status: AdjustmentStatus, days: int = 0) -> AdjustmentAttestation:
    return AdjustmentAttestation("CN-HK", "HKAA-1", status, T0 + timedelta(days=days))


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (None, S.COMMITTED),
        (None, S.COMPLETED),
        (None, S.REVOKED),
        (S.PENDING, S.COMMITTED),
        (S.COMMITTED, S.COMPLETED),
        (S.COMMITTED, S.REVOKED),
        (S.COMPLETED, S.REVOKED),
        (S.PENDING, S.REVOKED),
    ],
)
def test_forward_moves_and_revocation_from_any_live_state_are_allowed(
    current: AdjustmentStatus | None, new: AdjustmentStatus
) -> None:
    assert check_status("HKAA-1", current, new) is None


def test_a_revoked_exclusion_never_comes_back() -> None:
    for new in (S.COMMITTED, S.COMPLETED):
        refused = check_status("HKAA-1", S.REVOKED, new)
        assert refused is not None and refused.code == "INVENTORY_EXCLUSION_REVOKED"
        assert "revoked" in refused.message_en and "已撤回" in refused.message_zh


def test_moving_backwards_is_refused_and_named_an_inventory_exclusion() -> None:
    refused = check_status("HKAA-1", S.COMPLETED, S.COMMITTED)
    assert refused is not None and refused.code == "ADJUSTMENT_STATUS_BACKWARDS"
    assert "inventory exclusion HKAA-1" in refused.message_en
    assert "清单排除" in refused.message_zh


@pytest.mark.parametrize("status", [S.PENDING, S.NOT_REQUIRED])
def test_a_partner_cannot_attest_the_hubs_own_states(status: AdjustmentStatus) -> None:
    refused = check_status("HKAA-1", None, status)
    assert refused is not None and refused.code == "ADJUSTMENT_STATUS_INVALID"


def test_revoked_blocks_are_not_routable() -> None:
    assert not Adjustment("HKAA-1", S.REVOKED).routable
    assert Adjustment("HKAA-1", S.COMMITTED).routable


ISSUED = coverage_of([(700, 2024), (500, 2024)])


def test_coverage_sums_the_units_and_collects_the_vintages() -> None:
    assert Coverage(1200, frozenset({2024})) == ISSUED


def test_an_exclusion_covering_what_was_issued_passes() -> None:
    assert check_coverage("HKAA-1", S.COMMITTED, Decimal("1200"), 2024, ISSUED) == []
    assert check_coverage("HKAA-1", S.COMPLETED, Decimal("1200.4"), 2024, ISSUED) == []


def test_an_exclusion_covering_less_than_was_issued_is_refused() -> None:
    [short] = check_coverage("HKAA-1", S.COMMITTED, Decimal("1199.9"), 2024, ISSUED)
    assert short.code == "INVENTORY_EXCLUSION_QUANTITY_SHORT"
    assert short.details["issued"] == "1200" and short.details["quantity"] == "1199.9"


def test_an_exclusion_of_nothing_is_refused_even_before_issuance() -> None:
    [short] = check_coverage("HKAA-1", S.COMMITTED, Decimal("0"), 2024, coverage_of([]))
    assert short.code == "INVENTORY_EXCLUSION_QUANTITY_SHORT"


def test_an_exclusion_of_another_vintage_is_refused() -> None:
    [other] = check_coverage("HKAA-1", S.COMMITTED, Decimal("5000"), 2023, ISSUED)
    assert other.code == "INVENTORY_EXCLUSION_VINTAGE_MISMATCH"
    assert other.details == {
        "reference": "HKAA-1",
        "vintage": "2023",
        "issued": "2024",
        "field": "vintage",
    }


def test_quantity_without_vintage_is_incomplete() -> None:
    [incomplete] = check_coverage("HKAA-1", S.COMMITTED, Decimal("10"), None, ISSUED)
    assert incomplete.code == "INVENTORY_EXCLUSION_TERMS_INCOMPLETE"
    assert incomplete.details["field"] == "vintage"


def test_a_revocation_needs_no_terms() -> None:
    assert check_coverage("HKAA-1", S.REVOKED, Decimal("1"), 1999, ISSUED) == []


def test_the_deadline_runs_from_the_first_commitment() -> None:
    history = [_at(S.COMMITTED), _at(S.COMMITTED, 30)]
    assert completion_due(history, 365) == T0 + timedelta(days=365)
    assert completion_due(history, None) is None
    assert completion_due([_at(S.COMPLETED)], 365) is None


def test_blocks_freeze_past_the_deadline_until_completed() -> None:
    committed = [_at(S.COMMITTED)]
    assert freeze_of(committed, 365, T0 + timedelta(days=365)) is None
    assert freeze_of(committed, 365, T0 + timedelta(days=365, seconds=1)) is Freeze.OVERDUE
    completed = [*committed, _at(S.COMPLETED, 400)]
    assert freeze_of(completed, 365, T0 + timedelta(days=500)) is None
    assert freeze_of(committed, None, T0 + timedelta(days=5000)) is None


def test_a_revocation_freezes_whatever_came_before() -> None:
    for before in ([], [_at(S.COMMITTED)], [_at(S.COMMITTED), _at(S.COMPLETED, 10)]):
        assert freeze_of([*before, _at(S.REVOKED, 20)], 365, T0) is Freeze.REVOKED
    assert freeze_of([], 365, T0) is None


def _terms(status: AdjustmentStatus, quantity: str, vintage: int) -> AdjustmentAttestation:
    return AdjustmentAttestation(
        "CN-HK", "HKAA-1", status, T0, quantity=Decimal(quantity), vintage=vintage
    )


def test_blocks_issued_beyond_the_stated_terms_have_outgrown_them() -> None:
    history = [_terms(S.COMMITTED, "1200", 2024)]
    assert stated_terms(history) == (Decimal("1200"), 2024)
    assert not outgrown(history, ISSUED)
    assert outgrown(history, coverage_of([(1200, 2024), (1, 2024)]))
    assert outgrown(history, coverage_of([(5, 2025)]))
    # A restatement with larger terms covers them again.
    restated = [*history, _terms(S.COMMITTED, "1201", 2024)]
    assert not outgrown(restated, coverage_of([(1200, 2024), (1, 2024)]))
    # Attestations sent without terms are not checked.
    assert not outgrown([_at(S.COMMITTED)], coverage_of([(10**6, 2024)]))


def test_the_same_status_is_a_replay_unless_it_restates_the_terms() -> None:
    history = [_terms(S.COMMITTED, "1200", 2024)]
    assert same_terms(history, None, None)
    assert same_terms(history, Decimal("1200"), 2024)
    assert not same_terms(history, Decimal("1500"), 2024)
    assert not same_terms([_at(S.COMMITTED)], Decimal("1"), 2024)
