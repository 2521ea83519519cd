"""One log line per ledger change a person or a counterpart made: bureau
actions, key changes, deliveries, retirements, reconciliations.

Each class here is the service it names with a line (and a counter) after
each change that succeeded. The composition root builds these instead of
the bare services, so whichever process does the change (``serve`` for the
console and the RPCs, a ``carbon-hub bureau ...`` command on its own)
writes the same line; the services themselves know nothing of logging.

A line names the actors (officer, partner, exchange) and the subjects by
the hub's own ids (block id and serial, claim id, key id, reconciliation
id): never a pseudonym, a partner's record id or a retirement's beneficiary.
A refused change writes no line here: the command prints its code, and a
call's refusal is already on its ``rpc`` or ``http`` line.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from carbonhub_contract.vocabulary.holdings import Holding, Total
from hub.domain.blocks import Block, BlockState
from hub.domain.retirements import RetirementRequest
from hub.domain.signed_payloads import PartnerKey
from hub.observability.logs import event_fields
from hub.observability.metrics import HubMetrics
from hub.services.bureau import BureauService, SupervisionOutcome
from hub.services.exchange import AckOutcome, ExchangeService, RetirementOutcome
from hub.services.officers_auth import Officer, OfficerAuthService
from hub.services.partner_keys import PartnerKeyService
from hub.services.reconciliation import ReconciliationService
from hub.services.reconciliation_port import StoredReconciliation
from hub.services.review import ClaimReviewOutcome, ProjectReviewOutcome, ReviewService

bureau_log = logging.getLogger("hub.bureau")
keys_log = logging.getLogger("hub.keys")
delivery_log = logging.getLogger("hub.delivery")
reconciliation_log = logging.getLogger("hub.reconciliation")

BUREAU_ACTION = "bureau_action"
KEY_CHANGE = "key_change"
DELIVERY = "delivery"
RETIREMENT = "retirement"
RECONCILIATION = "reconciliation"


def _bureau_action(metrics: HubMetrics | None, action: str, officer: str, **fields: Any) -> None:
    bureau_log.info(
        "%s by %s",
        action,
        officer,
        extra=event_fields(BUREAU_ACTION, action=action, officer=officer, **fields),
    )
    if metrics is not None:
        metrics.bureau_actions.labels(action).inc()


class ObservedBureau(BureauService):
    """Block cancellations and project suspensions, each one ``bureau_action`` line."""

    metrics: HubMetrics | None = None

    def cancel_block(self, block_id: str, reason: str, officer: str) -> Block:
        block = super().cancel_block(block_id, reason, officer)
        _bureau_action(
            self.metrics, "cancel_block", officer, block_id=block.block_id, serial=block.serial
        )
        return block

    def suspend_project(
        self, partner: str, project_id: str, reason: str, officer: str
    ) -> SupervisionOutcome:
        outcome = super().suspend_project(partner, project_id, reason, officer)
        _supervision(self.metrics, "suspend_project", officer, outcome)
        return outcome

    def resume_project(
        self, partner: str, project_id: str, reason: str, officer: str
    ) -> SupervisionOutcome:
        outcome = super().resume_project(partner, project_id, reason, officer)
        _supervision(self.metrics, "resume_project", officer, outcome)
        return outcome


def _supervision(
    metrics: HubMetrics | None, action: str, officer: str, outcome: SupervisionOutcome
) -> None:
    _bureau_action(
        metrics,
        action,
        officer,
        partner=outcome.partner,
        project_id=outcome.project_id,
        claims_changed=len(outcome.claims_changed),
    )


class ObservedReview(ReviewService):
    """A reviewer's decisions on held claims and projects, each one ``bureau_action``
    line; a claim is named by its hub claim id, never by the partner's record id."""

    metrics: HubMetrics | None = None

    def approve_claim(
        self, partner: str, record_id: str, *, officer: str, comment: str
    ) -> ClaimReviewOutcome:
        outcome = super().approve_claim(partner, record_id, officer=officer, comment=comment)
        self._claim("approve_claim", officer, outcome)
        return outcome

    def reject_claim(
        self, partner: str, record_id: str, *, officer: str, comment: str
    ) -> ClaimReviewOutcome:
        outcome = super().reject_claim(partner, record_id, officer=officer, comment=comment)
        self._claim("reject_claim", officer, outcome)
        return outcome

    def open_project_review(
        self, partner: str, project_id: str, *, officer: str
    ) -> ProjectReviewOutcome:
        outcome = super().open_project_review(partner, project_id, officer=officer)
        self._project("open_project_review", officer, outcome)
        return outcome

    def approve_project(
        self, partner: str, project_id: str, *, officer: str, comment: str
    ) -> ProjectReviewOutcome:
        outcome = super().approve_project(partner, project_id, officer=officer, comment=comment)
        self._project("approve_project", officer, outcome)
        return outcome

    def reject_project(
        self, partner: str, project_id: str, *, officer: str, comment: str
    ) -> ProjectReviewOutcome:
        outcome = super().reject_project(partner, project_id, officer=officer, comment=comment)
        self._project("reject_project", officer, outcome)
        return outcome

    def _claim(self, action: str, officer: str, outcome: ClaimReviewOutcome) -> None:
        _bureau_action(
            self.metrics,
            action,
            officer,
            partner=outcome.partner,
            claim_id=outcome.claim_id,
            decision=str(outcome.decision),
        )

    def _project(self, action: str, officer: str, outcome: ProjectReviewOutcome) -> None:
        _bureau_action(
            self.metrics,
            action,
            officer,
            partner=outcome.partner,
            project_id=outcome.project_id,
            state=str(outcome.state),
            claims_changed=outcome.claims_changed,
        )


class ObservedOfficers(OfficerAuthService):
    """A new console officer is one ``bureau_action`` line (never the password)."""

    metrics: HubMetrics | None = None

    def add_officer(self, username: str, name: str, password: str, *, added_by: str) -> Officer:
        officer = super().add_officer(username, name, password, added_by=added_by)
        _bureau_action(
            self.metrics, "add_officer", added_by, username=officer.username, role=officer.role
        )
        return officer


class ObservedPartnerKeys(PartnerKeyService):
    """Partner signing keys registered, retired (rotation) and revoked: ``key_change``."""

    metrics: HubMetrics | None = None

    def register(
        self,
        partner: str,
        public_key: bytes,
        officer: str,
        *,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
    ) -> PartnerKey:
        key = super().register(
            partner, public_key, officer, valid_from=valid_from, valid_until=valid_until
        )
        self._changed("registered", officer, key)
        return key

    def retire(self, key_id: str, valid_until: datetime, officer: str) -> PartnerKey:
        key = super().retire(key_id, valid_until, officer)
        self._changed("retiring", officer, key)
        return key

    def revoke(self, key_id: str, reason: str, officer: str) -> PartnerKey:
        key = super().revoke(key_id, reason, officer)
        self._changed("revoked", officer, key)
        return key

    def _changed(self, action: str, officer: str, key: PartnerKey) -> None:
        keys_log.info(
            "key %s of %s %s by %s",
            key.key_id,
            key.partner,
            action,
            officer,
            extra=event_fields(
                KEY_CHANGE,
                action=action,
                officer=officer,
                partner=key.partner,
                key_id=key.key_id,
                state=str(key.state),
                valid_from=key.valid_from.isoformat(),
                valid_until=key.valid_until.isoformat() if key.valid_until else "",
            ),
        )
        if self.metrics is not None:
            self.metrics.key_changes.labels(action).inc()


class ObservedExchange(ExchangeService):
    """The exchange's acknowledgements (``delivery``) and retirements (``retirement``)."""

    metrics: HubMetrics | None = None

    def acknowledge(self, block_ids: Sequence[str]) -> list[AckOutcome]:
        outcomes = super().acknowledge(block_ids)
        # An acknowledgement repeated (at-least-once delivery) delivers nothing new.
        delivered = [
            o.block_id for o in outcomes if o.state is BlockState.DELIVERED and not o.already
        ]
        delivery_log.info(
            "exchange acknowledged %s blocks (%s newly delivered)",
            len(outcomes),
            len(delivered),
            extra=event_fields(
                DELIVERY,
                consumer="exchange",
                acknowledged=len(outcomes),
                delivered=len(delivered),
                block_ids=delivered,
            ),
        )
        if self.metrics is not None and delivered:
            self.metrics.deliveries.inc(len(delivered))
        return outcomes

    def retire(self, request: RetirementRequest) -> RetirementOutcome:
        outcome = super().retire(request)
        # The purpose, not the beneficiary: a person may be named there.
        delivery_log.info(
            "exchange retired %s units of %s",
            outcome.retired.units,
            outcome.retired.serial,
            extra=event_fields(
                RETIREMENT,
                actor="exchange",
                retirement_id=outcome.retirement_id,
                block_id=outcome.retired.block_id,
                serial=outcome.retired.serial,
                units=outcome.retired.units,
                purpose=str(request.purpose),
                remainder_block_id=outcome.remainder.block_id if outcome.remainder else "",
                certificate_id=outcome.certificate_id or "",
                replay=outcome.replay,
            ),
        )
        return outcome


class ObservedReconciliations(ReconciliationService):
    """Reconciliations requested, answered (their outcome) and discrepancies resolved."""

    metrics: HubMetrics | None = None

    def request(self, counterpart: str, requested_by: str) -> StoredReconciliation:
        stored = super().request(counterpart, requested_by)
        reconciliation_log.info(
            "reconciliation %s requested from %s",
            stored.reconciliation_id,
            counterpart,
            extra=event_fields(
                RECONCILIATION,
                action="requested",
                reconciliation_id=stored.reconciliation_id,
                counterpart=counterpart,
                requested_by=requested_by,
            ),
        )
        return stored

    def submit(
        self,
        counterpart: str,
        reconciliation_id: str | None,
        totals: Sequence[Total],
        holdings: Sequence[Holding],
    ) -> StoredReconciliation:
        answered = super().submit(counterpart, reconciliation_id, totals, holdings)
        frozen = sum(1 for d in answered.discrepancies if d.block_id)
        level = logging.INFO if not answered.discrepancies else logging.WARNING
        reconciliation_log.log(
            level,
            "reconciliation %s with %s: %s",
            answered.reconciliation_id,
            counterpart,
            answered.status,
            extra=event_fields(
                RECONCILIATION,
                action="answered",
                reconciliation_id=answered.reconciliation_id,
                counterpart=counterpart,
                outcome=str(answered.status),
                discrepancies=len(answered.discrepancies),
                blocks_frozen=frozen,
            ),
        )
        return answered

    def resolve(self, discrepancy_id: str, resolution: str, officer: str) -> StoredReconciliation:
        reconciliation = super().resolve(discrepancy_id, resolution, officer)
        _bureau_action(
            self.metrics,
            "resolve_discrepancy",
            officer,
            discrepancy_id=discrepancy_id,
            reconciliation_id=reconciliation.reconciliation_id,
            counterpart=reconciliation.counterpart,
            outcome=str(reconciliation.status),
            open_discrepancies=sum(1 for d in reconciliation.discrepancies if not d.resolved),
        )
        return reconciliation


def observe(metrics: HubMetrics, *services: Any) -> None:
    """Give the observed services the process's counters (set after construction,
    so the services keep their own constructors)."""
    for service in services:
        service.metrics = metrics
