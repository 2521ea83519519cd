"""The partner's attestations to the hub: a cancellation at source, an inventory exclusion.

Lock at source: the origin cancelled what it issued for a claim the hub
credits (all of its serial block, or the part Shenzhen credits). Double
claiming: the origin's inventory exclusion (the wire's accounting
adjustment) was committed, completed or revoked. Both are signed writes,
sent again under a new number when another writer of the partner overtook
them (signed_calls.py); a failed call raises HubCallError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import grpc

from adapters.delivery_report import CheckOutcome
from adapters.partner_signing import PartnerSigner
from adapters.signed_calls import REPLAY_RETRY, ReplayRetry, partner_stub, signed_call
from adapters.verdicts import check_outcomes
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.vocabulary.envelopes import PayloadType
from carbonhub_contract.vocabulary.records import AdjustmentStatus

_ADJUSTMENT: Mapping[AdjustmentStatus, ledger_pb.AdjustmentStatus] = {
    AdjustmentStatus.COMMITTED: ledger_pb.ADJUSTMENT_STATUS_COMMITTED,
    AdjustmentStatus.COMPLETED: ledger_pb.ADJUSTMENT_STATUS_COMPLETED,
    AdjustmentStatus.REVOKED: ledger_pb.ADJUSTMENT_STATUS_REVOKED,
}


@dataclass(frozen=True, slots=True)
class AttestationOutcome:
    """The hub's answer to an attestation."""

    accepted: bool
    replay: bool  # the same attestation was recorded before: nothing changed
    check_codes: tuple[str, ...]  # why it was refused
    messages: tuple[str, ...]  # the checks' English messages, in the same order
    claim_ids: tuple[str, ...]  # claims it released for issuance
    block_ids: tuple[str, ...]  # blocks it made routable
    checks: tuple[CheckOutcome, ...] = ()  # the refusing checks whole, for the partner's language


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("attestation times must carry a time zone")
    return moment.isoformat()


def _attestation_outcome(result: pb.AttestationResult) -> AttestationOutcome:
    return AttestationOutcome(
        accepted=result.accepted,
        replay=result.replay,
        check_codes=tuple(c.code for c in result.checks),
        messages=tuple(c.message_en for c in result.checks),
        claim_ids=tuple(result.claim_ids),
        block_ids=tuple(result.block_ids),
        checks=check_outcomes(result.checks, {}),
    )


def attest_source_cancellation(
    channel: grpc.Channel,
    signer: PartnerSigner,
    claim_id: str,
    origin_serial: str,
    cancellation_id: str,
    note: str,
    cancelled_at: datetime,
    *,
    cancelled_units: tuple[int, int] | None = None,
    retry: ReplayRetry = REPLAY_RETRY,
) -> AttestationOutcome:
    """Lock at source: the origin cancelled ``origin_serial`` for the hub's claim,
    or only its units ``cancelled_units`` (first, last), the origin keeping the rest.

    Sent again under a new number when another writer of the partner
    overtook it (see ReplayRetry)."""
    request = pb.SourceCancellationAttestation(
        partner=signer.partner,
        claim_id=claim_id,
        origin_serial=origin_serial,
        cancellation_id=cancellation_id,
        note=note,
        cancelled_at=_rfc3339(cancelled_at),
        cancelled_first=cancelled_units[0] if cancelled_units else 0,
        cancelled_last=cancelled_units[1] if cancelled_units else 0,
    )
    stub = partner_stub(channel)
    result: pb.AttestationResult = signed_call(
        "AttestSourceCancellation",
        stub.AttestSourceCancellation,
        PayloadType.SOURCE_CANCELLATION,
        request,
        stub=stub,
        signer=signer,
        retry=retry,
    )
    return _attestation_outcome(result)


def attest_adjustment(
    channel: grpc.Channel,
    signer: PartnerSigner,
    reference: str,
    status: AdjustmentStatus,
    attested_at: datetime,
    note: str = "",
    *,
    quantity: Decimal | None = None,
    vintage: int | None = None,
    retry: ReplayRetry = REPLAY_RETRY,
) -> AttestationOutcome:
    """The origin's inventory exclusion ``reference`` (the wire's accounting
    adjustment) moved to COMMITTED or COMPLETED, covering ``quantity`` tCO2e
    of ``vintage``, or was REVOKED.

    Sent again under a new number when another writer of the partner
    overtook it (see ReplayRetry)."""
    wire_status = _ADJUSTMENT.get(status)
    if wire_status is None:
        raise ValueError(
            f"an attestation moves an inventory exclusion to COMMITTED, COMPLETED or REVOKED, "
            f"not {status}"
        )
    request = pb.AccountingAdjustmentAttestation(
        partner=signer.partner,
        reference=reference,
        status=wire_status,
        attested_at=_rfc3339(attested_at),
        note=note,
        quantity_tco2e="" if quantity is None else str(quantity),
        vintage=vintage or 0,
    )
    stub = partner_stub(channel)
    result: pb.AttestationResult = signed_call(
        "AttestAccountingAdjustment",
        stub.AttestAccountingAdjustment,
        PayloadType.ACCOUNTING_ADJUSTMENT,
        request,
        stub=stub,
        signer=signer,
        retry=retry,
    )
    return _attestation_outcome(result)
