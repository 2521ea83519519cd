"""Ledger, exchange and attestation conversion: round trips, and malformed
input refused with a coded InvalidRequest naming what is wrong."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as exchange_pb
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as partner_pb
from carbonhub_contract.vocabulary.holdings import Holding, Total
from carbonhub_contract.vocabulary.records import AdjustmentStatus, Decision
from hub.domain.blocks import Adjustment, Block, BlockState
from hub.domain.checks import fire
from hub.domain.claims import Verdict
from hub.domain.issuance import ClaimState
from hub.domain.reconciliation import (
    EXCHANGE,
    Discrepancy,
    DiscrepancyKind,
    Phase,
    ReconciliationStatus,
)
from hub.domain.retirements import RetirementPurpose, RetirementRequest
from hub.domain.serial_blocks import SerialRange, Series, parse_serial
from hub.errors import InvalidRequest
from hub.grpc_api import conversion, ledger_conversion
from hub.services.attestation import AttestationOutcome
from hub.services.exchange import AckOutcome, RetirementOutcome
from hub.services.ingestion import ClaimStatus
from hub.services.outbox_port import OutboxEntry, OutboxKind
from hub.services.reconciliation_port import StoredDiscrepancy, StoredReconciliation

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SERIES = Series("CN-GD", "SZ-PV", 2024, "4401-PV-2023-0007")


def _block(**overrides: object) -> Block:
    fields: dict[str, object] = dict(
        block_id="blk-1",
        range=SerialRange(SERIES, 1, 40),
        partner="CN-GD",
        account="project:4401-PV-2023-0007",
        state=BlockState.ISSUED,
        adjustment=Adjustment(None, AdjustmentStatus.NOT_REQUIRED),
        issued_at=NOW,
    )
    fields.update(overrides)
    return Block(**fields)  # type: ignore[arg-type]


def _wire_only(block: Block) -> Block:
    """What survives the wire: the hub keeps the account and issuance details."""
    return dataclasses.replace(block, account="", issuance_id=None, delivered_at=None)


def _code(caught: pytest.ExceptionInfo[InvalidRequest]) -> str:
    return caught.value.code


# -- blocks -----------------------------------------------------------------


def test_block_to_proto_carries_every_wire_field() -> None:
    block = _block(
        state=BlockState.DELIVERED,
        adjustment=Adjustment("HK-CA-2024-0001", AdjustmentStatus.COMMITTED),
        parent_block_id="blk-0",
        frozen=True,
        issuance_id="iss-1",
    )
    wire = ledger_conversion.block_to_proto(block)
    assert wire.serial == "SZCER-CN-GD-SZ-PV-2024-4401-PV-2023-0007-000001-000040"
    assert (wire.origin, wire.methodology, wire.vintage, wire.project) == (
        "CN-GD",
        "SZ-PV",
        2024,
        "4401-PV-2023-0007",
    )
    assert (wire.first_unit, wire.last_unit, wire.units) == (1, 40, 40)
    assert wire.state == ledger_pb.BLOCK_STATE_DELIVERED
    assert wire.adjustment.reference == "HK-CA-2024-0001"
    assert wire.adjustment.status == ledger_pb.ADJUSTMENT_STATUS_COMMITTED
    assert wire.parent_block_id == "blk-0"
    assert wire.issued_at == "2026-11-24T08:00:00Z"
    assert wire.frozen


def test_issued_at_is_utc_whatever_zone_the_block_was_stamped_in() -> None:
    shanghai = timezone(timedelta(hours=8))
    wire = ledger_conversion.block_to_proto(
        _block(issued_at=datetime(2026, 11, 24, 16, 0, 0, 5, shanghai))
    )
    assert wire.issued_at == "2026-11-24T08:00:00.000005Z"
    # A naive time from a driver that drops the zone is the hub's UTC.
    naive = ledger_conversion.block_to_proto(_block(issued_at=datetime(2026, 11, 24, 8, 0)))
    assert naive.issued_at == "2026-11-24T08:00:00Z"


@pytest.mark.parametrize("state", list(BlockState))
@pytest.mark.parametrize("status", list(AdjustmentStatus))
def test_block_round_trips_through_the_wire(state: BlockState, status: AdjustmentStatus) -> None:
    block = _block(state=state, adjustment=Adjustment("REF-1", status), parent_block_id="blk-0")
    assert ledger_conversion.block_from_proto(
        ledger_conversion.block_to_proto(block)
    ) == _wire_only(block)


@settings(max_examples=150, deadline=None)
@given(
    first=st.integers(min_value=1, max_value=10**9),
    units=st.integers(min_value=1, max_value=10**6),
    vintage=st.integers(min_value=2000, max_value=2099),
    project=st.sampled_from(["P", "4401-PV-2023-0007", "Habc123", "SITE-9"]),
    origin=st.sampled_from(["CN-GD", "CN-HK", "440100"]),
    frozen=st.booleans(),
)
def test_any_block_round_trips(
    first: int, units: int, vintage: int, project: str, origin: str, frozen: bool
) -> None:
    series = Series(origin, "SZ-TRANSIT-METRO", vintage, project)
    block = _block(
        range=SerialRange(series, first, first + units - 1), partner=origin, frozen=frozen
    )
    wire = ledger_conversion.block_to_proto(block)
    assert parse_serial(wire.serial) == block.range
    back = ledger_conversion.block_from_proto(wire)
    assert back == _wire_only(block)
    assert ledger_conversion.block_to_proto(back) == wire


def test_a_wire_block_whose_fields_disagree_with_its_serial_is_refused() -> None:
    wire = ledger_conversion.block_to_proto(_block())
    wire.last_unit = 41
    with pytest.raises(ValueError, match="disagrees"):
        ledger_conversion.block_from_proto(wire)
    wire = ledger_conversion.block_to_proto(_block())
    wire.units = 39
    with pytest.raises(ValueError, match="units"):
        ledger_conversion.block_from_proto(wire)
    wire = ledger_conversion.block_to_proto(_block())
    wire.state = ledger_pb.BLOCK_STATE_UNSPECIFIED
    with pytest.raises(ValueError, match="state"):
        ledger_conversion.block_from_proto(wire)


@pytest.mark.parametrize(
    ("kind", "wire_kind"),
    [
        (OutboxKind.QUALIFIED, exchange_pb.BLOCK_EVENT_KIND_QUALIFIED),
        (OutboxKind.CANCELLED, exchange_pb.BLOCK_EVENT_KIND_CANCELLED),
        (OutboxKind.FROZEN, exchange_pb.BLOCK_EVENT_KIND_FROZEN),
        (OutboxKind.UNFROZEN, exchange_pb.BLOCK_EVENT_KIND_UNFROZEN),
    ],
)
def test_outbox_entry_becomes_a_block_event(
    kind: OutboxKind, wire_kind: exchange_pb.BlockEventKind
) -> None:
    entry = OutboxEntry(cursor=17, kind=kind, block=_block(), reason="why", at=NOW)
    event = ledger_conversion.block_event_to_proto(entry)
    assert (event.cursor, event.kind, event.reason) == (17, wire_kind, "why")
    assert event.block == ledger_conversion.block_to_proto(_block())


def test_acknowledgement_outcome() -> None:
    result = ledger_conversion.acknowledge_result_to_proto(
        AckOutcome(block_id="blk-1", state=BlockState.DELIVERED, already=True)
    )
    assert (result.block_id, result.state, result.already) == (
        "blk-1",
        ledger_pb.BLOCK_STATE_DELIVERED,
        True,
    )


# -- retirements ------------------------------------------------------------


def test_retirement_outcome_sets_the_remainder_only_when_there_is_one() -> None:
    head, tail = SerialRange(SERIES, 1, 40).split(10)
    retired = _block(
        block_id="blk-1a", range=head, state=BlockState.RETIRED, parent_block_id="blk-1"
    )
    rest = _block(
        block_id="blk-1b", range=tail, state=BlockState.DELIVERED, parent_block_id="blk-1"
    )
    split = ledger_conversion.retirement_outcome_to_proto(
        RetirementOutcome(retirement_id="R-1", retired=retired, remainder=rest, replay=False)
    )
    assert split.retirement_id == "R-1" and not split.replay
    assert split.retired_block.serial == retired.serial
    assert split.HasField("remainder_block") and split.remainder_block.block_id == "blk-1b"
    whole = ledger_conversion.retirement_outcome_to_proto(
        RetirementOutcome(retirement_id="R-2", retired=retired, remainder=None, replay=True)
    )
    assert whole.replay and not whole.HasField("remainder_block")


@pytest.mark.parametrize(
    "request_",
    [
        RetirementRequest(
            retirement_id="R-ETS-1",
            block_id="blk-1",
            units=12,
            purpose=RetirementPurpose.ETS_OFFSET,
            beneficiary="深圳某电力有限公司",
            compliance_entity="91440300MA5XXXXXXX",
            compliance_year=2025,
            verified_emissions_tco2e=Decimal("125000.5"),
            note="履约抵销",
        ),
        RetirementRequest(
            retirement_id="R-EV-1",
            block_id="blk-2",
            units=3,
            purpose=RetirementPurpose.CARBON_NEUTRAL_EVENT,
            beneficiary="深圳马拉松组委会",
            event_name="2026 深圳马拉松",
        ),
        RetirementRequest(
            retirement_id="R-V-1",
            block_id="blk-3",
            units=1,
            purpose=RetirementPurpose.VOLUNTARY,
            beneficiary="",
        ),
    ],
    ids=["ets", "event", "voluntary"],
)
def test_retirement_request_round_trips(request_: RetirementRequest) -> None:
    wire = ledger_conversion.retirement_request_to_proto(request_)
    assert ledger_conversion.retirement_request_from_proto(wire) == request_


def test_empty_optional_retirement_fields_become_none() -> None:
    parsed = ledger_conversion.retirement_request_from_proto(
        exchange_pb.ReportRetirementRequest(
            retirement_id="R-1",
            block_id="blk-1",
            units=1,
            purpose=exchange_pb.RETIREMENT_PURPOSE_VOLUNTARY,
            compliance_entity="",
            compliance_year=0,
            verified_emissions_tco2e="  ",
            event_name="",
            note="",
        )
    )
    assert parsed.compliance_entity is None
    assert parsed.compliance_year is None
    assert parsed.verified_emissions_tco2e is None
    assert parsed.event_name is None and parsed.note is None


def _retirement(**overrides: object) -> exchange_pb.ReportRetirementRequest:
    fields: dict[str, object] = dict(
        retirement_id="R-1",
        block_id="blk-1",
        units=5,
        purpose=exchange_pb.RETIREMENT_PURPOSE_ETS_OFFSET,
        beneficiary="b",
        compliance_entity="e",
        compliance_year=2025,
        verified_emissions_tco2e="1000",
    )
    fields.update(overrides)
    return exchange_pb.ReportRetirementRequest(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"retirement_id": ""}, "FIELD_REQUIRED", "retirement_id"),
        ({"block_id": " "}, "FIELD_REQUIRED", "block_id"),
        ({"units": 0}, "RETIREMENT_UNITS_INVALID", "units"),
        (
            {"purpose": exchange_pb.RETIREMENT_PURPOSE_UNSPECIFIED},
            "RETIREMENT_MALFORMED",
            "purpose",
        ),
        ({"purpose": 99}, "RETIREMENT_MALFORMED", "purpose"),
        ({"verified_emissions_tco2e": "1,000"}, "RETIREMENT_MALFORMED", "verified_emissions_tco2e"),
        ({"verified_emissions_tco2e": "NaN"}, "RETIREMENT_MALFORMED", "verified_emissions_tco2e"),
    ],
)
def test_malformed_retirement_is_a_coded_invalid_request(
    overrides: dict[str, object], code: str, field: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        ledger_conversion.retirement_request_from_proto(_retirement(**overrides))
    assert _code(caught) == code
    assert caught.value.details["field"] == field


# -- reconciliation ---------------------------------------------------------


def test_holdings_and_totals_round_trip() -> None:
    holdings = [
        Holding("blk-1", "DELIVERED", 2024, Decimal(40), "SZCER-...", "", frozenset()),
        Holding(
            "GD-R-1",
            "CANCELLED",
            2024,
            Decimal("4.500000"),
            "PHCER-1-9",
            "ab" * 32,
            frozenset({"SOURCE_CANCELLED:C-1", "RETIRED:R-1"}),
        ),
    ]
    wire = [ledger_conversion.holding_to_proto(h) for h in holdings]
    assert list(wire[1].trail) == ["RETIRED:R-1", "SOURCE_CANCELLED:C-1"]
    assert ledger_conversion.holdings_from_proto(wire) == holdings
    totals = [Total("DELIVERED", 2024, 3, Decimal(120)), Total("ISSUED", 0, 1, Decimal("0.5"))]
    assert (
        ledger_conversion.totals_from_proto([ledger_conversion.total_to_proto(t) for t in totals])
        == totals
    )


@pytest.mark.parametrize("quantity", ["", "four", "1e", "Infinity", "NaN", "1,5"])
def test_malformed_holding_quantity_names_its_subject(quantity: str) -> None:
    wire = ledger_pb.Holding(subject_id="blk-9", state="DELIVERED", vintage=2024, quantity=quantity)
    with pytest.raises(InvalidRequest) as caught:
        ledger_conversion.holdings_from_proto([wire])
    assert _code(caught) == "HOLDING_MALFORMED"
    assert caught.value.details == {"subject_id": "blk-9", "field": "quantity"}


def test_holding_without_subject_or_state_is_malformed() -> None:
    with pytest.raises(InvalidRequest) as caught:
        ledger_conversion.holding_from_proto(ledger_pb.Holding(state="DELIVERED", quantity="1"))
    assert _code(caught) == "HOLDING_MALFORMED" and caught.value.details["field"] == "subject_id"
    with pytest.raises(InvalidRequest) as caught:
        ledger_conversion.holding_from_proto(ledger_pb.Holding(subject_id="x", quantity="1"))
    assert _code(caught) == "HOLDING_MALFORMED" and caught.value.details["field"] == "state"


def test_malformed_total_names_its_state_and_vintage() -> None:
    wire = ledger_pb.HoldingTotal(state="DELIVERED", vintage=2024, count=2, quantity="x")
    with pytest.raises(InvalidRequest) as caught:
        ledger_conversion.totals_from_proto([wire])
    assert _code(caught) == "TOTAL_MALFORMED"
    assert caught.value.details["subject_id"] == "DELIVERED/2024"


def _discrepancy(ident: str, block_id: str | None, resolved: bool) -> StoredDiscrepancy:
    return StoredDiscrepancy(
        discrepancy_id=ident,
        reconciliation_id="REC-1",
        discrepancy=Discrepancy(
            Phase.UNIT_BLOCKS,
            DiscrepancyKind.STATE_DIFFERS,
            block_id or "X",
            "DELIVERED",
            "RETIRED",
        ),
        block_id=block_id,
        resolved=resolved,
        resolution="",
        resolved_by="",
        resolved_at=None,
    )


def test_report_freezes_the_blocks_of_open_discrepancies_once_each() -> None:
    stored = StoredReconciliation(
        reconciliation_id="REC-1",
        counterpart=EXCHANGE,
        status=ReconciliationStatus.INCONSISTENT,
        requested_at=NOW,
        requested_by="bureau",
        answered_at=NOW,
        discrepancies=(
            _discrepancy("D-1", "blk-1", resolved=False),
            _discrepancy("D-2", "blk-1", resolved=False),
            _discrepancy("D-3", "blk-2", resolved=True),
            _discrepancy("D-4", None, resolved=False),
            _discrepancy("D-5", "blk-3", resolved=False),
        ),
    )
    report = ledger_conversion.reconciliation_report_to_proto(stored)
    assert report.status == ledger_pb.RECONCILIATION_STATUS_INCONSISTENT
    assert list(report.frozen_block_ids) == ["blk-1", "blk-3"]
    assert [d.discrepancy_id for d in report.discrepancies] == ["D-1", "D-2", "D-3", "D-4", "D-5"]
    first = report.discrepancies[0]
    assert (first.phase, first.kind, first.hub_value, first.counterpart_value) == (
        "UNIT_BLOCKS",
        "STATE_DIFFERS",
        "DELIVERED",
        "RETIRED",
    )
    assert report.discrepancies[2].resolved
    request = ledger_conversion.reconciliation_request_to_proto(stored)
    assert (request.reconciliation_id, request.counterpart, request.requested_at) == (
        "REC-1",
        EXCHANGE,
        "2026-11-24T08:00:00Z",
    )


# -- attestations -----------------------------------------------------------


def test_source_cancellation_times_are_read_as_rfc3339_into_utc() -> None:
    args = ledger_conversion.source_cancellation_from_proto(
        partner_pb.SourceCancellationAttestation(
            partner="CN-HK",
            claim_id="c-1",
            origin_serial="PHCER-1-9",
            cancellation_id="X-1",
            note=" for hub claim c-1 ",
            cancelled_at="2026-11-24T16:00:00+08:00",
        )
    )
    assert args.cancelled_at == NOW and args.cancelled_at.tzinfo is UTC
    assert args.note == " for hub claim c-1 "  # compared with the origin's note as written
    empty = ledger_conversion.source_cancellation_from_proto(
        partner_pb.SourceCancellationAttestation(partner="CN-HK", claim_id="c-1")
    )
    assert empty.cancelled_at is None


@pytest.mark.parametrize("text", ["2026-11-24", "2026-11-24T08:00:00", "yesterday", "24/11/2026"])
def test_attestation_time_without_date_time_and_offset_is_malformed(text: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        ledger_conversion.source_cancellation_from_proto(
            partner_pb.SourceCancellationAttestation(claim_id="c-1", cancelled_at=text)
        )
    assert _code(caught) == "ATTESTATION_MALFORMED"
    assert caught.value.details == {"claim_id": "c-1", "field": "cancelled_at"}
    with pytest.raises(InvalidRequest) as caught:
        ledger_conversion.adjustment_from_proto(
            partner_pb.AccountingAdjustmentAttestation(
                reference="HK-1", status=ledger_pb.ADJUSTMENT_STATUS_COMMITTED, attested_at=text
            )
        )
    assert _code(caught) == "ATTESTATION_MALFORMED"
    assert caught.value.details["field"] == "attested_at"


def test_adjustment_attestation_needs_a_known_status() -> None:
    args = ledger_conversion.adjustment_from_proto(
        partner_pb.AccountingAdjustmentAttestation(
            partner="CN-HK",
            reference="HK-1",
            status=ledger_pb.ADJUSTMENT_STATUS_COMPLETED,
            attested_at="2026-11-24T08:00:00Z",
            note="n",
        )
    )
    assert (args.status, args.attested_at, args.reference) == (
        AdjustmentStatus.COMPLETED,
        NOW,
        "HK-1",
    )
    with pytest.raises(InvalidRequest) as caught:
        ledger_conversion.adjustment_from_proto(
            partner_pb.AccountingAdjustmentAttestation(reference="HK-1")
        )
    assert _code(caught) == "ATTESTATION_MALFORMED" and caught.value.details["field"] == "status"


def test_attestation_outcome_carries_its_check_codes() -> None:
    check = fire("AWAITING_SOURCE_CANCELLATION")
    result = ledger_conversion.attestation_result_to_proto(
        AttestationOutcome(
            accepted=False, replay=False, checks=(check,), claim_ids=("c-1",), block_ids=("b-1",)
        )
    )
    assert not result.accepted and not result.replay
    assert [c.code for c in result.checks] == ["AWAITING_SOURCE_CANCELLATION"]
    assert result.checks[0].message_en == check.message_en
    assert (list(result.claim_ids), list(result.block_ids)) == (["c-1"], ["b-1"])


# -- claim status -----------------------------------------------------------


def _verdict(*checks: str, decision: Decision = Decision.ACCEPTED) -> Verdict:
    return Verdict(
        partner="CN-GD",
        record_id="R-1",
        claim_id="c-1",
        decision=decision,
        checks=tuple(fire(c) for c in checks),
        credited_tco2e=Decimal("4.5"),
    )


def test_a_new_verdict_states_where_it_puts_the_claim() -> None:
    assert conversion.verdict_to_proto(_verdict()).state == partner_pb.CLAIM_STATE_ACCEPTED
    awaiting = conversion.verdict_to_proto(_verdict("AWAITING_SOURCE_CANCELLATION"))
    assert awaiting.state == partner_pb.CLAIM_STATE_AWAITING_SOURCE_CANCELLATION
    rejected = conversion.verdict_to_proto(_verdict(decision=Decision.REJECTED))
    assert rejected.state == partner_pb.CLAIM_STATE_REJECTED
    assert rejected.carried_tco2e == "" and not rejected.block_serials


def test_claim_status_carries_state_blocks_and_carried_remainder() -> None:
    wire = conversion.claim_status_to_proto(
        ClaimStatus(
            verdict=_verdict(),
            state=ClaimState.ISSUED,
            block_serials=("SZCER-CN-GD-SZ-PV-2024-X-000001-000004",),
            carried_tco2e=Decimal("0.500000"),
        )
    )
    assert wire.state == partner_pb.CLAIM_STATE_ISSUED
    assert list(wire.block_serials) == ["SZCER-CN-GD-SZ-PV-2024-X-000001-000004"]
    assert wire.carried_tco2e == "0.500000"
    assert wire.credited_tco2e == "4.5"
