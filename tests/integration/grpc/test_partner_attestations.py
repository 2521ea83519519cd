"""Lock at source, accounting adjustments, claim status and partner
reconciliation over a real gRPC server on loopback and a real database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from carbonhub_contract.error_details import error_info
from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as exchange_pb
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.vocabulary.holdings import (
    partner_holding,
    source_cancelled_entry,
    totals_of,
)
from carbonhub_contract.vocabulary.records import OriginStatus
from hub.grpc_api import conversion, ledger_conversion
from tests.integration.grpc.ledger_helpers import (
    HK_ADJUSTMENT,
    Running,
    hk_solar_claim,
    pv_claim,
    register_gd_project,
    running_hub,
    submit,
)

ORIGIN_SERIAL = "GDPH-4401-PV-2023-0007-2024-000001-000004"


@pytest.fixture
def hub(tmp_path: Path, database_url: str) -> Iterator[Running]:
    with running_hub(tmp_path, database_url) as running:
        register_gd_project(running.partner)
        yield running


def _reason(error: grpc.RpcError) -> str:
    info = error_info(error)
    assert info is not None, error
    return str(info.reason)


def _codes(result: pb.AttestationResult) -> set[str]:
    return {c.code for c in result.checks}


def _status(hub: Running, record_id: str, partner: str = "CN-GD") -> pb.Verdict:
    request = pb.GetClaimStatusRequest(partner=partner, record_id=record_id)
    verdict: pb.Verdict = hub.partner.GetClaimStatus(request).verdict
    return verdict


def _awaiting_claim(hub: Running) -> pb.Verdict:
    (verdict,) = submit(hub.partner, pv_claim("R-3", 3, 4, origin_serial=ORIGIN_SERIAL))
    assert verdict.decision == pb.DECISION_ACCEPTED, verdict
    return verdict


def _cancellation(claim_id: str, **overrides: str) -> pb.SourceCancellationAttestation:
    fields: dict[str, Any] = dict(
        partner="CN-GD",
        claim_id=claim_id,
        origin_serial=ORIGIN_SERIAL,
        cancellation_id="GDPH-CXL-2026-0001",
        note=f"为深圳碳普惠互认枢纽申报 {claim_id} 注销",
        cancelled_at="2026-11-20T10:00:00+08:00",
    )
    fields.update(overrides)
    return pb.SourceCancellationAttestation(**fields)


# -- lock at source -----------------------------------------------------------


def test_a_claim_issued_at_its_origin_waits_for_cancellation_at_source_then_issues(
    hub: Running,
) -> None:
    verdict = _awaiting_claim(hub)
    assert verdict.state == pb.CLAIM_STATE_AWAITING_SOURCE_CANCELLATION
    assert hub.hub.issuance.issue_pending().blocks == []  # lock at source, then issue
    assert _status(hub, "R-3").state == pb.CLAIM_STATE_AWAITING_SOURCE_CANCELLATION

    result = hub.partner.AttestSourceCancellation(_cancellation(verdict.claim_id))
    assert result.accepted and not result.replay and not result.checks
    assert list(result.claim_ids) == [verdict.claim_id]
    again = hub.partner.AttestSourceCancellation(_cancellation(verdict.claim_id))
    assert again.accepted and again.replay

    run = hub.hub.issuance.issue_pending()
    assert [b.units for b in run.blocks] == [4]
    status = _status(hub, "R-3")
    assert status.state == pb.CLAIM_STATE_ISSUED
    assert list(status.block_serials) == [run.blocks[0].serial]
    assert status.carried_tco2e != "" and float(status.carried_tco2e) == 0
    assert status.claim_id == verdict.claim_id and status.credited_tco2e == verdict.credited_tco2e


def test_a_refused_cancellation_carries_every_check_that_fired(hub: Running) -> None:
    verdict = _awaiting_claim(hub)
    wrong_block = hub.partner.AttestSourceCancellation(
        _cancellation(
            verdict.claim_id,
            origin_serial="GDPH-4401-PV-2023-0007-2024-000001-000003",
            note="cancelled",
        )
    )
    assert not wrong_block.accepted and not wrong_block.claim_ids
    assert _codes(wrong_block) == {
        "SOURCE_CANCELLATION_BLOCK_MISMATCH",
        "SOURCE_CANCELLATION_NOTE_MISSING_CLAIM",
    }
    assert all(c.message_zh and c.message_en for c in wrong_block.checks)
    malformed = hub.partner.AttestSourceCancellation(
        _cancellation(verdict.claim_id, origin_serial="PHCER 1-4")
    )
    assert _codes(malformed) == {"SOURCE_CANCELLATION_SERIAL_MALFORMED"}
    # Nothing was released by the refusals.
    assert _status(hub, "R-3").state == pb.CLAIM_STATE_AWAITING_SOURCE_CANCELLATION


def test_a_cancellation_for_a_claim_not_awaiting_one_is_refused(hub: Running) -> None:
    (plain,) = submit(hub.partner, pv_claim("R-1", 1, 5))
    result = hub.partner.AttestSourceCancellation(_cancellation(plain.claim_id))
    assert not result.accepted
    assert "SOURCE_CANCELLATION_NOT_AWAITING" in _codes(result)


def test_cancellation_request_errors_are_coded(hub: Running) -> None:
    verdict = _awaiting_claim(hub)
    cases = [
        (_cancellation(verdict.claim_id, cancellation_id=""), "INVALID_ARGUMENT", "FIELD_REQUIRED"),
        (
            _cancellation(verdict.claim_id, cancelled_at="2026-11-20"),
            "INVALID_ARGUMENT",
            "ATTESTATION_MALFORMED",
        ),
        (_cancellation("no-such-claim"), "NOT_FOUND", "CLAIM_NOT_FOUND"),
        # Another partner's claim is answered like a missing one.
        (_cancellation(verdict.claim_id, partner="CN-HK"), "NOT_FOUND", "CLAIM_NOT_FOUND"),
    ]
    for request, code, reason in cases:
        with pytest.raises(grpc.RpcError) as caught:
            hub.partner.AttestSourceCancellation(request)
        assert caught.value.code() == getattr(grpc.StatusCode, code), reason
        assert _reason(caught.value) == reason


# -- accounting adjustments -------------------------------------------------


def _adjustment(status: int, reference: str = HK_ADJUSTMENT) -> pb.AccountingAdjustmentAttestation:
    return pb.AccountingAdjustmentAttestation(
        partner="CN-HK",
        reference=reference,
        status=status,  # type: ignore[arg-type]
        attested_at="2026-11-20T02:00:00Z",
        note="香港特区政府相应调整证明",
    )


def _events(hub: Running) -> list[exchange_pb.BlockEvent]:
    return list(hub.exchange.StreamBlocks(exchange_pb.StreamBlocksRequest(), timeout=10))


def test_a_cross_border_block_reaches_the_exchange_once_the_adjustment_is_committed(
    hub: Running,
) -> None:
    (verdict,) = submit(hub.partner, hk_solar_claim("FIT-2410-0001"), partner="CN-HK")
    assert verdict.decision == pb.DECISION_ACCEPTED, verdict
    (block,) = hub.hub.issuance.issue_pending().blocks
    assert _events(hub) == []  # PENDING adjustment: not routable

    committed = hub.partner.AttestAccountingAdjustment(
        _adjustment(ledger_pb.ADJUSTMENT_STATUS_COMMITTED)
    )
    assert committed.accepted and not committed.replay
    assert list(committed.block_ids) == [block.block_id]
    (event,) = _events(hub)
    assert event.kind == exchange_pb.BLOCK_EVENT_KIND_QUALIFIED
    assert event.block.block_id == block.block_id and event.block.origin == "CN-HK"
    assert event.block.adjustment.reference == HK_ADJUSTMENT
    assert event.block.adjustment.status == ledger_pb.ADJUSTMENT_STATUS_COMMITTED

    again = hub.partner.AttestAccountingAdjustment(
        _adjustment(ledger_pb.ADJUSTMENT_STATUS_COMMITTED)
    )
    assert again.accepted and again.replay and not again.block_ids
    completed = hub.partner.AttestAccountingAdjustment(
        _adjustment(ledger_pb.ADJUSTMENT_STATUS_COMPLETED)
    )
    assert completed.accepted and not completed.block_ids  # routable already: no second event
    assert len(_events(hub)) == 1

    backwards = hub.partner.AttestAccountingAdjustment(
        _adjustment(ledger_pb.ADJUSTMENT_STATUS_COMMITTED)
    )
    assert not backwards.accepted
    assert _codes(backwards) == {"ADJUSTMENT_STATUS_BACKWARDS"}


def test_adjustment_attestation_errors_carry_their_codes(hub: Running) -> None:
    pending = hub.partner.AttestAccountingAdjustment(
        _adjustment(ledger_pb.ADJUSTMENT_STATUS_PENDING)
    )
    assert not pending.accepted and _codes(pending) == {"ADJUSTMENT_STATUS_INVALID"}
    for request, reason in [
        (_adjustment(ledger_pb.ADJUSTMENT_STATUS_UNSPECIFIED), "ATTESTATION_MALFORMED"),
        (_adjustment(ledger_pb.ADJUSTMENT_STATUS_COMMITTED, reference=""), "FIELD_REQUIRED"),
    ]:
        with pytest.raises(grpc.RpcError) as caught:
            hub.partner.AttestAccountingAdjustment(request)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert _reason(caught.value) == reason
    malformed_time = _adjustment(ledger_pb.ADJUSTMENT_STATUS_COMMITTED)
    malformed_time.attested_at = "20 November 2026"
    with pytest.raises(grpc.RpcError) as caught:
        hub.partner.AttestAccountingAdjustment(malformed_time)
    info = error_info(caught.value)
    assert info is not None and info.reason == "ATTESTATION_MALFORMED"
    assert info.metadata["field"] == "attested_at"


# -- partner reconciliation ---------------------------------------------------


def test_a_partner_reconciles_its_records_including_cancellations_at_source(
    hub: Running,
) -> None:
    plain_claim = pv_claim("R-1", 1, 5)
    awaiting_claim = pv_claim("R-3", 3, 4, origin_serial=ORIGIN_SERIAL)
    (_, awaiting) = submit(hub.partner, plain_claim, awaiting_claim)
    hub.partner.AttestSourceCancellation(_cancellation(awaiting.claim_id))
    listed = hub.partner.ListReconciliationRequests(
        ledger_pb.ListReconciliationRequestsRequest(partner="CN-GD")
    )
    assert list(listed.requests) == []

    # The partner's side, built with the same function its adapter uses.
    holdings = [
        partner_holding(
            conversion.claim_from_proto("CN-GD", "TEST-01", plain_claim), OriginStatus.NOT_ISSUED
        ),
        partner_holding(
            conversion.claim_from_proto("CN-GD", "TEST-01", awaiting_claim),
            OriginStatus.CANCELLED,
            [source_cancelled_entry("GDPH-CXL-2026-0001")],
        ),
    ]
    report = hub.partner.SubmitReconciliation(
        ledger_pb.SubmitReconciliationRequest(
            partner="CN-GD",
            totals=[ledger_conversion.total_to_proto(t) for t in totals_of(holdings)],
            holdings=[ledger_conversion.holding_to_proto(h) for h in holdings],
        )
    )
    assert report.status == ledger_pb.RECONCILIATION_STATUS_CONSISTENT, report
    assert report.counterpart == "CN-GD" and report.reconciliation_id

    # Without the cancellation the partner's registry disagrees with the hub.
    stale = [
        holdings[0],
        partner_holding(
            conversion.claim_from_proto("CN-GD", "TEST-01", awaiting_claim), OriginStatus.ISSUED
        ),
    ]
    report = hub.partner.SubmitReconciliation(
        ledger_pb.SubmitReconciliationRequest(
            partner="CN-GD", holdings=[ledger_conversion.holding_to_proto(h) for h in stale]
        )
    )
    assert report.status == ledger_pb.RECONCILIATION_STATUS_INCONSISTENT
    kinds = {(d.kind, d.subject_id) for d in report.discrepancies}
    assert ("STATE_DIFFERS", "R-3") in kinds and ("TRAIL_DIFFERS", "R-3") in kinds
    assert list(report.frozen_block_ids) == []  # records, not blocks: nothing to freeze


def test_partner_reconciliation_errors_are_coded(hub: Running) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        hub.partner.ListReconciliationRequests(
            ledger_pb.ListReconciliationRequestsRequest(partner="EXCHANGE")
        )
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert _reason(caught.value) == "COUNTERPART_NOT_A_PARTNER"
    with pytest.raises(grpc.RpcError) as caught:
        hub.partner.SubmitReconciliation(ledger_pb.SubmitReconciliationRequest())
    assert _reason(caught.value) == "FIELD_REQUIRED"
    bad_total = ledger_pb.HoldingTotal(state="NOT_ISSUED", vintage=2024, count=1, quantity="")
    with pytest.raises(grpc.RpcError) as caught:
        hub.partner.SubmitReconciliation(
            ledger_pb.SubmitReconciliationRequest(partner="CN-GD", totals=[bad_total])
        )
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = error_info(caught.value)
    assert info is not None and info.reason == "TOTAL_MALFORMED"
    assert info.metadata["subject_id"] == "NOT_ISSUED/2024"
