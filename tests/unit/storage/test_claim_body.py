"""hub.storage.claim_body: a lean claim row reads back as the documents it replaced."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

import msgpack  # type: ignore[import-untyped]
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbonhub_contract.vocabulary.checks import CATALOGUE
from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision
from hub.domain.checks import CheckResult, fire
from hub.domain.claims import NormalisedClaim, Trace, Verdict
from hub.storage.check_entries import check_entries, checks_text
from hub.storage.claim_body import (
    ClaimColumns,
    claim_body,
    normalised_of,
    shared_trace_text,
    submission_of,
    time_zone_of,
    verdict_of,
    with_checks,
)
from hub.storage.claim_contexts import context_text
from hub.storage.period_texts import kept_period, period_text
from hub.storage.serialisation import (
    dumps,
    normalised_to_json,
    submission_to_json,
    trace_to_dict,
    verdict_to_json,
)
from tests.unit.storage.test_serialisation_roundtrip import (
    checks,
    normalised_claims,
    optional_texts,
    submissions,
    traces,
    verdicts,
)

catalogue_checks = st.builds(
    lambda code, value: fire(code, factor=value, region=value, reported=value),
    st.sampled_from(sorted(CATALOGUE)),
    st.text(max_size=8),
)
any_checks = st.lists(checks | catalogue_checks, max_size=4).map(tuple)
with_platforms = st.builds(
    lambda submission, platform: replace(submission, platform=platform), submissions, optional_texts
)


# hub.storage.claim_body._NOTES: the trace's notes in the body (issue 18).
_NOTES_KEY = 6


def _stripped(value: str | None) -> str | None:
    return (value or "").strip() or None


def _column(value: Decimal | None, respell: bool) -> Decimal | None:
    """What a tonnes column gives back: SQLite the text; PostgreSQL's NUMERIC
    (``respell``) the same for plain numbers, anything for the rest (the body
    must not rely on it)."""
    if value is None or not respell:
        return value
    exponent = value.as_tuple().exponent
    plain = value.is_finite() and isinstance(exponent, int) and exponent <= 0
    return value if plain and not (value.is_signed() and not value) else Decimal("999")


def _utc(moment: datetime) -> datetime | None:
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # no UTC date: a column could not hold it
        return None


def _row(
    verdict: Verdict,
    submission: ClaimSubmission,
    normalised: NormalisedClaim | None,
    body: bytes,
    respell: bool,
    shares_context: bool = False,
) -> ClaimColumns:
    """The row hub.storage.claim_repository writes, as a database reads it back
    (``shares_context``: its context in claim_contexts, its delivery id empty)."""
    return cast(
        ClaimColumns,
        SimpleNamespace(
            claim_id=verdict.claim_id,
            partner=submission.partner,
            record_id=submission.record_id,
            delivery_id="" if shares_context else submission.delivery_id,
            decision=str(verdict.decision),
            methodology=verdict.methodology,
            vintage=verdict.vintage,
            # Kept in UTC by the UtcDateTime columns.
            period_start=_utc(normalised.period_start) if normalised else None,
            period_end=_utc(normalised.period_end) if normalised else None,
            reported_tco2e=_column(verdict.reported_tco2e, respell),
            recomputed_tco2e=_column(verdict.recomputed_tco2e, respell),
            credited_tco2e=_column(verdict.credited_tco2e, respell),
            project_id=_stripped(submission.project_id),
            site_id=_stripped(submission.site_id),
            person_pseudonym=_stripped(submission.person_pseudonym),
            adjustment_ref=_stripped(submission.adjustment_ref),
            platform=_stripped(submission.platform),
            trace_shared=None if verdict.trace is None else shared_trace_text(verdict.trace),
            checks_shared=None,
            context_id=1 if shares_context else None,
            context_shared=context_text(submission) if shares_context else None,
            body=body,
        ),
    )


@given(
    verdicts,
    any_checks,
    with_platforms,
    st.none() | normalised_claims,
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_a_lean_row_reads_back_byte_for_byte(
    verdict: Verdict,
    fired: tuple[CheckResult, ...],
    submission: ClaimSubmission,
    normalised: NormalisedClaim | None,
    shares_trace: bool,
    respell: bool,
    shares_checks: bool,
    shares_context: bool,
) -> None:
    verdict = replace(
        verdict, partner=submission.partner, record_id=submission.record_id, checks=fired
    )
    if shares_trace and normalised is not None:
        verdict = replace(verdict, trace=normalised.trace)
    shares_checks = shares_checks and bool(fired)
    body = claim_body(
        verdict,
        submission,
        normalised,
        shared_checks=shares_checks,
        shared_context=shares_context,
    )
    row = _row(verdict, submission, normalised, body, respell, shares_context)
    if shares_checks:
        # The checks in claim_check_lists, named by the row's checks_id.
        row = cast(
            ClaimColumns,
            SimpleNamespace(**{**vars(row), "checks_shared": checks_text(check_entries(fired))}),
        )

    back = verdict_of(row)
    assert back == verdict
    assert verdict_to_json(back) == verdict_to_json(verdict)
    assert submission_to_json(submission_of(row)) == submission_to_json(submission)
    assert submission_of(row) == submission
    again = normalised_of(row)
    if normalised is None:
        assert again is None
    else:
        assert again is not None
        assert normalised_to_json(again) == normalised_to_json(normalised)
        assert again.period_start.utcoffset() == normalised.period_start.utcoffset()


# hub.storage.claim_body: the body's keys of the trace's inputs and the normalised claim.
_INPUTS_KEY, _NORMALISED_KEY = 2, 4


@given(
    verdicts,
    with_platforms,
    normalised_claims,
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_an_activity_as_submitted_is_kept_once_and_reads_back(
    verdict: Verdict,
    submission: ClaimSubmission,
    normalised: NormalisedClaim,
    same_unit: bool,
    activity_alone: bool,
    respell: bool,
) -> None:
    """Most claims: the trace's one input is the normalised activity, which is
    the submission's quantity (and often unit) as sent. Kept once (0034)."""
    value = str(normalised.activity_value)
    submission = replace(
        submission,
        activity_quantity=value,
        activity_unit=normalised.activity_unit if same_unit else submission.activity_unit,
    )
    if activity_alone:
        trace = replace(normalised.trace, inputs={"activity": normalised.activity_value})
        normalised = replace(normalised, trace=trace)
    verdict = replace(
        verdict,
        partner=submission.partner,
        record_id=submission.record_id,
        trace=normalised.trace,
    )
    body = claim_body(verdict, submission, normalised)
    stored = msgpack.unpackb(body, raw=False, strict_map_key=False)
    assert stored[_NORMALISED_KEY][0] is None
    assert (stored[_NORMALISED_KEY][1] is None) is (
        same_unit or normalised.activity_unit == submission.activity_unit
    )
    inputs = {str(k): str(v) for k, v in normalised.trace.inputs.items()}
    assert (_INPUTS_KEY not in stored) is (inputs == {"activity": value})
    row = _row(verdict, submission, normalised, body, respell)
    assert verdict_to_json(verdict_of(row)) == verdict_to_json(verdict)
    assert verdict_of(row) == verdict
    assert submission_of(row) == submission
    again = normalised_of(row)
    assert again is not None
    assert normalised_to_json(again) == normalised_to_json(normalised)


# hub.storage.claim_body: the body's submission map and its period texts' keys.
_SUBMISSION_KEY, _START_KEY, _END_KEY = 3, 4, 5


def _shifted(moment: datetime, minutes: int, spelling: str) -> str | None:
    """A text ``minutes`` from ``moment``'s UTC time: its date, or its time spelt so."""
    try:
        local = moment.astimezone(UTC).replace(tzinfo=None) + timedelta(minutes=minutes)
    except OverflowError:
        return None
    if spelling == "date":
        return local.date().isoformat()
    separator, timespec = spelling.split("/")
    return local.isoformat(separator, timespec)


def _whole(moment: datetime, spelling: str) -> bool:
    """True when the spelling holds all of ``moment`` but its date's time
    (a local time to the second, or the minute, of the instant)."""
    if spelling == "date":
        return True
    # In UTC: a zone's offset may have seconds of its own (Shanghai's +08:05:43
    # before 1901), which the kept minutes cannot hold.
    utc = moment.astimezone(UTC)
    if spelling.endswith("minutes"):
        return utc.second == 0 and utc.microsecond == 0
    return utc.microsecond == 0


_SPELLINGS = ["date", " /seconds", " /minutes", "T/seconds", "T/minutes"]


@given(
    verdicts,
    with_platforms,
    normalised_claims,
    st.integers(-60 * 24 * 40, 60 * 24 * 40),
    st.integers(-60 * 24 * 40, 60 * 24 * 40),
    st.sampled_from(_SPELLINGS),
    st.sampled_from(_SPELLINGS),
    st.sampled_from(["", " ", "Z", ".5", "\n"]),
    st.booleans(),
)
def test_a_period_as_dates_or_local_times_is_kept_as_offsets_and_reads_back(
    verdict: Verdict,
    submission: ClaimSubmission,
    normalised: NormalisedClaim,
    start_minutes: int,
    end_minutes: int,
    start_spelling: str,
    end_spelling: str,
    suffix: str,
    respell: bool,
) -> None:
    """A partner's period as dates or local times (most claims): kept as
    offsets from the row's period columns (0044) when that reads back as the
    very text; any other spelling stays text. Either way the submission
    reads back as sent."""
    start = _shifted(normalised.period_start, start_minutes, start_spelling)
    end = _shifted(normalised.period_end, end_minutes, end_spelling)
    submission = replace(
        submission,
        period_start=submission.period_start if start is None else start + suffix,
        period_end=submission.period_end if end is None else end,
    )
    verdict = replace(verdict, partner=submission.partner, record_id=submission.record_id)
    body = claim_body(verdict, submission, normalised)
    stored = msgpack.unpackb(body, raw=False, strict_map_key=False)[_SUBMISSION_KEY]
    assert isinstance(stored[_START_KEY], str) is (
        start is None or bool(suffix) or not _whole(normalised.period_start, start_spelling)
    )
    assert isinstance(stored[_END_KEY], str) is (
        end is None or not _whole(normalised.period_end, end_spelling)
    )
    if end is not None and end_spelling == "date":
        utc_date = normalised.period_end.astimezone(UTC).date()
        assert stored[_END_KEY] == (date.fromisoformat(end) - utc_date).days
    row = _row(verdict, submission, normalised, body, respell)
    assert submission_of(row) == submission
    assert submission_to_json(submission_of(row)) == submission_to_json(submission)


def test_a_shanghai_day_and_trip_are_kept_as_small_numbers() -> None:
    """2024-01-01 to 2024-01-01 in Shanghai: [2023-12-31T16:00Z, 2024-01-01T16:00Z);
    a trip 08:00 to 08:30 on 2024-10-02: [00:00Z, 00:30Z)."""
    start = datetime(2023, 12, 31, 16, 0, tzinfo=UTC)
    end = datetime(2024, 1, 1, 16, 0, tzinfo=UTC)
    assert kept_period("2024-01-01", start) == 1
    assert kept_period("2024-01-01", end) == 0
    assert period_text(1, start) == "2024-01-01"
    trip = datetime(2024, 10, 2, 0, 0, tzinfo=UTC)
    for text, kept in (
        ("2024-10-02 08:00:00", [480, 0]),
        ("2024-10-02 08:00", [480, 1]),
        ("2024-10-02T08:00:00", [480, 2]),
        ("2024-10-02T08:00", [480, 3]),
    ):
        assert kept_period(text, trip) == kept
        assert period_text(kept, trip) == text
    # Not what the column stands for in one of the spellings: kept as text.
    for text in (
        "2024-1-01",
        "２０２４-01-01",
        "2024-02-30",
        " 2024-01-01",
        "2024-01-01 ",
        "2024-10-02 08:00:00.5",
        "2024-10-02 24:00",
        "2024-10-02 08:00+08:00",
    ):
        assert kept_period(text, start) is None
        assert kept_period(text, trip) is None
    # Seconds the column does not hold: not a whole number of minutes away.
    assert kept_period("2024-10-02 08:00:30", trip) is None
    assert kept_period("2024-01-01", None) is None
    # The calendar's ends: no day past 9999-12-31.
    last = datetime(9999, 12, 31, 12, 0, tzinfo=UTC)
    assert kept_period("9999-12-31", last) == 0
    assert period_text(1, last) is None
    assert period_text([720, 0], last) is None
    # Not a kept period: no text.
    not_kept: list[object] = [True, [480], [480, 4], [480, True], "1", 1.0]
    for other in not_kept:
        assert period_text(other, trip) is None


def test_a_body_whose_period_column_is_gone_says_so() -> None:
    """A period kept as days needs its column: a row whose column was emptied
    by hand is named, never read as another date."""
    normalised_start = datetime(2023, 12, 31, 16, 0, tzinfo=UTC)
    body = msgpack.packb({_SUBMISSION_KEY: {_START_KEY: 1}}, use_bin_type=True)
    row = SimpleNamespace(
        claim_id="c1",
        partner="CN-GD",
        record_id="r1",
        delivery_id="d1",
        project_id=None,
        site_id=None,
        person_pseudonym=None,
        adjustment_ref=None,
        platform=None,
        period_start=normalised_start,
        period_end=None,
        context_id=None,
        context_shared=None,
        body=body,
    )
    assert submission_of(cast(ClaimColumns, row)).period_start == "2024-01-01"
    row.period_start = None
    with pytest.raises(ValueError, match="c1: its period_start is kept as an offset"):
        submission_of(cast(ClaimColumns, row))


def test_a_shared_context_leaves_the_body_and_reads_back() -> None:
    """What a delivery's claims share (0045) is left out of each body and
    read back from the row's context; the unit stays "as submitted"."""
    submission = ClaimSubmission(
        partner="CN-GD",
        delivery_id="GD-20241031-01",
        record_id="T1",
        partner_methodology="GD-METRO",
        period_start="2024-10-02 08:00:00",
        period_end="2024-10-02 08:30:00",
        time_zone="Asia/Shanghai",
        activity_quantity="6.5",
        activity_unit="pkm",
        region_code="440300",
    )
    assert context_text(submission) == (
        '{"delivery_id":"GD-20241031-01","partner_methodology":"GD-METRO",'
        '"time_zone":"Asia/Shanghai","activity_unit":"pkm","region_code":"440300"}'
    )
    trace = Trace("v", "SZ-TRANSIT-METRO", "f", "activity * ef", {"activity": Decimal("6.5")}, ())
    normalised = NormalisedClaim(
        methodology="SZ-TRANSIT-METRO",
        period_start=datetime(2024, 10, 2, 0, 0, tzinfo=UTC),
        period_end=datetime(2024, 10, 2, 0, 30, tzinfo=UTC),
        vintage=2024,
        activity_value=Decimal("6.5"),
        activity_unit="pkm",
        reported_tco2e=None,
        recomputed_tco2e=Decimal("0.000455"),
        credited_tco2e=Decimal("0.000455"),
        trace=trace,
    )
    verdict = Verdict(
        partner="CN-GD",
        record_id="T1",
        claim_id="0" * 32,
        decision=Decision.ACCEPTED,
        checks=(),
        methodology="SZ-TRANSIT-METRO",
        vintage=2024,
        reported_tco2e=None,
        recomputed_tco2e=Decimal("0.000455"),
        credited_tco2e=Decimal("0.000455"),
        trace=trace,
    )
    alone = claim_body(verdict, submission, normalised)
    shared = claim_body(verdict, submission, normalised, shared_context=True)
    stored = msgpack.unpackb(shared, raw=False, strict_map_key=False)
    # Left: the quantity and the period (kept as offsets); unit as submitted.
    assert stored[_SUBMISSION_KEY] == {4: [480, 0], 5: [480, 0], 7: "6.5"}
    assert stored[_NORMALISED_KEY][:2] == [None, None]
    assert len(alone) - len(shared) == 38
    row = _row(verdict, submission, normalised, shared, False, shares_context=True)
    assert row.delivery_id == ""
    assert submission_of(row) == submission
    assert verdict_of(row) == verdict
    assert normalised_of(row) == normalised
    assert time_zone_of(row) == "Asia/Shanghai"
    # A context removed by hand (no foreign key): named, never read as fields never sent.
    gone = cast(ClaimColumns, SimpleNamespace(**{**vars(row), "context_shared": None}))
    with pytest.raises(ValueError, match="names context 1, which claim_contexts does not hold"):
        submission_of(gone)


@given(verdicts, submissions, any_checks)
def test_changed_checks_replace_the_stored_ones_only(
    verdict: Verdict, submission: ClaimSubmission, fired: tuple[CheckResult, ...]
) -> None:
    verdict = replace(verdict, partner=submission.partner, record_id=submission.record_id)
    row = _row(verdict, submission, None, claim_body(verdict, submission, None), False)
    changed = cast(Any, SimpleNamespace(**{**vars(row), "body": with_checks(row.body, fired)}))
    assert verdict_to_json(verdict_of(changed)) == verdict_to_json(replace(verdict, checks=fired))


def test_a_catalogue_check_is_kept_as_its_code_and_parameters() -> None:
    check = fire("FACTOR_PROVISIONAL", factor="road_baseline_ef", region="CN-SZ")
    stale = replace(check, message_en="an older catalogue's words")
    submission = ClaimSubmission(
        partner="CN-GD",
        delivery_id="D",
        record_id="R-1",
        partner_methodology="GD-METRO",
        period_start="2024-01-08",
        period_end="2024-01-08",
        time_zone="Asia/Shanghai",
        activity_quantity="6.9",
        activity_unit="pkm",
    )
    verdict = Verdict(
        partner="CN-GD", record_id="R-1", claim_id="c1", decision=Decision.ACCEPTED, checks=()
    )
    lean = msgpack.unpackb(
        claim_body(replace(verdict, checks=(check,)), submission, None), strict_map_key=False
    )
    # Rendered again on read: no message stored.
    assert lean[0] == [["FACTOR_PROVISIONAL", {"factor": "road_baseline_ef", "region": "CN-SZ"}]]
    kept = msgpack.unpackb(
        claim_body(replace(verdict, checks=(stale,)), submission, None), strict_map_key=False
    )
    # A message the catalogue no longer renders is kept as written.
    assert "an older catalogue's words" in kept[0][0]


@given(traces)
def test_the_shared_trace_is_the_trace_without_its_inputs_and_notes(trace: Trace) -> None:
    shared = shared_trace_text(trace)
    whole = trace_to_dict(replace(trace, notes=()))
    assert json.loads(shared) == {k: v for k, v in whole.items() if k != "inputs"}
    assert shared_trace_text(replace(trace, inputs={"other": Decimal("1")})) == shared
    # Notes carry a claim's own values (issue 18): they go in its body.
    assert shared_trace_text(replace(trace, notes=("activity 1 km converted",))) == shared


def _text_before_issue_18(trace: Trace) -> str:
    """The shared text the hub wrote before issue 18: the trace less its inputs."""
    return dumps({k: v for k, v in trace_to_dict(trace).items() if k != "inputs"})


@given(traces)
def test_a_trace_without_notes_keeps_the_shared_text_written_before(trace: Trace) -> None:
    # The same bytes, so the same digest: existing claim_traces rows keep matching.
    bare = replace(trace, notes=())
    assert shared_trace_text(bare) == _text_before_issue_18(bare)


@given(verdicts, with_platforms, st.none() | normalised_claims, st.booleans())
def test_a_row_written_before_reads_back_its_notes_from_the_shared_text(
    verdict: Verdict,
    submission: ClaimSubmission,
    normalised: NormalisedClaim | None,
    shares_trace: bool,
) -> None:
    verdict = replace(verdict, partner=submission.partner, record_id=submission.record_id)
    if shares_trace and normalised is not None:
        verdict = replace(verdict, trace=normalised.trace)
    data = msgpack.unpackb(claim_body(verdict, submission, normalised), strict_map_key=False)
    notes = data.pop(_NOTES_KEY, None)
    assert notes == (list(verdict.trace.notes) if verdict.trace and verdict.trace.notes else None)
    row = _row(verdict, submission, normalised, msgpack.packb(data, use_bin_type=True), False)
    if verdict.trace is not None:
        row.trace_shared = _text_before_issue_18(verdict.trace)
    assert verdict_to_json(verdict_of(row)) == verdict_to_json(verdict)
    again = normalised_of(row)
    if normalised is not None:
        assert again is not None
        assert normalised_to_json(again) == normalised_to_json(normalised)


@given(verdicts, submissions, st.none() | normalised_claims, verdicts, submissions)
def test_columns_a_converted_ledger_holds_otherwise_are_overridden_by_the_body(
    verdict: Verdict,
    submission: ClaimSubmission,
    normalised: NormalisedClaim | None,
    other: Verdict,
    other_submission: ClaimSubmission,
) -> None:
    # Migration 0018 converts rows whose columns were written separately
    # from their documents: any column that differs must not leak into the
    # verdict, the submission or the normalised claim read back.
    columns = vars(_row(other, other_submission, None, b"", True))
    body = claim_body(verdict, submission, normalised, columns)
    shared = None if verdict.trace is None else shared_trace_text(verdict.trace)
    row = cast(ClaimColumns, SimpleNamespace(**{**columns, "body": body, "trace_shared": shared}))
    assert verdict_to_json(verdict_of(row)) == verdict_to_json(verdict)
    assert submission_of(row) == submission
    again = normalised_of(row)
    if normalised is not None:
        assert again is not None
        assert normalised_to_json(again) == normalised_to_json(normalised)


def test_a_check_with_a_detail_named_code_is_kept_as_written() -> None:
    check = CheckResult(
        code="FACTOR_PROVISIONAL",
        severity=fire("FACTOR_PROVISIONAL", factor="f").severity,
        message_zh="使用了暂定因子 f",
        message_en="provisional factor f was used",
        details={"factor": "f", "code": "x"},
    )
    verdict = Verdict(
        partner="CN-GD", record_id="R-1", claim_id="c1", decision=Decision.ACCEPTED, checks=()
    )
    verdict = replace(verdict, checks=(check,))
    entries = check_entries(verdict.checks)
    assert len(entries[0]) == 5
