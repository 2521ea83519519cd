"""Holding the unissued claim of a record the origin issued after the hub
took it as 未签发 (hub.domain.origin_reissuance), and releasing it.

A partner reconciliation that finds such a record freezes the Shenzhen
blocks already issued from it; its claim not issued yet (ACCEPTED or HELD,
issuance PENDING) becomes HELD with CLAIM_ORIGIN_REISSUED, under an
ORIGIN_REISSUED discrepancy without a block. Resolving that discrepancy
takes the check away again and the claim returns to what its other checks
decide. Each change is conditional on the claim as read: an issuer that
issued the claim first makes the reconciliation read again (and freeze the
new block instead), and a held claim is never issued.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.issuance import IssuanceState
from hub.domain.origin_reissuance import (
    REISSUED_CHECK,
    ReissuedBlock,
    reissued_check,
    unissued_discrepancy,
)
from hub.domain.suspension import hold_reason
from hub.services.audit_port import LedgerEvent
from hub.services.claim_holds import claim_events, redecide
from hub.services.claim_port import ClaimLedgerView, VerdictChange
from hub.services.unit_of_work import UnitOfWork

_HOLDABLE = (Decision.ACCEPTED, Decision.HELD)


def _held_by_reissuance(view: ClaimLedgerView) -> bool:
    return any(check.code == REISSUED_CHECK for check in view.verdict.checks)


def hold_unissued(
    uow: UnitOfWork,
    reissued: Mapping[str, str],
    claim_of_record: Mapping[str, str],
    now: datetime,
) -> list[ReissuedBlock]:
    """Hold the unissued claims of the re-issued records (``reissued``: what
    the origin now shows, by record id); one discrepancy for each claim held
    now (a claim held by an earlier reconciliation keeps its discrepancy)."""
    changes: list[VerdictChange] = []
    found: list[ReissuedBlock] = []
    for record_id in sorted(reissued):
        claim_id = claim_of_record.get(record_id)
        view = uow.claims.ledger_view(claim_id) if claim_id else None
        if (
            view is None
            or view.decision not in _HOLDABLE
            or view.issuance is not IssuanceState.PENDING
            or _held_by_reissuance(view)
        ):
            continue
        check = reissued_check(record_id, reissued[record_id])
        changes.append(
            VerdictChange(
                claim_id=view.claim_id,
                expected_decision=view.decision,
                expected_issuance=view.issuance,
                verdict=replace(
                    view.verdict, decision=Decision.HELD, checks=(*view.verdict.checks, check)
                ),
                issuance=view.issuance,
                hold_reason=view.hold_reason or REISSUED_CHECK,
            )
        )
        found.append(ReissuedBlock(unissued_discrepancy(record_id, reissued[record_id]), None))
    if changes:
        uow.claims.change_verdicts(changes)
        uow.events.append(claim_events(changes, "hub", now, "origin re-issuance"))
    return found


def release_unissued(
    uow: UnitOfWork, partner: str, record_id: str, actor: str, now: datetime
) -> list[LedgerEvent]:
    """The claim of ``record_id`` loses CLAIM_ORIGIN_REISSUED and returns to the
    decision its other checks give; the events of the move (none when the
    claim is not held by it any more, e.g. a reviewer rejected it)."""
    stored = uow.claims.get_by_record_ids(partner, [record_id]).get(record_id)
    view = uow.claims.ledger_view(stored.claim_id) if stored is not None else None
    if view is None or view.decision is not Decision.HELD or not _held_by_reissuance(view):
        return []
    checks = tuple(c for c in view.verdict.checks if c.code != REISSUED_CHECK)
    decision = redecide(checks)
    change = VerdictChange(
        claim_id=view.claim_id,
        expected_decision=Decision.HELD,
        expected_issuance=view.issuance,
        verdict=replace(view.verdict, decision=decision, checks=checks),
        issuance=view.issuance,
        hold_reason=hold_reason(decision, checks),
    )
    uow.claims.change_verdicts([change])
    return claim_events([change], actor, now, "origin re-issuance resolved")
