"""Protobuf <-> domain conversion for blocks, the outbox, retirements,
reconciliation and attestations (ledger.proto, exchange.proto and the
attestation messages of partner.proto).

Request parsers raise InvalidRequest with a stable code naming the field or
subject at fault, so the servicers only have to pass errors to
status_mapping. Parsers of the hub's own answers (``block_from_proto``, for
clients and tests) raise ValueError: a malformed answer is not a request
error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as exchange_pb
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as partner_pb
from carbonhub_contract.vocabulary.holdings import Holding, Total, total_subject
from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.blocks import Adjustment, Block, BlockState
from hub.domain.reconciliation import ReconciliationStatus
from hub.domain.retirements import RetirementPurpose, RetirementRequest
from hub.domain.serial_blocks import SerialRange, Series
from hub.errors import InvalidRequest
from hub.grpc_api import conversion
from hub.grpc_api.claim_conversion import claim_from_proto, claim_to_proto
from hub.services.attestation import AttestationOutcome
from hub.services.exchange import AckOutcome, RetirementOutcome
from hub.services.outbox_port import OutboxEntry, OutboxKind
from hub.services.reconciliation_port import StoredReconciliation

_BLOCK_STATE = {
    BlockState.ISSUED: ledger_pb.BLOCK_STATE_ISSUED,
    BlockState.DELIVERED: ledger_pb.BLOCK_STATE_DELIVERED,
    BlockState.RETIRED: ledger_pb.BLOCK_STATE_RETIRED,
    BlockState.CANCELLED: ledger_pb.BLOCK_STATE_CANCELLED,
    BlockState.SPLIT: ledger_pb.BLOCK_STATE_SPLIT,
}
_BLOCK_STATE_FROM = {wire: state for state, wire in _BLOCK_STATE.items()}
_ADJUSTMENT = {
    AdjustmentStatus.NOT_REQUIRED: ledger_pb.ADJUSTMENT_STATUS_NOT_REQUIRED,
    AdjustmentStatus.PENDING: ledger_pb.ADJUSTMENT_STATUS_PENDING,
    AdjustmentStatus.COMMITTED: ledger_pb.ADJUSTMENT_STATUS_COMMITTED,
    AdjustmentStatus.COMPLETED: ledger_pb.ADJUSTMENT_STATUS_COMPLETED,
    AdjustmentStatus.REVOKED: ledger_pb.ADJUSTMENT_STATUS_REVOKED,
}
_ADJUSTMENT_FROM = {wire: status for status, wire in _ADJUSTMENT.items()}
_EVENT_KIND = {
    OutboxKind.QUALIFIED: exchange_pb.BLOCK_EVENT_KIND_QUALIFIED,
    OutboxKind.CANCELLED: exchange_pb.BLOCK_EVENT_KIND_CANCELLED,
    OutboxKind.FROZEN: exchange_pb.BLOCK_EVENT_KIND_FROZEN,
    OutboxKind.UNFROZEN: exchange_pb.BLOCK_EVENT_KIND_UNFROZEN,
}
_PURPOSE = {
    RetirementPurpose.ETS_OFFSET: exchange_pb.RETIREMENT_PURPOSE_ETS_OFFSET,
    RetirementPurpose.CARBON_NEUTRAL_EVENT: exchange_pb.RETIREMENT_PURPOSE_CARBON_NEUTRAL_EVENT,
    RetirementPurpose.VOLUNTARY: exchange_pb.RETIREMENT_PURPOSE_VOLUNTARY,
}
_PURPOSE_FROM = {wire: purpose for purpose, wire in _PURPOSE.items()}
_RECONCILIATION_STATUS = {
    ReconciliationStatus.REQUESTED: ledger_pb.RECONCILIATION_STATUS_REQUESTED,
    ReconciliationStatus.CONSISTENT: ledger_pb.RECONCILIATION_STATUS_CONSISTENT,
    ReconciliationStatus.INCONSISTENT: ledger_pb.RECONCILIATION_STATUS_INCONSISTENT,
    ReconciliationStatus.COMPLETED_WITH_MANUAL_INTERVENTION: (
        ledger_pb.RECONCILIATION_STATUS_COMPLETED_WITH_MANUAL_INTERVENTION
    ),
}


# -- time -------------------------------------------------------------------


def rfc3339(moment: datetime) -> str:
    """UTC, with a ``Z``. A naive time is taken as UTC: the hub stores UTC only,
    and some database drivers hand timestamps back without their zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_rfc3339(text: str) -> datetime:
    """An RFC 3339 timestamp; ValueError unless it has a date, a time and an offset
    (a local time without its offset cannot be placed on the hub's UTC line)."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{text!r} has no UTC offset")
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(f"{text!r} is outside the representable calendar") from exc


def _optional_time(text: str, field: str, code: str, subject: dict[str, str]) -> datetime | None:
    if not text.strip():
        return None
    try:
        return parse_rfc3339(text)
    except ValueError as problem:
        raise InvalidRequest(code, f"{field}: {problem}", {**subject, "field": field}) from problem


def _opt(value: str) -> str | None:
    return value if value.strip() else None


def _decimal(text: str) -> Decimal:
    """A finite decimal string; ValueError otherwise (NaN and Infinity parse as
    Decimal but are no quantity)."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a decimal number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    return value


# -- blocks -----------------------------------------------------------------


def block_state_to_proto(state: BlockState) -> ledger_pb.BlockState:
    return _BLOCK_STATE[state]


def block_to_proto(block: Block) -> ledger_pb.Block:
    series = block.range.series
    return ledger_pb.Block(
        block_id=block.block_id,
        serial=block.serial,
        origin=block.partner,
        methodology=series.methodology,
        vintage=series.vintage,
        project=series.project,
        first_unit=block.range.first,
        last_unit=block.range.last,
        units=block.units,
        state=_BLOCK_STATE[block.state],
        adjustment=ledger_pb.CorrespondingAdjustment(
            reference=block.adjustment.reference or "",
            status=_ADJUSTMENT[block.adjustment.status],
        ),
        parent_block_id=block.parent_block_id or "",
        issued_at=rfc3339(block.issued_at),
        frozen=block.frozen,
    )


def block_from_proto(message: ledger_pb.Block) -> Block:
    """A block as the wire carries it. The wire has no account, issuance id or
    delivery time (the hub keeps those): they come back empty. The structured
    fields must agree with the serial, so a reader can trust either."""
    state = _BLOCK_STATE_FROM.get(message.state)
    if state is None:
        raise ValueError(f"block {message.block_id}: unknown state {message.state}")
    status = _ADJUSTMENT_FROM.get(message.adjustment.status)
    if status is None:
        raise ValueError(
            f"block {message.block_id}: unknown adjustment status {message.adjustment.status}"
        )
    series = Series(message.origin, message.methodology, message.vintage, message.project)
    serial_range = SerialRange(series, message.first_unit, message.last_unit)
    if serial_range.serial != message.serial:
        raise ValueError(
            f"block {message.block_id}: serial {message.serial} disagrees with its fields"
            f" ({serial_range.serial})"
        )
    if serial_range.units != message.units:
        raise ValueError(f"block {message.block_id}: {message.units} units in {message.serial}")
    return Block(
        block_id=message.block_id,
        range=serial_range,
        partner=message.origin,
        account="",
        state=state,
        adjustment=Adjustment(_opt(message.adjustment.reference), status),
        issued_at=parse_rfc3339(message.issued_at),
        parent_block_id=_opt(message.parent_block_id),
        frozen=message.frozen,
    )


def block_event_to_proto(entry: OutboxEntry) -> exchange_pb.BlockEvent:
    return exchange_pb.BlockEvent(
        cursor=entry.cursor,
        kind=_EVENT_KIND[entry.kind],
        block=block_to_proto(entry.block),
        reason=entry.reason,
    )


def acknowledge_result_to_proto(outcome: AckOutcome) -> exchange_pb.AcknowledgeResult:
    return exchange_pb.AcknowledgeResult(
        block_id=outcome.block_id, state=_BLOCK_STATE[outcome.state], already=outcome.already
    )


# -- retirements ------------------------------------------------------------


def retirement_request_from_proto(
    message: exchange_pb.ReportRetirementRequest,
) -> RetirementRequest:
    """Shape only: which purpose needs which fields, and whether the units fit
    the block, is the exchange service's to decide."""
    # Ids are kept exactly as sent: the exchange keys on them byte for byte.
    retirement_id = message.retirement_id
    if not retirement_id.strip():
        raise InvalidRequest(
            "FIELD_REQUIRED", "retirement_id is required", {"field": "retirement_id"}
        )
    subject = {"retirement_id": retirement_id}
    if not message.block_id.strip():
        raise InvalidRequest(
            "FIELD_REQUIRED", "block_id is required", {**subject, "field": "block_id"}
        )
    if message.units == 0:
        # The exchange service's own code for the same refusal: one problem, one code.
        raise InvalidRequest(
            "RETIREMENT_UNITS_INVALID",
            "a retirement retires at least one unit",
            {**subject, "units": "0", "field": "units"},
        )
    purpose = _PURPOSE_FROM.get(message.purpose)
    if purpose is None:
        # UNSPECIFIED, or a purpose from a newer contract: the offset rules
        # that apply cannot be known, so the retirement cannot be recorded.
        raise InvalidRequest(
            "RETIREMENT_MALFORMED",
            f"purpose {message.purpose} is missing or unknown",
            {**subject, "field": "purpose"},
        )
    emissions: Decimal | None = None
    if message.verified_emissions_tco2e.strip():
        try:
            emissions = _decimal(message.verified_emissions_tco2e)
        except ValueError as problem:
            raise InvalidRequest(
                "RETIREMENT_MALFORMED",
                f"verified_emissions_tco2e: {problem}",
                {**subject, "field": "verified_emissions_tco2e"},
            ) from problem
    return RetirementRequest(
        retirement_id=retirement_id,
        block_id=message.block_id,
        units=message.units,
        purpose=purpose,
        beneficiary=message.beneficiary,
        compliance_entity=_opt(message.compliance_entity),
        compliance_year=message.compliance_year or None,
        verified_emissions_tco2e=emissions,
        event_name=_opt(message.event_name),
        note=_opt(message.note),
        claim=claim_from_proto(message),
    )


def retirement_request_to_proto(request: RetirementRequest) -> exchange_pb.ReportRetirementRequest:
    """For the exchange's side (clients and tests)."""
    emissions = request.verified_emissions_tco2e
    return exchange_pb.ReportRetirementRequest(
        retirement_id=request.retirement_id,
        block_id=request.block_id,
        units=request.units,
        purpose=_PURPOSE[request.purpose],
        beneficiary=request.beneficiary,
        compliance_entity=request.compliance_entity or "",
        compliance_year=request.compliance_year or 0,
        verified_emissions_tco2e="" if emissions is None else str(emissions),
        event_name=request.event_name or "",
        note=request.note or "",
        claim=None if request.claim is None else claim_to_proto(request.claim),
    )


def retirement_outcome_to_proto(outcome: RetirementOutcome) -> exchange_pb.ReportRetirementResponse:
    response = exchange_pb.ReportRetirementResponse(
        retirement_id=outcome.retirement_id,
        retired_block=block_to_proto(outcome.retired),
        replay=outcome.replay,
        certificate_id=outcome.certificate_id or "",
    )
    if outcome.remainder is not None:
        response.remainder_block.CopyFrom(block_to_proto(outcome.remainder))
    return response


# -- reconciliation ---------------------------------------------------------


def holding_from_proto(message: ledger_pb.Holding) -> Holding:
    subject_id = message.subject_id
    if not subject_id.strip():
        raise InvalidRequest(
            "HOLDING_MALFORMED", "a holding needs a subject_id", {"field": "subject_id"}
        )
    if not message.state.strip():
        raise InvalidRequest(
            "HOLDING_MALFORMED",
            f"holding {subject_id} has no state",
            {"subject_id": subject_id, "field": "state"},
        )
    try:
        quantity = _decimal(message.quantity)
    except ValueError as problem:
        raise InvalidRequest(
            "HOLDING_MALFORMED",
            f"holding {subject_id}: quantity {problem}",
            {"subject_id": subject_id, "field": "quantity"},
        ) from problem
    return Holding(
        subject_id=subject_id,
        state=message.state.strip(),
        vintage=message.vintage,
        quantity=quantity,
        serial=message.serial,
        digest=message.digest,
        trail=frozenset(message.trail),
        platform=message.platform.strip(),
    )


def holding_to_proto(holding: Holding) -> ledger_pb.Holding:
    return ledger_pb.Holding(
        subject_id=holding.subject_id,
        state=holding.state,
        vintage=holding.vintage,
        quantity=str(holding.quantity),
        serial=holding.serial,
        digest=holding.digest,
        trail=sorted(holding.trail),  # a set on the hub's side: sorted for stable bytes
        platform=holding.platform,
    )


def total_from_proto(message: ledger_pb.HoldingTotal) -> Total:
    subject = total_subject(message.state, message.vintage, message.platform)
    if not message.state.strip():
        raise InvalidRequest(
            "TOTAL_MALFORMED", f"total {subject} has no state", {"subject_id": subject}
        )
    try:
        quantity = _decimal(message.quantity)
    except ValueError as problem:
        raise InvalidRequest(
            "TOTAL_MALFORMED",
            f"total {subject}: quantity {problem}",
            {"subject_id": subject, "field": "quantity"},
        ) from problem
    return Total(
        state=message.state.strip(),
        vintage=message.vintage,
        count=message.count,
        quantity=quantity,
        platform=message.platform.strip(),
    )


def total_to_proto(total: Total) -> ledger_pb.HoldingTotal:
    return ledger_pb.HoldingTotal(
        state=total.state,
        vintage=total.vintage,
        count=total.count,
        quantity=str(total.quantity),
        platform=total.platform,
    )


def holdings_from_proto(messages: Iterable[ledger_pb.Holding]) -> list[Holding]:
    return [holding_from_proto(m) for m in messages]


def totals_from_proto(messages: Iterable[ledger_pb.HoldingTotal]) -> list[Total]:
    return [total_from_proto(m) for m in messages]


def reconciliation_request_to_proto(
    reconciliation: StoredReconciliation,
) -> ledger_pb.ReconciliationRequest:
    return ledger_pb.ReconciliationRequest(
        reconciliation_id=reconciliation.reconciliation_id,
        counterpart=reconciliation.counterpart,
        requested_at=rfc3339(reconciliation.requested_at),
    )


def reconciliation_report_to_proto(
    reconciliation: StoredReconciliation,
) -> ledger_pb.ReconciliationReport:
    frozen: list[str] = []
    for stored in reconciliation.discrepancies:
        # A block stays frozen while any discrepancy naming it is open; one
        # block may be named by several (state and trail, say): listed once.
        if not stored.resolved and stored.block_id is not None and stored.block_id not in frozen:
            frozen.append(stored.block_id)
    return ledger_pb.ReconciliationReport(
        reconciliation_id=reconciliation.reconciliation_id,
        counterpart=reconciliation.counterpart,
        status=_RECONCILIATION_STATUS[reconciliation.status],
        discrepancies=[
            ledger_pb.Discrepancy(
                discrepancy_id=stored.discrepancy_id,
                phase=str(stored.discrepancy.phase),
                kind=str(stored.discrepancy.kind),
                subject_id=stored.discrepancy.subject_id,
                hub_value=stored.discrepancy.hub_value,
                counterpart_value=stored.discrepancy.counterpart_value,
                resolved=stored.resolved,
            )
            for stored in reconciliation.discrepancies
        ],
        frozen_block_ids=frozen,
    )


# -- attestations -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceCancellationArgs:
    """AttestationService.attest_source_cancellation's arguments, parsed.
    Required fields are the service's to enforce (FIELD_REQUIRED)."""

    partner: str
    claim_id: str
    origin_serial: str
    cancellation_id: str
    note: str
    cancelled_at: datetime | None
    # The cancelled units of the block; None when not given (the whole block).
    cancelled_first: int | None = None
    cancelled_last: int | None = None


@dataclass(frozen=True, slots=True)
class AdjustmentArgs:
    """AttestationService.attest_adjustment's arguments, parsed."""

    partner: str
    reference: str
    status: AdjustmentStatus
    attested_at: datetime | None
    note: str
    quantity: Decimal | None = None  # tCO2e the inventory exclusion covers
    vintage: int | None = None


def source_cancellation_from_proto(
    message: partner_pb.SourceCancellationAttestation,
) -> SourceCancellationArgs:
    subject = {"claim_id": message.claim_id}
    return SourceCancellationArgs(
        partner=message.partner,
        claim_id=message.claim_id,
        origin_serial=message.origin_serial,
        cancellation_id=message.cancellation_id,
        # The note is compared with what the origin registry shows: kept as written.
        note=message.note,
        cancelled_at=_optional_time(
            message.cancelled_at, "cancelled_at", "ATTESTATION_MALFORMED", subject
        ),
        cancelled_first=message.cancelled_first or None,
        cancelled_last=message.cancelled_last or None,
    )


def adjustment_from_proto(message: partner_pb.AccountingAdjustmentAttestation) -> AdjustmentArgs:
    subject = {"reference": message.reference}
    status = _ADJUSTMENT_FROM.get(message.status)
    if status is None:
        raise InvalidRequest(
            "ATTESTATION_MALFORMED",
            f"adjustment status {message.status} is missing or unknown",
            {**subject, "field": "status"},
        )
    return AdjustmentArgs(
        partner=message.partner,
        reference=message.reference,
        status=status,
        attested_at=_optional_time(
            message.attested_at, "attested_at", "ATTESTATION_MALFORMED", subject
        ),
        note=message.note,
        quantity=_exclusion_quantity(message.quantity_tco2e, subject),
        # Vintage 0 is proto3's "not given".
        vintage=message.vintage or None,
    )


def _exclusion_quantity(text: str, subject: dict[str, str]) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return _decimal(text)
    except ValueError as problem:
        raise InvalidRequest(
            "ATTESTATION_MALFORMED",
            f"quantity_tco2e: {problem}",
            {**subject, "field": "quantity_tco2e"},
        ) from problem


def attestation_result_to_proto(outcome: AttestationOutcome) -> partner_pb.AttestationResult:
    return partner_pb.AttestationResult(
        accepted=outcome.accepted,
        replay=outcome.replay,
        checks=[conversion.check_to_proto(c) for c in outcome.checks],
        claim_ids=list(outcome.claim_ids),
        block_ids=list(outcome.block_ids),
    )
