"""The exchange's side: qualified blocks out, acknowledgements and retirements in.

Delivery is a durable outbox (the ``outbox`` table, written in the same
transaction as the change it announces): at least once, in cursor order,
and resumable from any cursor. The exchange applies events by block id,
and every call here is idempotent, so a repeat has no second effect:

* acknowledging a block moves ISSUED → DELIVERED once; again is a no-op;
* a retirement is keyed by the exchange's retirement id: the same request
  again returns the first answer; the same id with other content is refused;
* RETIRED, CANCELLED and SPLIT blocks are terminal: no delivery, no
  retirement, ever (double use). A frozen block (under a reconciliation
  discrepancy) cannot be retired until the discrepancy is resolved, nor one
  under a revoked inventory exclusion (ever), one whose exclusion was not
  COMPLETED within the agreement's days, or one issued beyond the quantity
  and vintage its exclusion last stated (until the origin attests again).

Retirements for ETS offsetting obey the offset rules in standards/: cap
share of verified emissions, eligible origins and their shares, vintage
window; the entity's usage per compliance year is saved conditionally, so
two concurrent retirements cannot both slip under the cap.

A retirement for a carbon-neutral event or voluntary offsetting may name its
claim (claimant, event, period, footprint): it is counted towards the claim
in the same transaction, and the one completing it has the claim's
certificate issued (hub.services.neutrality_claims).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.blocks import (
    LIVE_STATES,
    Block,
    BlockState,
    NotRetirable,
    delivered_by_acknowledgement,
    may_acknowledge,
    not_retirable,
    withheld_from_exchange,
)
from hub.domain.inventory_exclusions import (
    Freeze,
    completion_due,
    coverage_of,
    freeze_of,
    outgrown,
    stated_terms,
)
from hub.domain.offsets import check_offset, usage_after
from hub.domain.retirements import Retirement, RetirementPurpose, RetirementRequest, request_digest
from hub.errors import FailedPrecondition, InvalidRequest
from hub.services.audit_port import LedgerEvent
from hub.services.block_port import BlockFilter
from hub.services.block_refusals import block_not_found, block_terminal
from hub.services.clock import Clock
from hub.services.neutrality_claims import certificate_of, check_claim, count_towards_claim
from hub.services.outbox_port import OutboxEntry, OutboxKind
from hub.services.retirement_port import OffsetUsage
from hub.services.transactions import run_in_transaction
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.standard import Standard

EXCHANGE_ACTOR = "exchange"
# Statuses under which a block may be frozen by its inventory exclusion.
_EXCLUDABLE = frozenset(
    {AdjustmentStatus.COMMITTED, AdjustmentStatus.COMPLETED, AdjustmentStatus.REVOKED}
)


@dataclass(frozen=True, slots=True)
class AckOutcome:
    block_id: str
    state: BlockState
    already: bool


@dataclass(frozen=True, slots=True)
class RetirementOutcome:
    retirement_id: str
    retired: Block
    remainder: Block | None
    replay: bool
    certificate_id: str | None = None  # issued when this retirement completed its claim


MAX_CURSOR = 2**63 - 1  # outbox cursors are BIGINT


class ExchangeService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        standard: Standard,
        clock: Clock,
        *,
        poll_interval: float = 0.5,
        write_retries: int = 8,
    ) -> None:
        self._uow_factory = uow_factory
        self._standard = standard
        self._clock = clock
        self.poll_interval = poll_interval
        self._retries = write_retries

    def events(self, after: int, limit: int) -> list[OutboxEntry]:
        """Outbox events after ``after``, in cursor order.

        A QUALIFIED event of a block the bureau cancelled before the exchange
        ever acknowledged it is left out: a cancelled block is never delivered.
        """
        if not 0 <= after <= MAX_CURSOR:
            # The wire's uint64 goes further than the ledger's signed 64-bit
            # column: no cursor the hub handed out lies beyond it.
            raise InvalidRequest(
                "CURSOR_OUT_OF_RANGE",
                f"cursor {after} is outside 0..{MAX_CURSOR}: resume from a cursor received",
                {"cursor": str(after)},
            )
        with self._uow_factory() as uow:
            entries = uow.outbox.read(after, limit)
        return [
            entry
            for entry in entries
            if not (entry.kind is OutboxKind.QUALIFIED and withheld_from_exchange(entry.block))
        ]

    def block(self, block_id: str) -> Block:
        with self._uow_factory() as uow:
            block = uow.blocks.get_many([block_id]).get(block_id)
        if block is None:
            raise block_not_found(block_id)
        return block

    def acknowledge(self, block_ids: Sequence[str]) -> list[AckOutcome]:
        wanted = list(dict.fromkeys(b.strip() for b in block_ids))
        if not wanted or any(not b for b in wanted):
            raise InvalidRequest("FIELD_REQUIRED", "block ids are required", {"field": "block_ids"})

        def work(uow: UnitOfWork) -> list[AckOutcome]:
            now = self._clock()
            blocks = uow.blocks.get_many(wanted)
            # Everything is checked before anything is written: a bad id
            # refuses the whole acknowledgement.
            for block_id in wanted:
                block = blocks.get(block_id)
                if block is None:
                    raise block_not_found(block_id)
                if not may_acknowledge(block):
                    raise FailedPrecondition(
                        "BLOCK_NOT_QUALIFIED",
                        f"block {block.serial} was never offered to the exchange",
                        {"block_id": block_id, "adjustment": str(block.adjustment.status)},
                    )
            outcomes: list[AckOutcome] = []
            events: list[LedgerEvent] = []
            for block_id in wanted:
                block = blocks[block_id]
                if delivered_by_acknowledgement(block):
                    uow.blocks.transition(
                        block_id,
                        {BlockState.ISSUED},
                        BlockState.DELIVERED,
                        now,
                        require_unfrozen=False,
                    )
                    events.append(
                        LedgerEvent("block", block_id, "DELIVERED", EXCHANGE_ACTOR, now, {})
                    )
                    outcomes.append(AckOutcome(block_id, BlockState.DELIVERED, False))
                else:
                    outcomes.append(
                        AckOutcome(block_id, block.state, block.delivered_at is not None)
                    )
            uow.events.append(events)
            return outcomes

        return run_in_transaction(
            self._uow_factory, work, retries=self._retries, what="acknowledgement"
        )

    def retire(self, request: RetirementRequest) -> RetirementOutcome:
        if not request.retirement_id.strip():
            raise InvalidRequest(
                "FIELD_REQUIRED", "retirement_id is required", {"field": "retirement_id"}
            )
        if not request.block_id.strip():
            raise InvalidRequest("FIELD_REQUIRED", "block_id is required", {"field": "block_id"})
        if request.units < 1:
            raise InvalidRequest(
                "RETIREMENT_UNITS_INVALID",
                "a retirement retires at least one unit",
                {"units": str(request.units)},
            )
        check_claim(request)
        digest = request_digest(request)

        def work(uow: UnitOfWork) -> RetirementOutcome:
            earlier = uow.retirements.get(request.retirement_id)
            if earlier is not None:
                return self._replay(uow, earlier, digest, request)
            now = self._clock()
            block = uow.blocks.get_many([request.block_id]).get(request.block_id)
            if block is None:
                raise block_not_found(request.block_id)
            _refuse_unretirable(block)
            self._refuse_excluded(uow, block, now)
            if request.units > block.units:
                raise InvalidRequest(
                    "RETIREMENT_UNITS_EXCEED_BLOCK",
                    f"{request.units} units asked of a block of {block.units}",
                    {"units": str(request.units), "block_units": str(block.units)},
                )
            if request.purpose is RetirementPurpose.ETS_OFFSET:
                self._use_offset(uow, request, block)
            retired, remainder = self._retire_block(uow, block, request.units, now)
            certificate_id = count_towards_claim(uow, request, retired, now)
            uow.retirements.add(
                Retirement(
                    retirement_id=request.retirement_id,
                    request_digest=digest,
                    request=request,
                    retired_block_id=retired.block_id,
                    remainder_block_id=remainder.block_id if remainder else None,
                    retired_at=now,
                )
            )
            uow.events.append(
                [
                    LedgerEvent(
                        "block",
                        retired.block_id,
                        "RETIRED",
                        EXCHANGE_ACTOR,
                        now,
                        {
                            "retirement_id": request.retirement_id,
                            "purpose": str(request.purpose),
                            "beneficiary": request.beneficiary,
                            "units": str(request.units),
                        },
                    )
                ]
            )
            return RetirementOutcome(
                request.retirement_id, retired, remainder, False, certificate_id
            )

        return run_in_transaction(self._uow_factory, work, retries=self._retries, what="retirement")

    def _refuse_excluded(self, uow: UnitOfWork, block: Block, now: datetime) -> None:
        """A block under a revoked inventory exclusion, or one not completed
        within the agreement's days, may not be retired (double claiming)."""
        reference = block.adjustment.reference
        if reference is None or block.adjustment.status not in _EXCLUDABLE:
            return
        agreement = self._standard.agreement(block.partner)
        terms = agreement.inventory_exclusion_completion_days if agreement else None
        history = uow.attestations.adjustment_history(block.partner, reference)
        under = uow.blocks.find(BlockFilter(partner=block.partner, adjustment_ref=reference))
        issued = coverage_of((b.units, b.vintage) for b in under if b.state in LIVE_STATES)
        if block.adjustment.status is not AdjustmentStatus.REVOKED and outgrown(history, issued):
            stated = stated_terms(history)
            raise FailedPrecondition(
                "BLOCK_EXCLUSION_SHORT",
                f"block {block.serial}: inventory exclusion {reference} covers "
                f"{stated[0] if stated else ''} tCO2e of {stated[1] if stated else ''}, "
                f"but {issued.units} units were issued under it",
                {
                    "block_id": block.block_id,
                    "reference": reference,
                    "quantity": str(stated[0]) if stated else "",
                    "vintage": str(stated[1]) if stated else "",
                    "issued": str(issued.units),
                },
            )
        freeze = freeze_of(history, terms.value if terms else None, now)
        if freeze is Freeze.REVOKED:
            raise FailedPrecondition(
                "BLOCK_EXCLUSION_REVOKED",
                f"block {block.serial}: the origin revoked inventory exclusion {reference}",
                {"block_id": block.block_id, "reference": reference},
            )
        if freeze is Freeze.OVERDUE:
            due = completion_due(history, terms.value if terms else None)
            raise FailedPrecondition(
                "BLOCK_EXCLUSION_OVERDUE",
                f"block {block.serial}: inventory exclusion {reference} was not completed "
                f"by {due.isoformat() if due else ''}",
                {
                    "block_id": block.block_id,
                    "reference": reference,
                    "due": due.isoformat() if due else "",
                },
            )

    def _replay(
        self, uow: UnitOfWork, earlier: Retirement, digest: str, request: RetirementRequest
    ) -> RetirementOutcome:
        if earlier.request_digest != digest:
            raise FailedPrecondition(
                "RETIREMENT_ID_REUSED",
                f"retirement {earlier.retirement_id} was reported before with other content",
                {"retirement_id": earlier.retirement_id, "block_id": earlier.request.block_id},
            )
        ids = [earlier.retired_block_id]
        if earlier.remainder_block_id:
            ids.append(earlier.remainder_block_id)
        blocks = uow.blocks.get_many(ids)
        remainder = blocks.get(earlier.remainder_block_id) if earlier.remainder_block_id else None
        return RetirementOutcome(
            earlier.retirement_id,
            blocks[earlier.retired_block_id],
            remainder,
            True,
            # Equal digests: the request says what the earlier one did, claim included.
            certificate_of(uow, request),
        )

    def _use_offset(self, uow: UnitOfWork, request: RetirementRequest, block: Block) -> None:
        entity = (request.compliance_entity or "").strip()
        year = request.compliance_year or 0
        usage = (
            uow.retirements.offset_usage(entity, year)
            if entity and year
            else OffsetUsage(entity, year, {}, 0)
        )
        violations = check_offset(
            request, block, usage.units_by_origin, self._standard.offset_rules
        )
        if violations:
            first = violations[0]
            details = dict(first.details)
            details["codes"] = ",".join(v.code for v in violations)
            raise FailedPrecondition(first.code, first.message, details)
        uow.retirements.save_offset_usage(
            OffsetUsage(
                entity,
                year,
                usage_after(request, block, usage.units_by_origin),
                usage.version + 1,
            )
        )

    def _retire_block(
        self, uow: UnitOfWork, block: Block, units: int, now: datetime
    ) -> tuple[Block, Block | None]:
        if units == block.units:
            uow.blocks.transition(block.block_id, {BlockState.DELIVERED}, BlockState.RETIRED, now)
            return replace(block, state=BlockState.RETIRED), None
        head_range, tail_range = block.range.split(units)
        head = replace(
            block,
            block_id=uuid.uuid4().hex,
            range=head_range,
            state=BlockState.RETIRED,
            parent_block_id=block.block_id,
        )
        tail = replace(
            block,
            block_id=uuid.uuid4().hex,
            range=tail_range,
            state=BlockState.DELIVERED,
            parent_block_id=block.block_id,
        )
        uow.blocks.split(block, head, tail, now)
        uow.events.append(
            [
                LedgerEvent(
                    "block",
                    block.block_id,
                    "SPLIT",
                    EXCHANGE_ACTOR,
                    now,
                    {"into": f"{head.serial},{tail.serial}", "reason": "partial retirement"},
                )
            ]
        )
        return head, tail


def _refuse_unretirable(block: Block) -> None:
    """The block's own state refuses a retirement (hub.domain.blocks.not_retirable)."""
    refusal = not_retirable(block)
    if refusal is NotRetirable.TERMINAL:
        raise block_terminal(block)
    if refusal is NotRetirable.NOT_DELIVERED:
        raise FailedPrecondition(
            "BLOCK_NOT_DELIVERED",
            f"block {block.serial} was not acknowledged by the exchange",
            {"block_id": block.block_id, "state": str(block.state)},
        )
    if refusal is NotRetirable.FROZEN:
        raise FailedPrecondition(
            "BLOCK_FROZEN",
            f"block {block.serial} is under a reconciliation discrepancy",
            {"block_id": block.block_id},
        )
