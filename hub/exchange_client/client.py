"""The reference exchange's side of carbonhub.v1.ExchangeService: the client and its loop.

Delivery is at least once, application exactly once: every event is applied
by block id (a repeated event changes nothing, block_events.py), the state
file is rewritten after each applied event with the event's cursor, and
every stream starts after the stored cursor. A disconnect at any point
therefore loses nothing and applies nothing twice. The stream is read on a
helper thread into a queue so the main thread can flush acknowledgements
while the stream is idle, stop on request and take Ctrl-C between events.

Given the hub key, every Block received (stream events, retirement answers,
GetBlock) is applied only when its receipt verifies (receipts.py). A stream
event that fails stops the sync before it: the cursor stays in front of it,
nothing after it is applied either (events apply in cursor order), and the
next run fetches it again, so a fixed key or hub loses nothing. A retirement
answer that fails leaves the retirement PENDING, to be replayed next run.
Deadlines and reconnections are connection.py's.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

import grpc

from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as ex
from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2_grpc as ex_grpc
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger
from hub.exchange_client.block_events import APPLYING_KINDS, apply_event, receipt_of
from hub.exchange_client.connection import (
    CALL_TIMEOUT,
    STREAM_TIMEOUT,
    TRANSIENT,
    Backoff,
    ExchangeUnavailable,
    describe,
    status_code,
)
from hub.exchange_client.policy import plan_for, plan_retirements
from hub.exchange_client.receipts import HubKey, check_block
from hub.exchange_client.reconciliation import (
    EXCHANGE,
    ReconciliationOutcome,
    holdings_of,
    reconciliation_outcome,
    totals_of,
)
from hub.exchange_client.retirement_requests import RetirementOutcome, retirement_request
from hub.exchange_client.state import (
    BlockRecord,
    BlockStatus,
    RetirementRecord,
    RetirementStatus,
    load_state,
    save_state,
)
from hub.exchange_client.sync_summary import (
    ReceiptRefusal,
    ReceiptRefused,
    SyncSummary,
    add_summary,
)

_END = object()  # the stream ended normally


class ExchangeClient:
    """The exchange: holds, acknowledges, retires and reconciles blocks of the hub."""

    def __init__(
        self,
        channel: grpc.Channel,
        state_path: Path,
        *,
        ack_batch: int = 50,
        backoff: Backoff | None = None,
        max_reconnects: int = 8,
        idle_seconds: float = 0.5,
        hub_key: HubKey | None = None,
        call_timeout: float = CALL_TIMEOUT,
        stream_timeout: float = STREAM_TIMEOUT,
        on_refused: Callable[[ReceiptRefusal], None] | None = None,
    ) -> None:
        """``hub_key``: verify every block's receipt against it (None: receipts
        are kept unverified). ``on_refused`` hears of each refused block as it happens."""
        self.state_path = state_path
        self.state = load_state(state_path)
        self.ack_batch = ack_batch
        self.backoff = backoff or Backoff()
        self.max_reconnects = max_reconnects  # consecutive failures; unlimited when following
        self.idle_seconds = idle_seconds
        self.hub_key = hub_key
        self.call_timeout = call_timeout
        self.stream_timeout = stream_timeout
        self.on_refused = on_refused
        self.refusals: list[ReceiptRefusal] = []  # every block refused by this client, in order
        # Retirements whose answer failed verification: not replayed again by
        # this process (it would fail the same way), only by the next run.
        self._unverified_retirements: set[str] = set()
        self._stub = ex_grpc.ExchangeServiceStub(channel)  # type: ignore[no-untyped-call]
        self._stop = threading.Event()
        self._current: SyncSummary | None = None  # the sync in progress, for run() on Ctrl-C

    def stop(self) -> None:
        """End a running sync after the event in hand, and every later one (any thread)."""
        self._stop.set()

    def save(self) -> None:
        save_state(self.state, self.state_path)

    # -- blocks in -----------------------------------------------------------------

    def sync(
        self,
        follow: bool = False,
        max_events: int | None = None,
        on_idle: Callable[[], None] | None = None,
    ) -> SyncSummary:
        """Apply events after the stored cursor.

        Without ``follow`` it returns once caught up; with it, it runs until
        stop() (or Ctrl-C, which propagates after the state is consistent).
        ``max_events`` ends the sync after that many events by cancelling the
        stream: a client-side disconnect, events in flight are sent again
        next time. UNAVAILABLE reconnects after a backoff, from the cursor.
        ``on_idle`` runs whenever no event arrived for ``idle_seconds``.
        """
        summary = SyncSummary(cursor=self.state.cursor)
        self._current = summary
        try:
            return self._sync(summary, follow, max_events, on_idle)
        finally:
            self._current = None

    def _sync(
        self,
        summary: SyncSummary,
        follow: bool,
        max_events: int | None,
        on_idle: Callable[[], None] | None,
    ) -> SyncSummary:
        self._acknowledge_pending(summary)
        failures = 0
        while not self._stop.is_set():
            if max_events is not None and summary.events >= max_events:
                break
            before = summary.events
            try:
                done = self._stream_once(follow, max_events, summary, on_idle)
            except grpc.RpcError as error:
                if status_code(error) not in TRANSIENT:
                    raise
                failures = 1 if summary.events > before else failures + 1
                if not follow and failures > self.max_reconnects:
                    raise ExchangeUnavailable(describe(error)) from error
                summary.reconnects += 1
                self._stop.wait(self.backoff.delay(failures))
                continue
            if done:
                break
            # A followed stream the hub closed: reopen it, not in a tight loop.
            failures = 0 if summary.events > before else failures + 1
            summary.reconnects += 1
            self._stop.wait(self.backoff.delay(failures))
        try:
            self._acknowledge_pending(summary)
        except grpc.RpcError as error:
            # Unacknowledged blocks are marked so in the state: the next sync acknowledges them.
            if status_code(error) not in TRANSIENT:
                raise
        summary.cursor = self.state.cursor
        return summary

    def _stream_once(
        self,
        follow: bool,
        max_events: int | None,
        summary: SyncSummary,
        on_idle: Callable[[], None] | None,
    ) -> bool:
        """One stream from the cursor; True when the sync is over, False to reopen."""
        call = self._stub.StreamBlocks(
            ex.StreamBlocksRequest(after_cursor=self.state.cursor, follow=follow),
            timeout=self.stream_timeout,
        )
        inbox: queue.Queue[object] = queue.Queue()

        def read() -> None:
            try:
                for event in call:
                    inbox.put(event)
                inbox.put(_END)
            except Exception as error:
                # Any failure, not only an RpcError: raised on the main thread,
                # which would otherwise wait for events that never come.
                inbox.put(error)

        reader = threading.Thread(target=read, name="exchange-stream", daemon=True)
        reader.start()
        try:
            while True:
                if self._stop.is_set():
                    return True
                try:
                    item = inbox.get(timeout=self.idle_seconds)
                except queue.Empty:
                    self._acknowledge_pending(summary)
                    if on_idle is not None:
                        on_idle()
                    continue
                if item is _END:
                    return not follow
                if isinstance(item, Exception):
                    raise item
                assert isinstance(item, ex.BlockEvent)
                if not self._apply(item, summary):
                    # Refused: nothing after it may be applied before it is.
                    return True
                if self._unacknowledged_count() >= self.ack_batch:
                    self._acknowledge_pending(summary)
                if max_events is not None and summary.events >= max_events:
                    return True
        finally:
            call.cancel()
            reader.join(timeout=5)

    def _apply(self, event: ex.BlockEvent, summary: SyncSummary) -> bool:
        """Apply one event; False when its block's receipt failed (not applied)."""
        if event.cursor <= self.state.cursor:
            # Sent again (at least once): applied before, by cursor as well as by block id.
            summary.events += 1
            summary.repeats += 1
            return True
        if event.kind in APPLYING_KINDS and not self._verified(
            event.block, f"StreamBlocks cursor {event.cursor}"
        ):
            # Not counted in events: it was not applied and the cursor did not move.
            summary.refused += 1
            return False
        summary.events += 1
        effect = apply_event(self.state, event)
        self.state.cursor = event.cursor
        self.save()
        if effect == "held":
            summary.received += 1
        elif effect == "cancelled":
            summary.cancelled += 1
        elif effect == "frozen":
            summary.frozen += 1
        elif effect == "unfrozen":
            summary.unfrozen += 1
        else:
            summary.repeats += 1
        return True

    def _verified(self, block: ledger.Block, source: str) -> bool:
        """True when there is no hub key to check with, or ``block``'s receipt verifies."""
        if self.hub_key is None:
            return True
        problem = check_block(block, self.hub_key)
        if problem is None:
            return True
        refusal = ReceiptRefusal(block.block_id, problem, source)
        self.refusals.append(refusal)
        if self.on_refused is not None:
            self.on_refused(refusal)
        return False

    def _unacknowledged(self) -> list[str]:
        return sorted(
            b.block_id
            for b in self.state.blocks.values()
            if b.status is BlockStatus.HELD and not b.acknowledged
        )

    def _unacknowledged_count(self) -> int:
        return len(self._unacknowledged())

    def _acknowledge_pending(self, summary: SyncSummary) -> None:
        pending = self._unacknowledged()
        for start in range(0, len(pending), self.ack_batch):
            chunk = pending[start : start + self.ack_batch]
            response: ex.AcknowledgeBlocksResponse = self._stub.AcknowledgeBlocks(
                ex.AcknowledgeBlocksRequest(block_ids=chunk), timeout=self.call_timeout
            )
            for result in response.results:
                block = self.state.blocks.get(result.block_id)
                if block is not None and not block.acknowledged:
                    block.acknowledged = True
                    summary.acknowledged += 1
            self.save()

    # -- retirements ---------------------------------------------------------------

    def retire_by_policy(self) -> list[RetirementOutcome]:
        """Report the policy's retirements (policy.py), and first any a crash left pending."""
        plans, decided, position = plan_retirements(
            list(self.state.blocks.values()), self.state.policy_position
        )
        for block_id in decided:
            self.state.blocks[block_id].policy_decided = True
        self.state.policy_position = position
        for plan in plans:
            self.state.retirements.setdefault(
                plan.retirement_id,
                RetirementRecord(plan.retirement_id, plan.block_id, plan.units, plan.purpose),
            )
        # The intentions are on disk before any call: after a crash from here
        # on they are reported again under the same ids, and the hub replays.
        self.save()
        pending = [
            r
            for r in self.state.retirements.values()
            if r.status is RetirementStatus.PENDING
            and r.retirement_id not in self._unverified_retirements
        ]
        return [self._report(r) for r in sorted(pending, key=lambda r: r.retirement_id)]

    def _report(self, record: RetirementRecord) -> RetirementOutcome:
        block = self.state.blocks[record.block_id]
        plan = plan_for(block, record.purpose)
        try:
            response: ex.ReportRetirementResponse = self._stub.ReportRetirement(
                retirement_request(plan), timeout=self.call_timeout
            )
        except grpc.RpcError as error:
            if status_code(error) in TRANSIENT:
                raise  # still PENDING: reported again next time
            record.status = RetirementStatus.REFUSED
            record.refusal = describe(error)
            self.save()
            return RetirementOutcome(
                record.retirement_id,
                record.block_id,
                record.purpose,
                record.units,
                refusal=record.refusal,
            )
        retired = response.retired_block
        remainder = response.remainder_block if response.HasField("remainder_block") else None
        source = f"ReportRetirement {record.retirement_id}"
        for answered in (retired, remainder):
            if answered is not None and not self._verified(answered, source):
                # The hub has retired it, but its answer proves nothing: keep the
                # intention PENDING, so the next run replays it under the same id.
                self._unverified_retirements.add(record.retirement_id)
                return RetirementOutcome(
                    record.retirement_id,
                    record.block_id,
                    record.purpose,
                    record.units,
                    receipt_problem=self.refusals[-1].problem,
                )
        if retired.block_id == block.block_id:
            block.status = BlockStatus.RETIRED
            block.receipt = receipt_of(retired) or block.receipt
        else:
            # Split: the first units went into a retired child, the rest into a remainder.
            block.status = BlockStatus.SPLIT
            self._adopt(retired, block, BlockStatus.RETIRED)
        if remainder is not None and remainder.block_id:
            self._adopt(remainder, block, BlockStatus.HELD)
        record.status = RetirementStatus.DONE
        record.retired_block_id = retired.block_id
        record.remainder_block_id = remainder.block_id if remainder is not None else ""
        self.save()
        return RetirementOutcome(
            record.retirement_id,
            record.block_id,
            record.purpose,
            record.units,
            replay=response.replay,
            retired_block_id=record.retired_block_id,
            remainder_block_id=record.remainder_block_id,
            certificate_id=response.certificate_id,
        )

    def _adopt(self, block: ledger.Block, parent: BlockRecord, status: BlockStatus) -> None:
        known = self.state.blocks.get(block.block_id)
        if known is not None:
            if status is BlockStatus.RETIRED:
                known.status = status
                known.receipt = receipt_of(block) or known.receipt
            return
        self.state.blocks[block.block_id] = BlockRecord(
            block_id=block.block_id,
            serial=block.serial,
            units=block.units,
            vintage=block.vintage,
            origin=block.origin,
            status=status,
            frozen=block.frozen,
            # The hub leaves a remainder DELIVERED: it needs no acknowledgement.
            acknowledged=True,
            parent_block_id=parent.block_id,
            policy_decided=True,
            from_retirement=True,
            receipt=receipt_of(block),
        )

    # -- single blocks -------------------------------------------------------------

    def get_block(self, block_id: str) -> ledger.Block:
        """The block as the hub has it now; ReceiptRefused when its receipt fails."""
        block: ledger.Block = self._stub.GetBlock(
            ex.GetBlockRequest(block_id=block_id), timeout=self.call_timeout
        )
        if not self._verified(block, "GetBlock"):
            raise ReceiptRefused(self.refusals[-1])
        return block

    # -- reconciliation -----------------------------------------------------------

    def answer_reconciliations(self, start_if_none: bool = False) -> list[ReconciliationOutcome]:
        """State the holdings for every reconciliation the hub requested of the
        exchange; with ``start_if_none``, start one when none is requested."""
        listed: ledger.ListReconciliationRequestsResponse = self._stub.ListReconciliationRequests(
            ledger.ListReconciliationRequestsRequest(), timeout=self.call_timeout
        )
        ids = [r.reconciliation_id for r in listed.requests if r.counterpart in ("", EXCHANGE)]
        if not ids and start_if_none:
            ids = [""]  # empty: the exchange starts one itself
        holdings = holdings_of(self.state)
        totals = totals_of(holdings)
        outcomes = []
        for reconciliation_id in ids:
            report: ledger.ReconciliationReport = self._stub.SubmitReconciliation(
                ledger.SubmitReconciliationRequest(
                    reconciliation_id=reconciliation_id, totals=totals, holdings=holdings
                ),
                timeout=self.call_timeout,
            )
            outcomes.append(reconciliation_outcome(report))
        return outcomes

    # -- the CLI's loop -------------------------------------------------------------

    def run(
        self,
        *,
        follow: bool = False,
        retire: bool = True,
        reconcile: bool = True,
        start_reconciliation: bool = False,
        reconcile_every: float = 5.0,
        on_retired: Callable[[list[RetirementOutcome]], None] | None = None,
        on_reconciled: Callable[[list[ReconciliationOutcome]], None] | None = None,
    ) -> SyncSummary:
        """Catch up, retire by policy, answer reconciliations; with ``follow``,
        keep going on new events until stop() or Ctrl-C (then interrupted=True).

        A refused block ends the syncing (summary.refused > 0): following
        would only be sent the same event again.
        """
        last_reconciled = [0.0]

        def work(start: bool) -> None:
            if retire:
                retired = self.retire_by_policy()
                if retired and on_retired is not None:
                    on_retired(retired)
            now = time.monotonic()
            if reconcile and (start or now - last_reconciled[0] >= reconcile_every):
                last_reconciled[0] = now
                outcomes = self.answer_reconciliations(start_if_none=start)
                if outcomes and on_reconciled is not None:
                    on_reconciled(outcomes)

        summary = SyncSummary(cursor=self.state.cursor)
        try:
            add_summary(summary, self.sync(follow=False))
            work(start_reconciliation)
            if follow and summary.refused == 0:
                add_summary(summary, self.sync(follow=True, on_idle=lambda: work(False)))
        except KeyboardInterrupt:
            # The state file is consistent after every event; keep what the
            # interrupted sync counted so far.
            if self._current is not None:
                add_summary(summary, self._current)
            summary.interrupted = True
        summary.cursor = self.state.cursor
        return summary
