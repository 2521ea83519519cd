"""hub.storage.serialisation: exact round trips, property-tested."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonhub_contract.vocabulary.checks import Severity
from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision, OriginStatus
from hub.domain.checks import CheckResult
from hub.domain.claims import FactorUse, NormalisedClaim, Trace, Verdict
from hub.storage.serialisation import (
    TRACE_IN_VERDICT,
    claim_texts,
    normalised_from_json,
    normalised_to_dict,
    normalised_to_json,
    submission_from_json,
    submission_to_json,
    verdict_from_json,
    verdict_to_dict,
    verdict_to_json,
)

texts = st.text(max_size=20)
optional_texts = st.none() | texts
decimals = st.decimals(allow_nan=False) | st.sampled_from(
    [Decimal("1.50"), Decimal("-0"), Decimal("1E+3"), Decimal("0E-12"), Decimal("Infinity")]
)
str_maps = st.dictionaries(texts, texts, max_size=4)
zones = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-3))])
instants = st.datetimes(timezones=zones)

checks = st.builds(
    CheckResult,
    code=texts,
    severity=st.sampled_from(Severity),
    message_zh=texts,
    message_en=texts,
    details=str_maps,
)
factors = st.builds(
    FactorUse,
    factor_id=texts,
    value=decimals,
    unit=texts,
    region=texts,
    year=st.none() | st.integers(1900, 2100),
    source=texts,
    provisional=st.booleans(),
)
traces = st.builds(
    Trace,
    standard_version=texts,
    methodology=texts,
    formula_id=texts,
    formula=texts,
    inputs=st.dictionaries(texts, decimals, max_size=4),
    factors=st.lists(factors, max_size=3).map(tuple),
    discount=st.none() | decimals,
    notes=st.lists(texts, max_size=3).map(tuple),
)
verdicts = st.builds(
    Verdict,
    partner=texts,
    record_id=texts,
    claim_id=texts,
    decision=st.sampled_from(Decision),
    checks=st.lists(checks, max_size=4).map(tuple),
    resubmission=st.booleans(),
    methodology=optional_texts,
    vintage=st.none() | st.integers(1900, 2100),
    reported_tco2e=st.none() | decimals,
    recomputed_tco2e=st.none() | decimals,
    credited_tco2e=st.none() | decimals,
    trace=st.none() | traces,
)
submissions = st.builds(
    ClaimSubmission,
    partner=texts,
    delivery_id=texts,
    record_id=texts,
    partner_methodology=texts,
    period_start=texts,
    period_end=texts,
    time_zone=texts,
    activity_quantity=texts,
    activity_unit=texts,
    project_id=optional_texts,
    person_pseudonym=optional_texts,
    site_id=optional_texts,
    region_code=optional_texts,
    district=optional_texts,
    material=optional_texts,
    utility=optional_texts,
    reported_tco2e=optional_texts,
    origin_status=st.sampled_from(OriginStatus),
    origin_serial=optional_texts,
    adjustment_ref=optional_texts,
    verifier=optional_texts,
    raw=str_maps,
)
normalised_claims = st.builds(
    NormalisedClaim,
    methodology=texts,
    period_start=instants,
    period_end=instants,
    vintage=st.integers(1900, 2100),
    activity_value=decimals,
    activity_unit=texts,
    reported_tco2e=st.none() | decimals,
    recomputed_tco2e=st.none() | decimals,
    credited_tco2e=decimals,
    trace=traces,
)


def _same_decimals(a: Decimal | None, b: Decimal | None) -> bool:
    return (a is None and b is None) or (
        a is not None and b is not None and a.as_tuple() == b.as_tuple()
    )


@given(verdicts)
def test_verdict_round_trip_is_exact(verdict: Verdict) -> None:
    text = verdict_to_json(verdict)
    back = verdict_from_json(text)
    assert back == verdict
    assert verdict_to_json(back) == text  # byte-identical on the way out again
    assert isinstance(back.checks, tuple)
    for a, b in [
        (verdict.reported_tco2e, back.reported_tco2e),
        (verdict.recomputed_tco2e, back.recomputed_tco2e),
        (verdict.credited_tco2e, back.credited_tco2e),
    ]:
        assert _same_decimals(a, b)  # digits and scale, not just value
    if verdict.trace is not None and back.trace is not None:
        assert list(back.trace.inputs) == list(verdict.trace.inputs)
        for key, value in verdict.trace.inputs.items():
            assert _same_decimals(value, back.trace.inputs[key])


@given(submissions)
def test_submission_round_trip_is_exact(submission: ClaimSubmission) -> None:
    back = submission_from_json(submission_to_json(submission))
    assert back == submission
    assert back.content_digest() == submission.content_digest()


@given(normalised_claims)
def test_normalised_round_trip_is_exact(claim: NormalisedClaim) -> None:
    back = normalised_from_json(normalised_to_json(claim))
    assert back == claim
    assert back.period_start.utcoffset() == claim.period_start.utcoffset()
    assert _same_decimals(back.credited_tco2e, claim.credited_tco2e)


@given(verdicts, normalised_claims, st.booleans())
def test_claim_texts_are_the_documents_encoded_one_by_one(
    verdict: Verdict, claim: NormalisedClaim, shares_trace: bool
) -> None:
    # The recording path encodes the shared trace once; the stored bytes must
    # be those of encoding each document on its own.
    if shares_trace:
        verdict = replace(verdict, trace=claim.trace)
    expected_verdict = _plain_json(verdict_to_dict(verdict))

    verdict_text, normalised_text = claim_texts(verdict, claim)

    assert verdict_text == expected_verdict
    if shares_trace:
        # The trace is stored once, in the verdict; the normalised document
        # points to it and reads back whole from the two.
        assert json.loads(normalised_text or "")["trace"] == TRACE_IN_VERDICT
        assert normalised_from_json(normalised_text or "", verdict.trace) == claim
        with pytest.raises(ValueError):
            normalised_from_json(normalised_text or "")
    else:
        assert normalised_text == _plain_json(normalised_to_dict(claim))
        assert normalised_from_json(normalised_text or "") == claim
    assert claim_texts(verdict, None) == (expected_verdict, None)
    assert verdict_to_json(verdict) == expected_verdict


def _plain_json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
