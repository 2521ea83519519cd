"""Retirements the exchange reports (注销/消纳), and the offset rules they obey."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from hub.domain.neutrality import NeutralityClaim, claim_to_json


class RetirementPurpose(StrEnum):
    ETS_OFFSET = "ETS_OFFSET"  # used against a Shenzhen ETS compliance obligation
    CARBON_NEUTRAL_EVENT = "CARBON_NEUTRAL_EVENT"  # a large event made carbon-neutral
    VOLUNTARY = "VOLUNTARY"


@dataclass(frozen=True, slots=True)
class RetirementRequest:
    """What the exchange reports. ``retirement_id`` is the exchange's own id:
    the same id with the same content is a replay (same answer, no effect)."""

    retirement_id: str
    block_id: str
    units: int  # fewer than the block's units splits the block
    purpose: RetirementPurpose
    beneficiary: str
    compliance_entity: str | None = None  # ETS_OFFSET only
    compliance_year: int | None = None  # ETS_OFFSET only
    verified_emissions_tco2e: Decimal | None = None  # ETS_OFFSET only: the entity's year
    event_name: str | None = None  # CARBON_NEUTRAL_EVENT
    note: str | None = None
    # CARBON_NEUTRAL_EVENT or VOLUNTARY: the claimant and event the retirement
    # is for (hub.domain.neutrality); several retirements may name one claim.
    claim: NeutralityClaim | None = None


@dataclass(frozen=True, slots=True)
class Retirement:
    retirement_id: str
    request_digest: str  # of the request, to tell a replay from a reused id
    request: RetirementRequest
    retired_block_id: str  # the block (or split-off child) now RETIRED
    remainder_block_id: str | None  # the child left DELIVERED after a split
    retired_at: datetime


def request_digest(request: RetirementRequest) -> str:
    """Digest of everything a retirement asserts: equal digests under one
    retirement id are a replay, different ones a reused id."""
    data = {
        "retirement_id": request.retirement_id,
        "block_id": request.block_id,
        "units": request.units,
        "purpose": str(request.purpose),
        "beneficiary": request.beneficiary,
        "compliance_entity": request.compliance_entity,
        "compliance_year": request.compliance_year,
        "verified_emissions_tco2e": (
            None
            if request.verified_emissions_tco2e is None
            else str(request.verified_emissions_tco2e.normalize())
        ),
        "event_name": request.event_name,
        "note": request.note,
    }
    if request.claim is not None:
        # Only when present: the digests of retirements without a claim, kept
        # before claims existed, stay what they were.
        data["claim"] = claim_to_json(request.claim)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
