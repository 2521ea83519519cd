"""Registering partner projects, so project-based claims can be checked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.domain.assessment import assess_project
from hub.domain.checks import CheckResult, fire
from hub.domain.claims import Decision, decide
from hub.domain.projects import ProjectSubmission
from hub.domain.signed_payloads import SignedRecord
from hub.errors import InvalidRequest
from hub.services.clock import Clock, system_clock
from hub.services.signed_writes import UnsignedOnly, WriteAuthenticator, refuse_signed
from hub.services.transactions import run_in_transaction
from hub.services.unit_of_work import LedgerEvent, UnitOfWork, UnitOfWorkFactory
from hub.standard import Standard


@dataclass(frozen=True, slots=True)
class ProjectResult:
    project_id: str
    decision: Decision  # ACCEPTED or REJECTED
    checks: tuple[CheckResult, ...]


class ProjectRegistrationService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        standard: Standard,
        *,
        write_retries: int = 8,
        clock: Clock = system_clock,
        authenticate: WriteAuthenticator | UnsignedOnly | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._standard = standard
        self._write_retries = write_retries
        self._clock = clock
        self._authenticate = authenticate or refuse_signed

    def register(
        self,
        partner: str,
        submissions: Sequence[ProjectSubmission],
        *,
        signed: SignedRecord | None = None,
    ) -> list[ProjectResult]:
        for sub in submissions:
            if sub.partner != partner:
                raise InvalidRequest(
                    "ENVELOPE_PARTNER_MISMATCH",
                    f"project {sub.project_id} names partner {sub.partner}, the request {partner}",
                    {
                        "project_id": sub.project_id,
                        "claim_partner": sub.partner,
                        "partner": partner,
                    },
                )
        assessments = [assess_project(sub, self._standard) for sub in submissions]

        def work(uow: UnitOfWork) -> list[ProjectResult]:
            now = self._clock()
            self._authenticate(uow, signed, now)
            events: list[LedgerEvent] = []
            ids = {a.project.project_id for a in assessments if a.project is not None}
            existing = uow.projects.get_many(partner, ids) if ids else {}
            results: list[ProjectResult] = []
            for sub, assessment in zip(submissions, assessments, strict=True):
                checks = list(assessment.checks)
                project = assessment.project
                if project is not None and decide(checks) is not Decision.REJECTED:
                    before = existing.get(project.project_id)
                    if uow.projects.upsert(project):
                        if before is not None:
                            checks.append(fire("PROJECT_CHANGED", project_id=project.project_id))
                        what = "REGISTERED" if before is None else "CHANGED"
                        events.append(
                            LedgerEvent(
                                "project", f"{partner}|{project.project_id}", what, partner, now
                            )
                        )
                    existing[project.project_id] = project
                decision = (
                    Decision.REJECTED if decide(checks) is Decision.REJECTED else Decision.ACCEPTED
                )
                results.append(ProjectResult(sub.project_id, decision, tuple(checks)))
            uow.events.append(events)
            self._authenticate.keep(uow, signed, now)
            return results

        return run_in_transaction(
            self._uow_factory, work, retries=self._write_retries, what="projects"
        )
