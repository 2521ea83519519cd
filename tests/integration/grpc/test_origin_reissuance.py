"""An origin re-issuance found by a partner reconciliation freezes the
Shenzhen blocks issued from the record, over a real mTLS hub on SQLite and
PostgreSQL, until a bureau officer resolves the discrepancy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from carbonhub_contract.error_details import error_info
from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as exchange_pb
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.vocabulary.holdings import partner_holding
from carbonhub_contract.vocabulary.records import OriginStatus
from hub.grpc_api import conversion, ledger_conversion
from tests.integration.grpc.ledger_helpers import (
    Running,
    pv_claim,
    register_gd_project,
    running_hub,
    submit,
)

REISSUED_SERIAL = "GDPH-4401-PV-2023-0007-2024-000501-000505"


@pytest.fixture
def hub(tmp_path: Path, database_url: str) -> Iterator[Running]:
    with running_hub(tmp_path, database_url) as running:
        register_gd_project(running.partner)
        yield running


def _reconcile(
    hub: Running, claims: list[pb.Claim], reissued: str
) -> ledger_pb.ReconciliationReport:
    """Guangdong's side: every record as the hub has it, except ``reissued``,
    which its registry now shows 已签发 with a PHCER block."""
    holdings = []
    for claim in claims:
        submission = conversion.claim_from_proto("CN-GD", "TEST-01", claim)
        if claim.record_id == reissued:
            claim = pb.Claim()
            claim.CopyFrom(next(c for c in claims if c.record_id == reissued))
            claim.origin_serial = REISSUED_SERIAL
            submission = conversion.claim_from_proto("CN-GD", "TEST-01", claim)
            holdings.append(partner_holding(submission, OriginStatus.ISSUED))
        else:
            holdings.append(partner_holding(submission, OriginStatus.NOT_ISSUED))
    report: ledger_pb.ReconciliationReport = hub.partner.SubmitReconciliation(
        ledger_pb.SubmitReconciliationRequest(
            partner="CN-GD", holdings=[ledger_conversion.holding_to_proto(h) for h in holdings]
        )
    )
    return report


def _events(hub: Running) -> list[exchange_pb.BlockEvent]:
    return list(hub.exchange.StreamBlocks(exchange_pb.StreamBlocksRequest(), timeout=10))


def _retire(
    hub: Running, block_id: str, retirement_id: str
) -> exchange_pb.ReportRetirementResponse:
    response: exchange_pb.ReportRetirementResponse = hub.exchange.ReportRetirement(
        exchange_pb.ReportRetirementRequest(
            retirement_id=retirement_id,
            block_id=block_id,
            units=1,
            purpose=exchange_pb.RETIREMENT_PURPOSE_VOLUNTARY,
            beneficiary="深圳某科技有限公司",
        )
    )
    return response


def test_a_reduction_issued_again_at_the_origin_freezes_its_blocks_until_resolved(
    hub: Running,
) -> None:
    claims = [pv_claim("R-1", 1, 5), pv_claim("R-2", 2, 7)]
    submit(hub.partner, claims[0])
    (first,) = hub.hub.issuance.issue_pending().blocks
    submit(hub.partner, claims[1])
    (second,) = hub.hub.issuance.issue_pending().blocks
    reissued, other = first.block_id, second.block_id
    hub.exchange.AcknowledgeBlocks(exchange_pb.AcknowledgeBlocksRequest(block_ids=[reissued]))
    before = len(_events(hub))

    report = _reconcile(hub, claims, "R-1")
    assert report.status == ledger_pb.RECONCILIATION_STATUS_INCONSISTENT
    assert list(report.frozen_block_ids) == [reissued]  # R-2's block is untouched
    (found,) = [d for d in report.discrepancies if d.kind == "ORIGIN_REISSUED"]
    assert found.subject_id == "R-1" and found.counterpart_value == REISSUED_SERIAL
    # Not retirable, and the exchange, which holds the block, hears FROZEN.
    assert hub.exchange.GetBlock(exchange_pb.GetBlockRequest(block_id=reissued)).frozen
    with pytest.raises(grpc.RpcError) as caught:
        _retire(hub, reissued, "EX-RET-1")
    info = error_info(caught.value)
    assert info is not None and info.reason == "BLOCK_FROZEN"
    (frozen,) = _events(hub)[before:]
    assert frozen.kind == exchange_pb.BLOCK_EVENT_KIND_FROZEN
    assert frozen.block.block_id == reissued
    # Reconciling again does not announce the block twice; its discrepancy
    # keeps the block frozen until it is resolved too.
    again = _reconcile(hub, claims, "R-1")
    assert len(_events(hub)) == before + 1
    (repeated,) = [d for d in again.discrepancies if d.kind == "ORIGIN_REISSUED"]

    resolution = "PHCER 已由原注册登记簿作废"
    hub.hub.reconciliations.resolve(found.discrepancy_id, resolution, "王科长")
    assert hub.exchange.GetBlock(exchange_pb.GetBlockRequest(block_id=reissued)).frozen
    hub.hub.reconciliations.resolve(repeated.discrepancy_id, resolution, "王科长")
    assert not hub.exchange.GetBlock(exchange_pb.GetBlockRequest(block_id=reissued)).frozen
    assert _events(hub)[-1].kind == exchange_pb.BLOCK_EVENT_KIND_UNFROZEN
    assert _retire(hub, reissued, "EX-RET-2").retirement_id == "EX-RET-2"
    assert not hub.exchange.GetBlock(exchange_pb.GetBlockRequest(block_id=other)).frozen


def test_a_block_offered_but_not_yet_acknowledged_hears_frozen(hub: Running) -> None:
    claims = [pv_claim("R-1", 1, 5)]
    submit(hub.partner, *claims)
    (block,) = hub.hub.issuance.issue_pending().blocks
    report = _reconcile(hub, claims, "R-1")
    assert list(report.frozen_block_ids) == [block.block_id]
    # Offered (QUALIFIED) is enough: the exchange may hold it unacknowledged.
    assert [(e.kind, e.block.block_id) for e in _events(hub)] == [
        (exchange_pb.BLOCK_EVENT_KIND_QUALIFIED, block.block_id),
        (exchange_pb.BLOCK_EVENT_KIND_FROZEN, block.block_id),
    ]
