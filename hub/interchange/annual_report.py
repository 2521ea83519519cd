"""One partner's annual report, laid out after the Article 6.2 Agreed
Electronic Format (AEF): the authorisation (here: the hub's recognition of
the partner's programme), first transfers into Shenzhen, uses and
cancellations, holdings at the end of the year, the origin's
inventory-exclusion (corresponding adjustment) attestations, and the
reconciliations with the partner's registry.

Pure: plain values in, one JSON-able dict out. The year runs in UTC, like
the public disclosure's dates, so the report's totals equal the
disclosure's for the same partner and year (tested).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from hub.interchange.ledger_facts import (
    AttestationFacts,
    BlockFacts,
    IssuanceFacts,
    ReconciliationFacts,
)

REPORT_TYPE = "carbonhub.v1.AnnualReport"
HOLDING_STATES = ("ISSUED", "DELIVERED", "RETIRED", "CANCELLED")
# The first year a report may cover: the scheme's city work plan (2021).
FIRST_YEAR = 2021


@dataclass(frozen=True, slots=True)
class RecognitionFacts:
    partner_methodology: str
    shenzhen_methodology: str | None  # through the partner's crosswalk
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class AgreementFacts:
    partner: str
    name_zh: str
    name_en: str
    region_iso_3166_2: str
    region_name_en: str
    adjustment_ref_required: bool
    project_review: str
    recognised: tuple[RecognitionFacts, ...]
    source: str
    provisional: bool


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) in UTC."""
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def _day(instant: datetime | date | None) -> str | None:
    if instant is None:
        return None
    if isinstance(instant, datetime):
        return instant.astimezone(UTC).date().isoformat()
    return instant.isoformat()


def _within(instant: datetime | None, start: datetime, end: datetime) -> bool:
    return instant is not None and start <= instant < end


def _state_at(block: BlockFacts, end: datetime) -> str:
    """Where a live block's units stood at ``end`` (states only move forward)."""
    if block.retirement is not None and block.retirement.retired_at < end:
        return "RETIRED"
    if block.state == "CANCELLED" and block.updated_at < end:
        return "CANCELLED"
    if block.delivered_at is not None and block.delivered_at < end:
        return "DELIVERED"
    return "ISSUED"


def _authorisation(agreement: AgreementFacts) -> dict[str, Any]:
    return {
        "authorization_id": f"SZ-HUB-{agreement.partner}",
        "form": "recognition of the partner's programme under the Shenzhen carbon-inclusion "
        "standard (the hub's agreement), standing for an authorisation",
        "partner": agreement.partner,
        "name_zh": agreement.name_zh,
        "name_en": agreement.name_en,
        "region": {"iso_3166_2": agreement.region_iso_3166_2, "name_en": agreement.region_name_en},
        "inventory_exclusion_required": agreement.adjustment_ref_required,
        "project_review": agreement.project_review,
        "methodologies": [
            {
                "partner_methodology": r.partner_methodology,
                "shenzhen_methodology": r.shenzhen_methodology,
                "valid_from": _day(r.valid_from),
                "valid_to": _day(r.valid_to),
            }
            for r in agreement.recognised
        ],
        "first_valid_from": _day(min((r.valid_from for r in agreement.recognised), default=None)),
        "source": agreement.source,
        "provisional": agreement.provisional,
    }


def _first_transfer(block: BlockFacts, issuance: IssuanceFacts | None) -> dict[str, Any]:
    cancellations = issuance.origin_cancellations if issuance is not None else ()
    return {
        "date": _day(block.issued_at),
        "shenzhen_serial": block.serial,
        "first_unit": block.first_unit,
        "last_unit": block.last_unit,
        "quantity": block.units,
        "vintage": block.vintage,
        "methodology": block.methodology,
        "origin_serials": [c.origin_serial for c in cancellations],
        "origin_cancellation_ids": [c.cancellation_id for c in cancellations],
        "adjustment_reference": block.adjustment_ref,
    }


def _use(block: BlockFacts) -> dict[str, Any]:
    retirement = block.retirement
    assert retirement is not None
    return {
        "date": _day(retirement.retired_at),
        "retirement_id": retirement.retirement_id,
        "shenzhen_serial": block.serial,
        "quantity": block.units,
        "vintage": block.vintage,
        "purpose": retirement.purpose,
        "beneficiary": retirement.beneficiary,
        "detail": retirement.detail,
    }


def _adjustments(
    attestations: Sequence[AttestationFacts],
    leaves: Sequence[BlockFacts],
    start: datetime,
    end: datetime,
) -> dict[str, Any]:
    latest: dict[str, AttestationFacts] = {}
    in_year: Counter[str] = Counter()
    for attestation in attestations:  # ordered by reference, then time
        latest[attestation.reference] = attestation
        if attestation.attested_at >= start:
            in_year[attestation.reference] += 1
    units: Counter[str] = Counter()
    for block in leaves:
        if block.adjustment_ref:
            units[block.adjustment_ref] += block.units
    references = sorted(set(latest) | set(units))
    rows: list[dict[str, Any]] = [
        {
            "reference": ref,
            "status_at_year_end": latest[ref].status if ref in latest else "NOT_ATTESTED",
            "last_attested": _day(latest[ref].attested_at) if ref in latest else None,
            "attestations_in_year": in_year[ref],
            "units": units[ref],
        }
        for ref in references
    ]
    by_status: Counter[str] = Counter()
    for row in rows:
        by_status[str(row["status_at_year_end"])] += int(row["units"])
    # Units used before the origin withdrew its exclusion stay retired (a
    # retirement is never undone): the report names them, since the origin
    # may now count the same reduction in its own inventory.
    revoked = {r["reference"] for r in rows if r["status_at_year_end"] == "REVOKED"}
    retired_under_revoked = [
        {
            "reference": block.adjustment_ref,
            "shenzhen_serial": block.serial,
            "quantity": block.units,
            "vintage": block.vintage,
            "retirement_id": block.retirement.retirement_id,
            "retired": _day(block.retirement.retired_at),
        }
        for block in leaves
        if block.adjustment_ref in revoked
        and block.retirement is not None
        and block.retirement.retired_at < end
    ]
    return {
        "references": rows,
        "units_by_status": dict(sorted(by_status.items())),
        "retired_under_revoked": retired_under_revoked,
    }


def _reconciliation(r: ReconciliationFacts) -> dict[str, Any]:
    return {
        "reconciliation_id": r.reconciliation_id,
        "status": r.status,
        "requested": r.requested_at.astimezone(UTC).isoformat(),
        "answered": r.answered_at.astimezone(UTC).isoformat() if r.answered_at else None,
        "discrepancies": r.discrepancies,
        "unresolved": r.unresolved,
    }


def annual_report(
    *,
    agreement: AgreementFacts,
    year: int,
    first_transfers: Sequence[BlockFacts],
    issuances: Sequence[IssuanceFacts],
    leaves: Sequence[BlockFacts],
    attestations: Sequence[AttestationFacts],
    reconciliations: Sequence[ReconciliationFacts] | None,
    generated_at: datetime,
) -> dict[str, Any]:
    """The report of one partner and year.

    ``first_transfers`` are the original blocks issued in the year;
    ``leaves`` every live block of units issued before the year's end (they
    tile those units); ``reconciliations`` None withholds that table (the
    public copy).
    """
    start, end = year_bounds(year)
    by_issuance = {i.issuance_id: i for i in issuances}
    transfers = [_first_transfer(b, by_issuance.get(b.issuance_id)) for b in first_transfers]
    uses = sorted(
        (_use(b) for b in leaves if b.retirement and _within(b.retirement.retired_at, start, end)),
        key=lambda u: (u["date"], u["retirement_id"]),
    )
    cancelled: list[dict[str, Any]] = [
        {
            "date": _day(b.updated_at),
            "shenzhen_serial": b.serial,
            "quantity": b.units,
            "vintage": b.vintage,
        }
        for b in leaves
        if b.state == "CANCELLED" and _within(b.updated_at, start, end)
    ]
    holdings: Counter[str] = Counter({state: 0 for state in HOLDING_STATES})
    by_vintage: dict[int, Counter[str]] = {}
    for block in leaves:
        state = _state_at(block, end)
        holdings[state] += block.units
        by_vintage.setdefault(block.vintage, Counter())[state] += block.units
    by_purpose: Counter[str] = Counter()
    for use in uses:
        by_purpose[str(use["purpose"])] += int(use["quantity"])
    issued_to_end = sum(b.units for b in leaves)
    report: dict[str, Any] = {
        "type": REPORT_TYPE,
        "partner": agreement.partner,
        "year": year,
        "period": {"start": start.isoformat(), "end": end.isoformat(), "time_zone": "UTC"},
        "generated_at": generated_at.astimezone(UTC).isoformat(),
        "unit": "tCO2e (one Shenzhen CER unit)",
        "authorization": _authorisation(agreement),
        "first_transfers": transfers,
        "uses": uses,
        "uses_by_purpose": dict(sorted(by_purpose.items())),
        "cancellations": cancelled,
        "holdings_at_year_end": {
            "by_state": {state: holdings[state] for state in HOLDING_STATES},
            "by_vintage": {
                str(vintage): {state: counts[state] for state in HOLDING_STATES}
                for vintage, counts in sorted(by_vintage.items())
            },
        },
        "inventory_exclusions": _adjustments(attestations, leaves, start, end),
        "totals": {
            "first_transferred": sum(int(t["quantity"]) for t in transfers),
            "used": sum(int(u["quantity"]) for u in uses),
            "cancelled": sum(int(c["quantity"]) for c in cancelled),
            "issued_to_year_end": issued_to_end,
            "held_at_year_end": holdings["ISSUED"] + holdings["DELIVERED"],
        },
    }
    if reconciliations is None:
        report["reconciliations"] = {"withheld": "the bureau's copy lists them"}
    else:
        report["reconciliations"] = {
            "runs": [_reconciliation(r) for r in reconciliations],
            "by_status": dict(sorted(Counter(r.status for r in reconciliations).items())),
        }
    return report
