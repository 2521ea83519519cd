"""Reconciliation with partner registries and the exchange, after the Kyoto ITL.

The hub asks (``request``); the counterpart answers through its RPC with its
holdings (``submit``), or starts one itself. The hub states its own side
from the ledger, compares the two in three phases (totals, unit blocks,
audit trail; hub.domain.reconciliation.compare) and records the outcome.

* Exchange: subjects are the blocks the exchange acknowledged at some
  point (DELIVERED, RETIRED, CANCELLED; a SPLIT parent lives on in its
  children), with their retirement ids as the trail. Every discrepancy on a
  hub block freezes it (no retirement) until a bureau officer resolves it.
* Partner: subjects are the partner's records as first received, with the
  origin status the hub knows (CANCELLED once a cancellation at source was
  attested) and the attested cancellation ids as the trail. Those
  discrepancies concern origin records, not Shenzhen blocks, with one
  exception: a record the hub issued as 未签发 that the origin now shows
  issued (an origin re-issuance, hub.domain.origin_reissuance) freezes every
  Shenzhen block issued from it, one ORIGIN_REISSUED discrepancy per block,
  until a bureau officer resolves it. The exchange hears FROZEN (and
  UNFROZEN) for the blocks it was offered, acknowledged or not; a block it
  was never offered is offered once thawed, if it may go to the exchange
  then (hub.services.freeze_announcements). The record's claim not issued yet
  is held (CLAIM_ORIGIN_REISSUED) under a discrepancy of its own, whose
  resolution releases it (hub.services.reissued_claims).

An INCONSISTENT reconciliation whose discrepancies a bureau officer all
resolved is COMPLETED_WITH_MANUAL_INTERVENTION.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from carbonhub_contract.vocabulary.holdings import (
    Holding,
    Total,
    partner_holding,
    source_cancelled_entry,
)
from carbonhub_contract.vocabulary.records import OriginStatus
from hub.domain.blocks import EXCHANGE_STATES, Block
from hub.domain.origin_reissuance import (
    ReissuedBlock,
    holds_unissued,
    reissued_blocks,
    reissued_records,
)
from hub.domain.reconciliation import EXCHANGE, ReconciliationStatus, compare, outcome
from hub.errors import FailedPrecondition, InvalidRequest, NotFound
from hub.services.audit_port import LedgerEvent
from hub.services.block_port import BlockFilter
from hub.services.clock import Clock
from hub.services.freeze_announcements import announce_thawed, freeze_blocks
from hub.services.officers import officer_actor
from hub.services.reconciliation_port import StoredDiscrepancy, StoredReconciliation
from hub.services.reissued_claims import hold_unissued, release_unissued
from hub.services.transactions import run_in_transaction
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.standard import Standard


class ReconciliationService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        standard: Standard,
        clock: Clock,
        *,
        write_retries: int = 8,
    ) -> None:
        self._uow_factory = uow_factory
        self._standard = standard
        self._clock = clock
        self._retries = write_retries

    def _check_counterpart(self, counterpart: str) -> None:
        if counterpart != EXCHANGE and self._standard.agreement(counterpart) is None:
            raise InvalidRequest(
                "COUNTERPART_UNKNOWN",
                f"{counterpart} is neither the exchange nor a partner with an agreement",
                {"counterpart": counterpart},
            )

    def request(self, counterpart: str, requested_by: str) -> StoredReconciliation:
        """Ask a counterpart for its holdings; it answers through its RPC."""
        self._check_counterpart(counterpart)

        def work(uow: UnitOfWork) -> StoredReconciliation:
            now = self._clock()
            reconciliation = StoredReconciliation(
                reconciliation_id=uuid.uuid4().hex,
                counterpart=counterpart,
                status=ReconciliationStatus.REQUESTED,
                requested_at=now,
                requested_by=requested_by,
                answered_at=None,
                discrepancies=(),
            )
            uow.reconciliations.add(reconciliation)
            uow.events.append(
                [
                    LedgerEvent(
                        "reconciliation",
                        reconciliation.reconciliation_id,
                        "REQUESTED",
                        requested_by,
                        now,
                        {"counterpart": counterpart},
                    )
                ]
            )
            return reconciliation

        return run_in_transaction(
            self._uow_factory, work, retries=self._retries, what="reconciliation request"
        )

    def requested(self, counterpart: str) -> list[StoredReconciliation]:
        self._check_counterpart(counterpart)
        with self._uow_factory() as uow:
            return uow.reconciliations.requested(counterpart)

    def get(self, reconciliation_id: str) -> StoredReconciliation:
        with self._uow_factory() as uow:
            found = uow.reconciliations.get(reconciliation_id)
        if found is None:
            raise NotFound(
                "RECONCILIATION_NOT_FOUND",
                f"no reconciliation {reconciliation_id}",
                {"reconciliation_id": reconciliation_id},
            )
        return found

    def latest(self, counterpart: str) -> StoredReconciliation | None:
        with self._uow_factory() as uow:
            return uow.reconciliations.latest(counterpart)

    def submit(
        self,
        counterpart: str,
        reconciliation_id: str | None,
        totals: Sequence[Total],
        holdings: Sequence[Holding],
    ) -> StoredReconciliation:
        """Compare the counterpart's answer with the ledger and record the outcome."""
        self._check_counterpart(counterpart)

        def work(uow: UnitOfWork) -> StoredReconciliation:
            now = self._clock()
            if reconciliation_id:
                stored = uow.reconciliations.get(reconciliation_id)
                if stored is None or stored.counterpart != counterpart:
                    raise NotFound(
                        "RECONCILIATION_NOT_FOUND",
                        f"no reconciliation {reconciliation_id} for {counterpart}",
                        {"reconciliation_id": reconciliation_id, "counterpart": counterpart},
                    )
                if stored.status is not ReconciliationStatus.REQUESTED:
                    raise FailedPrecondition(
                        "RECONCILIATION_ALREADY_ANSWERED",
                        f"reconciliation {reconciliation_id} is {stored.status}",
                        {"reconciliation_id": reconciliation_id, "status": str(stored.status)},
                    )
            else:
                stored = StoredReconciliation(
                    reconciliation_id=uuid.uuid4().hex,
                    counterpart=counterpart,
                    status=ReconciliationStatus.REQUESTED,
                    requested_at=now,
                    requested_by=counterpart,
                    answered_at=None,
                    discrepancies=(),
                )
                uow.reconciliations.add(stored)
            reissued: list[ReissuedBlock] = []
            if counterpart == EXCHANGE:
                hub_side, block_ids = self._exchange_side(uow)
            else:
                hub_side, claim_of_record = self._partner_side(uow, counterpart)
                block_ids = set()
                # Claims first: one read PENDING is held conditionally (an issuer
                # that issues it first makes this read again), one read issued
                # has its blocks in the look-up that follows.
                records = reissued_records(hub_side, holdings)
                held = hold_unissued(uow, records, claim_of_record, now)
                reissued = self._reissued(uow, records, claim_of_record) + held
            found = compare(hub_side, list(totals), list(holdings))
            discrepancies = [
                StoredDiscrepancy(
                    discrepancy_id=uuid.uuid4().hex,
                    reconciliation_id=stored.reconciliation_id,
                    discrepancy=d,
                    block_id=d.subject_id if d.subject_id in block_ids else None,
                    resolved=False,
                    resolution="",
                    resolved_by="",
                    resolved_at=None,
                )
                for d in found
            ] + [
                StoredDiscrepancy(
                    discrepancy_id=uuid.uuid4().hex,
                    reconciliation_id=stored.reconciliation_id,
                    discrepancy=r.discrepancy,
                    block_id=r.block_id,
                    resolved=False,
                    resolution="",
                    resolved_by="",
                    resolved_at=None,
                )
                for r in reissued
            ]
            status = outcome([*found, *(r.discrepancy for r in reissued)])
            uow.reconciliations.record_outcome(stored.reconciliation_id, status, discrepancies, now)
            why = "reconciliation discrepancy" if counterpart == EXCHANGE else "origin re-issuance"
            # Only the blocks the exchange was offered hear of it; the others
            # are simply not offered while frozen.
            newly = freeze_blocks(uow, {d.block_id for d in discrepancies if d.block_id}, why, now)
            uow.events.append(
                [
                    LedgerEvent(
                        "reconciliation",
                        stored.reconciliation_id,
                        str(status),
                        counterpart,
                        now,
                        {"discrepancies": str(len(discrepancies)), "frozen": str(len(newly))},
                    ),
                    *(LedgerEvent("block", b, "FROZEN", "hub", now, {}) for b in newly),
                ]
            )
            answered = uow.reconciliations.get(stored.reconciliation_id)
            assert answered is not None
            return answered

        return run_in_transaction(
            self._uow_factory, work, retries=self._retries, what="reconciliation"
        )

    def resolve(self, discrepancy_id: str, resolution: str, officer: str) -> StoredReconciliation:
        """A bureau officer resolves one discrepancy (manual intervention)."""
        if not resolution.strip():
            raise InvalidRequest(
                "RESOLUTION_REQUIRED", "say how it was resolved", {"field": "resolution"}
            )
        actor = officer_actor(officer)

        def work(uow: UnitOfWork) -> StoredReconciliation:
            now = self._clock()
            try:
                resolved = uow.reconciliations.resolve(discrepancy_id, resolution, actor, now)
            except KeyError:
                raise NotFound(
                    "DISCREPANCY_NOT_FOUND",
                    f"no discrepancy {discrepancy_id}",
                    {"discrepancy_id": discrepancy_id},
                ) from None
            reconciliation = uow.reconciliations.get(resolved.reconciliation_id)
            assert reconciliation is not None
            events = [
                LedgerEvent(
                    "reconciliation",
                    reconciliation.reconciliation_id,
                    "DISCREPANCY_RESOLVED",
                    actor,
                    now,
                    {"discrepancy_id": discrepancy_id, "resolution": resolution},
                )
            ]
            if all(d.resolved for d in reconciliation.discrepancies) and (
                reconciliation.status is ReconciliationStatus.INCONSISTENT
            ):
                uow.reconciliations.set_status(
                    reconciliation.reconciliation_id,
                    ReconciliationStatus.INCONSISTENT,
                    ReconciliationStatus.COMPLETED_WITH_MANUAL_INTERVENTION,
                )
            if reconciliation.counterpart != EXCHANGE and holds_unissued(
                resolved.discrepancy, resolved.block_id
            ):
                events += release_unissued(
                    uow, reconciliation.counterpart, resolved.discrepancy.subject_id, actor, now
                )
            if resolved.block_id and resolved.block_id not in (
                uow.reconciliations.open_discrepancy_blocks()
            ):
                uow.blocks.set_frozen([resolved.block_id], False)
                # UNFROZEN if it was offered, else offered now (a block frozen
                # before it was ever offered would otherwise never be).
                announce_thawed(uow, [resolved.block_id], "discrepancy resolved", now)
                events.append(LedgerEvent("block", resolved.block_id, "UNFROZEN", actor, now, {}))
            uow.events.append(events)
            final = uow.reconciliations.get(resolved.reconciliation_id)
            assert final is not None
            return final

        return run_in_transaction(
            self._uow_factory, work, retries=self._retries, what="discrepancy resolution"
        )

    # --- the hub's side -------------------------------------------------------

    @staticmethod
    def _exchange_side(uow: UnitOfWork) -> tuple[list[Holding], set[str]]:
        blocks = [
            b
            for b in uow.blocks.find(BlockFilter(delivered_only=True))
            if b.state in EXCHANGE_STATES
        ]
        retirements = uow.retirements.for_blocks([b.block_id for b in blocks])
        holdings = [
            Holding(
                subject_id=b.block_id,
                state=str(b.state),
                vintage=b.vintage,
                quantity=Decimal(b.units),
                serial=b.serial,
                digest="",
                trail=frozenset(
                    f"RETIRED:{r.retirement_id}" for r in retirements.get(b.block_id, [])
                ),
            )
            for b in blocks
        ]
        return holdings, {b.block_id for b in blocks}

    @staticmethod
    def _partner_side(uow: UnitOfWork, partner: str) -> tuple[list[Holding], dict[str, str]]:
        """The partner's records as holdings, and record id -> claim id."""
        holdings: list[Holding] = []
        claims: dict[str, str] = {}
        for held in uow.claims.holdings(partner):
            attested = uow.attestations.source_cancellation_for_claim(held.claim_id)
            status = OriginStatus.CANCELLED if attested else held.submission.origin_status
            trail = [source_cancelled_entry(attested.cancellation_id)] if attested else []
            holdings.append(partner_holding(held.submission, status, trail))
            claims[held.record_id] = held.claim_id
        return holdings, claims

    @staticmethod
    def _reissued(
        uow: UnitOfWork, reissued: dict[str, str], claim_of_record: dict[str, str]
    ) -> list[ReissuedBlock]:
        """The Shenzhen blocks of the records the origin issued after the hub did
        (``reissued``: reissued_records of this reconciliation)."""
        claims = {r: claim_of_record[r] for r in reissued if r in claim_of_record}
        issued = uow.issuance.of_claims(list(claims.values()))
        blocks: dict[str, list[Block]] = {}
        for record_id, claim_id in claims.items():
            issuance = issued.get(claim_id)
            for serial in issuance.block_serials if issuance else ():
                block = uow.blocks.by_serial(serial)
                if block is not None:
                    blocks.setdefault(record_id, []).append(block)
        return reissued_blocks(reissued, blocks)
