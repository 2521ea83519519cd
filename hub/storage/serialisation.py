"""JSON (de)serialisation of the ledger's value objects, exact both ways.

Decimals travel as strings (``str(Decimal)``), never floats, so a number
read back equals the number written, digit for digit and scale for scale.
Mappings keep their insertion order and tuples come back as tuples, so a
verdict read back compares equal to the one stored and serialises to the
same bytes: a resubmission is answered with the original verdict exactly.

Pure standard library: usable by the in-memory fakes as well.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from carbonhub_contract.vocabulary.checks import Severity
from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision, OriginStatus
from hub.domain.checks import CheckResult
from hub.domain.claims import FactorUse, NormalisedClaim, Trace, Verdict

__all__ = [
    "TRACE_IN_VERDICT",
    "check_from_dict",
    "check_to_dict",
    "claim_texts",
    "dumps",
    "factors_json",
    "normalised_from_dict",
    "normalised_from_json",
    "normalised_to_dict",
    "normalised_to_json",
    "submission_from_dict",
    "submission_from_json",
    "submission_to_dict",
    "submission_to_json",
    "trace_from_dict",
    "trace_to_dict",
    "trace_to_json",
    "verdict_from_dict",
    "verdict_from_json",
    "verdict_to_dict",
    "verdict_to_json",
]

Json = dict[str, Any]


# One encoder for every call (it keeps no state between calls): json.dumps
# with arguments builds a new JSONEncoder each time, and the ingestion path
# encodes several documents per claim.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumps(data: object) -> str:
    """Compact JSON, UTF-8 text kept as is, key order preserved."""
    return _ENCODER.encode(data)


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _str_map(mapping: Mapping[str, str]) -> dict[str, str]:
    return {str(k): str(v) for k, v in mapping.items()}


# --- checks -----------------------------------------------------------------


def check_to_dict(check: CheckResult) -> Json:
    return {
        "code": check.code,
        "severity": str(check.severity),
        "message_zh": check.message_zh,
        "message_en": check.message_en,
        "details": _str_map(check.details),
    }


def check_from_dict(data: Json) -> CheckResult:
    return CheckResult(
        code=data["code"],
        severity=Severity(data["severity"]),
        message_zh=data["message_zh"],
        message_en=data["message_en"],
        details=dict(data["details"]),
    )


# --- traces -----------------------------------------------------------------


def _factor_to_dict(factor: FactorUse) -> Json:
    return {
        "factor_id": factor.factor_id,
        "value": str(factor.value),
        "unit": factor.unit,
        "region": factor.region,
        "year": factor.year,
        "source": factor.source,
        "provisional": factor.provisional,
    }


def _factor_from_dict(data: Json) -> FactorUse:
    return FactorUse(
        factor_id=data["factor_id"],
        value=Decimal(data["value"]),
        unit=data["unit"],
        region=data["region"],
        year=data["year"],
        source=data["source"],
        provisional=data["provisional"],
    )


def trace_to_dict(trace: Trace) -> Json:
    return {
        "standard_version": trace.standard_version,
        "methodology": trace.methodology,
        "formula_id": trace.formula_id,
        "formula": trace.formula,
        "inputs": {str(k): str(v) for k, v in trace.inputs.items()},
        "factors": [_factor_to_dict(f) for f in trace.factors],
        "discount": _dec(trace.discount),
        "notes": list(trace.notes),
    }


def trace_to_json(trace: Trace) -> str:
    """dumps(trace_to_dict(trace)), with the factors' text encoded once per tuple."""
    head = dumps(
        {
            "standard_version": trace.standard_version,
            "methodology": trace.methodology,
            "formula_id": trace.formula_id,
            "formula": trace.formula,
            "inputs": {str(k): str(v) for k, v in trace.inputs.items()},
        }
    )
    tail = dumps({"discount": _dec(trace.discount), "notes": list(trace.notes)})
    return f'{head[:-1]},"factors":{factors_json(trace.factors)},{tail[1:]}'


class _TextByIdentity:
    """JSON of objects shared by many claims, kept while the object is.

    Normalisation hands every claim of one methodology, place and year the
    same tuple of factors, whose text (with the factors' sources) is most
    of a trace. Keyed by identity, never by equality: Decimal("1.0") equals
    Decimal("1.00") but is written differently. The cache holds the object,
    so its id cannot be reused by another while the entry exists.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._texts: dict[int, tuple[object, str]] = {}

    def get(self, item: object) -> str | None:
        found = self._texts.get(id(item))
        return found[1] if found is not None and found[0] is item else None

    def put(self, item: object, text: str) -> None:
        if len(self._texts) >= self._limit:
            self._texts.clear()
        self._texts[id(item)] = (item, text)


_FACTOR_TEXTS = _TextByIdentity(limit=1024)


def factors_json(factors: tuple[FactorUse, ...]) -> str:
    """dumps() of the factors' dicts, kept per factor tuple object."""
    if not factors:
        return "[]"
    text = _FACTOR_TEXTS.get(factors)
    if text is None:
        text = dumps([_factor_to_dict(f) for f in factors])
        _FACTOR_TEXTS.put(factors, text)
    return text


def _ending_with_trace(data: Json, trace_json: str) -> str:
    """``data`` as JSON, then a last key "trace" holding ``trace_json``: the
    bytes dumps() gives for ``{**data, "trace": trace}``."""
    head = dumps(data)
    return f'{head[:-1]},"trace":{trace_json}}}'


def trace_from_dict(data: Json) -> Trace:
    return Trace(
        standard_version=data["standard_version"],
        methodology=data["methodology"],
        formula_id=data["formula_id"],
        formula=data["formula"],
        inputs={k: Decimal(v) for k, v in data["inputs"].items()},
        factors=tuple(_factor_from_dict(f) for f in data["factors"]),
        discount=_undec(data["discount"]),
        notes=tuple(data["notes"]),
    )


# --- verdicts ---------------------------------------------------------------


def verdict_to_dict(verdict: Verdict) -> Json:
    return {
        **_verdict_head(verdict),
        "trace": None if verdict.trace is None else trace_to_dict(verdict.trace),
    }


def _verdict_head(verdict: Verdict) -> Json:
    """verdict_to_dict without its last key, "trace"."""
    return {
        "partner": verdict.partner,
        "record_id": verdict.record_id,
        "claim_id": verdict.claim_id,
        "decision": str(verdict.decision),
        "checks": [check_to_dict(c) for c in verdict.checks],
        "resubmission": verdict.resubmission,
        "methodology": verdict.methodology,
        "vintage": verdict.vintage,
        "reported_tco2e": _dec(verdict.reported_tco2e),
        "recomputed_tco2e": _dec(verdict.recomputed_tco2e),
        "credited_tco2e": _dec(verdict.credited_tco2e),
    }


def verdict_from_dict(data: Json) -> Verdict:
    trace = data["trace"]
    return Verdict(
        partner=data["partner"],
        record_id=data["record_id"],
        claim_id=data["claim_id"],
        decision=Decision(data["decision"]),
        checks=tuple(check_from_dict(c) for c in data["checks"]),
        resubmission=data["resubmission"],
        methodology=data["methodology"],
        vintage=data["vintage"],
        reported_tco2e=_undec(data["reported_tco2e"]),
        recomputed_tco2e=_undec(data["recomputed_tco2e"]),
        credited_tco2e=_undec(data["credited_tco2e"]),
        trace=None if trace is None else trace_from_dict(trace),
    )


def verdict_to_json(verdict: Verdict) -> str:
    return dumps(verdict_to_dict(verdict))


def verdict_from_json(text: str) -> Verdict:
    return verdict_from_dict(json.loads(text))


# --- submissions ------------------------------------------------------------

_SUBMISSION_TEXT_FIELDS = (
    "partner",
    "delivery_id",
    "record_id",
    "partner_methodology",
    "period_start",
    "period_end",
    "time_zone",
    "activity_quantity",
    "activity_unit",
    "project_id",
    "person_pseudonym",
    "site_id",
    "region_code",
    "district",
    "material",
    "utility",
    "reported_tco2e",
    "origin_serial",
    "adjustment_ref",
    "verifier",
)


def submission_to_dict(submission: ClaimSubmission) -> Json:
    data: Json = {name: getattr(submission, name) for name in _SUBMISSION_TEXT_FIELDS}
    data["origin_status"] = str(submission.origin_status)
    if submission.platform is not None:
        data["platform"] = submission.platform
    data["raw"] = _str_map(submission.raw)
    return data


def submission_from_dict(data: Json) -> ClaimSubmission:
    return ClaimSubmission(
        **{name: data[name] for name in _SUBMISSION_TEXT_FIELDS},
        origin_status=OriginStatus(data["origin_status"]),
        # Claims recorded before platforms existed have none.
        platform=data.get("platform"),
        raw=dict(data["raw"]),
    )


def submission_to_json(submission: ClaimSubmission) -> str:
    return dumps(submission_to_dict(submission))


def submission_from_json(text: str) -> ClaimSubmission:
    return submission_from_dict(json.loads(text))


# --- normalised claims ------------------------------------------------------


def normalised_to_dict(claim: NormalisedClaim) -> Json:
    return {**_normalised_head(claim), "trace": trace_to_dict(claim.trace)}


def _normalised_head(claim: NormalisedClaim) -> Json:
    """normalised_to_dict without its last key, "trace"."""
    return {
        "methodology": claim.methodology,
        "period_start": claim.period_start.isoformat(),
        "period_end": claim.period_end.isoformat(),
        "vintage": claim.vintage,
        "activity_value": str(claim.activity_value),
        "activity_unit": claim.activity_unit,
        "reported_tco2e": _dec(claim.reported_tco2e),
        "recomputed_tco2e": _dec(claim.recomputed_tco2e),
        "credited_tco2e": str(claim.credited_tco2e),
    }


def normalised_from_dict(data: Json) -> NormalisedClaim:
    return NormalisedClaim(
        methodology=data["methodology"],
        period_start=datetime.fromisoformat(data["period_start"]),
        period_end=datetime.fromisoformat(data["period_end"]),
        vintage=data["vintage"],
        activity_value=Decimal(data["activity_value"]),
        activity_unit=data["activity_unit"],
        reported_tco2e=_undec(data["reported_tco2e"]),
        recomputed_tco2e=_undec(data["recomputed_tco2e"]),
        credited_tco2e=Decimal(data["credited_tco2e"]),
        trace=trace_from_dict(data["trace"]),
    )


def normalised_to_json(claim: NormalisedClaim) -> str:
    return dumps(normalised_to_dict(claim))


# The stored normalised document names its trace by this marker when the
# trace is the verdict's stored beside it (claim_texts).
TRACE_IN_VERDICT = "verdict"


def normalised_from_json(text: str, verdict_trace: Trace | None = None) -> NormalisedClaim:
    """A stored normalised document; ``verdict_trace`` is the trace of the
    verdict stored with it, for documents that point to it."""
    data = json.loads(text)
    if data["trace"] == TRACE_IN_VERDICT:
        if verdict_trace is None:
            raise ValueError("the normalised claim's trace is its verdict's, and none was given")
        return normalised_from_dict({**data, "trace": trace_to_dict(verdict_trace)})
    return normalised_from_dict(data)


# --- a recorded claim -------------------------------------------------------


def claim_texts(verdict: Verdict, normalised: NormalisedClaim | None) -> tuple[str, str | None]:
    """The stored verdict and normalised documents of a new claim.

    The verdict is verdict_to_json(verdict), byte for byte. The normalised
    document is normalised_to_json(normalised), except that when its trace is
    the verdict's (a new claim's verdict carries its normalisation's trace)
    the trace is kept once, in the verdict, and the normalised document says
    "trace": "verdict" (read back with normalised_from_json(text, trace)).
    The trace, with every factor and its source, is most of both documents:
    stored twice it made a claim row about a third larger, and the ledger's
    write cost grows with its bytes (docs/ingestion-profile.md).
    """
    if normalised is None:
        return verdict_to_json(verdict), None
    head = _normalised_head(normalised)
    if verdict.trace is normalised.trace:
        return (
            _ending_with_trace(_verdict_head(verdict), trace_to_json(normalised.trace)),
            _ending_with_trace(head, f'"{TRACE_IN_VERDICT}"'),
        )
    return verdict_to_json(verdict), _ending_with_trace(head, trace_to_json(normalised.trace))
