"""Issuance: accepted tonnes become Shenzhen CER serial blocks.

One unit of work per batch of issuable claims (ACCEPTED, issuance PENDING):
group them by issuance account, add what each account carried, issue the
whole tonnes as one block per account (floor) and carry the rest. The
database is the final word on every double-issuance rule here, so several
hub processes may run the issuer at once:

* a claim is issued once: claim_issuances is keyed by claim id, and the
  claim's issuance state moves PENDING → ISSUED conditionally;
* a carry account is saved only over the version that was read;
* unit numbers are reserved from the series counter, and two live blocks of
  one series can never overlap (an exclusion constraint / trigger).

When another process got there first the commit fails with
ConcurrentWriteConflict and the batch is read and decided again.

Inventory exclusions (hub.services.exclusion_gate): a batch first takes the
lock of every exclusion reference it issues under, as an attestation does,
then reads their status. Claims under a REVOKED one are rejected instead of
issued (CLAIM_INVENTORY_EXCLUSION_REVOKED); blocks under one past its
deadline to COMPLETED, or beyond its stated terms, are issued frozen and not
offered to the exchange until the exclusion is completed or restated.

Calendar vintages (hub.domain.vintage_parts): a claim whose monitoring
period spans a local 31 December is issued in one part per calendar year,
each part's tonnes pro rata by the period's time in that year and added to
the account of its own vintage (its own carry, pool and serial series); the
parts sum exactly to the claim's credited tonnes. A claim inside one year
is one part under its stored vintage, as before.

Renamed methodologies (standards/methodologies.yaml ``formerly``): a claim
is issued under its methodology's current id, and what an account of the
same partner, vintage, account and reference carried under a former id is
folded into it in the same transaction, exactly: the former account is
saved at 0 over the version read, the issuance's carried_before includes
what was folded, and a signed ``carry FOLDED`` event names both accounts.
So a remainder is never stranded under an id the issuer no longer uses.

Voiding: a claim that waited in AWAITING_SOURCE_CANCELLATION longer than
its partner agreement allows is rejected with SOURCE_CANCELLATION_OVERDUE
and its double-issuance locks are released, so a corrected record can come.
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from carbonhub_contract.vocabulary.records import AdjustmentStatus, Decision
from hub.domain.blocks import Adjustment, Block, BlockState
from hub.domain.checks import fire
from hub.domain.issuance import AccountKey, IssuanceState, allocate, fold
from hub.domain.periods import zone
from hub.domain.vintage_parts import part_years, vintage_parts
from hub.services.audit_port import LedgerEvent
from hub.services.claim_port import IssuableClaim, VerdictChange
from hub.services.clock import Clock
from hub.services.exclusion_gate import completion_days, freeze_if_withheld, reject_waiting
from hub.services.issuance_port import CarryAccount, IssuanceRecord, IssuanceTotals, PoolBalance
from hub.services.outbox_port import OutboxKind
from hub.services.points import reverse_points
from hub.services.transactions import run_in_transaction
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.standard import Standard

HUB_ACTOR = "hub"
OVERDUE_CHECK = "SOURCE_CANCELLATION_OVERDUE"

T = TypeVar("T")


@dataclass
class IssuanceRun:
    """What one call of issue_pending did."""

    claims: int = 0
    blocks: list[Block] = field(default_factory=list)
    units: int = 0
    credited_tco2e: Decimal = Decimal(0)
    accounts: int = 0  # accounts issued for whole tonnes they carried, without a claim
    rejected: int = 0  # claims rejected instead: their inventory exclusion was revoked

    def add(self, other: IssuanceRun) -> None:
        self.claims += other.claims
        self.rejected += other.rejected
        self.accounts += other.accounts
        self.blocks.extend(other.blocks)
        self.units += other.units
        self.credited_tco2e += other.credited_tco2e


@dataclass(frozen=True, slots=True)
class PoolView:
    """A platform's pool with the names the agreement gives it: what its
    claims were credited, what was issued to the operator, what it carries."""

    balance: PoolBalance
    platform: str
    platform_name: str  # "" where the agreement no longer names the platform
    operator_name: str
    operator_id: str


@dataclass(frozen=True, slots=True)
class PartnerLedgerSummary:
    """Where a partner's accepted tonnes stand, for the demo and operators."""

    blocks: dict[BlockState, tuple[int, int]]  # state -> (blocks, units); SPLIT excluded
    totals: IssuanceTotals
    awaiting_claims: int
    awaiting_reported_tco2e: Decimal


class IssuanceService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        standard: Standard,
        clock: Clock,
        *,
        batch_size: int = 1000,
        write_retries: int = 8,
    ) -> None:
        self._uow_factory = uow_factory
        self._standard = standard
        self._clock = clock
        self._batch_size = batch_size
        self._write_retries = write_retries
        self._overfull_swept = False
        # Current methodology id -> its former ids, whose carries fold into it.
        self._formers: dict[str, list[str]] = defaultdict(list)
        for former, current in sorted(standard.former_methodology_ids().items()):
            self._formers[current].append(former)

    def issue_pending(self, limit: int | None = None) -> IssuanceRun:
        """Issue every issuable claim (at most ``limit``), batch by batch."""
        run = IssuanceRun()
        if not self._overfull_swept:
            # Only migration 0007 leaves a pool carrying whole tonnes (the sum
            # of its people's remainders), and it runs before a hub starts: one
            # sweep per process issues them, and no allocation makes another.
            while True:
                sweep = self._with_retries(
                    functools.partial(self._issue_batch, size=self._batch_size, overfull=True)
                )
                if sweep.accounts == 0:
                    break
                run.add(sweep)
            self._overfull_swept = True
        while limit is None or run.claims < limit:
            size = self._batch_size if limit is None else min(self._batch_size, limit - run.claims)
            batch = self._with_retries(functools.partial(self._issue_batch, size=size))
            if batch.claims == 0 and batch.rejected == 0:
                break
            run.add(batch)
        return run

    def summary(self, partner: str) -> PartnerLedgerSummary:
        with self._uow_factory() as uow:
            blocks = uow.blocks.unit_totals(partner)
            totals = uow.issuance.totals(partner)
            awaiting = [
                held
                for held in uow.claims.holdings(partner)
                if held.issuance is IssuanceState.AWAITING_SOURCE_CANCELLATION
                and held.decision is not Decision.REJECTED
            ]
        reported = sum((Decimal(h.submission.reported_tco2e or 0) for h in awaiting), Decimal(0))
        return PartnerLedgerSummary(blocks, totals, len(awaiting), reported)

    def pools(self, partner: str | None = None, vintage: int | None = None) -> list[PoolView]:
        """Every platform pool (of ``partner``, of ``vintage``), ordered by
        partner, platform, methodology, vintage: closing a vintage shows what
        each pool carries unissued."""
        with self._uow_factory() as uow:
            stored = uow.issuance.pools(partner, vintage)
        # A pool's account under a methodology's former id and under its
        # current id are one pool: one row, their figures summed (the issuer
        # folds the former's carry into the current one).
        merged: dict[AccountKey, PoolBalance] = {}
        for balance in stored:
            key = self._current(balance.key)
            seen = merged.get(key)
            merged[key] = (
                replace(balance, key=key)
                if seen is None
                else PoolBalance(
                    key=key,
                    claims=seen.claims + balance.claims,
                    credited_tco2e=seen.credited_tco2e + balance.credited_tco2e,
                    units=seen.units + balance.units,
                    carried_tco2e=seen.carried_tco2e + balance.carried_tco2e,
                )
            )
        balances = sorted(merged.values(), key=lambda b: _pool_order(b.key))
        views = []
        for balance in balances:
            platform_id = balance.key.platform or ""
            agreement = self._standard.agreement(balance.key.partner)
            platform = agreement.platform(platform_id) if agreement is not None else None
            views.append(
                PoolView(
                    balance=balance,
                    platform=platform_id,
                    platform_name=platform.name if platform else "",
                    operator_name=platform.operator_name if platform else "",
                    operator_id=platform.operator_id if platform else "",
                )
            )
        return views

    def void_overdue(self) -> list[str]:
        """Void claims whose cancellation at source was not attested in time."""
        now = self._clock()
        cutoffs: dict[str, datetime] = {}
        days_by_partner: dict[str, int] = {}
        for partner in self._standard.partners():
            agreement = self._standard.agreement(partner)
            days = agreement.source_cancellation_deadline_days if agreement else None
            if days is not None:
                cutoffs[partner] = now - timedelta(days=days)
                days_by_partner[partner] = days
        if not cutoffs:
            return []
        voided: list[str] = []
        while True:
            batch = self._with_retries(
                lambda uow: self._void_batch(uow, cutoffs, days_by_partner, now)
            )
            if not batch:
                return voided
            voided.extend(batch)

    # --- one transaction each -------------------------------------------------

    def _with_retries(self, work: Callable[[UnitOfWork], T]) -> T:
        return run_in_transaction(
            self._uow_factory, work, retries=self._write_retries, what="issuance"
        )

    def _issue_batch(self, uow: UnitOfWork, *, size: int, overfull: bool = False) -> IssuanceRun:
        """Issue a batch of issuable claims, or with ``overfull`` the pools that
        carry whole tonnes without a new claim (afterwards under one)."""
        claims = [] if overfull else uow.claims.issuable(size)
        full = uow.issuance.overfull(size) if overfull else []
        run = IssuanceRun(claims=len(claims), accounts=len(full))
        if not claims and not full:
            return run
        now = self._clock()
        # An overfull account under a former id is issued under the current one,
        # its carry folded in like any other (below).
        groups: dict[AccountKey, list[tuple[IssuableClaim, Decimal]]] = {
            self._current(a.key): [] for a in full
        }
        memo = _PartsMemo()
        for claim in claims:
            for key, share in self._parts(claim, memo):
                groups.setdefault(key, []).append((claim, share))
        statuses, revoked, rejected = self._consult_exclusions(uow, groups, now)
        if revoked:
            # Its claims are rejected now, not issued (hub.services.exclusion_gate);
            # every part of a claim is under the same reference.
            groups = {k: g for k, g in groups.items() if k not in revoked}
            claims = list({c.claim_id: c for g in groups.values() for c, _ in g}.values())
            run.claims, run.rejected = len(claims), rejected
            run.accounts = sum(1 for a in full if self._current(a.key) in groups)
        formers = {key: self._former_keys(key) for key in groups}
        stored = uow.issuance.carried([*groups, *(k for ks in formers.values() for k in ks)])
        carries: list[CarryAccount] = []
        records: list[IssuanceRecord] = []
        events: list[LedgerEvent] = []
        issued_by: dict[str, list[tuple[int, Decimal, str]]] = defaultdict(list)
        for key, group in groups.items():
            account = stored.get(key) or CarryAccount(key, Decimal(0), 0)
            issuance_id = uuid.uuid4().hex
            folded = [stored[k] for k in formers[key] if k in stored and stored[k].carried != 0]
            if folded:
                account = replace(
                    account, carried=fold(account.carried, [f.carried for f in folded])
                )
                carries.extend(CarryAccount(f.key, Decimal(0), f.version + 1) for f in folded)
                events.extend(_fold_event(f, key, issuance_id, now) for f in folded)
            credited = [share for _, share in group]
            allocation = allocate(account.carried, credited)
            block: Block | None = None
            if allocation.units > 0:
                block = Block(
                    block_id=uuid.uuid4().hex,
                    range=uow.issuance.reserve_units(key.series(), allocation.units),
                    partner=key.partner,
                    account=key.account,
                    state=BlockState.ISSUED,
                    adjustment=_adjustment(key, statuses),
                    issued_at=now,
                    issuance_id=issuance_id,
                )
                run.blocks.append(block)
                run.units += block.units
                details = {
                    "serial": block.serial,
                    "issuance_id": issuance_id,
                    "adjustment": str(block.adjustment.status),
                }
                owner = self._operator(key)
                if owner is not None:
                    # A pool's block belongs to the platform's operator: the
                    # signed ledger names it as the agreement did at issuance.
                    details["operator"], details["operator_id"] = owner
                events.append(
                    LedgerEvent("block", block.block_id, "ISSUED", HUB_ACTOR, now, details)
                )
            run.credited_tco2e += sum(credited, Decimal(0))
            carries.append(CarryAccount(key, allocation.carried_after, account.version + 1))
            records.append(
                IssuanceRecord(
                    issuance_id=issuance_id,
                    key=key,
                    claims=tuple((c.claim_id, share) for c, share in group),
                    carried_before=account.carried,
                    units=allocation.units,
                    carried_after=allocation.carried_after,
                    block_id=block.block_id if block else None,
                    issued_at=now,
                )
            )
            for claim, share in group:
                issued_by[claim.claim_id].append((key.vintage, share, issuance_id))
        events.extend(_claim_events(issued_by, now))
        uow.blocks.add(run.blocks)
        uow.issuance.save_carry(carries)
        # Also moves each claim PENDING → ISSUED, by primary key, in the
        # same statements' transaction (hub.services.issuance_port).
        uow.issuance.record(records)
        held = self._withhold(uow, run.blocks, now)
        routable = [b for b in run.blocks if b.routable and b.block_id not in held]
        if routable:
            uow.outbox.append([(OutboxKind.QUALIFIED, b.block_id, "") for b in routable], now)
        uow.events.append(events)
        return run

    def _account(self, claim: IssuableClaim) -> AccountKey:
        # Only a partner whose agreement requires an accounting adjustment keys
        # its accounts by the attestation reference; elsewhere a stray
        # reference must not split the remainders.
        agreement = self._standard.agreement(claim.partner)
        # A claim accepted under a methodology's former id is issued under its
        # current id (new issuance uses the new id; old blocks keep theirs).
        key = self._current(claim.account)
        if agreement is None or not agreement.adjustment_ref_required:
            key = replace(key, adjustment_ref=None)
        if key.personal:
            # Personal reductions accrue to the pool of the platform that
            # reported them, else of the agreement's default platform (the
            # loader requires one where a partner has personal methodologies).
            default = agreement.default_platform if agreement is not None else None
            platform = claim.platform or (default.id if default is not None else None)
            if platform is None:
                raise ValueError(f"{claim.partner} has no default platform to pool personal claims")
            key = key.pooled(platform)
        return key

    def _current(self, key: AccountKey) -> AccountKey:
        """The account under its methodology's current id."""
        current = self._standard.current_methodology_id(key.methodology)
        return key if current == key.methodology else replace(key, methodology=current)

    def _former_keys(self, key: AccountKey) -> list[AccountKey]:
        """The same account under each former id of its methodology."""
        return [
            replace(key, methodology=former) for former in self._formers.get(key.methodology, ())
        ]

    def _parts(self, claim: IssuableClaim, memo: _PartsMemo) -> list[tuple[AccountKey, Decimal]]:
        """The accounts a claim's tonnes go to: its own, or for a period
        spanning a local 31 December one per vintage, with that part's tonnes."""
        # A batch's claims share few accounts and periods (a province's people,
        # day by day): each is worked out once per batch.
        account = (claim.partner, claim.account, claim.platform)
        key = memo.accounts.get(account)
        if key is None:
            key = memo.accounts[account] = self._account(claim)
        if claim.period_start is None or claim.period_end is None:
            return [(key, claim.credited_tco2e)]
        agreement = self._standard.agreement(claim.partner)
        zone_name = claim.time_zone or (agreement.time_zone if agreement is not None else "")
        period = (claim.period_start, claim.period_end, zone_name)
        years = memo.years.get(period)
        if years is None:
            years = memo.years[period] = len(
                part_years(claim.period_start, claim.period_end, zone(zone_name))
            )
        if years == 1:
            return [(key, claim.credited_tco2e)]
        parts = vintage_parts(
            claim.period_start, claim.period_end, zone(zone_name), claim.credited_tco2e
        )
        return [(replace(key, vintage=part.vintage), part.credited_tco2e) for part in parts]

    def _operator(self, key: AccountKey) -> tuple[str, str] | None:
        """The operator (name, identifier) of a pool's platform, else None."""
        platform_id = key.platform
        agreement = self._standard.agreement(key.partner)
        if platform_id is None or agreement is None:
            return None
        platform = agreement.platform(platform_id)
        if platform is None:
            return None
        return platform.operator_name, platform.operator_id

    def _consult_exclusions(
        self, uow: UnitOfWork, groups: Mapping[AccountKey, object], now: datetime
    ) -> tuple[dict[tuple[str, str], AdjustmentStatus], set[AccountKey], int]:
        """Lock the inventory exclusions the batch issues under (an attestation
        under one of them waits, or was waited for), then read their status;
        the accounts under a REVOKED one, and how many claims were rejected
        for it instead of issued (hub.services.exclusion_gate.reject_waiting)."""
        references = sorted({(k.partner, k.adjustment_ref) for k in groups if k.adjustment_ref})
        if not references:
            return {}, set(), 0
        uow.attestations.lock_exclusions(references)
        attested = uow.attestations.adjustment_statuses(references)
        statuses = {pair: attested.get(pair, AdjustmentStatus.PENDING) for pair in references}
        revoked_refs = [r for r, status in statuses.items() if status is AdjustmentStatus.REVOKED]
        rejected = sum(len(reject_waiting(uow, p, r, HUB_ACTOR, now)) for p, r in revoked_refs)
        revoked = {k for k in groups if (k.partner, k.adjustment_ref) in set(revoked_refs)}
        return statuses, revoked, rejected

    def _withhold(self, uow: UnitOfWork, blocks: Sequence[Block], now: datetime) -> set[str]:
        """The new blocks issued frozen: under an inventory exclusion past its
        deadline to COMPLETED, or beyond the terms it last stated (the deadline
        sweep's own rule, asked before the exchange is offered anything)."""
        fresh: dict[tuple[str, str], list[str]] = {}
        for block in blocks:
            ref = block.adjustment.reference
            if ref is not None and block.adjustment.routable:
                fresh.setdefault((block.partner, ref), []).append(block.block_id)
        held: set[str] = set()
        for (partner, ref), ids in sorted(fresh.items()):
            days = completion_days(self._standard, partner)
            frozen = freeze_if_withheld(uow, partner, ref, days, now, unoffered=ids)
            held.update(set(ids) & set(frozen))
        return held

    def _void_batch(
        self,
        uow: UnitOfWork,
        cutoffs: dict[str, datetime],
        days_by_partner: dict[str, int],
        now: datetime,
    ) -> list[str]:
        claim_ids = uow.claims.overdue_awaiting(cutoffs, self._batch_size)
        changes: list[VerdictChange] = []
        events: list[LedgerEvent] = []
        for claim_id in claim_ids:
            view = uow.claims.ledger_view(claim_id)
            if view is None:
                continue
            days = days_by_partner[view.partner]
            check = fire(OVERDUE_CHECK, days=days, field="origin_status")
            verdict = replace(
                view.verdict, decision=Decision.REJECTED, checks=(*view.verdict.checks, check)
            )
            changes.append(
                VerdictChange(
                    claim_id=claim_id,
                    expected_decision=view.decision,
                    expected_issuance=IssuanceState.AWAITING_SOURCE_CANCELLATION,
                    verdict=verdict,
                    issuance=IssuanceState.VOIDED,
                    hold_reason=None,
                    release_locks=True,
                )
            )
            events.append(
                LedgerEvent("claim", claim_id, "VOIDED", HUB_ACTOR, now, {"days": str(days)})
            )
        uow.claims.change_verdicts(changes)
        # A voided claim's points are taken back (what is left of its award).
        voided = [change.claim_id for change in changes]
        events.extend(reverse_points(uow, voided, HUB_ACTOR, now, "voided"))
        uow.events.append(events)
        return voided


@dataclass
class _PartsMemo:
    """What _parts worked out in one batch: the issuance account of each
    (partner, claim account, platform) and the calendar years of each period."""

    accounts: dict[tuple[str, AccountKey, str | None], AccountKey] = field(default_factory=dict)
    years: dict[tuple[datetime, datetime, str], int] = field(default_factory=dict)


def _claim_events(
    issued_by: Mapping[str, list[tuple[int, Decimal, str]]], now: datetime
) -> list[LedgerEvent]:
    """One ISSUED event per claim: its issuance, or for a claim issued in
    vintage parts each part's vintage, tonnes and issuance."""
    events = []
    for claim_id, parts in issued_by.items():
        details = (
            {"issuance_id": parts[-1][2]}
            if len(parts) == 1
            else {
                "issuance_id": ",".join(issuance for *_, issuance in sorted(parts)),
                "vintage_parts": ",".join(f"{v}:{share}" for v, share, _ in sorted(parts)),
            }
        )
        events.append(LedgerEvent("claim", claim_id, "ISSUED", HUB_ACTOR, now, details))
    return events


def _pool_order(key: AccountKey) -> tuple[str, str, str, int, str]:
    """Partner, platform, methodology, vintage, reference (as the repository orders)."""
    return (key.partner, key.account, key.methodology, key.vintage, key.adjustment_ref or "")


def _fold_event(
    former: CarryAccount, into: AccountKey, issuance_id: str, now: datetime
) -> LedgerEvent:
    """The signed record of a former-id account's carry moved into ``into``."""
    key = former.key
    subject = "|".join((key.partner, key.methodology, str(key.vintage), key.account))
    details = {
        "tco2e": str(former.carried),
        "into_methodology": into.methodology,
        "issuance_id": issuance_id,
    }
    if key.adjustment_ref:
        subject = f"{subject}|{key.adjustment_ref}"
    return LedgerEvent("carry", subject, "FOLDED", HUB_ACTOR, now, details)


def _adjustment(
    key: AccountKey, statuses: Mapping[tuple[str, str], AdjustmentStatus]
) -> Adjustment:
    """The block's adjustment: its account's reference, as the locked read found it."""
    if key.adjustment_ref is None:
        return Adjustment(None, AdjustmentStatus.NOT_REQUIRED)
    return Adjustment(key.adjustment_ref, statuses[(key.partner, key.adjustment_ref)])
