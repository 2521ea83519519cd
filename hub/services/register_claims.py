"""A delivery's new claims against the registers outside the hub, inside its
transaction: the entries of each register's current list that may meet the
batch's claims are read in one query by their index keys, and the pure rule
(hub.domain.register_claims) says which cover which claim and how."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from carbonhub_contract.vocabulary.records import ClaimSubmission
from hub.domain.asset_matching import Thresholds
from hub.domain.claim_assessment import ClaimAssessment
from hub.domain.projects import Project
from hub.domain.register_claims import (
    claim_register_checks,
    claimed_units,
    lookup_keys,
    with_register_checks,
)
from hub.services.asset_checks import project_site
from hub.services.unit_of_work import UnitOfWork


def register_checked(
    uow: UnitOfWork,
    thresholds: Thresholds,
    claims: Sequence[tuple[ClaimSubmission, ClaimAssessment]],
    projects: Mapping[str, Project],
) -> list[ClaimAssessment]:
    """Each claim's assessment with the register checks that fired, in order."""
    units = []
    for sub, assessment in claims:
        project = projects.get(sub.project_id) if sub.project_id else None
        site = project_site(project) if project is not None else None
        units.append(claimed_units(sub, assessment, site))
    keys: set[str] = set()
    for claim in units:
        if claim is not None:
            keys |= lookup_keys(claim, thresholds)
    if not keys:
        return [assessment for _, assessment in claims]
    # Shared with other deliveries, exclusive to an import: a list loaded
    # meanwhile either is read here or re-examines these claims once recorded.
    uow.registers.lock_lists(exclusive=False)
    listed = uow.registers.current(keys)
    if not listed:
        return [assessment for _, assessment in claims]
    return [
        with_register_checks(assessment, claim_register_checks(claim, listed, thresholds))
        if claim is not None
        else assessment
        for (_, assessment), claim in zip(claims, units, strict=True)
    ]
