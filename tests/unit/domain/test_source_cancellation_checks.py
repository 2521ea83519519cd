"""The checks of an attested cancellation at source (hub.domain.source_cancellation_checks):
a Guangdong PV claim whose 3,216 PHCER units the origin issued, credited 1,200 t."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.attestations import SourceCancellation
from hub.domain.issuance import IssuanceState
from hub.domain.locks import OriginBlock
from hub.domain.source_cancellation_checks import (
    AttestedClaim,
    CancellationAttested,
    check_source_cancellation,
    repeats,
)

SERIES = "GDPH-4401-PV-2023-0007-2024"
SERIAL = f"{SERIES}-1-3216"
CLAIM_ID = "0190f0c2a7b97c3e9d1f4b6a8e2c5d70"
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

CLAIM = AttestedClaim(
    claim_id=CLAIM_ID,
    decision=Decision.ACCEPTED,
    issuance=IssuanceState.AWAITING_SOURCE_CANCELLATION,
    origin_block=OriginBlock(SERIES, 1, 3216),
    credited_tco2e=Decimal("1200"),
)
WHOLE = CancellationAttested(SERIAL, "GDCX-2025-0117", f"为深圳枢纽申报 {CLAIM_ID} 注销")


def checked(
    attested: CancellationAttested = WHOLE,
    claim: AttestedClaim = CLAIM,
    reused: SourceCancellation | None = None,
    serial_format: str | None = "PHCER",
) -> tuple[OriginBlock | None, list[str]]:
    part, checks = check_source_cancellation(attested, claim, reused, serial_format)
    return part, [c.code for c in checks]


def kept(claim_id: str, attested: CancellationAttested = WHOLE) -> SourceCancellation:
    return SourceCancellation(
        partner="CN-GD",
        claim_id=claim_id,
        origin_serial=attested.origin_serial,
        cancellation_id=attested.cancellation_id,
        note=attested.note,
        cancelled_at=NOW,
        attested_at=NOW,
    )


def test_the_whole_block_cancelled_for_the_claim_passes() -> None:
    assert checked() == (None, [])


def test_a_part_of_exactly_the_credited_units_passes_and_is_returned() -> None:
    part = replace(WHOLE, cancelled_first=1, cancelled_last=1200)
    assert checked(part) == (OriginBlock(SERIES, 1, 1200), [])


def test_a_part_other_than_the_credited_units_is_refused() -> None:
    part = replace(WHOLE, cancelled_first=1, cancelled_last=1199)
    assert checked(part) == (None, ["SOURCE_CANCELLATION_RANGE_SHORT_OF_CREDITED"])


def test_a_cancellation_id_that_released_another_claim_is_refused() -> None:
    assert checked(reused=kept("0190f0c2a7b97c3e9d1f4b6a8e2c5d71")) == (
        None,
        ["SOURCE_CANCELLATION_ID_REUSED"],
    )
    # The claim's own earlier attestation under that id is no reuse.
    assert checked(reused=kept(CLAIM_ID)) == (None, [])


@pytest.mark.parametrize(
    ("decision", "issuance", "state"),
    [
        (Decision.ACCEPTED, IssuanceState.PENDING, "ACCEPTED"),
        (Decision.ACCEPTED, IssuanceState.ISSUED, "ISSUED"),
        (Decision.HELD, IssuanceState.AWAITING_SOURCE_CANCELLATION, None),
        (Decision.REJECTED, None, "REJECTED"),
    ],
)
def test_only_a_claim_awaiting_its_cancellation_is_released(
    decision: Decision, issuance: IssuanceState | None, state: str | None
) -> None:
    claim = replace(CLAIM, decision=decision, issuance=issuance)
    _, checks = check_source_cancellation(WHOLE, claim, None, "PHCER")
    if state is None:
        # A held claim awaiting it may be attested: a reviewer may accept it later.
        assert checks == []
        return
    assert [c.code for c in checks] == ["SOURCE_CANCELLATION_NOT_AWAITING"]
    assert checks[0].details["state"] == state


@pytest.mark.parametrize(
    ("serial", "serial_format"),
    [("GDPH-4401-PV-2023-0007-2024-1", "PHCER"), (SERIAL, None), (SERIAL, "VCS")],
)
def test_a_serial_that_does_not_parse_in_the_partners_format_is_malformed(
    serial: str, serial_format: str | None
) -> None:
    attested = replace(WHOLE, origin_serial=serial)
    assert checked(attested, serial_format=serial_format) == (
        None,
        ["SOURCE_CANCELLATION_SERIAL_MALFORMED"],
    )


def test_another_block_or_a_claim_without_one_is_a_mismatch() -> None:
    _, checks = check_source_cancellation(
        replace(WHOLE, origin_serial=f"{SERIES}-1-1200"), CLAIM, None, "PHCER"
    )
    assert [c.code for c in checks] == ["SOURCE_CANCELLATION_BLOCK_MISMATCH"]
    assert checks[0].details["expected"] == f"{SERIES}-1-3216"
    without = replace(CLAIM, origin_block=None)
    _, checks = check_source_cancellation(WHOLE, without, None, "PHCER")
    assert checks[0].details["expected"] == ""
    # No units are checked against a block that is not the claim's.
    part = replace(WHOLE, origin_serial=f"{SERIES}-1-1200", cancelled_first=1, cancelled_last=9)
    assert checked(part) == (None, ["SOURCE_CANCELLATION_BLOCK_MISMATCH"])


def test_a_note_that_does_not_name_the_claim_is_refused() -> None:
    assert checked(replace(WHOLE, note="为深圳枢纽注销")) == (
        None,
        ["SOURCE_CANCELLATION_NOTE_MISSING_CLAIM"],
    )


def test_every_failure_is_reported_in_order() -> None:
    attested = replace(WHOLE, origin_serial="GDPH-1", note="")
    claim = replace(CLAIM, issuance=IssuanceState.PENDING)
    _, codes = checked(attested, claim, reused=kept("another"))
    assert codes == [
        "SOURCE_CANCELLATION_ID_REUSED",
        "SOURCE_CANCELLATION_NOT_AWAITING",
        "SOURCE_CANCELLATION_SERIAL_MALFORMED",
        "SOURCE_CANCELLATION_NOTE_MISSING_CLAIM",
    ]


def test_the_same_attestation_again_is_a_repeat() -> None:
    assert not repeats(WHOLE, CLAIM, None)
    assert repeats(WHOLE, CLAIM, kept(CLAIM_ID))
    assert not repeats(replace(WHOLE, cancellation_id="GDCX-2025-0118"), CLAIM, kept(CLAIM_ID))
    assert not repeats(replace(WHOLE, origin_serial=f"{SERIES}-1-3215"), CLAIM, kept(CLAIM_ID))


def test_a_part_attested_again_repeats_when_the_claims_lock_shrank_to_it() -> None:
    part = replace(WHOLE, cancelled_first=1, cancelled_last=1200)
    shrunk = replace(CLAIM, origin_block=OriginBlock(SERIES, 1, 1200))
    assert repeats(part, shrunk, kept(CLAIM_ID))
    # Other units under the same cancellation are no repeat: they are checked.
    assert not repeats(replace(part, cancelled_last=1201), shrunk, kept(CLAIM_ID))
    assert not repeats(part, replace(CLAIM, origin_block=None), kept(CLAIM_ID))
