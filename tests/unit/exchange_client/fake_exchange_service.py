"""An in-process ExchangeService that keeps the contract's promises, for the client's tests.

It is deliberately small: an event log with cursors, blocks by id,
acknowledgements, retirements with splits and replays by retirement id, and
reconciliation requests it records. ``drop_after`` makes the next streams
fail with UNAVAILABLE after that many events, as a hub restart would.
With ``signer`` it signs every Block it sends as the hub does (the hub's own
ReceiptSigner); ``tamper`` then changes a block after signing, as a forger
or a buggy hub would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc

from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as ex
from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2_grpc as ex_grpc
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger
from carbonhub_contract.receipts import ReceiptSigner


def make_block(n: int, units: int = 10, vintage: int = 2024) -> ledger.Block:
    first = n * 1000 + 1
    return ledger.Block(
        block_id=f"B{n:04d}",
        serial=f"SZCER-CN-GD-SZ-PV-{vintage}-4401-PV-2023-0007-{first}-{first + units - 1}",
        origin="CN-GD",
        methodology="SZ-PV",
        vintage=vintage,
        project="4401-PV-2023-0007",
        first_unit=first,
        last_unit=first + units - 1,
        units=units,
        state=ledger.BLOCK_STATE_ISSUED,
    )


@dataclass
class FakeExchangeService(ex_grpc.ExchangeServiceServicer):
    events: list[ex.BlockEvent] = field(default_factory=list)
    blocks: dict[str, ledger.Block] = field(default_factory=dict)
    retirements: dict[str, tuple[ex.ReportRetirementRequest, ex.ReportRetirementResponse]] = field(
        default_factory=dict
    )
    acknowledge_calls: list[list[str]] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)  # open reconciliation ids
    submissions: list[ledger.SubmitReconciliationRequest] = field(default_factory=list)
    drop_after: int | None = None  # streams fail UNAVAILABLE after this many events
    drops: int = 0  # how many more streams to drop
    streams: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)
    signer: ReceiptSigner | None = None  # None: blocks go out unsigned
    # Applied to every Block sent, after signing (a copy: what is stored stays intact).
    tamper: Callable[[ledger.Block], None] | None = None

    def emit(self, kind: ex.BlockEventKind, block: ledger.Block) -> None:
        with self.changed:
            self.blocks[block.block_id] = block
            cursor = len(self.events) + 1
            self.events.append(ex.BlockEvent(cursor=cursor, kind=kind, block=block))
            self.changed.notify_all()

    def sent(self, block: ledger.Block) -> ledger.Block:
        """``block`` as it goes on the wire: signed when there is a signer, then tampered with."""
        out = ledger.Block()
        out.CopyFrom(block)
        if self.signer is not None:
            self.signer.sign_block(out)
        if self.tamper is not None:
            self.tamper(out)
        return out

    def _sent_event(self, event: ex.BlockEvent) -> ex.BlockEvent:
        return ex.BlockEvent(
            cursor=event.cursor, kind=event.kind, block=self.sent(event.block), reason=event.reason
        )

    def qualify(self, *blocks: ledger.Block) -> None:
        for b in blocks:
            self.emit(ex.BLOCK_EVENT_KIND_QUALIFIED, b)

    def StreamBlocks(self, request, context):  # type: ignore[no-untyped-def]
        with self.changed:
            self.streams += 1
            drop = self.drop_after if self.drops > 0 else None
            if drop is not None:
                self.drops -= 1
        cursor = request.after_cursor
        sent = 0
        while context.is_active():
            with self.changed:
                pending = [e for e in self.events if e.cursor > cursor]
                if not pending:
                    if not request.follow:
                        return
                    self.changed.wait(timeout=0.1)
                    continue
            for event in pending:
                if drop is not None and sent >= drop:
                    context.abort(grpc.StatusCode.UNAVAILABLE, "hub restarting")
                yield self._sent_event(event)
                sent += 1
                cursor = event.cursor

    def AcknowledgeBlocks(self, request, context):  # type: ignore[no-untyped-def]
        with self.changed:
            self.acknowledge_calls.append(list(request.block_ids))
            results = []
            for block_id in request.block_ids:
                block = self.blocks[block_id]
                already = block.state != ledger.BLOCK_STATE_ISSUED
                if not already:
                    block.state = ledger.BLOCK_STATE_DELIVERED
                results.append(
                    ex.AcknowledgeResult(block_id=block_id, state=block.state, already=already)
                )
            return ex.AcknowledgeBlocksResponse(results=results)

    def ReportRetirement(self, request, context):  # type: ignore[no-untyped-def]
        with self.changed:
            earlier = self.retirements.get(request.retirement_id)
            if earlier is not None:
                if earlier[0] != request:
                    context.abort(grpc.StatusCode.FAILED_PRECONDITION, "RETIREMENT_ID_REUSED")
                replay = self._sent_retirement(earlier[1])
                replay.replay = True
                return replay
            block = self.blocks[request.block_id]
            if block.state != ledger.BLOCK_STATE_DELIVERED or block.frozen:
                context.abort(grpc.StatusCode.FAILED_PRECONDITION, "BLOCK_NOT_DELIVERED")
            if request.units == block.units:
                block.state = ledger.BLOCK_STATE_RETIRED
                response = ex.ReportRetirementResponse(
                    retirement_id=request.retirement_id, retired_block=block
                )
            else:
                block.state = ledger.BLOCK_STATE_SPLIT
                head = ledger.Block()
                head.CopyFrom(block)
                head.block_id = block.block_id + "-r"
                head.units = request.units
                head.last_unit = block.first_unit + request.units - 1
                head.state = ledger.BLOCK_STATE_RETIRED
                head.parent_block_id = block.block_id
                tail = ledger.Block()
                tail.CopyFrom(block)
                tail.block_id = block.block_id + "-k"
                tail.units = block.units - request.units
                tail.first_unit = head.last_unit + 1
                tail.state = ledger.BLOCK_STATE_DELIVERED
                tail.parent_block_id = block.block_id
                self.blocks[head.block_id] = head
                self.blocks[tail.block_id] = tail
                response = ex.ReportRetirementResponse(
                    retirement_id=request.retirement_id, retired_block=head, remainder_block=tail
                )
            self.retirements[request.retirement_id] = (request, response)
            return self._sent_retirement(response)

    def _sent_retirement(
        self, response: ex.ReportRetirementResponse
    ) -> ex.ReportRetirementResponse:
        out = ex.ReportRetirementResponse()
        out.CopyFrom(response)
        out.retired_block.CopyFrom(self.sent(response.retired_block))
        if response.HasField("remainder_block"):
            out.remainder_block.CopyFrom(self.sent(response.remainder_block))
        return out

    def GetBlock(self, request, context):  # type: ignore[no-untyped-def]
        with self.changed:
            block = self.blocks.get(request.block_id)
            if block is None:
                context.abort(grpc.StatusCode.NOT_FOUND, "BLOCK_NOT_FOUND")  # raises
            assert block is not None
            return self.sent(block)

    def ListReconciliationRequests(self, request, context):  # type: ignore[no-untyped-def]
        return ledger.ListReconciliationRequestsResponse(
            requests=[
                ledger.ReconciliationRequest(reconciliation_id=r, counterpart="EXCHANGE")
                for r in self.requested
            ]
        )

    def SubmitReconciliation(self, request, context):  # type: ignore[no-untyped-def]
        self.submissions.append(request)
        rid = request.reconciliation_id or f"REC-{len(self.submissions)}"
        if rid in self.requested:
            self.requested.remove(rid)
        return ledger.ReconciliationReport(
            reconciliation_id=rid,
            counterpart="EXCHANGE",
            status=ledger.RECONCILIATION_STATUS_CONSISTENT,
        )
