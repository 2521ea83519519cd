# ruff: noqa: E501 - the limits are a table, one field per line
"""The limits of every field of every request: the one table.

Every field of every message a client sends (the RPC requests, and the
messages inside a SignedPayload) has an entry here, keyed by its full
protobuf name. hub.grpc_api.field_checks enforces it at the boundary, before
any service or database sees a value, so the answer to an overlong string,
a control character or an out-of-range number is the same coded refusal on
SQLite and on PostgreSQL. docs/limits.md is generated from this table
(scripts/write_limits_doc.py); tests fail when a request field has no
entry, when the document drifts, or when a storage column a field lands in
is narrower than the field's limit.

Lengths of strings count Unicode code points (what a VARCHAR(n) of
PostgreSQL counts); lengths of bytes count bytes. Integers that reach the
database fit a signed 64-bit BIGINT, or a tighter range given here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Characters(StrEnum):
    """Which control characters (Unicode category Cc: U+0000-U+001F, U+007F-U+009F)
    a string field may hold. None may hold NUL."""

    SINGLE_LINE = "single-line"  # no control character at all
    MULTI_LINE = "multi-line"  # tab, line feed and carriage return only


@dataclass(frozen=True, slots=True)
class Limit:
    """One field's limit. Strings: ``max_chars`` and ``characters``; bytes:
    ``max_bytes``; integers: ``min_value``..``max_value``; repeated fields
    and maps: ``max_items`` (None: bounded by the message size only) and the
    limit of each item in the same entry (map keys and values have entries
    of their own, ``<field>[key]`` and ``<field>[value]``)."""

    max_chars: int | None = None
    characters: Characters | None = None
    max_bytes: int | None = None
    min_value: int | None = None
    max_value: int | None = None
    max_items: int | None = None
    stored_in: tuple[str, ...] = ()  # table.column the value lands in as it is
    note: str = ""
    # The reason of an integer out of range, where a field had its own before
    # this table (FIELD_OUT_OF_RANGE otherwise).
    out_of_range: str = "FIELD_OUT_OF_RANGE"


INT64_MAX = 2**63 - 1
# Leaves headroom under BIGINT's 2^63 - 1, and still takes a nanosecond clock
# until the year 2116 for an implementer who numbers writes by time.
MAX_SEQUENCE = 2**62 - 1
MAX_YEAR = 9999
# Shared sizes: an id fits in the narrowest column it lands in, also when a
# partner code and "|" are put in front of it (ledger_events.subject_id).
ID = 128
PARTNER = 16
NAME = 500
TEXT = 4000
NUMBER = 64  # decimal strings, dates and times
MAX_RAW_ENTRIES = 200
MAX_TRAIL_ENTRIES = 1000
MAX_BLOCK_IDS = 10_000
# A parcel boundary of 20,000 vertices (hub.geometry.boundaries) written as
# GeoJSON with 15 significant digits per coordinate fits.
MAX_BOUNDARY_CHARS = 1_000_000


def ident(max_chars: int = ID, *stored_in: str, note: str = "") -> Limit:
    return Limit(max_chars, Characters.SINGLE_LINE, stored_in=stored_in, note=note)


def text(max_chars: int = TEXT, *stored_in: str, note: str = "") -> Limit:
    return Limit(max_chars, Characters.MULTI_LINE, stored_in=stored_in, note=note)


def integer(low: int, high: int, *stored_in: str, note: str = "") -> Limit:
    return Limit(min_value=low, max_value=high, stored_in=stored_in, note=note)


def items(max_items: int | None, item: Limit | None = None, note: str = "") -> Limit:
    base = item or Limit()
    return Limit(
        base.max_chars,
        base.characters,
        max_items=max_items,
        stored_in=base.stored_in,
        note=note or base.note,
    )


def enum(note: str = "") -> Limit:
    return Limit(note=note or "a value this hub does not know is refused")


FLAG = Limit()
PARTNER_CODE = ident(PARTNER, note="ISO 3166-2 partner code, e.g. CN-GD")
SEQUENCE = integer(
    0,
    MAX_SEQUENCE,
    "partner_sequences.last_sequence",
    "signed_payloads.sequence",
    note="0 (unset) is refused as SEQUENCE_REQUIRED; above the maximum: FIELD_OUT_OF_RANGE",
)
RAW = items(MAX_RAW_ENTRIES, note="the record as delivered, kept for audit")
RAW_KEY = ident(200)
RAW_VALUE = text()
VINTAGE = integer(0, MAX_YEAR)
QUANTITY = ident(NUMBER)

_V1 = "carbonhub.v1."

# fmt: off
LIMITS: dict[str, Limit] = {_V1 + name: limit for name, limit in (
    # SignedPayload: checked before the signature is verified
    ("SignedPayload.payload_type", ident(80, "signed_payloads.payload_type")),
    ("SignedPayload.payload", Limit(note="bounded by the hub's maximum message size (max_message_bytes)")),
    ("SignedPayload.key_id", ident(64, "signed_payloads.key_id")),
    ("SignedPayload.signature", Limit(max_bytes=64, note="Ed25519: exactly 64 bytes")),
    # ClaimEnvelope: a problem here refuses the whole envelope
    ("ClaimEnvelope.partner", PARTNER_CODE),
    ("ClaimEnvelope.delivery_id", ident(ID, "claims.delivery_id", "claim_contexts.context")),
    ("ClaimEnvelope.sequence", SEQUENCE),
    ("ClaimEnvelope.claims", items(None, note="at most max_claims_per_envelope (ENVELOPE_TOO_LARGE)")),
    # Claim: a problem here rejects that claim only (a verdict with the check)
    ("Claim.record_id", ident(ID, "claims.record_id", "refused_resubmissions.record_id")),
    ("Claim.partner_methodology", ident(ID)),
    ("Claim.period_start", ident(NUMBER)),
    ("Claim.period_end", ident(NUMBER)),
    ("Claim.time_zone", ident(NUMBER)),
    ("Claim.activity_quantity", QUANTITY),
    ("Claim.activity_unit", ident(32)),
    ("Claim.project_id", ident(ID, "claims.project_id")),
    ("Claim.person_pseudonym", ident(ID, "claims.person_pseudonym")),
    ("Claim.site_id", ident(ID, "claims.site_id", "site_bindings.site_id")),
    ("Claim.region_code", ident(32)),
    ("Claim.district", ident(200)),
    ("Claim.material", ident(200)),
    ("Claim.utility", ident(200)),
    ("Claim.reported_tco2e", QUANTITY),
    ("Claim.origin_status", enum()),
    ("Claim.origin_serial", ident(400)),
    ("Claim.adjustment_ref", ident(ID, "claims.adjustment_ref")),
    ("Claim.verifier", ident(200)),
    ("Claim.platform", ident(64, "claims.platform")),
    ("Claim.raw", RAW),
    ("Claim.raw[key]", RAW_KEY),
    ("Claim.raw[value]", RAW_VALUE),
    # RegisterProjectsRequest: a problem here refuses the request
    ("RegisterProjectsRequest.partner", PARTNER_CODE),
    ("RegisterProjectsRequest.delivery_id", ident(ID)),
    ("RegisterProjectsRequest.projects", items(None, note="at most max_claims_per_envelope (REQUEST_TOO_LARGE)")),
    ("RegisterProjectsRequest.sequence", SEQUENCE),
    # Project: a problem here rejects that project only (a result with the check)
    ("Project.project_id", ident(ID, "projects.project_id", "project_supervision.project_id")),
    ("Project.name", ident(NAME)),
    ("Project.owner_name", ident(NAME)),
    ("Project.owner_credit_code", ident(NUMBER, "projects.owner_credit_code")),
    ("Project.partner_methodology", ident(ID, "projects.partner_methodology")),
    ("Project.region_code", ident(32, "projects.region_code")),
    ("Project.longitude", ident(NUMBER, "projects.longitude")),
    ("Project.latitude", ident(NUMBER, "projects.latitude")),
    ("Project.size_value", ident(NUMBER, "projects.size_value")),
    ("Project.size_unit", ident(32, "projects.size_unit")),
    ("Project.crediting_start", ident(NUMBER)),
    ("Project.crediting_end", ident(NUMBER)),
    ("Project.status", enum()),
    ("Project.raw", RAW),
    ("Project.raw[key]", RAW_KEY),
    ("Project.raw[value]", RAW_VALUE),
    ("Project.boundary", text(MAX_BOUNDARY_CHARS, note="parsed, stored as WKT in project_boundaries.boundary (TEXT); at most 20,000 vertices (BOUNDARY_INVALID)")),
    ("Project.boundary_crs", ident(32)),
    # Attestations
    ("SourceCancellationAttestation.partner", PARTNER_CODE),
    ("SourceCancellationAttestation.claim_id", ident(64, "source_cancellations.claim_id")),
    ("SourceCancellationAttestation.origin_serial", ident(400, "source_cancellations.origin_serial")),
    ("SourceCancellationAttestation.cancellation_id", ident(ID, "source_cancellations.cancellation_id")),
    ("SourceCancellationAttestation.note", text()),
    ("SourceCancellationAttestation.cancelled_at", ident(NUMBER)),
    ("SourceCancellationAttestation.sequence", SEQUENCE),
    ("SourceCancellationAttestation.cancelled_first", integer(0, 10**12 - 1, note="0: not given (the whole block)")),
    ("SourceCancellationAttestation.cancelled_last", integer(0, 10**12 - 1, note="0: not given (the whole block)")),
    ("AccountingAdjustmentAttestation.partner", PARTNER_CODE),
    ("AccountingAdjustmentAttestation.reference", ident(ID, "adjustment_attestations.reference")),
    ("AccountingAdjustmentAttestation.status", enum()),
    ("AccountingAdjustmentAttestation.attested_at", ident(NUMBER)),
    ("AccountingAdjustmentAttestation.note", text()),
    ("AccountingAdjustmentAttestation.sequence", SEQUENCE),
    ("AccountingAdjustmentAttestation.quantity_tco2e", ident(NUMBER, note="a decimal, stored exactly in adjustment_attestations.quantity")),
    ("AccountingAdjustmentAttestation.vintage", integer(0, MAX_YEAR, "adjustment_attestations.vintage", note="0: not given")),
    # PartnerService reads
    ("GetPartnerSequenceRequest.partner", PARTNER_CODE),
    ("GetClaimStatusRequest.partner", PARTNER_CODE),
    ("GetClaimStatusRequest.record_id", ident(ID)),
    # Carbon points (docs/points.md)
    ("RedeemPointsRequest.partner", PARTNER_CODE),
    ("RedeemPointsRequest.sequence", SEQUENCE),
    ("RedeemPointsRequest.redemption_id", ident(ID, "points_entries.redemption_id", note="empty: REDEMPTION_ID_INVALID")),
    ("RedeemPointsRequest.person_pseudonym", ident(ID, "points_entries.person", "points_balances.person")),
    ("RedeemPointsRequest.points", integer(0, INT64_MAX, "points_entries.points", note="0 (unset) is refused as POINTS_NOT_POSITIVE")),
    ("RedeemPointsRequest.purpose", text(note="kept in the redemption's audit event")),
    ("RedeemPointsRequest.redeemed_at", ident(NUMBER, note="RFC 3339 with an offset (else REDEMPTION_MALFORMED); empty: not stated")),
    ("GetPointsBalanceRequest.partner", PARTNER_CODE),
    ("GetPointsBalanceRequest.person_pseudonym", ident(ID)),
    # The transparency log (docs/transparency-log.md, "A partner over gRPC")
    ("GetInclusionProofRequest.partner", PARTNER_CODE),
    ("GetInclusionProofRequest.claim_id", ident(ID, note="or record_id, not both")),
    ("GetInclusionProofRequest.record_id", ident(ID, note="or claim_id, not both")),
    ("GetInclusionProofRequest.tree_size", integer(0, 2**62, note="0: the latest signed tree head")),
    ("GetConsistencyProofRequest.partner", PARTNER_CODE),
    ("GetConsistencyProofRequest.first", integer(0, 2**62, note="0 is refused as TRANSPARENCY_RANGE_INVALID")),
    ("GetConsistencyProofRequest.second", integer(0, 2**62, note="0: the latest signed tree head")),
    # Reconciliation (PartnerService and ExchangeService)
    ("ListReconciliationRequestsRequest.partner", PARTNER_CODE),
    ("SubmitReconciliationRequest.reconciliation_id", ident(64, "reconciliations.reconciliation_id")),
    ("SubmitReconciliationRequest.partner", PARTNER_CODE),
    ("SubmitReconciliationRequest.totals", items(None)),
    ("SubmitReconciliationRequest.holdings", items(None)),
    ("HoldingTotal.state", ident(32)),
    ("HoldingTotal.vintage", VINTAGE),
    ("HoldingTotal.count", integer(0, INT64_MAX)),
    ("HoldingTotal.quantity", QUANTITY),
    ("HoldingTotal.platform", ident(64)),
    ("Holding.subject_id", ident(400, "discrepancies.subject_id")),
    ("Holding.state", ident(32)),
    ("Holding.vintage", VINTAGE),
    ("Holding.quantity", QUANTITY),
    ("Holding.serial", ident(500)),
    ("Holding.digest", ident(128)),
    ("Holding.trail", items(MAX_TRAIL_ENTRIES, ident(400))),
    ("Holding.platform", ident(64)),
    # ExchangeService
    ("StreamBlocksRequest.after_cursor", Limit(min_value=0, max_value=INT64_MAX, out_of_range="CURSOR_OUT_OF_RANGE", note="compared with outbox.cursor; out of range: CURSOR_OUT_OF_RANGE")),
    ("StreamBlocksRequest.follow", FLAG),
    ("StreamBlocksRequest.max_events", integer(0, 2**32 - 1, note="0: no limit")),
    ("AcknowledgeBlocksRequest.block_ids", items(MAX_BLOCK_IDS, ident(64))),
    ("ReportRetirementRequest.retirement_id", ident(ID, "retirements.retirement_id")),
    ("ReportRetirementRequest.block_id", ident(64)),
    ("ReportRetirementRequest.units", integer(0, INT64_MAX, note="0 is refused as RETIREMENT_UNITS_INVALID")),
    ("ReportRetirementRequest.purpose", enum()),
    ("ReportRetirementRequest.beneficiary", ident(NAME)),
    ("ReportRetirementRequest.compliance_entity", ident(200, "offset_usage.entity")),
    ("ReportRetirementRequest.compliance_year", integer(0, MAX_YEAR, "offset_usage.year")),
    ("ReportRetirementRequest.verified_emissions_tco2e", QUANTITY),
    ("ReportRetirementRequest.event_name", ident(NAME)),
    ("ReportRetirementRequest.note", text()),
    ("ReportRetirementRequest.claim", Limit(note="optional message: its own fields are limited")),
    ("NeutralityClaim.claim_id", ident(ID, "neutrality_claims.claim_id")),
    ("NeutralityClaim.claimant_kind", enum()),
    ("NeutralityClaim.claimant_name", ident(NAME)),
    ("NeutralityClaim.event_name", ident(NAME)),
    ("NeutralityClaim.period_start", ident(10, note="YYYY-MM-DD")),
    ("NeutralityClaim.period_end", ident(10, note="YYYY-MM-DD")),
    ("NeutralityClaim.footprint_tco2e", QUANTITY),
    ("NeutralityClaim.total_units", integer(0, INT64_MAX, "neutrality_claims.total_units")),
    ("GetBlockRequest.block_id", ident(64)),
    # BureauService
    ("CancelBlockRequest.block_id", ident(500, note="a block id or a serial")),
    ("CancelBlockRequest.reason", text()),
    ("SuperviseProjectRequest.partner", PARTNER_CODE),
    ("SuperviseProjectRequest.project_id", ident(ID, "project_supervision.project_id")),
    ("SuperviseProjectRequest.reason", text()),
    ("ResolveDiscrepancyRequest.discrepancy_id", ident(64)),
    ("ResolveDiscrepancyRequest.resolution", text()),
)}
# fmt: on


def limit_of(full_name: str) -> Limit:
    """The limit of a field by its full name; KeyError for a field the table
    misses (a test keeps the table complete)."""
    return LIMITS[full_name]
