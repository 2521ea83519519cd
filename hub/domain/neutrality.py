"""Carbon-neutrality claims (碳中和) and the certificates the hub issues for them.

A claimant (an organisation, a person, or an event's organiser) retires units
at the exchange for an event made carbon-neutral or for voluntary offsetting.
The exchange reports one retirement per block, each naming the same claim;
when the claim's retired units reach the units it announced, the hub issues
one certificate listing every serial retired, with its origin and vintage.

A certificate is a signed statement of what was retired at issuance. It stays
valid while every block it lists is still RETIRED: a block the bureau later
cancels (units found not to be real) invalidates it, visibly, for everyone
who looks it up. A downloaded certificate can be checked offline (signature
and content) but only the hub can say whether it is still valid.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from hub.domain.serial_blocks import SerialFormatError, SerialRange, parse_serial

CERTIFICATE_TYPE = "carbonhub.v1.NeutralityCertificate"
# Crockford's base32 without I, L, O, U: read aloud or typed from paper
# without confusing 0/O or 1/I/L.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CERTIFICATE_ID_PREFIX = "SZCN-"
_ID_LENGTH = 10  # 50 bits: unguessable enough for a public look-up, short on paper


class ClaimantKind(StrEnum):
    ORGANISATION = "ORGANISATION"
    PERSON = "PERSON"
    EVENT = "EVENT"  # an event's organiser, claiming for the event


class ClaimPurpose(StrEnum):
    """The retirement purposes a claim may carry (hub.domain.retirements)."""

    CARBON_NEUTRAL_EVENT = "CARBON_NEUTRAL_EVENT"
    VOLUNTARY = "VOLUNTARY"


@dataclass(frozen=True, slots=True)
class NeutralityClaim:
    claim_id: str  # the exchange's id, shared by the claim's retirements
    claimant_kind: ClaimantKind
    claimant_name: str
    event_name: str | None
    period_start: date
    period_end: date  # inclusive
    footprint_tco2e: Decimal
    total_units: int  # units retired for the claim over all its retirements


@dataclass(frozen=True, slots=True)
class ClaimProblem:
    code: str
    message: str
    details: Mapping[str, str]


def claim_problems(claim: NeutralityClaim, purpose: str) -> list[ClaimProblem]:
    """Everything wrong with a claim as reported; empty when it may be recorded."""
    problems: list[ClaimProblem] = []
    if purpose not in {str(p) for p in ClaimPurpose}:
        problems.append(
            ClaimProblem(
                "CLAIM_PURPOSE_MISMATCH",
                f"a neutrality claim goes with a carbon-neutral event or voluntary "
                f"offsetting, not {purpose}",
                {"purpose": purpose},
            )
        )
    for field, value in (
        ("claim.claim_id", claim.claim_id),
        ("claim.claimant_name", claim.claimant_name),
    ):
        if not value.strip():
            problems.append(
                ClaimProblem("FIELD_REQUIRED", f"{field} is required", {"field": field})
            )
    if purpose == ClaimPurpose.CARBON_NEUTRAL_EVENT and not (claim.event_name or "").strip():
        problems.append(
            ClaimProblem(
                "FIELD_REQUIRED",
                "claim.event_name is required for a carbon-neutral event",
                {"field": "claim.event_name"},
            )
        )
    if claim.period_end < claim.period_start:
        problems.append(
            ClaimProblem(
                "CLAIM_PERIOD_INVALID",
                f"the period ends ({claim.period_end}) before it starts ({claim.period_start})",
                {"period_start": str(claim.period_start), "period_end": str(claim.period_end)},
            )
        )
    if not claim.footprint_tco2e.is_finite() or claim.footprint_tco2e <= 0:
        problems.append(
            ClaimProblem(
                "CLAIM_FOOTPRINT_INVALID",
                "the footprint claimed is a positive number of tCO2e",
                {"footprint_tco2e": str(claim.footprint_tco2e)},
            )
        )
    if claim.total_units < 1:
        problems.append(
            ClaimProblem(
                "CLAIM_UNITS_INVALID",
                "a claim retires at least one unit",
                {"total_units": str(claim.total_units)},
            )
        )
    elif (
        purpose == ClaimPurpose.CARBON_NEUTRAL_EVENT
        and claim.footprint_tco2e.is_finite()
        and claim.footprint_tco2e > 0
        and not covers_footprint(claim.total_units, claim.footprint_tco2e)
    ):
        # An event is carbon-neutral only when its whole footprint is offset.
        problems.append(
            ClaimProblem(
                "CLAIM_UNITS_BELOW_FOOTPRINT",
                f"{claim.total_units} units do not offset a footprint of "
                f"{claim.footprint_tco2e} tCO2e",
                {
                    "total_units": str(claim.total_units),
                    "footprint_tco2e": str(claim.footprint_tco2e),
                },
            )
        )
    return problems


def covers_footprint(units: int, footprint_tco2e: Decimal) -> bool:
    """Whole units (1 tCO2e each) offset the footprint: units ≥ footprint."""
    return Decimal(units) >= footprint_tco2e


def claim_to_json(claim: NeutralityClaim) -> dict[str, Any]:
    return {
        "claim_id": claim.claim_id,
        "claimant_kind": str(claim.claimant_kind),
        "claimant_name": claim.claimant_name,
        "event_name": claim.event_name,
        "period_start": claim.period_start.isoformat(),
        "period_end": claim.period_end.isoformat(),
        "footprint_tco2e": str(claim.footprint_tco2e.normalize()),
        "total_units": claim.total_units,
    }


def claim_from_json(data: Mapping[str, Any]) -> NeutralityClaim:
    return NeutralityClaim(
        claim_id=str(data["claim_id"]),
        claimant_kind=ClaimantKind(data["claimant_kind"]),
        claimant_name=str(data["claimant_name"]),
        event_name=None if data["event_name"] is None else str(data["event_name"]),
        period_start=date.fromisoformat(data["period_start"]),
        period_end=date.fromisoformat(data["period_end"]),
        footprint_tco2e=Decimal(str(data["footprint_tco2e"])),
        total_units=int(data["total_units"]),
    )


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def claim_digest(claim: NeutralityClaim, purpose: str) -> str:
    """Every retirement of one claim must say the same about it."""
    return hashlib.sha256(_canonical({**claim_to_json(claim), "purpose": purpose})).hexdigest()


def exceeds(claim: NeutralityClaim, retired_units: int, units: int) -> ClaimProblem | None:
    if retired_units + units <= claim.total_units:
        return None
    return ClaimProblem(
        "CLAIM_UNITS_EXCEEDED",
        f"claim {claim.claim_id} announced {claim.total_units} units; "
        f"{retired_units} are retired and {units} more were reported",
        {
            "claim_id": claim.claim_id,
            "total_units": str(claim.total_units),
            "retired_units": str(retired_units),
            "units": str(units),
        },
    )


def new_certificate_id() -> str:
    return CERTIFICATE_ID_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_ID_LENGTH))


def is_certificate_id(text: str) -> bool:
    body = text[len(CERTIFICATE_ID_PREFIX) :]
    return (
        text.startswith(CERTIFICATE_ID_PREFIX)
        and len(body) == _ID_LENGTH
        and all(c in _ALPHABET for c in body)
    )


@dataclass(frozen=True, slots=True)
class CertifiedRetirement:
    """One retirement on a certificate: the block's serial names its origin,
    methodology, vintage and project; they are repeated for the reader."""

    retirement_id: str
    serial: str
    origin: str
    methodology: str
    vintage: int
    project: str
    units: int
    retired_at: datetime


@dataclass(frozen=True, slots=True)
class Certificate:
    certificate_id: str
    purpose: ClaimPurpose
    claim: NeutralityClaim
    retirements: tuple[CertifiedRetirement, ...]
    issued_at: datetime

    @property
    def tonnes(self) -> int:
        return sum(r.units for r in self.retirements)

    @property
    def carbon_neutral(self) -> bool:
        return covers_footprint(self.tonnes, self.claim.footprint_tco2e)

    @property
    def verify_path(self) -> str:
        return f"/certificates/{self.certificate_id}"


def certificate_statement(certificate: Certificate) -> bytes:
    """The signed bytes: canonical JSON (UTF-8, keys sorted, no spaces)."""
    return _canonical(certificate_to_json(certificate))


def certificate_to_json(certificate: Certificate) -> dict[str, Any]:
    return {
        "type": CERTIFICATE_TYPE,
        "certificate_id": certificate.certificate_id,
        "purpose": str(certificate.purpose),
        "claim": claim_to_json(certificate.claim),
        "tonnes": certificate.tonnes,
        "carbon_neutral": certificate.carbon_neutral,
        "retirements": [
            {
                "retirement_id": r.retirement_id,
                "serial": r.serial,
                "origin": r.origin,
                "methodology": r.methodology,
                "vintage": r.vintage,
                "project": r.project,
                "units": r.units,
                "retired_at": r.retired_at.isoformat(),
            }
            for r in certificate.retirements
        ],
        "issued_at": certificate.issued_at.isoformat(),
        "verify_path": certificate.verify_path,
    }


def certificate_from_json(data: Mapping[str, Any]) -> Certificate:
    return Certificate(
        certificate_id=str(data["certificate_id"]),
        purpose=ClaimPurpose(data["purpose"]),
        claim=claim_from_json(data["claim"]),
        retirements=tuple(
            CertifiedRetirement(
                retirement_id=str(r["retirement_id"]),
                serial=str(r["serial"]),
                origin=str(r["origin"]),
                methodology=str(r["methodology"]),
                vintage=int(r["vintage"]),
                project=str(r["project"]),
                units=int(r["units"]),
                retired_at=datetime.fromisoformat(r["retired_at"]),
            )
            for r in data["retirements"]
        ),
        issued_at=datetime.fromisoformat(data["issued_at"]),
    )


def content_problems(data: Mapping[str, Any]) -> list[str]:
    """What is inconsistent inside a certificate's statement, read offline:
    each line names the field at fault. Empty when the content holds together."""
    problems: list[str] = []
    if data.get("type") != CERTIFICATE_TYPE:
        return [f"type is not {CERTIFICATE_TYPE}"]
    try:
        certificate = certificate_from_json(data)
    except (KeyError, TypeError, ValueError, InvalidOperation) as error:
        return [f"malformed: {error}"]
    if not is_certificate_id(certificate.certificate_id):
        problems.append(f"certificate_id {certificate.certificate_id!r} is not a certificate id")
    if data.get("verify_path") != certificate.verify_path:
        problems.append("verify_path does not name the certificate")
    if not certificate.retirements:
        problems.append("retirements: none listed")
    seen: list[SerialRange] = []
    for index, retirement in enumerate(certificate.retirements):
        where = f"retirements[{index}]"
        try:
            serial = parse_serial(retirement.serial)
        except SerialFormatError as error:
            problems.append(f"{where}.serial: {error}")
            continue
        series = serial.series
        listed = (
            retirement.origin,
            retirement.methodology,
            retirement.vintage,
            retirement.project,
            retirement.units,
        )
        named = (series.origin, series.methodology, series.vintage, series.project, serial.units)
        if listed != named:
            problems.append(
                f"{where}: origin, methodology, vintage, project or units differ from the serial"
            )
        if any(serial.overlaps(other) for other in seen):
            problems.append(f"{where}.serial overlaps another serial listed")
        seen.append(serial)
    if data.get("tonnes") != certificate.tonnes:
        problems.append("tonnes is not the sum of the units retired")
    if certificate.tonnes != certificate.claim.total_units:
        problems.append("claim.total_units is not the units retired")
    if data.get("carbon_neutral") is not certificate.carbon_neutral:
        problems.append("carbon_neutral does not follow from the tonnes and the footprint")
    for problem in claim_problems(certificate.claim, str(certificate.purpose)):
        problems.append(f"claim: {problem.code}")
    return problems


@dataclass(frozen=True, slots=True)
class CancelledSerial:
    serial: str
    reason: str


@dataclass(frozen=True, slots=True)
class Validity:
    valid: bool
    cancelled: tuple[CancelledSerial, ...]  # the blocks that invalidate it


def validity(certificate: Certificate, states: Mapping[str, tuple[str, str]]) -> Validity:
    """``states`` maps each listed serial to (state, reason of its cancellation).
    Valid while every listed block is still RETIRED; a serial the hub no longer
    knows is treated as not retired (never silently valid)."""
    cancelled = [
        CancelledSerial(r.serial, states.get(r.serial, ("MISSING", ""))[1])
        for r in certificate.retirements
        if states.get(r.serial, ("MISSING", ""))[0] != "RETIRED"
    ]
    return Validity(not cancelled, tuple(cancelled))


def tonnes_text(footprint: Decimal) -> str:
    """A footprint as printed: no exponent, no trailing zeros."""
    text = format(footprint.normalize(), "f")
    return text


def coverage_percent(units: int, footprint: Decimal) -> int:
    """Whole percent of the footprint the units offset (floor: never overstated)."""
    if footprint <= 0:
        return 0
    return math.floor(Decimal(units) * 100 / footprint)


def sorted_retirements(
    retirements: Sequence[CertifiedRetirement],
) -> tuple[CertifiedRetirement, ...]:
    """A certificate lists its serials in serial order: the same retirements
    always give the same statement, whatever order they were reported in."""
    return tuple(sorted(retirements, key=lambda r: (r.serial, r.retirement_id)))
