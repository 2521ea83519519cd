"""A retirement counted towards its carbon-neutrality claim, inside the
retirement's transaction; the claim's certificate issued when its units are
all retired (hub.domain.neutrality).

Several hub processes may retire blocks of one claim at once: the claim row
moves by version (a second writer retries and then sees the first one's
units), its retired units never pass its total (a CHECK), and a claim has
one certificate (a unique constraint).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from hub.domain.blocks import Block
from hub.domain.neutrality import (
    Certificate,
    CertifiedRetirement,
    ClaimPurpose,
    claim_digest,
    claim_problems,
    exceeds,
    new_certificate_id,
    sorted_retirements,
)
from hub.domain.retirements import RetirementRequest
from hub.errors import FailedPrecondition, HubError, InvalidRequest
from hub.services.audit_port import LedgerEvent
from hub.services.certificate_port import ClaimRecord
from hub.services.unit_of_work import UnitOfWork

ACTOR = "hub"
# Each domain problem as its catalogued refusal (hub/refusals/certificates.py).
_REFUSALS: dict[str, Callable[[str, dict[str, str]], HubError]] = {
    "FIELD_REQUIRED": lambda m, d: InvalidRequest("FIELD_REQUIRED", m, d),
    "CLAIM_PURPOSE_MISMATCH": lambda m, d: InvalidRequest("CLAIM_PURPOSE_MISMATCH", m, d),
    "CLAIM_PERIOD_INVALID": lambda m, d: InvalidRequest("CLAIM_PERIOD_INVALID", m, d),
    "CLAIM_FOOTPRINT_INVALID": lambda m, d: InvalidRequest("CLAIM_FOOTPRINT_INVALID", m, d),
    "CLAIM_UNITS_INVALID": lambda m, d: InvalidRequest("CLAIM_UNITS_INVALID", m, d),
    "CLAIM_UNITS_BELOW_FOOTPRINT": lambda m, d: InvalidRequest("CLAIM_UNITS_BELOW_FOOTPRINT", m, d),
}


def check_claim(request: RetirementRequest) -> None:
    """Refuse a retirement whose claim cannot be recorded, before any write."""
    if request.claim is None:
        return
    problems = claim_problems(request.claim, str(request.purpose))
    if problems:
        first = problems[0]
        details = dict(first.details)
        details["codes"] = ",".join(p.code for p in problems)
        raise _REFUSALS[first.code](first.message, details)


def count_towards_claim(
    uow: UnitOfWork, request: RetirementRequest, retired: Block, now: datetime
) -> str | None:
    """Count the retired block towards the request's claim; the id of the
    certificate issued when this retirement completes the claim."""
    claim = request.claim
    if claim is None:
        return None
    purpose = str(request.purpose)
    digest = claim_digest(claim, purpose)
    record = uow.certificates.claim(claim.claim_id)
    if record is None:
        record = ClaimRecord(claim, purpose, digest, 0, 0)
    elif record.digest != digest:
        raise FailedPrecondition(
            "CLAIM_CONTENT_DIFFERS",
            f"claim {claim.claim_id} was reported before with other content",
            {"claim_id": claim.claim_id, "retirement_id": request.retirement_id},
        )
    too_many = exceeds(claim, record.retired_units, retired.units)
    if too_many is not None:
        raise FailedPrecondition("CLAIM_UNITS_EXCEEDED", too_many.message, dict(too_many.details))
    retired_units = record.retired_units + retired.units
    uow.certificates.save_claim(
        ClaimRecord(claim, purpose, digest, retired_units, record.version + 1), now
    )
    series = retired.range.series
    uow.certificates.add_retirement(
        claim.claim_id,
        retired.block_id,
        CertifiedRetirement(
            retirement_id=request.retirement_id,
            serial=retired.serial,
            origin=series.origin,
            methodology=series.methodology,
            vintage=series.vintage,
            project=series.project,
            units=retired.units,
            retired_at=now,
        ),
    )
    if retired_units < claim.total_units:
        return None
    certificate = Certificate(
        certificate_id=new_certificate_id(),
        purpose=ClaimPurpose(purpose),
        claim=claim,
        retirements=sorted_retirements(uow.certificates.retirements(claim.claim_id)),
        issued_at=now,
    )
    uow.certificates.add_certificate(claim.claim_id, certificate)
    uow.events.append(
        [
            LedgerEvent(
                "certificate",
                certificate.certificate_id,
                "ISSUED",
                ACTOR,
                now,
                {
                    "claim_id": claim.claim_id,
                    "tonnes": str(certificate.tonnes),
                    "serials": ",".join(r.serial for r in certificate.retirements),
                },
            )
        ]
    )
    return certificate.certificate_id


def certificate_of(uow: UnitOfWork, request: RetirementRequest) -> str | None:
    """For a replayed retirement: its claim's certificate, if issued."""
    if request.claim is None:
        return None
    return uow.certificates.certificate_of_claim(request.claim.claim_id)
