"""A claim row's body: what the ledger keeps of a claim beyond its columns.

Before migration 0018 each claim row held three JSON documents (verdict,
submission, normalised claim; about 2 KB together) that repeated the row's
own columns and, in every claim, the same calculation trace with its
factors and their sources. Now a row keeps each fact once:

* the columns (partner, record id, decision, methodology, vintage, the
  tonnes, the period, the identifiers issuance keys accounts by) are read
  back as the verdict's, the submission's and the normalised claim's fields;
* the part of the trace every claim of one (standard version, formula,
  factor set) shares is stored once in ``claim_traces``, keyed by the
  SHA-256 of its JSON text, and the claim names it by ``trace_id``
  (hub.storage.claim_traces, hub.storage.shared_traces); likewise what the
  claims of a delivery share of their submissions (delivery id, the
  partner's methodology, time zone, unit, region) in ``claim_contexts``,
  named by ``context_id`` (hub.storage.claim_contexts, 0045);
* the rest goes into ``body``, MessagePack: the checks as codes and
  parameters (the messages are rendered from the check catalogue on read,
  hub.domain.checks.fire), the trace's own inputs and notes, the
  submission's fields that no column holds (and those a column holds only
  stripped), the normalised claim's activity and whatever of it differs
  from the verdict.

Why MessagePack (the ``msgpack`` package, the reference implementation
with a C extension): the body is small maps of short strings, which it
encodes in one C call per claim with one byte of framing per item, keeps
map order (details and inputs read back in the order written, so the JSON
the hub renders is the same bytes), and tells bytes from text. JSON would
spend quotes and key names on every item; plain columns would need a child
table for the variable lists (checks, inputs, raw fields) and a row per
item in it.

Exact both ways, checked at write time rather than assumed: a check whose
catalogue rendering is not exactly the stored one (a message from an older
catalogue), a number a database might re-spell, a normalised field that
differs from the verdict's, are written out in full in the body.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

import msgpack  # type: ignore[import-untyped]
from sqlalchemy import Select, select

from carbonhub_contract.vocabulary.records import (
    ClaimSubmission,
    Decision,
    OriginStatus,
)
from hub.domain.checks import CheckResult
from hub.domain.claims import NormalisedClaim, Trace, Verdict
from hub.storage.check_entries import (
    check_entries,
    check_entry,
    check_of,
    shared_checks,
)
from hub.storage.claim_contexts import CONTEXT_FIELDS, context_values
from hub.storage.claim_tables import ClaimCheckListRow, ClaimContextRow, ClaimRow, ClaimTraceRow
from hub.storage.period_texts import kept_period, period_text
from hub.storage.serialisation import trace_from_dict, trace_to_dict, trace_to_json
from hub.storage.shared_traces import shared_trace_text, trace_of

__all__ = [
    "READ_COLUMNS",
    "ClaimColumns",
    "claim_body",
    "claim_select",
    "normalised_of",
    "shared_trace_text",
    "submission_of",
    "time_zone_of",
    "verdict_of",
    "with_checks",
    "with_shared_texts",
]

# Keys of the body's map (small integers: one byte each in MessagePack).
# _NOTES: the trace's notes, when it has some (issue 18: they carry the
# claim's own values, and claim_traces keeps a trace's text once for every
# claim; hub.storage.shared_traces). A body without it, written before, has
# them in the shared text.
_CHECKS, _RESUBMISSION, _INPUTS, _SUBMISSION, _NORMALISED, _VERDICT, _NOTES = range(7)

# The submission's fields by position in the body's submission map.
_SUBMISSION_FIELDS = (
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
    "platform",
)
# Held by a column exactly (never in the body).
_EXACT_COLUMNS = frozenset({"partner", "delivery_id", "record_id"})
# Held by a column stripped, empty as NULL: in the body only when the
# partner's text differs from the column's.
_STRIPPED_COLUMNS = frozenset(
    {"project_id", "person_pseudonym", "site_id", "adjustment_ref", "platform"}
)
_ORIGIN_STATUS = len(_SUBMISSION_FIELDS)
# The submission's period as the partner wrote it: its text, or since 0044
# an offset from the row's period column (hub.storage.period_texts).
_PERIOD_TEXTS = (
    (_SUBMISSION_FIELDS.index("period_start"), "period_start"),
    (_SUBMISSION_FIELDS.index("period_end"), "period_end"),
)
_INDEX = {name: index for index, name in enumerate(_SUBMISSION_FIELDS)}
# The fields a shared context holds (hub.storage.claim_contexts).
_CONTEXT_INDEXES = tuple(_INDEX[name] for name in CONTEXT_FIELDS)
_TIME_ZONE = _SUBMISSION_FIELDS.index("time_zone")
_QUANTITY = _SUBMISSION_FIELDS.index("activity_quantity")
_UNIT = _SUBMISSION_FIELDS.index("activity_unit")
# The trace's inputs of most methodologies: the normalised activity alone.
# Since 0034 a body leaves them out when that is all they are (and says the
# normalised activity's value and unit as None when the submission's text is
# the same): a body with a trace and without _INPUTS has these inputs.
_ACTIVITY_INPUT = "activity"
_RAW = _ORIGIN_STATUS + 1

# The normalised claim's fields that default to the row's (or the verdict's).
_N_METHODOLOGY, _N_START, _N_END, _N_VINTAGE, _N_REPORTED, _N_RECOMPUTED, _N_CREDITED = range(7)
_N_TRACE = 7
# The verdict's fields its row's columns hold: in the body only when the
# column does not give the verdict's value back (a number a database would
# spell otherwise; a column of a converted ledger that differs).
_VERDICT_FIELDS = (
    "partner",
    "record_id",
    "claim_id",
    "decision",
    "methodology",
    "vintage",
    "reported_tco2e",
    "recomputed_tco2e",
    "credited_tco2e",
)
_DECISION = _VERDICT_FIELDS.index("decision")
_TONNES = frozenset({"reported_tco2e", "recomputed_tco2e", "credited_tco2e"})


class ClaimColumns(Protocol):
    """The columns of a claim row the body is read with (a SQLAlchemy row)."""

    claim_id: str
    partner: str
    record_id: str
    delivery_id: str
    decision: str
    methodology: str | None
    vintage: int | None
    period_start: datetime | None
    period_end: datetime | None
    reported_tco2e: Decimal | None
    recomputed_tco2e: Decimal | None
    credited_tco2e: Decimal | None
    project_id: str | None
    site_id: str | None
    person_pseudonym: str | None
    adjustment_ref: str | None
    platform: str | None
    trace_shared: str | None  # claim_traces.shared of the row's trace_id
    checks_shared: str | None  # claim_check_lists.checks of the row's checks_id
    context_id: int | None
    context_shared: str | None  # claim_contexts.context of the row's context_id
    body: bytes


# The columns verdict_of, submission_of and normalised_of read (ClaimColumns).
READ_COLUMNS = (
    "claim_id",
    "partner",
    "record_id",
    "delivery_id",
    "decision",
    "methodology",
    "vintage",
    "period_start",
    "period_end",
    "reported_tco2e",
    "recomputed_tco2e",
    "credited_tco2e",
    "project_id",
    "site_id",
    "person_pseudonym",
    "adjustment_ref",
    "platform",
    "body",
)


def claim_select(*extra: Any) -> Select[Any]:
    """SELECT of the ClaimColumns (and ``extra`` columns of claims, not among
    them), the shared texts joined in as ``trace_shared``, ``checks_shared``
    and ``context_shared``."""
    table = ClaimRow.__table__
    return select(
        *(table.c[name] for name in READ_COLUMNS),
        ClaimTraceRow.shared.label("trace_shared"),
        ClaimCheckListRow.checks.label("checks_shared"),
        table.c.context_id,
        ClaimContextRow.context.label("context_shared"),
        *extra,
    ).select_from(with_shared_texts(table))


def with_shared_texts(claims: Any) -> Any:
    """``claims`` joined with the texts its rows name (claim_select's FROM)."""
    return (
        claims.outerjoin(ClaimTraceRow.__table__, ClaimRow.trace_id == ClaimTraceRow.trace_id)
        .outerjoin(ClaimCheckListRow.__table__, ClaimRow.checks_id == ClaimCheckListRow.checks_id)
        .outerjoin(ClaimContextRow.__table__, ClaimRow.context_id == ClaimContextRow.context_id)
    )


def _pack(data: object) -> bytes:
    packed: bytes = msgpack.packb(data, use_bin_type=True)
    return packed


def _unpack(data: bytes | None) -> dict[int, Any]:
    if data is None:
        raise ValueError("a claim row without its body (migration 0018 not complete)")
    unpacked: dict[int, Any] = msgpack.unpackb(data, raw=False, strict_map_key=False)
    return unpacked


def _plain(value: Decimal | None) -> bool:
    """True when every database column gives ``value`` back spelled the same.

    PostgreSQL's NUMERIC keeps digits and scale but writes 1E+2 as 100 and
    has no negative zero or NaN; SQLite keeps the text.
    """
    if value is None:
        return True
    if not value.is_finite():
        return False
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and exponent <= 0 and not (value.is_signed() and not value)


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


# --- writing ------------------------------------------------------------------


def _submission_entry(
    submission: ClaimSubmission,
    columns: Mapping[str, Any] | None,
    normalised: NormalisedClaim | None,
) -> dict[int, Any]:
    entry: dict[int, Any] = {}
    for index, name in enumerate(_SUBMISSION_FIELDS):
        value = getattr(submission, name)
        if name in _EXACT_COLUMNS or name in _STRIPPED_COLUMNS:
            if columns is not None:
                column = columns[name]
            else:
                column = value if name in _EXACT_COLUMNS else (value or "").strip() or None
            if value != column:
                entry[index] = value
        elif value is not None:
            entry[index] = value
    for index, name in _PERIOD_TEXTS:
        text = entry.get(index)
        if isinstance(text, str):
            if columns is not None:
                moment = columns[name]
            else:
                moment = None if normalised is None else getattr(normalised, name)
            kept = kept_period(text, moment)
            if kept is not None:
                entry[index] = kept
    if submission.origin_status is not OriginStatus.NOT_ISSUED:
        entry[_ORIGIN_STATUS] = str(submission.origin_status)
    if submission.raw:
        entry[_RAW] = {str(k): str(v) for k, v in submission.raw.items()}
    return entry


def _same_trace(one: Trace, other: Trace | None) -> bool:
    return other is not None and (one is other or trace_to_json(one) == trace_to_json(other))


def _normalised_entry(
    normalised: NormalisedClaim,
    verdict: Verdict,
    columns: Mapping[str, Any] | None,
    submitted: Mapping[int, Any],
) -> list[Any]:
    overrides: dict[int, Any] = {}
    if normalised.methodology != verdict.methodology:
        overrides[_N_METHODOLOGY] = normalised.methodology
    # The row's period columns are the normalised period, kept in UTC.
    for key, name, moment in (
        (_N_START, "period_start", normalised.period_start),
        (_N_END, "period_end", normalised.period_end),
    ):
        column = moment if columns is None else columns[name]
        if column != moment or moment.isoformat() != _utc_text(moment):
            overrides[key] = moment.isoformat()
    if normalised.vintage != verdict.vintage:
        overrides[_N_VINTAGE] = normalised.vintage
    for key, own, verdicts in (
        (_N_REPORTED, normalised.reported_tco2e, verdict.reported_tco2e),
        (_N_RECOMPUTED, normalised.recomputed_tco2e, verdict.recomputed_tco2e),
        (_N_CREDITED, normalised.credited_tco2e, verdict.credited_tco2e),
    ):
        if _dec(own) != _dec(verdicts) or not _plain(own):
            overrides[key] = _dec(own)
    if not _same_trace(normalised.trace, verdict.trace):
        overrides[_N_TRACE] = trace_to_dict(normalised.trace)
    # As the submission says them (its body entry, ``submitted``): None.
    value = str(normalised.activity_value)
    unit = normalised.activity_unit
    entry: list[Any] = [
        None if value == submitted.get(_QUANTITY) else value,
        None if unit == submitted.get(_UNIT) else unit,
    ]
    if overrides:
        entry.append(overrides)
    return entry


def _utc_text(moment: datetime) -> str | None:
    """The instant as its UTC column gives it back (None: it has no UTC date)."""
    try:
        return moment.astimezone(UTC).isoformat()
    except OverflowError:
        return None


def _verdict_entry(verdict: Verdict, columns: Mapping[str, Any] | None) -> dict[int, Any]:
    entry: dict[int, Any] = {}
    for index, name in enumerate(_VERDICT_FIELDS):
        value = getattr(verdict, name)
        column = value if columns is None else columns[name]
        if name in _TONNES:
            if _dec(value) != _dec(column) or not _plain(value):
                entry[index] = _dec(value)
        elif name == "decision":
            if str(value) != str(column):
                entry[index] = str(value)
        elif value != column:
            entry[index] = value
    return entry


def claim_body(
    verdict: Verdict,
    submission: ClaimSubmission,
    normalised: NormalisedClaim | None,
    columns: Mapping[str, Any] | None = None,
    *,
    entries: list[list[Any]] | None = None,
    shared_checks: bool = False,
    shared_context: bool = False,
) -> bytes:
    """The body of a claim row whose ``trace_id`` names
    ``shared_trace_text(verdict.trace)``.

    ``entries``: check_entries(verdict.checks), when made already;
    ``shared_checks``: the row's ``checks_id`` names their checks_text, and
    the body does not repeat them.

    ``shared_context``: the row's ``context_id`` names the submission's
    context_text (hub.storage.claim_contexts), and the body leaves its
    fields out.

    ``columns``: the row's stored columns (READ_COLUMNS), when they were not
    built from these three objects as hub.storage.claim_repository builds
    them (a ledger converted by migration 0018): whatever differs goes into
    the body.
    """
    body: dict[int, Any] = {}
    if verdict.checks and not shared_checks:
        body[_CHECKS] = entries if entries is not None else check_entries(verdict.checks)
    if verdict.resubmission:
        body[_RESUBMISSION] = True
    if verdict.trace is not None:
        inputs = {str(k): str(v) for k, v in verdict.trace.inputs.items()}
        if normalised is None or inputs != {_ACTIVITY_INPUT: str(normalised.activity_value)}:
            body[_INPUTS] = inputs
        if verdict.trace.notes:
            body[_NOTES] = list(verdict.trace.notes)
    entry = _submission_entry(submission, columns, normalised)
    if normalised is not None:
        # Against the whole submission: a unit the context holds is as submitted.
        normalised_entry = _normalised_entry(normalised, verdict, columns, entry)
    if shared_context:
        for index in _CONTEXT_INDEXES:
            entry.pop(index, None)
    if entry:
        body[_SUBMISSION] = entry
    if normalised is not None:
        body[_NORMALISED] = normalised_entry
    fields = _verdict_entry(verdict, columns)
    if fields:
        body[_VERDICT] = fields
    return _pack(body)


def with_checks(body: bytes | None, checks: tuple[CheckResult, ...]) -> bytes:
    """``body`` with the verdict's checks replaced, in the body (a changed
    decision: the row's decision column holds the new one, and its
    ``checks_id`` is cleared)."""
    data = _unpack(body)
    data.pop(_CHECKS, None)
    fields = data.pop(_VERDICT, {})
    fields.pop(_DECISION, None)
    if fields:
        data[_VERDICT] = fields
    if checks:
        data[_CHECKS] = [check_entry(check) for check in checks]
    return _pack(data)


# --- reading ------------------------------------------------------------------


def _body(row: ClaimColumns) -> dict[int, Any]:
    """The row's body, its submission's shared context (if any) merged in."""
    body = _unpack(row.body)
    if row.context_id is not None and row.context_shared is None:
        # No foreign key (the texts are only ever added): a context removed
        # by hand is named rather than read as fields never sent.
        raise ValueError(
            f"claim {row.claim_id} names context {row.context_id}, which claim_contexts "
            "does not hold"
        )
    if row.context_shared is not None:
        shared = {_INDEX[name]: value for name, value in context_values(row.context_shared).items()}
        body[_SUBMISSION] = {**shared, **body.get(_SUBMISSION, {})}
    return body


def verdict_of(row: ClaimColumns) -> Verdict:
    body = _body(row)
    stored: dict[int, Any] = body.get(_VERDICT, {})
    fields: dict[str, Any] = {}
    for index, name in enumerate(_VERDICT_FIELDS):
        if index in stored:
            value = stored[index]
            fields[name] = _undec(value) if name in _TONNES else value
        else:
            fields[name] = getattr(row, name)
    return Verdict(
        partner=fields["partner"],
        record_id=fields["record_id"],
        claim_id=fields["claim_id"],
        decision=Decision(fields["decision"]),
        checks=tuple(
            check_of(entry)
            for entry in (
                body.get(_CHECKS, ())
                if row.checks_shared is None
                else shared_checks(row.checks_shared)
            )
        ),
        resubmission=bool(body.get(_RESUBMISSION, False)),
        methodology=fields["methodology"],
        vintage=fields["vintage"],
        reported_tco2e=fields["reported_tco2e"],
        recomputed_tco2e=fields["recomputed_tco2e"],
        credited_tco2e=fields["credited_tco2e"],
        trace=(
            None
            if row.trace_shared is None
            else trace_of(row.trace_shared, _inputs(body), body.get(_NOTES))
        ),
    )


def _activity(entry: list[Any], body: Mapping[int, Any]) -> tuple[str, str]:
    """The normalised claim's activity value and unit as text, from its body
    ``entry`` (None: the submission's text, in ``body``)."""
    submitted: Mapping[int, Any] = body.get(_SUBMISSION, {})
    value = submitted[_QUANTITY] if entry[0] is None else entry[0]
    unit = submitted[_UNIT] if entry[1] is None else entry[1]
    return value, unit


def _inputs(body: Mapping[int, Any]) -> dict[str, str]:
    """The trace's inputs of a claim with a trace."""
    if _INPUTS in body:
        inputs: dict[str, str] = body[_INPUTS]
        return inputs
    entry = body.get(_NORMALISED)
    return {} if entry is None else {_ACTIVITY_INPUT: _activity(entry, body)[0]}


def submission_of(row: ClaimColumns) -> ClaimSubmission:
    entry: dict[int, Any] = _body(row).get(_SUBMISSION, {})
    fields: dict[str, Any] = {}
    for index, name in enumerate(_SUBMISSION_FIELDS):
        if name in _EXACT_COLUMNS or name in _STRIPPED_COLUMNS:
            fields[name] = entry[index] if index in entry else getattr(row, name)
        else:
            fields[name] = entry.get(index)
    for index, name in _PERIOD_TEXTS:
        kept = entry.get(index)
        if kept is not None and not isinstance(kept, str):
            text = period_text(kept, getattr(row, name))
            if text is None:
                raise ValueError(
                    f"claim {row.claim_id}: its {name} is kept as an offset from the "
                    f"row's {name} column, which gives no text for it"
                )
            fields[name] = text
    return ClaimSubmission(
        **fields,
        origin_status=OriginStatus(entry.get(_ORIGIN_STATUS, str(OriginStatus.NOT_ISSUED))),
        raw=dict(entry.get(_RAW, {})),
    )


def time_zone_of(row: ClaimColumns) -> str:
    """submission_of(row).time_zone stripped, without building the submission (the issuer's)."""
    zone: str | None = _body(row).get(_SUBMISSION, {}).get(_TIME_ZONE)
    return (zone or "").strip()


def normalised_of(row: ClaimColumns) -> NormalisedClaim | None:
    body = _body(row)
    entry = body.get(_NORMALISED)
    if entry is None:
        return None
    overrides: dict[int, Any] = entry[2] if len(entry) > 2 else {}
    value, unit = _activity(entry, body)
    verdict = verdict_of(row)

    def moment(key: int, column: datetime | None) -> datetime:
        if key in overrides:
            return datetime.fromisoformat(overrides[key])
        if column is None:
            raise ValueError(f"claim {row.claim_id} is normalised but has no period")
        return column

    def tonnes(key: int, verdicts: Decimal | None) -> Decimal | None:
        return _undec(overrides[key]) if key in overrides else verdicts

    credited = tonnes(_N_CREDITED, verdict.credited_tco2e)
    if credited is None:
        raise ValueError(f"claim {row.claim_id} is normalised but credits nothing")
    if _N_TRACE in overrides:
        trace = trace_from_dict(overrides[_N_TRACE])
    elif verdict.trace is not None:
        trace = verdict.trace
    else:
        raise ValueError(f"claim {row.claim_id} is normalised but has no trace")
    methodology = overrides.get(_N_METHODOLOGY, verdict.methodology)
    vintage = overrides.get(_N_VINTAGE, verdict.vintage)
    if methodology is None or vintage is None:
        raise ValueError(f"claim {row.claim_id} is normalised but has no methodology or vintage")
    return NormalisedClaim(
        methodology=methodology,
        period_start=moment(_N_START, row.period_start),
        period_end=moment(_N_END, row.period_end),
        vintage=vintage,
        activity_value=Decimal(value),
        activity_unit=unit,
        reported_tco2e=tonnes(_N_REPORTED, verdict.reported_tco2e),
        recomputed_tco2e=tonnes(_N_RECOMPUTED, verdict.recomputed_tco2e),
        credited_tco2e=credited,
        trace=trace,
    )
