"""The domain rules of issue 16's two holes: a claim under a revoked
inventory exclusion, what the issuer and the deadline sweep both ask before
a block is offered, and the check holding a re-issued record's claim."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from carbonhub_contract.vocabulary.records import AdjustmentStatus, Decision
from hub.domain.attestations import AdjustmentAttestation
from hub.domain.claim_assessment import ClaimAssessment
from hub.domain.claims import decide
from hub.domain.inventory_exclusions import (
    REVOKED_CLAIM_CHECK,
    Coverage,
    Withheld,
    claim_refusal,
    with_exclusion,
    withheld,
)
from hub.domain.origin_reissuance import (
    REISSUED_CHECK,
    holds_unissued,
    reissued_check,
    unissued_discrepancy,
)
from hub.domain.reconciliation import Discrepancy, DiscrepancyKind, Phase

S = AdjustmentStatus
T0 = datetime(2025, 1, 10, 8, tzinfo=UTC)
SERIAL = "GDPH-4401-PV-2023-0007-2024-000501-000505"


def _at(
    status: AdjustmentStatus, days: int = 0, quantity: int | None = None
) -> AdjustmentAttestation:
    q = None if quantity is None else Decimal(quantity)
    vintage = None if quantity is None else 2024
    return AdjustmentAttestation(
        "CN-HK", "HKAA-1", status, T0 + timedelta(days=days), "", q, vintage
    )


@pytest.mark.parametrize("status", [None, S.PENDING, S.COMMITTED, S.COMPLETED])
def test_only_a_revoked_exclusion_refuses_a_claim(status: AdjustmentStatus | None) -> None:
    assert claim_refusal("HKAA-1", status) is None
    assert claim_refusal(None, S.REVOKED) is None  # a claim naming none


def test_a_claim_under_a_revoked_exclusion_is_rejected_whatever_else() -> None:
    assessment = ClaimAssessment(None, (), None, None)
    kept = with_exclusion(assessment, " HKAA-2 ", {"HKAA-1": S.REVOKED})
    assert kept is assessment
    rejected = with_exclusion(assessment, " HKAA-1 ", {"HKAA-1": S.REVOKED})
    (check,) = rejected.checks
    assert check.code == REVOKED_CLAIM_CHECK and check.details["reference"] == "HKAA-1"
    assert decide(rejected.checks) is Decision.REJECTED
    assert "revoked" in check.message_en and "撤回" in check.message_zh


def test_what_the_issuer_and_the_sweep_withhold() -> None:
    committed = [_at(S.COMMITTED, quantity=10)]
    issued = Coverage(10, frozenset({2024}))
    now = T0 + timedelta(days=30)
    assert withheld(committed, 365, now, issued) is None
    assert withheld(committed, 365, T0 + timedelta(days=366), issued) is Withheld.OVERDUE
    assert withheld(committed, None, T0 + timedelta(days=999), issued) is None  # no deadline
    more = Coverage(11, frozenset({2024}))
    assert withheld(committed, 365, now, more) is Withheld.OUTGROWN
    other_year = Coverage(10, frozenset({2024, 2025}))
    assert withheld(committed, 365, now, other_year) is Withheld.OUTGROWN
    completed = [*committed, _at(S.COMPLETED, 400, quantity=10)]
    assert withheld(completed, 365, T0 + timedelta(days=500), issued) is None


def test_the_check_holding_a_reissued_records_claim_names_the_origin_serial() -> None:
    check = reissued_check("R-1", SERIAL)
    assert check.code == REISSUED_CHECK
    assert check.details["origin_serial"] == SERIAL and check.details["record_id"] == "R-1"
    assert decide([check]) is Decision.HELD
    assert SERIAL in check.message_en and SERIAL in check.message_zh


def test_only_the_claims_discrepancy_releases_the_claim() -> None:
    held = unissued_discrepancy("R-1", SERIAL)
    assert held.kind is DiscrepancyKind.ORIGIN_REISSUED and held.subject_id == "R-1"
    assert holds_unissued(held, None)
    block = Discrepancy(
        Phase.UNIT_BLOCKS, DiscrepancyKind.ORIGIN_REISSUED, "R-1", "CER-SZ-1-5", SERIAL
    )
    assert not holds_unissued(block, "block-1")
    assert not holds_unissued(block, None)  # a retired block's: reported, holds nothing
    other = Discrepancy(Phase.UNIT_BLOCKS, DiscrepancyKind.STATE_DIFFERS, "R-1", "", "ISSUED")
    assert not holds_unissued(other, None)
