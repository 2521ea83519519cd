"""Attestations from partners: cancellation at source, accounting adjustments.

Lock at source, then issue (DESIGN.md §3.5): a claim whose reduction the
origin already issued waits in AWAITING_SOURCE_CANCELLATION until the
partner attests that the origin registry cancelled the claim's origin block
for the hub, naming the hub claim id in its cancellation note: the whole
block, or the part the origin split off for exactly the units Shenzhen
credits (hub.domain.attestations.check_cancelled_range), the origin keeping
the rest. The claim's origin lock then shrinks to the cancelled part, so the
rest can come back only in another claim naming it, cancelled in turn. The
attestation is unique per claim, per cancellation id and per origin serial
(database constraints), so one origin cancellation can release one claim.

Double claiming (§5): a cross-border claim's blocks carry the reference of
the origin's inventory exclusion (the wire's "accounting adjustment": Hong
Kong and Macao are not separate Parties, so they exclude the reduction from
their own inventories); they are routable to the exchange only once the
partner attests it COMMITTED (or COMPLETED), for the quantity and vintage
issued, and freeze when it is REVOKED (hub.domain.inventory_exclusions);
a revocation also rejects the claims under it not issued yet
(hub.services.exclusion_gate). Attestations take the reference's lock, as
the issuer does, so the two never interleave across processes.

A refused attestation changes nothing but is recorded as an event, so the
bureau can see what was tried.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.attestations import AdjustmentAttestation, SourceCancellation
from hub.domain.blocks import LIVE_STATES, Block, BlockState
from hub.domain.checks import CheckResult
from hub.domain.inventory_exclusions import (
    check_coverage,
    check_status,
    coverage_of,
    same_terms,
    withheld,
)
from hub.domain.issuance import IssuanceState
from hub.domain.signed_payloads import SignedRecord
from hub.domain.source_cancellation_checks import (
    AttestedClaim,
    CancellationAttested,
    check_source_cancellation,
    repeats,
)
from hub.errors import InvalidRequest, NotFound
from hub.services.audit_port import LedgerEvent
from hub.services.block_port import BlockFilter
from hub.services.clock import Clock
from hub.services.exclusion_gate import (
    completion_days,
    freeze_if_withheld,
    reject_waiting,
    thaw,
)
from hub.services.freeze_announcements import announce_frozen
from hub.services.outbox_port import OutboxKind
from hub.services.signed_writes import UnsignedOnly, WriteAuthenticator, refuse_signed
from hub.services.transactions import run_in_transaction
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.standard import Standard

_ROUTABLE = (AdjustmentStatus.COMMITTED, AdjustmentStatus.COMPLETED)


@dataclass(frozen=True, slots=True)
class AttestationOutcome:
    accepted: bool
    replay: bool
    checks: tuple[CheckResult, ...]
    claim_ids: tuple[str, ...]  # claims released for issuance
    block_ids: tuple[str, ...]  # blocks made routable


def _refused(*checks: CheckResult) -> AttestationOutcome:
    return AttestationOutcome(False, False, checks, (), ())


def _range_detail(first: int | None, last: int | None) -> dict[str, str]:
    """The cancelled units as the events keep them; none for a whole block."""
    return {"cancelled_units": f"{first or 0}-{last or 0}"} if first or last else {}


def _required(**values: str) -> None:
    for name, value in values.items():
        if not value.strip():
            raise InvalidRequest("FIELD_REQUIRED", f"{name} is required", {"field": name})


class AttestationService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        standard: Standard,
        clock: Clock,
        *,
        write_retries: int = 8,
        authenticate: WriteAuthenticator | UnsignedOnly | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._standard = standard
        self._clock = clock
        self._retries = write_retries
        self._authenticate = authenticate or refuse_signed

    def attest_source_cancellation(
        self,
        partner: str,
        claim_id: str,
        origin_serial: str,
        cancellation_id: str,
        note: str,
        cancelled_at: datetime | None,
        *,
        cancelled_first: int | None = None,
        cancelled_last: int | None = None,
        signed: SignedRecord | None = None,
    ) -> AttestationOutcome:
        """``cancelled_first``..``cancelled_last``: the units of the origin block
        the origin cancelled (both or neither; neither: the whole block).
        The checks: hub.domain.source_cancellation_checks."""
        _required(
            partner=partner,
            claim_id=claim_id,
            origin_serial=origin_serial,
            cancellation_id=cancellation_id,
        )
        attested = CancellationAttested(
            origin_serial.strip(), cancellation_id.strip(), note, cancelled_first, cancelled_last
        )

        def work(uow: UnitOfWork) -> AttestationOutcome:
            now = self._clock()
            claim = _claim_named(uow, partner, claim_id)
            earlier = uow.attestations.source_cancellation_for_claim(claim.claim_id)
            if repeats(attested, claim, earlier):
                return AttestationOutcome(True, True, (), (claim.claim_id,), ())
            reused = uow.attestations.source_cancellation_by_id(partner, attested.cancellation_id)
            agreement = self._standard.agreement(partner)
            serial_format = agreement.origin_serial_format if agreement else None
            part, checks = check_source_cancellation(attested, claim, reused, serial_format)
            if checks:
                _refuse_cancellation(uow, partner, claim.claim_id, attested, checks, now)
                return _refused(*checks)
            uow.attestations.add_source_cancellation(
                SourceCancellation(
                    partner=partner,
                    claim_id=claim.claim_id,
                    origin_serial=attested.origin_serial,
                    cancellation_id=attested.cancellation_id,
                    note=note,
                    cancelled_at=cancelled_at or now,
                    attested_at=now,
                    cancelled=part,
                )
            )
            _release_claim(uow, partner, claim.claim_id, attested, now)
            return AttestationOutcome(True, False, (), (claim.claim_id,), ())

        return run_in_transaction(
            self._uow_factory,
            self._signed(signed, work),
            retries=self._retries,
            what="source cancellation",
        )

    def attest_adjustment(
        self,
        partner: str,
        reference: str,
        status: AdjustmentStatus,
        attested_at: datetime | None,
        note: str,
        *,
        quantity: Decimal | None = None,
        vintage: int | None = None,
        signed: SignedRecord | None = None,
    ) -> AttestationOutcome:
        """The origin's inventory exclusion moves (the wire's "accounting adjustment").

        COMMITTED or COMPLETED must cover every unit issued under the
        reference, of its vintage; REVOKED (terminal) freezes every block
        under it: the exchange gets a FROZEN event for each block it was
        offered, and retired ones are reported, never un-retired.
        """
        _required(partner=partner, reference=reference)
        invalid = check_status(reference.strip(), None, status)
        if invalid is not None:
            return _refused(invalid)

        def work(uow: UnitOfWork) -> AttestationOutcome:
            now = self._clock()
            ref = reference.strip()
            # An issuer issuing under the reference waits, or is waited for.
            uow.attestations.lock_exclusions([(partner, ref)])
            current = uow.attestations.adjustment_status(partner, ref)
            if current is status and (
                status is AdjustmentStatus.REVOKED
                or same_terms(uow.attestations.adjustment_history(partner, ref), quantity, vintage)
            ):
                return AttestationOutcome(True, True, (), (), ())
            moved = check_status(ref, current, status)
            under = [
                b
                for b in uow.blocks.find(BlockFilter(partner=partner, adjustment_ref=ref))
                if b.state in LIVE_STATES
            ]
            checks = [] if moved is None else [moved]
            checks += check_coverage(
                ref, status, quantity, vintage, coverage_of((b.units, b.vintage) for b in under)
            )
            if checks:
                uow.events.append(
                    [
                        LedgerEvent(
                            "adjustment",
                            f"{partner}|{ref}",
                            "ATTESTATION_REFUSED",
                            partner,
                            now,
                            {"status": str(status), "codes": ",".join(c.code for c in checks)},
                        )
                    ]
                )
                return _refused(*checks)
            # Never later than its recording: a date in the future would push
            # the deadline to COMPLETED out (hub.domain.inventory_exclusions).
            when = min(attested_at or now, now)
            uow.attestations.add_adjustment(
                AdjustmentAttestation(partner, ref, status, when, note, quantity, vintage)
            )
            blocks = uow.blocks.set_adjustment(partner, ref, status)
            was_routable = current in _ROUTABLE
            released: list[Block] = []
            if status is AdjustmentStatus.REVOKED:
                self._announce_revocation(uow, partner, ref, blocks, now)
                reject_waiting(uow, partner, ref, partner, now)
            else:
                self._thaw_if_covered(uow, partner, ref, status is not current, under, now)
            if status is not AdjustmentStatus.REVOKED and not was_routable:
                # Blocks issued while the reference was pending wait for this moment;
                # those issued after a commitment qualified at issuance already.
                offered = uow.outbox.qualified([b.block_id for b in blocks])
                released = [b for b in blocks if b.routable and b.block_id not in offered]
            if released:
                uow.outbox.append(
                    [
                        (OutboxKind.QUALIFIED, b.block_id, "inventory exclusion committed")
                        for b in released
                    ],
                    now,
                )
            details = {"blocks": str(len(blocks))}
            if quantity is not None and vintage is not None:
                details |= {"quantity": str(quantity), "vintage": str(vintage)}
            uow.events.append(
                [
                    LedgerEvent(
                        "adjustment", f"{partner}|{ref}", str(status), partner, now, details
                    ),
                    *(
                        LedgerEvent(
                            "block", b.block_id, "ADJUSTMENT_" + str(status), partner, now, {}
                        )
                        for b in blocks
                    ),
                ]
            )
            return AttestationOutcome(True, False, (), (), tuple(b.block_id for b in released))

        return run_in_transaction(
            self._uow_factory,
            self._signed(signed, work),
            retries=self._retries,
            what="adjustment attestation",
        )

    def freeze_overdue(self) -> list[str]:
        """Tell the exchange which blocks freeze because their inventory
        exclusion stayed COMMITTED past the agreement's days, or because more
        was issued under it than it last stated; the block ids announced now.
        Safe to run in several hub processes at once: each block is announced
        once (hub.services.exclusion_freeze_port)."""
        now = self._clock()
        announced: list[str] = []
        for partner in self._standard.partners():
            agreement = self._standard.agreement(partner)
            if agreement is None or not agreement.adjustment_ref_required:
                continue
            with self._uow_factory() as uow:
                statuses = uow.attestations.adjustments_of(partner)
            for reference, status in sorted(statuses.items()):
                if status in _ROUTABLE:
                    announced += self._sweep_one(partner, reference, now)
        return announced

    def _thaw_if_covered(
        self,
        uow: UnitOfWork,
        partner: str,
        reference: str,
        moved: bool,
        under: Sequence[Block],
        now: datetime,
    ) -> None:
        """Blocks frozen past the deadline, or beyond the terms stated before,
        thaw once the exclusion is complete and covers them (``moved``: the
        status changed, else the terms were restated; ``under``: the live
        blocks issued under the reference)."""
        history = uow.attestations.adjustment_history(partner, reference)
        days = completion_days(self._standard, partner)
        # Never REVOKED here (the caller handles it), so what keeps the blocks
        # frozen is what the issuer and the sweep ask: overdue or outgrown.
        issued = coverage_of((b.units, b.vintage) for b in under)
        if withheld(history, days, now, issued) is not None:
            return
        why = "inventory exclusion completed" if moved else "inventory exclusion restated"
        thaw(uow, partner, reference, why, now)

    def _sweep_one(self, partner: str, reference: str, now: datetime) -> list[str]:
        days = completion_days(self._standard, partner)

        def work(uow: UnitOfWork) -> list[str]:
            uow.attestations.lock_exclusions([(partner, reference)])
            return freeze_if_withheld(uow, partner, reference, days, now)

        return run_in_transaction(
            self._uow_factory, work, retries=self._retries, what="inventory exclusion deadline"
        )

    @staticmethod
    def _announce_revocation(
        uow: UnitOfWork,
        partner: str,
        reference: str,
        blocks: Sequence[Block],
        now: datetime,
    ) -> None:
        """The exchange learns which of the blocks it was offered are frozen;
        retired blocks stay retired and are reported for disclosure."""
        # Marked once: blocks already announced for an overdue deadline are not
        # announced again, nor blocks the exchange was never offered (asked as
        # a reconciliation's freeze asks it, hub.services.freeze_announcements).
        newly = uow.exclusion_freezes.freeze(partner, reference)
        announce_frozen(uow, newly, "inventory exclusion revoked", now)
        retired = [b for b in blocks if b.state is BlockState.RETIRED]
        uow.events.append(
            [
                LedgerEvent(
                    "block",
                    b.block_id,
                    "RETIRED_UNDER_REVOKED_EXCLUSION",
                    partner,
                    now,
                    {"reference": reference, "serial": b.serial, "units": str(b.units)},
                )
                for b in retired
            ]
        )

    def _signed(
        self, signed: SignedRecord | None, work: Callable[[UnitOfWork], AttestationOutcome]
    ) -> Callable[[UnitOfWork], AttestationOutcome]:
        """The work between the check of the signed attestation and its keeping."""

        def checked(uow: UnitOfWork) -> AttestationOutcome:
            now = self._clock()
            self._authenticate(uow, signed, now)
            outcome = work(uow)
            self._authenticate.keep(uow, signed, now)
            return outcome

        return checked


def _claim_named(uow: UnitOfWork, partner: str, claim_id: str) -> AttestedClaim:
    """The partner's claim an attestation names, as the ledger holds it."""
    view = uow.claims.ledger_view(claim_id.strip())
    if view is None or view.partner != partner:
        # A claim of another partner is answered like a missing one:
        # partners learn nothing about each other's claims.
        raise NotFound(
            "CLAIM_NOT_FOUND",
            f"no claim {claim_id} of {partner}",
            {"partner": partner, "claim_id": claim_id},
        )
    return AttestedClaim(
        claim_id=view.claim_id,
        decision=view.decision,
        issuance=view.issuance,
        origin_block=view.origin_block,
        credited_tco2e=view.verdict.credited_tco2e or Decimal(0),
    )


def _refuse_cancellation(
    uow: UnitOfWork,
    partner: str,
    claim_id: str,
    attested: CancellationAttested,
    checks: Sequence[CheckResult],
    now: datetime,
) -> None:
    """A refused attestation changes nothing but is kept as an event."""
    uow.events.append(
        [
            LedgerEvent(
                "claim",
                claim_id,
                "SOURCE_CANCELLATION_REFUSED",
                partner,
                now,
                {
                    "cancellation_id": attested.cancellation_id,
                    "origin_serial": attested.origin_serial,
                    **_range_detail(attested.cancelled_first, attested.cancelled_last),
                    "codes": ",".join(c.code for c in checks),
                },
            )
        ]
    )


def _release_claim(
    uow: UnitOfWork, partner: str, claim_id: str, attested: CancellationAttested, now: datetime
) -> None:
    """The claim cancelled at source waits for issuance no longer."""
    uow.claims.set_issuance(
        [claim_id],
        IssuanceState.AWAITING_SOURCE_CANCELLATION,
        IssuanceState.PENDING,
    )
    uow.events.append(
        [
            LedgerEvent(
                "claim",
                claim_id,
                "SOURCE_CANCELLED",
                partner,
                now,
                {
                    "cancellation_id": attested.cancellation_id,
                    "origin_serial": attested.origin_serial,
                    **_range_detail(attested.cancelled_first, attested.cancelled_last),
                },
            )
        ]
    )
