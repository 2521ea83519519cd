"""The checks of a partner's attestation that the origin cancelled a claim's block.

Lock at source, then issue (DESIGN.md §3.5): a claim whose reduction the
origin already issued waits in AWAITING_SOURCE_CANCELLATION until its
partner attests the origin cancelled the claim's origin block for the hub.
The attestation is accepted only when all of these hold, checked in this
order and each refusal reported:

1. its cancellation id released no other claim (SOURCE_CANCELLATION_ID_REUSED);
2. the claim waits for it (SOURCE_CANCELLATION_NOT_AWAITING);
3. the origin serial parses in the partner's serial format
   (SOURCE_CANCELLATION_SERIAL_MALFORMED) and names the claim's origin block
   (SOURCE_CANCELLATION_BLOCK_MISMATCH); units attested of it are exactly
   what Shenzhen credits (hub.domain.attestations.check_cancelled_range);
4. the origin's cancellation note names the hub claim id
   (SOURCE_CANCELLATION_NOTE_MISSING_CLAIM).

The attestation service loads the claim, the earlier attestations and the
partner's serial format, calls these and stores the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.attestations import SourceCancellation, check_cancelled_range
from hub.domain.checks import CheckResult, fire
from hub.domain.issuance import IssuanceState, claim_state
from hub.domain.locks import OriginBlock
from hub.domain.origin_serials import PARSERS, SerialError


@dataclass(frozen=True, slots=True)
class CancellationAttested:
    """What the partner attests, trimmed: the origin serial of the block
    cancelled, the origin's cancellation id and note, and the units of it
    cancelled (both or neither; neither: the whole block)."""

    origin_serial: str
    cancellation_id: str
    note: str
    cancelled_first: int | None = None
    cancelled_last: int | None = None

    @property
    def ranged(self) -> bool:
        """Only a part of the origin block was cancelled, as the units say."""
        return bool(self.cancelled_first or self.cancelled_last)


@dataclass(frozen=True, slots=True)
class AttestedClaim:
    """The claim an attestation names, as the ledger holds it."""

    claim_id: str
    decision: Decision
    issuance: IssuanceState | None
    # From the claim's ORIGIN_SERIAL lock: after a cancellation of a part,
    # the part cancelled.
    origin_block: OriginBlock | None
    credited_tco2e: Decimal


def repeats(
    attested: CancellationAttested, claim: AttestedClaim, earlier: SourceCancellation | None
) -> bool:
    """The claim's cancellation (``earlier``) attested again: the same origin
    serial and cancellation id and, when units are named, the same units."""
    if earlier is None:
        return False
    if (earlier.origin_serial, earlier.cancellation_id) != (
        attested.origin_serial,
        attested.cancellation_id,
    ):
        return False
    if not attested.ranged:
        return True
    block = claim.origin_block
    return block is not None and (block.first, block.last) == (
        attested.cancelled_first,
        attested.cancelled_last,
    )


def check_source_cancellation(
    attested: CancellationAttested,
    claim: AttestedClaim,
    reused: SourceCancellation | None,
    serial_format: str | None,
) -> tuple[OriginBlock | None, list[CheckResult]]:
    """Every check the attestation fails, in order; with the part of the
    origin block cancelled when units are named and they hold.

    ``reused``: the partner's earlier attestation under the same cancellation
    id, if any; ``serial_format``: the partner's origin serial format
    (agreement), None when its agreement names none.
    """
    checks = _reused(attested, claim, reused) + _awaiting(claim)
    part, wrong = _block_checks(attested, claim, serial_format)
    checks += wrong
    if claim.claim_id not in attested.note:
        checks.append(
            fire(
                "SOURCE_CANCELLATION_NOTE_MISSING_CLAIM",
                claim_id=claim.claim_id,
                field="note",
            )
        )
    return part, checks


def _reused(
    attested: CancellationAttested, claim: AttestedClaim, reused: SourceCancellation | None
) -> list[CheckResult]:
    """One origin cancellation releases one claim."""
    if reused is None or reused.claim_id == claim.claim_id:
        return []
    return [
        fire(
            "SOURCE_CANCELLATION_ID_REUSED",
            cancellation_id=attested.cancellation_id,
            other_claim_id=reused.claim_id,
            field="cancellation_id",
        )
    ]


def _awaiting(claim: AttestedClaim) -> list[CheckResult]:
    """Only a claim waiting for its cancellation at source is released by one."""
    if claim.issuance is IssuanceState.AWAITING_SOURCE_CANCELLATION:
        return []
    return [
        fire(
            "SOURCE_CANCELLATION_NOT_AWAITING",
            claim_id=claim.claim_id,
            state=claim_state(str(claim.decision), claim.issuance),
            field="claim_id",
        )
    ]


def _block_checks(
    attested: CancellationAttested, claim: AttestedClaim, serial_format: str | None
) -> tuple[OriginBlock | None, list[CheckResult]]:
    """The serial names the claim's origin block; its units, when named, hold."""
    serial = attested.origin_serial
    parser = PARSERS.get(serial_format or "")
    try:
        if parser is None:
            raise SerialError("the partner's agreement names no origin serial format")
        block = parser(serial).block
    except SerialError:
        return None, [
            fire("SOURCE_CANCELLATION_SERIAL_MALFORMED", serial=serial, field="origin_serial")
        ]
    expected = claim.origin_block
    if expected is None or block != expected:
        shown = "" if expected is None else f"{expected.series}-{expected.first}-{expected.last}"
        return None, [
            fire(
                "SOURCE_CANCELLATION_BLOCK_MISMATCH",
                attested=serial,
                expected=shown,
                field="origin_serial",
            )
        ]
    if not attested.ranged:
        return None, []
    return check_cancelled_range(
        expected,
        attested.cancelled_first or 0,
        attested.cancelled_last or 0,
        claim.credited_tco2e,
    )
