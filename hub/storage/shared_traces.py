"""The shared part of a claim's trace: the text ``claim_traces`` keeps once.

Every claim of one (standard version, formula, factor set) has the same
trace but for its own inputs and notes. The inputs were always kept in the
claim's body; the notes were in the shared text until issue 18, and some
notes carry the claim's own values (``activity 12.8 km converted to 12.8
pkm``, a per-person daily cap times the claim's days), so bike claims made
a new shared row almost each time: 205 of 207 texts in a 20,000-claim run,
and on PostgreSQL a batch inserting a text another uncommitted batch had
just inserted waited for that whole transaction (13-38 % of backend time
on four hubs). The notes of a trace that has some now go in the body
(hub.storage.claim_body) and the shared text carries none; a trace without
notes gives the same text as before, so its rows keep matching.

A row written before: its body holds no notes and its shared text does;
``trace_of`` reads them from there, so older ledgers need no migration.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal

from hub.domain.claims import FactorUse, Trace
from hub.storage.serialisation import dumps, factors_json, trace_from_dict

__all__ = ["SHARED_LIMIT", "shared_trace_text", "trace_of"]

# Entries of each cache of shared texts (and of claim_body's check lists).
SHARED_LIMIT = 4096

_SharedKey = tuple[str, str, str, str, str | None, int]
_SHARED_TEXTS: dict[_SharedKey, tuple[tuple[FactorUse, ...], str]] = {}


def shared_trace_text(trace: Trace) -> str:
    """The trace without its inputs and notes, as JSON (what claim_traces
    keeps once): trace_to_json's text less its "inputs" key, its "notes" empty.

    For a trace without notes this is the text written before issue 18.
    """
    # Normalisation hands every claim of one methodology, place and year the
    # same factor tuple (serialisation.factors_json): the text is kept per
    # tuple object and the trace's other, plain fields.
    key = (
        trace.standard_version,
        trace.methodology,
        trace.formula_id,
        trace.formula,
        None if trace.discount is None else str(trace.discount),
        id(trace.factors),
    )
    found = _SHARED_TEXTS.get(key)
    if found is not None and found[0] is trace.factors:
        return found[1]
    head = dumps(
        {
            "standard_version": trace.standard_version,
            "methodology": trace.methodology,
            "formula_id": trace.formula_id,
            "formula": trace.formula,
        }
    )
    tail = dumps({"discount": key[4], "notes": []})
    text = f'{head[:-1]},"factors":{factors_json(trace.factors)},{tail[1:]}'
    if len(_SHARED_TEXTS) >= SHARED_LIMIT:
        _SHARED_TEXTS.clear()
    _SHARED_TEXTS[key] = (trace.factors, text)
    return text


_SharedParts = tuple[str, str, str, str, tuple[FactorUse, ...], Decimal | None, tuple[str, ...]]
_SHARED: dict[str, _SharedParts] = {}


def trace_of(shared: str, inputs: Mapping[str, str], notes: Sequence[str] | None) -> Trace:
    """The trace of a claim from its shared text and its body's inputs and
    notes (None: a body written before issue 18; the notes are the shared
    text's)."""
    # Keyed by the text itself (content, not a row id): a cached entry can
    # never name another trace, whatever database or transaction it came from.
    parts = _SHARED.get(shared)
    if parts is None:
        whole = trace_from_dict({**json.loads(shared), "inputs": {}})
        parts = (
            whole.standard_version,
            whole.methodology,
            whole.formula_id,
            whole.formula,
            whole.factors,
            whole.discount,
            whole.notes,
        )
        if len(_SHARED) >= SHARED_LIMIT:
            _SHARED.clear()
        _SHARED[shared] = parts
    version, methodology, formula_id, formula, factors, discount, shared_notes = parts
    return Trace(
        standard_version=version,
        methodology=methodology,
        formula_id=formula_id,
        formula=formula,
        inputs={k: Decimal(v) for k, v in inputs.items()},
        factors=factors,
        discount=discount,
        notes=shared_notes if notes is None else tuple(notes),
    )
