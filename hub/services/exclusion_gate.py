"""What an inventory exclusion's state does to the claims and blocks under it,
applied in the caller's unit of work by the attestation, the issuer and the
deadline sweep alike (hub.domain.inventory_exclusions decides).

* A REVOKED reference rejects every claim under it not issued yet
  (CLAIM_INVENTORY_EXCLUSION_REVOKED): REVOKED is terminal, so a held claim
  could never be released, and its double-issuance locks are freed as for a
  voided claim; points it earned are taken back.
* A COMMITTED reference past its deadline, or one under which more was
  issued than it last stated, freezes its movable blocks; the exchange hears
  FROZEN for those it was offered, and nothing of a block issued frozen.
* Thawed blocks the exchange was offered hear UNFROZEN; those it never was
  (issued while the reference was withheld) are offered now (QUALIFIED),
  unless a reconciliation discrepancy still freezes them. Reconciliation's
  freeze asks the same question ("was it offered?") through the same
  functions (hub.services.freeze_announcements).

Callers take the reference's lock first (uow.attestations.lock_exclusions),
so an attestation and an issuance under one reference never interleave.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.inventory_exclusions import (
    Withheld,
    completion_due,
    revoked_claim_check,
    withheld,
)
from hub.services.audit_port import LedgerEvent
from hub.services.claim_port import VerdictChange
from hub.services.freeze_announcements import announce_frozen, announce_thawed
from hub.services.points import reverse_points
from hub.services.unit_of_work import UnitOfWork
from hub.standard import Standard

HUB_ACTOR = "hub"
_WHY = {
    Withheld.OVERDUE: "inventory exclusion overdue",
    Withheld.OUTGROWN: "inventory exclusion short",
}


def completion_days(standard: Standard, partner: str) -> int | None:
    """The days the partner's agreement gives from COMMITTED to COMPLETED."""
    agreement = standard.agreement(partner)
    terms = agreement.inventory_exclusion_completion_days if agreement else None
    return terms.value if terms else None


def reject_waiting(
    uow: UnitOfWork, partner: str, reference: str, actor: str, now: datetime
) -> list[str]:
    """Reject the claims under the revoked ``reference`` not issued yet; their ids.

    Each change is conditional on the claim's decision and issuance as read:
    an issuer that got there first makes this unit of work read again."""
    check = revoked_claim_check(reference)
    changes = [
        VerdictChange(
            claim_id=view.claim_id,
            expected_decision=view.decision,
            expected_issuance=view.issuance,
            verdict=replace(
                view.verdict, decision=Decision.REJECTED, checks=(*view.verdict.checks, check)
            ),
            issuance=None,
            hold_reason=None,
            release_locks=True,
        )
        for view in uow.claims.waiting_under_exclusion(partner, reference)
    ]
    if not changes:
        return []
    uow.claims.change_verdicts(changes)
    rejected = [change.claim_id for change in changes]
    uow.events.append(
        [
            LedgerEvent(
                "claim",
                claim_id,
                str(Decision.REJECTED),
                actor,
                now,
                {"because": "inventory exclusion revoked", "reference": reference},
            )
            for claim_id in rejected
        ]
        + reverse_points(uow, rejected, actor, now, "inventory exclusion revoked")
    )
    return rejected


def freeze_if_withheld(
    uow: UnitOfWork,
    partner: str,
    reference: str,
    days: int | None,
    now: datetime,
    *,
    unoffered: Collection[str] = (),
) -> list[str]:
    """Freeze the reference's movable blocks when hub.domain.inventory_exclusions
    .withheld says so; the ids newly frozen. The exchange hears FROZEN for
    each it was offered (announce_frozen); ``unoffered``, the blocks issued
    in this unit of work, are issued frozen and never asked about."""
    history = uow.attestations.adjustment_history(partner, reference)
    # Summed by the database, not every block under the reference read back.
    issued = uow.issuance.coverage(partner, reference)
    reason = withheld(history, days, now, issued)
    if reason is None:
        return []  # completed, revoked or restated meanwhile, or in order
    frozen = uow.exclusion_freezes.freeze(partner, reference)
    if not frozen:
        return []
    details: dict[str, str]
    if reason is Withheld.OVERDUE:
        due = completion_due(history, days)
        details = {"due": due.isoformat() if due else ""}
    else:
        details = {"issued": str(issued.units)}
    # The outbox would say the same of ``unoffered``; leaving them out spares the look-up.
    skipped = set(unoffered)
    announce_frozen(uow, [b for b in frozen if b not in skipped], _WHY[reason], now)
    uow.events.append(
        [
            LedgerEvent(
                "adjustment",
                f"{partner}|{reference}",
                str(reason),
                HUB_ACTOR,
                now,
                {**details, "blocks": str(len(frozen))},
            )
        ]
    )
    return frozen


def thaw(uow: UnitOfWork, partner: str, reference: str, why: str, now: datetime) -> list[str]:
    """Clear the reference's freeze; the ids thawed. The exchange hears
    UNFROZEN for the blocks it was offered, and is offered the others, once
    no reconciliation discrepancy freezes them (announce_thawed)."""
    thawed = uow.exclusion_freezes.thaw(partner, reference)
    announce_thawed(uow, thawed, why, now)
    return thawed
