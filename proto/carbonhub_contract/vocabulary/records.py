"""What a partner submits, in the words both sides use.

A partner's adapter builds these from its own registry's rows (syntax only:
field names, unit codes, date layouts); the hub decodes the same values from
the wire and judges them. One definition serves both sides, so the content
and reconciliation digests a partner computes are the hub's by construction.
Pure standard library: the hub's domain builds on it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from json.encoder import encode_basestring


class OriginStatus(StrEnum):
    """Where the reduction stands in the origin registry."""

    NOT_ISSUED = "NOT_ISSUED"  # 未签发: no origin credit exists
    ISSUED = "ISSUED"  # 已签发: origin credits exist and must be cancelled at source first
    CANCELLED = "CANCELLED"  # 已注销: origin credits already cancelled at the origin


class Decision(StrEnum):
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    HELD = "HELD"


# Fields that are bookkeeping of one delivery, not content of the reduction:
# re-sending the same record in a later delivery is still "unchanged". The
# platform says who reported the reduction, not what it is: the same ride
# reported through two platforms under two record ids is the same content
# (DUPLICATE_CONTENT), and records sent before platforms existed keep their
# digests when re-sent with one.
_NOT_CONTENT = ("delivery_id", "raw", "platform")


@dataclass(frozen=True, slots=True)
class ClaimSubmission:
    """One partner record after the adapter mapped its *syntax*.

    Adapters map field names, unit names (to the canonical codes of
    hub.domain.units), encodings and date layouts. They do not convert
    units, apply factors or judge anything: semantics stay in the hub, so no
    partner can bend them. Dates are ISO 8601 in the partner's local time
    (``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS]``); a date-only end is
    inclusive. Quantities stay strings so a malformed number reaches the hub
    as a coded rejection instead of a crash in the adapter.
    """

    partner: str
    delivery_id: str
    record_id: str
    partner_methodology: str
    period_start: str
    period_end: str
    time_zone: str
    activity_quantity: str
    activity_unit: str
    project_id: str | None = None
    person_pseudonym: str | None = None
    site_id: str | None = None
    region_code: str | None = None
    district: str | None = None
    material: str | None = None
    utility: str | None = None
    reported_tco2e: str | None = None
    origin_status: OriginStatus = OriginStatus.NOT_ISSUED
    origin_serial: str | None = None
    adjustment_ref: str | None = None
    verifier: str | None = None
    # The app or registry that reported a personal activity (an id of the
    # partner agreement's platforms); None falls to the agreement's default.
    platform: str | None = None
    raw: Mapping[str, str] = field(default_factory=dict)

    def content(self) -> dict[str, str | None]:
        # Field by field rather than dataclasses.asdict: asdict deep-copies
        # ``raw``, which is excluded anyway, and dominated ingestion profiles.
        data: dict[str, str | None] = {name: getattr(self, name) for name in _CONTENT_FIELDS}
        data["origin_status"] = str(self.origin_status)
        return data

    def content_digest(self) -> str:
        """Digest of everything the partner asserts about this record."""
        canonical = _CANONICAL.encode(self.content())
        _RECENT_CONTENT.keep(self, canonical)
        return _sha256(canonical)

    def digest_without_identity(self) -> str:
        """Digest of the content without the partner's record id.

        Equal digests under two record ids mean the same reduction was
        re-sent under a new id (double issuance).
        """
        canonical = _RECENT_CONTENT.without_record_id(self)
        if canonical is None:
            data = self.content()
            data.pop("record_id")
            canonical = _CANONICAL.encode(data)
        return _sha256(canonical)

    def reconciliation_digest(self) -> str:
        """Digest a partner registry and the hub both compute for reconciliation.

        The origin status is left out: it moves at the origin (issued, then
        cancelled for the hub) without the reduction changing, and
        reconciliation compares it as the holding's state instead.
        """
        data = self.content()
        data.pop("origin_status")
        return _digest(data)


_CONTENT_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(ClaimSubmission) if f.name not in _NOT_CONTENT
)


# Built once: json.dumps with arguments makes a new encoder per call, and
# every claim is digested twice on the ingestion path. Same output.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _digest(data: Mapping[str, str | None]) -> str:
    return _sha256(_CANONICAL.encode(data))


def _sha256(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _RecentContent:
    """The canonical content of the submissions digested last, by identity.

    Ingestion digests every submission's content, then the content without
    its record id for the locks of each counted claim: the second text is
    the first with the record id's entry cut out, so it is derived instead
    of encoded again. Keyed by identity while the entry holds the object
    (so its id is not reused meanwhile); bounded, cleared when full.
    """

    _LIMIT = 2048

    def __init__(self) -> None:
        self._texts: dict[int, tuple[ClaimSubmission, str]] = {}

    def keep(self, submission: ClaimSubmission, canonical: str) -> None:
        if len(self._texts) >= self._LIMIT:
            self._texts.clear()
        self._texts[id(submission)] = (submission, canonical)

    def without_record_id(self, submission: ClaimSubmission) -> str | None:
        found = self._texts.get(id(submission))
        if found is None or found[0] is not submission or type(submission.record_id) is not str:
            return None
        # Keys are sorted and "record_id" is never the first, so its entry is
        # preceded by a comma; inside an encoded string every quote is
        # escaped, so ',"record_id":' only occurs as that key.
        entry = ',"record_id":' + encode_basestring(submission.record_id)
        canonical = found[1]
        if canonical.count(entry) != 1:
            return None
        return canonical.replace(entry, "", 1)


_RECENT_CONTENT = _RecentContent()


class PartnerProjectStatus(StrEnum):
    """The project's status in the partner's own registry."""

    REGISTERED = "REGISTERED"  # 已备案
    SUSPENDED = "SUSPENDED"  # 暂停
    DEREGISTERED = "DEREGISTERED"  # 已注销


@dataclass(frozen=True, slots=True)
class ProjectSubmission:
    """A partner project after the adapter mapped its syntax.

    Sizes stay strings with a canonical unit code (kW, ha, mu); dates ISO.
    """

    partner: str
    project_id: str
    name: str
    owner_name: str
    owner_credit_code: str
    partner_methodology: str
    region_code: str
    longitude: str
    latitude: str
    size_value: str
    size_unit: str
    crediting_start: str
    crediting_end: str
    status: PartnerProjectStatus
    raw: Mapping[str, str] = field(default_factory=dict)
    # A parcel's boundary (GeoJSON or WKT, longitude first) and its coordinate
    # reference system (WGS84 / EPSG:4326, the default, or CGCS2000 /
    # EPSG:4490); "" when the partner gave none (hub.domain.asset_matching).
    boundary: str = ""
    boundary_crs: str = ""


class AdjustmentStatus(StrEnum):
    """Status of the origin's inventory exclusion (the wire keeps the name
    "adjustment": renaming would break partners).

    Between the mainland, Hong Kong and Macao (one Party under the Paris
    Agreement) there is no corresponding adjustment between Parties: the
    origin attests that it excludes the reduction from its own greenhouse-gas
    inventory (清单排除 / 清單排除). hub.domain.inventory_exclusions holds the rules.

    NOT_REQUIRED: domestic transfer, the origin's inventory is not affected.
    PENDING: the origin gave a reference but has not committed the exclusion.
    COMMITTED: the origin attested it will not count the reduction itself.
    COMPLETED: the origin reports the exclusion applied in its inventory.
    REVOKED: the origin withdrew it: terminal; every block under it is frozen.
    """

    NOT_REQUIRED = "NOT_REQUIRED"
    PENDING = "PENDING"
    COMMITTED = "COMMITTED"
    COMPLETED = "COMPLETED"
    REVOKED = "REVOKED"
