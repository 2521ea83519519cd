"""A partner's claims and projects as the wire carries them to the hub.

The contract's records (carbonhub_contract.vocabulary.records) become the
generated ``Claim`` and ``Project`` messages; an absent optional field
travels as the empty string, as the proto documents.
"""

from __future__ import annotations

from collections.abc import Mapping

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.vocabulary.records import (
    ClaimSubmission,
    OriginStatus,
    PartnerProjectStatus,
    ProjectSubmission,
)

_ORIGIN_STATUS: Mapping[OriginStatus, pb.OriginStatus] = {
    OriginStatus.NOT_ISSUED: pb.ORIGIN_STATUS_NOT_ISSUED,
    OriginStatus.ISSUED: pb.ORIGIN_STATUS_ISSUED,
    OriginStatus.CANCELLED: pb.ORIGIN_STATUS_CANCELLED,
}
_PROJECT_STATUS: Mapping[PartnerProjectStatus, pb.ProjectStatus] = {
    PartnerProjectStatus.REGISTERED: pb.PROJECT_STATUS_REGISTERED,
    PartnerProjectStatus.SUSPENDED: pb.PROJECT_STATUS_SUSPENDED,
    PartnerProjectStatus.DEREGISTERED: pb.PROJECT_STATUS_DEREGISTERED,
}


def _text(value: str | None) -> str:
    return "" if value is None else value


def claim_to_proto(claim: ClaimSubmission) -> pb.Claim:
    """ClaimSubmission → wire Claim; None travels as the empty string."""
    return pb.Claim(
        record_id=claim.record_id,
        partner_methodology=claim.partner_methodology,
        period_start=claim.period_start,
        period_end=claim.period_end,
        time_zone=claim.time_zone,
        activity_quantity=claim.activity_quantity,
        activity_unit=claim.activity_unit,
        project_id=_text(claim.project_id),
        person_pseudonym=_text(claim.person_pseudonym),
        site_id=_text(claim.site_id),
        region_code=_text(claim.region_code),
        district=_text(claim.district),
        material=_text(claim.material),
        utility=_text(claim.utility),
        reported_tco2e=_text(claim.reported_tco2e),
        origin_status=_ORIGIN_STATUS[claim.origin_status],
        origin_serial=_text(claim.origin_serial),
        adjustment_ref=_text(claim.adjustment_ref),
        verifier=_text(claim.verifier),
        platform=_text(claim.platform),
        raw=dict(claim.raw),
    )


def project_to_proto(project: ProjectSubmission) -> pb.Project:
    """ProjectSubmission → wire Project."""
    return pb.Project(
        project_id=project.project_id,
        name=project.name,
        owner_name=project.owner_name,
        owner_credit_code=project.owner_credit_code,
        partner_methodology=project.partner_methodology,
        region_code=project.region_code,
        longitude=project.longitude,
        latitude=project.latitude,
        size_value=project.size_value,
        size_unit=project.size_unit,
        crediting_start=project.crediting_start,
        crediting_end=project.crediting_end,
        status=_PROJECT_STATUS[project.status],
        raw=dict(project.raw),
    )
