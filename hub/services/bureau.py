"""The Shenzhen ecology bureau's hand on the ledger: audited, coded operations.

* cancel a block, with a reason: any non-terminal block becomes CANCELLED
  (terminal); the exchange is told through the outbox. A RETIRED block may
  be cancelled too, when its units prove not to be real after retirement:
  it moves nowhere (no double use), but the retirement no longer stands,
  and a carbon-neutrality certificate listing it shows it is invalid;
* suspend a project: its claims waiting for issuance are HELD with
  PROJECT_SUSPENDED_BY_BUREAU, and new claims of it are held too;
* resume it: the claims the suspension held return to the decision their
  other checks give.

Every operation names the officer and is appended to the ledger events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hub.domain.blocks import Block, BlockState, may_cancel
from hub.domain.project_review import ReviewAction, next_state
from hub.domain.suspension import SUSPENDED_CHECK, suspension_check
from hub.errors import FailedPrecondition, NotFound
from hub.services.audit_port import LedgerEvent
from hub.services.block_refusals import block_not_found, block_terminal
from hub.services.claim_holds import claim_events, hold_project_claims, release_project_claims
from hub.services.clock import Clock
from hub.services.officers import officer_actor, required_reason
from hub.services.outbox_port import OutboxKind
from hub.services.project_port import ProjectSupervision
from hub.services.transactions import run_in_transaction
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class SupervisionOutcome:
    partner: str
    project_id: str
    suspended: bool
    claims_changed: tuple[str, ...]


class BureauService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, *, write_retries: int = 8
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._retries = write_retries

    def cancel_block(self, block_id: str, reason: str, officer: str) -> Block:
        actor, why = officer_actor(officer), required_reason(reason)

        def work(uow: UnitOfWork) -> Block:
            now = self._clock()
            block = uow.blocks.get_many([block_id]).get(block_id)
            if block is None:
                block = uow.blocks.by_serial(block_id)
            if block is None:
                raise block_not_found(block_id)
            if not may_cancel(block):
                raise block_terminal(block)
            uow.blocks.transition(
                block.block_id,
                {block.state},
                BlockState.CANCELLED,
                now,
                require_unfrozen=False,
            )
            uow.outbox.append([(OutboxKind.CANCELLED, block.block_id, why)], now)
            uow.events.append(
                [
                    LedgerEvent(
                        "block",
                        block.block_id,
                        "CANCELLED",
                        actor,
                        now,
                        {"reason": why, "serial": block.serial, "from": str(block.state)},
                    )
                ]
            )
            return replace(block, state=BlockState.CANCELLED)

        return run_in_transaction(
            self._uow_factory, work, retries=self._retries, what="block cancellation"
        )

    def suspend_project(
        self, partner: str, project_id: str, reason: str, officer: str
    ) -> SupervisionOutcome:
        return self._supervise(partner, project_id, reason, officer, suspend=True)

    def resume_project(
        self, partner: str, project_id: str, reason: str, officer: str
    ) -> SupervisionOutcome:
        return self._supervise(partner, project_id, reason, officer, suspend=False)

    def _supervise(
        self, partner: str, project_id: str, reason: str, officer: str, *, suspend: bool
    ) -> SupervisionOutcome:
        actor, why = officer_actor(officer), required_reason(reason)
        action = ReviewAction.SUSPEND if suspend else ReviewAction.RESUME

        def work(uow: UnitOfWork) -> SupervisionOutcome:
            now = self._clock()
            project = uow.projects.get_many(partner, [project_id]).get(project_id)
            if project is None:
                raise NotFound(
                    "PROJECT_NOT_FOUND",
                    f"no project {project_id} of {partner}",
                    {"partner": partner, "project_id": project_id},
                )
            current = uow.supervision.get_many(partner, [project_id]).get(project_id)
            if (current is not None and current.suspended) == suspend:
                raise FailedPrecondition(
                    "PROJECT_ALREADY_SUSPENDED" if suspend else "PROJECT_NOT_SUSPENDED",
                    f"project {project_id} of {partner} is "
                    f"{'already' if suspend else 'not'} suspended",
                    {"partner": partner, "project_id": project_id},
                )
            # Only an approved project is suspended (and a suspended one resumed).
            state = next_state(project.review_state, action, partner=partner, project_id=project_id)
            uow.projects.set_review_state(partner, project_id, project.review_state, state)
            uow.supervision.save(
                ProjectSupervision(partner, project_id, suspend, why, actor, now),
                expected_suspended=not suspend,
            )
            check = suspension_check(project_id, why)
            changes = (
                hold_project_claims(uow, partner, project_id, check)
                if suspend
                else release_project_claims(uow, partner, project_id, SUSPENDED_CHECK)
            )
            uow.claims.change_verdicts(changes)
            uow.events.append(
                [
                    LedgerEvent(
                        "project",
                        f"{partner}|{project_id}",
                        str(state),
                        actor,
                        now,
                        {
                            "reason": why,
                            "action": str(action),
                            "from": str(project.review_state),
                            "claims": str(len(changes)),
                        },
                    ),
                    *claim_events(
                        changes, actor, now, f"project {'suspended' if suspend else 'resumed'}"
                    ),
                ]
            )
            return SupervisionOutcome(
                partner, project_id, suspend, tuple(c.claim_id for c in changes)
            )

        return run_in_transaction(
            self._uow_factory, work, retries=self._retries, what="project supervision"
        )
