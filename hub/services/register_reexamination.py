"""Claims recorded before a register list was loaded, re-examined when it is
(hub.services.registers calls this inside the import's transaction).

The same evidence rule as at a delivery (hub.domain.register_claims), for
the new list's entries only (the other lists were compared already):

* a claim not issued yet (ACCEPTED or HELD, issuance PENDING or
  AWAITING_SOURCE_CANCELLATION) whose units the list credits is REJECTED
  (CLAIM_CREDITED_IN_EXTERNAL_REGISTER): its double-issuance locks are freed
  and the points it earned taken back, as for any other rejection; one whose
  asset the list only lists or describes is HELD
  (CLAIM_ASSET_IN_EXTERNAL_REGISTER) for the bureau;
* an issued claim is never changed: each Shenzhen block issued from it gets
  an EXTERNAL_REGISTER discrepancy under one reconciliation of the import
  (counterpart ``register:<kind>``) and is frozen until a bureau officer
  resolves it (``carbon-hub bureau resolve``), as a re-issuance at the
  origin freezes its blocks (hub.services.reconciliation).

Each claim move is conditional on the claim as read (an issuer that issues
it meanwhile makes the import read again) and audited like every other.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.asset_matching import AssetSite, Thresholds
from hub.domain.blocks import MOVABLE_STATES
from hub.domain.checks import CheckResult
from hub.domain.issuance import IssuanceState
from hub.domain.reconciliation import Discrepancy, ReconciliationStatus
from hub.domain.register_claims import (
    claim_register_checks,
    entries_meeting,
    not_yet_carried,
    recorded_units,
    register_counterpart,
    register_discrepancy,
    reported_subject,
    reported_value,
)
from hub.domain.registers import ListedEntry, RegisterEntry, asset_id_folded
from hub.domain.suspension import hold_reason
from hub.services.asset_checks import project_site
from hub.services.audit_port import LedgerEvent
from hub.services.claim_holds import claim_events, redecide
from hub.services.claim_port import ClaimLedgerView, VerdictChange
from hub.services.freeze_announcements import freeze_blocks
from hub.services.points import reverse_points
from hub.services.reconciliation_port import StoredDiscrepancy, StoredReconciliation
from hub.services.register_port import RecordedClaim, RegisterVersion
from hub.services.unit_of_work import UnitOfWork

_RECORDED = (Decision.ACCEPTED, Decision.HELD)
_WAITING = (IssuanceState.PENDING, IssuanceState.AWAITING_SOURCE_CANCELLATION)


@dataclass(frozen=True, slots=True)
class ReexaminedClaim:
    """A recorded claim the new list covers or lists, and what came of it."""

    claim_id: str
    partner: str
    record_id: str
    was: str  # its decision before (ACCEPTED, HELD), or ISSUED
    now: str  # REJECTED, HELD, or ISSUED (reported, never changed)
    codes: tuple[str, ...]  # the register checks that fired
    entries: tuple[str, ...]  # "<kind>/<entry id>" of each
    frozen: tuple[str, ...] = ()  # issued: the serials of the blocks frozen


@dataclass(frozen=True, slots=True)
class Reexamination:
    examined: int  # recorded claims the list's entries may meet (looked at)
    claims: tuple[ReexaminedClaim, ...]  # those it covers or lists, by claim id
    reconciliation_id: str | None  # the issued claims' discrepancies, if any

    def count(self, now: str) -> int:
        return sum(1 for c in self.claims if c.now == now)


def reexamine_recorded(
    uow: UnitOfWork,
    thresholds: Thresholds,
    version: RegisterVersion,
    keyed: Sequence[tuple[RegisterEntry, Collection[str]]],
    projects: Collection[tuple[str, str]],
    now: datetime,
) -> Reexamination:
    """Re-examine the recorded claims the new list's entries (``keyed``, with
    their index keys) may meet: by asset id, by serial range, or as claims of
    ``projects`` (partner, project id) whose asset an entry describes."""
    at = version.imported_at.isoformat()
    index: dict[str, list[ListedEntry]] = {}
    for entry, keys in keyed:
        item = ListedEntry(version.kind, version.version, at, entry)
        for key in keys:
            index.setdefault(key, []).append(item)
    recorded = uow.registers.recorded_claims(
        {asset_id_folded(e.asset_id) for e, _ in keyed if e.asset_id},
        {e.serials for e, _ in keyed if e.serials is not None},
        projects,
    )
    sites = _sites(uow, recorded)
    changes: list[VerdictChange] = []
    moved: list[ReexaminedClaim] = []
    issued: list[tuple[ClaimLedgerView, list[CheckResult]]] = []
    for claim in recorded:
        view = uow.claims.ledger_view(claim.claim_id)
        if view is None or view.decision not in _RECORDED:
            continue
        units = recorded_units(
            (claim.project_id, claim.site_id),
            claim.period_start,
            claim.period_end,
            view.origin_block,
            sites.get((claim.partner, claim.project_id or "")),
        )
        if units is None:
            continue
        listed = entries_meeting(units, index, thresholds)
        fired = not_yet_carried(
            view.verdict.checks, claim_register_checks(units, listed, thresholds)
        )
        if not fired:
            continue
        if view.issuance in _WAITING:
            change = _moved(view, fired)
            changes.append(change)
            moved.append(_reexamined(view, str(view.decision), str(change.verdict.decision), fired))
        elif view.issuance is IssuanceState.ISSUED:
            issued.append((view, fired))
    if changes:
        uow.claims.change_verdicts(changes)
        because = f"register {version.kind} version {version.version} loaded"
        rejected = [c.claim_id for c in changes if c.verdict.decision is Decision.REJECTED]
        uow.events.append(
            claim_events(changes, version.actor, now, because)
            + reverse_points(uow, rejected, version.actor, now, because)
        )
    reported, reconciliation_id = _report_issued(uow, version, issued, now)
    found = sorted([*moved, *reported], key=lambda c: c.claim_id)
    return Reexamination(len(recorded), tuple(found), reconciliation_id)


def _sites(uow: UnitOfWork, recorded: Sequence[RecordedClaim]) -> dict[tuple[str, str], AssetSite]:
    """Each recorded claim's registered project, as the matching compares it."""
    wanted: dict[str, set[str]] = {}
    for claim in recorded:
        if claim.project_id:
            wanted.setdefault(claim.partner, set()).add(claim.project_id)
    sites: dict[tuple[str, str], AssetSite] = {}
    for partner, ids in sorted(wanted.items()):
        for project_id, project in uow.projects.get_many(partner, ids).items():
            site = project_site(project)
            if site is not None:
                sites[(partner, project_id)] = site
    return sites


def _moved(view: ClaimLedgerView, fired: Sequence[CheckResult]) -> VerdictChange:
    """A claim not issued yet, decided again with the checks that fired:
    REJECTED (its locks freed) when the list credits its units, else HELD."""
    checks = (*view.verdict.checks, *fired)
    decision = redecide(checks)
    rejected = decision is Decision.REJECTED
    return VerdictChange(
        claim_id=view.claim_id,
        expected_decision=view.decision,
        expected_issuance=view.issuance,
        verdict=replace(view.verdict, decision=decision, checks=checks),
        issuance=None if rejected else view.issuance,
        hold_reason=None if rejected else (view.hold_reason or hold_reason(decision, checks)),
        release_locks=rejected,
    )


def _reexamined(
    view: ClaimLedgerView,
    was: str,
    now: str,
    fired: Sequence[CheckResult],
    frozen: tuple[str, ...] = (),
) -> ReexaminedClaim:
    return ReexaminedClaim(
        view.claim_id,
        view.partner,
        view.record_id,
        was,
        now,
        tuple(c.code for c in fired),
        tuple(str(c.details.get("matches", "")) for c in fired),
        frozen,
    )


# The hub's side of a discrepancy about an issued claim whose tonnes were
# carried on its account rather than minted into a block of its own.
CARRIED = "carried on its account (in no block of its own)"


def _report_issued(
    uow: UnitOfWork,
    version: RegisterVersion,
    issued: Sequence[tuple[ClaimLedgerView, list[CheckResult]]],
    now: datetime,
) -> tuple[list[ReexaminedClaim], str | None]:
    """One discrepancy per block of each issued claim and check, under one
    reconciliation of this import; the movable blocks frozen (the exchange
    hears FROZEN for those it was offered)."""
    # Reported once per check and entry: a later version of the same list
    # (or the same file again) raises nothing new about them.
    known = uow.registers.reported({reported_subject(v.partner, v.record_id) for v, _ in issued})
    issued = [
        (view, new)
        for view, fired in issued
        if (
            new := [
                c
                for c in fired
                if (reported_subject(view.partner, view.record_id), reported_value(c)) not in known
            ]
        )
    ]
    if not issued:
        return [], None
    serials = uow.issuance.of_claims([view.claim_id for view, _ in issued])
    reconciliation_id = uuid.uuid4().hex
    stored: list[StoredDiscrepancy] = []
    reported: list[ReexaminedClaim] = []
    to_freeze: dict[str, str] = {}  # block id -> serial
    for view, fired in issued:
        issuance = serials.get(view.claim_id)
        frozen: list[str] = []
        for serial in issuance.block_serials if issuance else ():
            block = uow.blocks.by_serial(serial)
            movable = block is not None and block.state in MOVABLE_STATES
            if movable and block is not None:
                to_freeze[block.block_id] = serial
                frozen.append(serial)
            stored.extend(
                _stored(
                    reconciliation_id,
                    register_discrepancy(view.partner, view.record_id, serial, check),
                    block.block_id if movable and block is not None else None,
                )
                for check in fired
            )
        if issuance is not None and not issuance.block_serials:
            # Its tonnes went to its account's carry, in no block of its own:
            # which later block took them cannot be told, so none is frozen,
            # but the bureau sees the claim under the reconciliation.
            stored.extend(
                _stored(
                    reconciliation_id,
                    register_discrepancy(view.partner, view.record_id, CARRIED, check),
                    None,
                )
                for check in fired
            )
        reported.append(_reexamined(view, "ISSUED", "ISSUED", fired, tuple(frozen)))
    if not stored:
        return reported, None
    uow.reconciliations.add(
        StoredReconciliation(
            reconciliation_id=reconciliation_id,
            counterpart=register_counterpart(version.kind),
            status=ReconciliationStatus.REQUESTED,
            requested_at=now,
            requested_by=version.actor,
            answered_at=None,
            discrepancies=(),
        )
    )
    status = ReconciliationStatus.INCONSISTENT
    uow.reconciliations.record_outcome(reconciliation_id, status, stored, now)
    newly = freeze_blocks(uow, to_freeze, "external register", now)
    uow.events.append(
        [
            LedgerEvent(
                "reconciliation",
                reconciliation_id,
                str(status),
                version.actor,
                now,
                {
                    "register": str(version.kind),
                    "version": str(version.version),
                    "claims": str(len(reported)),
                    "discrepancies": str(len(stored)),
                    "frozen": str(len(newly)),
                },
            ),
            *(LedgerEvent("block", b, "FROZEN", "hub", now, {}) for b in newly),
        ]
    )
    return reported, reconciliation_id


def _stored(reconciliation_id: str, found: Discrepancy, block_id: str | None) -> StoredDiscrepancy:
    return StoredDiscrepancy(
        discrepancy_id=uuid.uuid4().hex,
        reconciliation_id=reconciliation_id,
        discrepancy=found,
        block_id=block_id,
        resolved=False,
        resolution="",
        resolved_by="",
        resolved_at=None,
    )
