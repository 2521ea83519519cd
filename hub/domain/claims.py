"""What a partner submits, and what the hub makes of it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from json.encoder import encode_basestring

from hub.domain.checks import CheckResult, Severity


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


@dataclass(frozen=True, slots=True)
class FactorUse:
    """One emission factor or parameter that went into a recomputation."""

    factor_id: str
    value: Decimal
    unit: str
    region: str
    year: int | None
    source: str
    provisional: bool


@dataclass(frozen=True, slots=True)
class Trace:
    """How a number was obtained: enough to recompute it by hand."""

    standard_version: str
    methodology: str
    formula_id: str
    formula: str
    inputs: Mapping[str, Decimal]
    factors: tuple[FactorUse, ...]
    discount: Decimal | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NormalisedClaim:
    """A submission expressed in the Shenzhen standard."""

    methodology: str  # Shenzhen methodology id
    period_start: datetime  # aware, UTC
    period_end: datetime  # aware, UTC, exclusive
    vintage: int  # year of the monitoring period end, origin local time
    activity_value: Decimal  # in the methodology's activity unit
    activity_unit: str
    reported_tco2e: Decimal | None
    recomputed_tco2e: Decimal | None
    credited_tco2e: Decimal  # conservative: the lower of the two, after caps and discounts
    trace: Trace


@dataclass(frozen=True, slots=True)
class Verdict:
    """The hub's answer for one claim; a resubmission gets the original back."""

    partner: str
    record_id: str
    claim_id: str
    decision: Decision
    checks: tuple[CheckResult, ...]
    resubmission: bool = False
    methodology: str | None = None
    vintage: int | None = None
    reported_tco2e: Decimal | None = None
    recomputed_tco2e: Decimal | None = None
    credited_tco2e: Decimal | None = None
    trace: Trace | None = None


def decide(checks: Iterable[CheckResult]) -> Decision:
    """REJECTED if any check is an error, HELD if any asks for review, else ACCEPTED."""
    severities = {c.severity for c in checks}
    if Severity.ERROR in severities:
        return Decision.REJECTED
    if Severity.REVIEW in severities:
        return Decision.HELD
    return Decision.ACCEPTED
