"""Cancellation at source of exactly what Shenzhen credits: a part of the
origin block, the origin keeping the rest (hub.domain.attestations)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision, OriginStatus
from hub.domain.issuance import ClaimState
from hub.standard import Standard

from .builders import PARTNER, pv
from .ledger_setup import Ledger, make_ledger

SERIES = "GDPH-4401-PV-2023-0007-2024"
WHOLE = f"{SERIES}-000101-000110"  # ten origin units


def issued_at_origin(record_id: str, serial: str, kwh: str, month: str = "01") -> ClaimSubmission:
    return pv(
        record_id,
        f"2024-{month}-01",
        f"2024-{month}-28",
        activity_quantity=kwh,
        origin_status=OriginStatus.ISSUED,
        origin_serial=serial,
        reported_tco2e=str(int(serial.rsplit("-", 1)[1]) - int(serial.rsplit("-", 2)[1]) + 1),
    )


@pytest.fixture
def ledger(standard: Standard) -> Ledger:
    return make_ledger(standard)


def awaiting(ledger: Ledger, record_id: str, serial: str, kwh: str, month: str = "01") -> str:
    (verdict,) = ledger.ingestion.submit(PARTNER, [issued_at_origin(record_id, serial, kwh, month)])
    status = ledger.ingestion.status(PARTNER, record_id)
    assert status is not None and status.state is ClaimState.AWAITING_SOURCE_CANCELLATION, [
        c.code for c in verdict.checks
    ]
    return verdict.claim_id


def credited(ledger: Ledger, record_id: str) -> Decimal:
    status = ledger.ingestion.status(PARTNER, record_id)
    assert status is not None and status.verdict.credited_tco2e is not None
    return status.verdict.credited_tco2e


def cancel(
    ledger: Ledger, claim_id: str, first: int | None, last: int | None, serial: str = WHOLE
) -> tuple[bool, set[str]]:
    outcome = ledger.attestations.attest_source_cancellation(
        PARTNER,
        claim_id,
        serial,
        f"GDZX-{claim_id}",
        f"为深圳碳普惠互认注销 hub claim {claim_id}",
        None,
        cancelled_first=first,
        cancelled_last=last,
    )
    return outcome.accepted, {c.code for c in outcome.checks}


def test_the_origin_cancels_exactly_the_credited_units_and_keeps_the_rest(
    ledger: Ledger,
) -> None:
    claim_id = awaiting(ledger, "R1", WHOLE, "9000")
    assert credited(ledger, "R1") == Decimal("3.482100")  # four origin units: 3 and a fraction
    assert cancel(ledger, claim_id, 101, 104) == (True, set())
    assert ledger.issuance.issue_pending().units == 3
    # The rest of the block (105..110) stayed at the origin: a later claim
    # naming it waits for its own cancellation; one reaching into the
    # cancelled part is refused.
    rest = awaiting(ledger, "R2", f"{SERIES}-000105-000110", "9000", "02")
    (overlap,) = ledger.ingestion.submit(
        PARTNER, [issued_at_origin("R3", f"{SERIES}-000104-000110", "9000", "03")]
    )
    assert overlap.decision is Decision.REJECTED
    assert "ORIGIN_SERIAL_OVERLAP" in {c.code for c in overlap.checks}
    assert cancel(ledger, rest, 105, 108, f"{SERIES}-000105-000110") == (True, set())


def test_the_same_ranged_attestation_again_is_a_replay(ledger: Ledger) -> None:
    claim_id = awaiting(ledger, "R1", WHOLE, "9000")
    assert cancel(ledger, claim_id, 103, 106)[0]
    again = ledger.attestations.attest_source_cancellation(
        PARTNER,
        claim_id,
        WHOLE,
        f"GDZX-{claim_id}",
        claim_id,
        None,
        cancelled_first=103,
        cancelled_last=106,
    )
    assert again.accepted and again.replay


@pytest.mark.parametrize(
    ("first", "last", "code"),
    [
        (101, 105, "SOURCE_CANCELLATION_RANGE_EXCEEDS_CREDITED"),
        (101, 103, "SOURCE_CANCELLATION_RANGE_SHORT_OF_CREDITED"),
        (108, 111, "SOURCE_CANCELLATION_RANGE_OUTSIDE_BLOCK"),
        (101, None, "SOURCE_CANCELLATION_RANGE_MALFORMED"),
        (104, 101, "SOURCE_CANCELLATION_RANGE_MALFORMED"),
    ],
)
def test_a_range_other_than_the_credited_units_is_refused_with_its_code(
    ledger: Ledger, first: int | None, last: int | None, code: str
) -> None:
    claim_id = awaiting(ledger, "R1", WHOLE, "9000")
    assert cancel(ledger, claim_id, first, last) == (False, {code})
    assert ledger.issuance.issue_pending().claims == 0
    # Nothing changed: the whole block is still the claim's, so the right
    # attestation still goes through.
    assert cancel(ledger, claim_id, 101, 104) == (True, set())
