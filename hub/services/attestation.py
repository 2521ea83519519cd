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
issued, and freeze when it is REVOKED (hub.domain.inventory_exclusions).

A refused attestation changes nothing but is recorded as an event, so the
bureau can see what was tried.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hub.domain.attestations import (
    AdjustmentAttestation,
    SourceCancellation,
    check_cancelled_range,
)
from hub.domain.blocks import LIVE_STATES, AdjustmentStatus, Block, BlockState
from hub.domain.checks import CheckResult, fire
from hub.domain.inventory_exclusions import (
    Freeze,
    check_coverage,
    check_status,
    completion_due,
    coverage_of,
    freeze_of,
    outgrown,
    same_terms,
)
from hub.domain.issuance import IssuanceState, claim_state
from hub.domain.locks import OriginBlock
from hub.domain.origin_serials import PARSERS, SerialError
from hub.domain.signed_payloads import SignedRecord
from hub.errors import InvalidRequest, NotFound
from hub.services.clock import Clock
from hub.services.signed_writes import UnsignedOnly, WriteAuthenticator, refuse_signed
from hub.services.transactions import run_in_transaction
from hub.services.unit_of_work import (
    BlockFilter,
    LedgerEvent,
    OutboxKind,
    UnitOfWork,
    UnitOfWorkFactory,
)
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
        the origin cancelled (both or neither; neither: the whole block)."""
        ranged = bool(cancelled_first or cancelled_last)
        _required(
            partner=partner,
            claim_id=claim_id,
            origin_serial=origin_serial,
            cancellation_id=cancellation_id,
        )

        def work(uow: UnitOfWork) -> AttestationOutcome:
            now = self._clock()
            view = uow.claims.ledger_view(claim_id.strip())
            if view is None or view.partner != partner:
                # A claim of another partner is answered like a missing one:
                # partners learn nothing about each other's claims.
                raise NotFound(
                    "CLAIM_NOT_FOUND",
                    f"no claim {claim_id} of {partner}",
                    {"partner": partner, "claim_id": claim_id},
                )
            serial = origin_serial.strip()
            cancellation = cancellation_id.strip()
            earlier = uow.attestations.source_cancellation_for_claim(view.claim_id)
            if (
                earlier is not None
                and (earlier.origin_serial, earlier.cancellation_id) == (serial, cancellation)
                and (
                    not ranged
                    or (
                        view.origin_block is not None
                        and (view.origin_block.first, view.origin_block.last)
                        == (cancelled_first, cancelled_last)
                    )
                )
            ):
                return AttestationOutcome(True, True, (), (view.claim_id,), ())
            checks: list[CheckResult] = []
            reused = uow.attestations.source_cancellation_by_id(partner, cancellation)
            if reused is not None and reused.claim_id != view.claim_id:
                checks.append(
                    fire(
                        "SOURCE_CANCELLATION_ID_REUSED",
                        cancellation_id=cancellation,
                        other_claim_id=reused.claim_id,
                        field="cancellation_id",
                    )
                )
            if view.issuance is not IssuanceState.AWAITING_SOURCE_CANCELLATION:
                checks.append(
                    fire(
                        "SOURCE_CANCELLATION_NOT_AWAITING",
                        claim_id=view.claim_id,
                        state=claim_state(str(view.decision), view.issuance),
                        field="claim_id",
                    )
                )
            agreement = self._standard.agreement(partner)
            parser = PARSERS.get(agreement.origin_serial_format or "") if agreement else None
            expected = view.origin_block
            part: OriginBlock | None = None
            try:
                if parser is None:
                    raise SerialError("the partner's agreement names no origin serial format")
                attested = parser(serial).block
            except SerialError:
                checks.append(
                    fire(
                        "SOURCE_CANCELLATION_SERIAL_MALFORMED",
                        serial=serial,
                        field="origin_serial",
                    )
                )
            else:
                if expected is None or attested != expected:
                    checks.append(
                        fire(
                            "SOURCE_CANCELLATION_BLOCK_MISMATCH",
                            attested=serial,
                            expected=(
                                ""
                                if expected is None
                                else f"{expected.series}-{expected.first}-{expected.last}"
                            ),
                            field="origin_serial",
                        )
                    )
                elif ranged:
                    part, wrong = check_cancelled_range(
                        expected,
                        cancelled_first or 0,
                        cancelled_last or 0,
                        view.verdict.credited_tco2e or Decimal(0),
                    )
                    checks += wrong
            if view.claim_id not in note:
                checks.append(
                    fire(
                        "SOURCE_CANCELLATION_NOTE_MISSING_CLAIM",
                        claim_id=view.claim_id,
                        field="note",
                    )
                )
            if checks:
                uow.events.append(
                    [
                        LedgerEvent(
                            "claim",
                            view.claim_id,
                            "SOURCE_CANCELLATION_REFUSED",
                            partner,
                            now,
                            {
                                "cancellation_id": cancellation,
                                "origin_serial": serial,
                                **_range_detail(cancelled_first, cancelled_last),
                                "codes": ",".join(c.code for c in checks),
                            },
                        )
                    ]
                )
                return _refused(*checks)
            uow.attestations.add_source_cancellation(
                SourceCancellation(
                    partner=partner,
                    claim_id=view.claim_id,
                    origin_serial=serial,
                    cancellation_id=cancellation,
                    note=note,
                    cancelled_at=cancelled_at or now,
                    attested_at=now,
                    cancelled=part,
                )
            )
            uow.claims.set_issuance(
                [view.claim_id],
                IssuanceState.AWAITING_SOURCE_CANCELLATION,
                IssuanceState.PENDING,
            )
            uow.events.append(
                [
                    LedgerEvent(
                        "claim",
                        view.claim_id,
                        "SOURCE_CANCELLED",
                        partner,
                        now,
                        {
                            "cancellation_id": cancellation,
                            "origin_serial": serial,
                            **_range_detail(cancelled_first, cancelled_last),
                        },
                    )
                ]
            )
            return AttestationOutcome(True, False, (), (view.claim_id,), ())

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
                self._announce_revocation(uow, partner, ref, blocks, was_routable, now)
            else:
                # Blocks frozen past the deadline, or beyond the terms stated
                # before, thaw once the exclusion is complete and covers them.
                history = uow.attestations.adjustment_history(partner, ref)
                days = self._completion_days(partner)
                issued = coverage_of((b.units, b.vintage) for b in under)
                if freeze_of(history, days, now) is None and not outgrown(history, issued):
                    why = (
                        "inventory exclusion completed"
                        if status is not current
                        else "inventory exclusion restated"
                    )
                    thawed = uow.exclusion_freezes.thaw(partner, ref)
                    if thawed:
                        uow.outbox.append([(OutboxKind.UNFROZEN, b, why) for b in thawed], now)
            if status is not AdjustmentStatus.REVOKED and not was_routable:
                # Blocks issued while the reference was pending wait for this moment;
                # those issued after a commitment qualified at issuance already.
                released = [b for b in blocks if b.routable]
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

    def _completion_days(self, partner: str) -> int | None:
        agreement = self._standard.agreement(partner)
        terms = agreement.inventory_exclusion_completion_days if agreement else None
        return terms.value if terms else None

    def _sweep_one(self, partner: str, reference: str, now: datetime) -> list[str]:
        days = self._completion_days(partner)

        def work(uow: UnitOfWork) -> list[str]:
            return self._freeze_if_due(uow, partner, reference, days, now)

        return run_in_transaction(
            self._uow_factory, work, retries=self._retries, what="inventory exclusion deadline"
        )

    @staticmethod
    def _freeze_if_due(
        uow: UnitOfWork, partner: str, reference: str, days: int | None, now: datetime
    ) -> list[str]:
        history = uow.attestations.adjustment_history(partner, reference)
        under = uow.blocks.find(BlockFilter(partner=partner, adjustment_ref=reference))
        issued = coverage_of((b.units, b.vintage) for b in under if b.state in LIVE_STATES)
        details: dict[str, str]
        if freeze_of(history, days, now) is Freeze.OVERDUE:
            due = completion_due(history, days)
            event, why = "OVERDUE", "inventory exclusion overdue"
            details = {"due": due.isoformat() if due else ""}
        elif outgrown(history, issued):
            event, why = "OUTGROWN", "inventory exclusion short"
            details = {"issued": str(issued.units)}
        else:
            return []  # completed, revoked or restated meanwhile, or in order
        frozen = uow.exclusion_freezes.freeze(partner, reference)
        if not frozen:
            return []
        uow.outbox.append([(OutboxKind.FROZEN, b, why) for b in frozen], now)
        uow.events.append(
            [
                LedgerEvent(
                    "adjustment",
                    f"{partner}|{reference}",
                    event,
                    "hub",
                    now,
                    {**details, "blocks": str(len(frozen))},
                )
            ]
        )
        return frozen

    @staticmethod
    def _announce_revocation(
        uow: UnitOfWork,
        partner: str,
        reference: str,
        blocks: Sequence[Block],
        was_routable: bool,
        now: datetime,
    ) -> None:
        """The exchange learns which of the blocks it was offered are frozen;
        retired blocks stay retired and are reported for disclosure."""
        # Marked once: blocks already announced for an overdue deadline are not
        # announced again, nor blocks the exchange was never offered.
        newly = set(uow.exclusion_freezes.freeze(partner, reference))
        frozen = [b for b in blocks if b.block_id in newly and (was_routable or b.delivered_at)]
        if frozen:
            uow.outbox.append(
                [(OutboxKind.FROZEN, b.block_id, "inventory exclusion revoked") for b in frozen],
                now,
            )
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
