"""Hong Kong's inventory exclusion (the wire's accounting adjustment) over mutual
TLS on a real database (SQLite and PostgreSQL): the quantity and vintage it
covers, its revocation after delivery, and its deadline to COMPLETED."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from carbonhub_contract.error_details import error_info
from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as exchange_pb
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from hub.bootstrap import build_hub
from hub.domain.blocks import BlockState
from hub.services.attestation import AttestationService
from hub.services.block_port import BlockFilter
from hub.settings import HubSettings
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.grpc.ledger_helpers import (
    HK_ADJUSTMENT,
    NOW,
    Running,
    hk_solar_claim,
    running_hub,
    submit,
)

COMMITTED = ledger_pb.ADJUSTMENT_STATUS_COMMITTED
COMPLETED = ledger_pb.ADJUSTMENT_STATUS_COMPLETED
REVOKED = ledger_pb.ADJUSTMENT_STATUS_REVOKED


@pytest.fixture
def hub(tmp_path: Path, database_url: str) -> Iterator[Running]:
    with running_hub(tmp_path, database_url) as running:
        yield running


def _hk_block(hub: Running) -> tuple[str, int]:
    """One Hong Kong block issued under HK_ADJUSTMENT, still PENDING."""
    (verdict,) = submit(hub.partner, hk_solar_claim("FIT-2410-0001"), partner="CN-HK")
    assert verdict.decision == pb.DECISION_ACCEPTED, verdict
    (block,) = hub.hub.issuance.issue_pending().blocks
    assert block.units > 2 and block.vintage == 2024
    return block.block_id, block.units


def _attest(
    hub: Running,
    status: int,
    quantity: str = "",
    vintage: int = 0,
    attested_at: str = "2026-11-20T02:00:00Z",
) -> pb.AttestationResult:
    result: pb.AttestationResult = hub.partner.AttestAccountingAdjustment(
        pb.AccountingAdjustmentAttestation(
            partner="CN-HK",
            reference=HK_ADJUSTMENT,
            status=status,  # type: ignore[arg-type]
            attested_at=attested_at,
            note="香港特區政府：不計入香港溫室氣體清單",
            quantity_tco2e=quantity,
            vintage=vintage,
        )
    )
    return result


def _codes(result: pb.AttestationResult) -> list[str]:
    return [c.code for c in result.checks]


def _events(hub: Running) -> list[exchange_pb.BlockEvent]:
    return list(hub.exchange.StreamBlocks(exchange_pb.StreamBlocksRequest(), timeout=10))


def _retire(hub: Running, retirement_id: str, block_id: str, units: int) -> None:
    hub.exchange.ReportRetirement(
        exchange_pb.ReportRetirementRequest(
            retirement_id=retirement_id,
            block_id=block_id,
            units=units,
            purpose=exchange_pb.RETIREMENT_PURPOSE_VOLUNTARY,
            beneficiary="深圳某科技有限公司",
        )
    )


def _refusal(hub: Running, retirement_id: str, block_id: str, units: int) -> tuple[str, str]:
    with pytest.raises(grpc.RpcError) as caught:
        _retire(hub, retirement_id, block_id, units)
    info = error_info(caught.value)
    assert info is not None, caught.value
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    return str(info.reason), caught.value.details() or ""


def test_an_exclusion_covering_less_or_another_vintage_is_refused_and_changes_nothing(
    hub: Running,
) -> None:
    _, units = _hk_block(hub)
    short = _attest(hub, COMMITTED, str(units - 1), 2024)
    assert not short.accepted and _codes(short) == ["INVENTORY_EXCLUSION_QUANTITY_SHORT"]
    assert short.checks[0].details["issued"] == str(units)
    assert "inventory exclusion" in short.checks[0].message_en
    assert "清单排除" in short.checks[0].message_zh
    other_year = _attest(hub, COMMITTED, str(units), 2023)
    assert _codes(other_year) == ["INVENTORY_EXCLUSION_VINTAGE_MISMATCH"]
    half = _attest(hub, COMMITTED, str(units))
    assert _codes(half) == ["INVENTORY_EXCLUSION_TERMS_INCOMPLETE"]
    assert _events(hub) == []  # still PENDING: nothing reached the exchange
    with pytest.raises(grpc.RpcError) as caught:
        _attest(hub, COMMITTED, "twelve", 2024)
    info = error_info(caught.value)
    assert info is not None and info.reason == "ATTESTATION_MALFORMED"
    assert info.metadata["field"] == "quantity_tco2e"

    exact = _attest(hub, COMMITTED, f"{units}.75", 2024)
    assert exact.accepted and len(exact.block_ids) == 1
    assert [e.kind for e in _events(hub)] == [exchange_pb.BLOCK_EVENT_KIND_QUALIFIED]


def test_a_revocation_after_delivery_freezes_the_blocks_and_refuses_their_retirement(
    hub: Running,
) -> None:
    block_id, units = _hk_block(hub)
    assert _attest(hub, COMMITTED, str(units), 2024).accepted
    hub.exchange.AcknowledgeBlocks(exchange_pb.AcknowledgeBlocksRequest(block_ids=[block_id]))
    _retire(hub, "RET-1", block_id, 1)  # one unit retired before the revocation
    remainder = [
        e.block
        for e in _events(hub)
        if e.block.state == ledger_pb.BLOCK_STATE_DELIVERED and e.block.parent_block_id
    ]
    streamed = len(_events(hub))

    revoked = _attest(hub, REVOKED)
    assert revoked.accepted and not revoked.block_ids
    new = _events(hub)[streamed:]
    assert [e.kind for e in new] == [exchange_pb.BLOCK_EVENT_KIND_FROZEN]
    (frozen,) = new
    assert frozen.reason == "inventory exclusion revoked"
    assert frozen.block.adjustment.status == REVOKED
    assert frozen.block.units == units - 1
    assert not remainder or frozen.block.block_id == remainder[0].block_id

    reason, message = _refusal(hub, "RET-2", frozen.block.block_id, 1)
    assert reason == "BLOCK_EXCLUSION_REVOKED" and HK_ADJUSTMENT in message
    # Terminal: neither a new commitment nor a completion brings it back.
    for status in (COMMITTED, COMPLETED):
        again = _attest(hub, status, str(units), 2024)
        assert not again.accepted and _codes(again) == ["INVENTORY_EXCLUSION_REVOKED"]
    assert _attest(hub, REVOKED).replay
    # The unit retired before stays retired, reported under the revoked exclusion.
    with SqlAlchemyUnitOfWorkFactory(hub.hub.engine)() as uow:
        (retired,) = uow.blocks.find(
            BlockFilter(partner="CN-HK", states=frozenset({BlockState.RETIRED}))
        )
    with SqlAlchemyUnitOfWorkFactory(hub.hub.engine)() as uow:
        notes = uow.events.for_subjects("block", [retired.block_id])
    assert [
        (e.details["reference"], e.details["units"])
        for e in notes
        if e.event == "RETIRED_UNDER_REVOKED_EXCLUSION"
    ] == [(HK_ADJUSTMENT, "1")]
    assert "ADJUSTMENT_REVOKED" in [e.event for e in notes]
    assert hub.hub.exchange.block(retired.block_id).state is BlockState.RETIRED


def test_past_the_deadline_a_committed_exclusion_freezes_its_blocks_until_completed(
    hub: Running,
) -> None:
    block_id, units = _hk_block(hub)
    # Committed 2025-11-01: CN-HK's agreement gives 365 days to COMPLETED, so
    # by the hub's clock (NOW, 2026-11-24) the deadline has passed.
    assert NOW.year == 2026
    late = _attest(hub, COMMITTED, str(units), 2024, attested_at="2025-11-01T00:00:00Z")
    assert late.accepted
    hub.exchange.AcknowledgeBlocks(exchange_pb.AcknowledgeBlocksRequest(block_ids=[block_id]))
    reason, message = _refusal(hub, "RET-1", block_id, units)
    assert reason == "BLOCK_EXCLUSION_OVERDUE"
    assert "2026-11-01" in message
    assert _attest(hub, COMPLETED, str(units), 2024).accepted
    _retire(hub, "RET-1", block_id, units)
    assert hub.hub.exchange.block(block_id).state is BlockState.RETIRED


def test_a_commitment_within_the_deadline_retires_normally(hub: Running) -> None:
    block_id, units = _hk_block(hub)
    assert _attest(hub, COMMITTED, str(units), 2024, attested_at="2026-01-01T00:00:00Z").accepted
    hub.exchange.AcknowledgeBlocks(exchange_pb.AcknowledgeBlocksRequest(block_ids=[block_id]))
    _retire(hub, "RET-1", block_id, units)


def test_two_hubs_sweeping_at_once_announce_each_overdue_block_once(
    hub: Running, tmp_path: Path, database_url: str
) -> None:
    block_id, units = _hk_block(hub)
    assert _attest(hub, COMMITTED, str(units), 2024, attested_at="2025-11-01T00:00:00Z").accepted
    hub.exchange.AcknowledgeBlocks(exchange_pb.AcknowledgeBlocksRequest(block_ids=[block_id]))
    streamed = len(_events(hub))
    other = build_hub(
        HubSettings(
            data_dir=tmp_path / "second",
            database_url=database_url,
            grpc_port=0,
            issuance_interval=0,
            pki_dir=tmp_path / "pki",
        ),
        clock=lambda: NOW,
    )
    try:
        barrier = threading.Barrier(2)
        results: list[list[str]] = []

        def sweep(attestations: AttestationService) -> None:
            barrier.wait()
            results.append(attestations.freeze_overdue())

        threads = [threading.Thread(target=sweep, args=(h.attestations,)) for h in (hub.hub, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        other.close()
    assert sorted(results, key=len) == [[], [block_id]]
    new = _events(hub)[streamed:]
    assert [(e.kind, e.block.block_id, e.reason) for e in new] == [
        (exchange_pb.BLOCK_EVENT_KIND_FROZEN, block_id, "inventory exclusion overdue")
    ]
    # Completed: the exchange hears the block thawed, and it retires.
    assert _attest(hub, COMPLETED, str(units), 2024).accepted
    thawed = _events(hub)[streamed + 1 :]
    assert [(e.kind, e.reason) for e in thawed] == [
        (exchange_pb.BLOCK_EVENT_KIND_UNFROZEN, "inventory exclusion completed")
    ]
    _retire(hub, "RET-1", block_id, units)


def test_blocks_issued_beyond_the_attested_quantity_wait_for_a_restatement(
    hub: Running,
) -> None:
    first, units = _hk_block(hub)
    assert _attest(hub, COMMITTED, str(units), 2024).accepted
    hub.exchange.AcknowledgeBlocks(exchange_pb.AcknowledgeBlocksRequest(block_ids=[first]))
    streamed = len(_events(hub))
    # Another site's month under the same reference, issued after the commitment.
    (verdict,) = submit(hub.partner, hk_solar_claim("FIT-2410-0002", kwh="20000"), partner="CN-HK")
    assert verdict.decision == pb.DECISION_ACCEPTED, verdict
    (second,) = hub.hub.issuance.issue_pending().blocks
    # The issuer asks the sweep's question: the new block is issued frozen and
    # never offered, the one offered before is announced frozen at once.
    frozen = _events(hub)[streamed:]
    assert [(e.kind, e.block.block_id, e.reason) for e in frozen] == [
        (exchange_pb.BLOCK_EVENT_KIND_FROZEN, first, "inventory exclusion short")
    ]
    assert hub.hub.attestations.freeze_overdue() == []  # nothing left to sweep
    reason, message = _refusal(hub, "RET-1", first, 1)
    assert reason == "BLOCK_EXCLUSION_SHORT"
    assert f"{units + second.units} units were issued" in message
    # The same status again with the same terms changes nothing ...
    assert _attest(hub, COMMITTED, str(units), 2024).replay
    # ... with terms covering both blocks it is recorded: the first thaws, the
    # second is offered for the first time, and both retire.
    restated = _attest(hub, COMMITTED, str(units + second.units), 2024)
    assert restated.accepted and not restated.replay
    thawed = _events(hub)[streamed + 1 :]
    assert {(e.kind, e.block.block_id, e.reason) for e in thawed} == {
        (exchange_pb.BLOCK_EVENT_KIND_UNFROZEN, first, "inventory exclusion restated"),
        (exchange_pb.BLOCK_EVENT_KIND_QUALIFIED, second.block_id, "inventory exclusion restated"),
    }
    assert len(thawed) == 2
    hub.exchange.AcknowledgeBlocks(
        exchange_pb.AcknowledgeBlocksRequest(block_ids=[second.block_id])
    )
    _retire(hub, "RET-1", first, 1)
    _retire(hub, "RET-2", second.block_id, second.units)
