"""What the claims of one delivery share of their submissions, kept once (0045).

Every claim of a delivery names the same delivery id, and most name one of
a few partner methodologies, with the same time zone, unit and region: a
personal claim's row kept these five texts itself (the delivery id in its
``delivery_id`` column, the rest in its body), about 50 bytes a claim that
say the same for a thousand claims. Now, when two or more claims of a batch
share them, they are kept once in ``claim_contexts`` as this module's JSON
text (keyed by its SHA-256, hub.storage.claim_traces), the claims name it by
``context_id``, their bodies leave the fields out and their ``delivery_id``
is empty. A context only one claim of its batch has stays in that claim's
row, where it costs no row and no index entry of its own (a delivery of
one claim, a field of the claim's own).

Only ever added, never changed or removed: an id read from a claim always
names the text it was written with. The text's spelling is fixed for good
(the migration 0045 writes the same): the fields below in this order, those
the submission gives (not None), as compact JSON (hub.storage.serialisation.dumps).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from carbonhub_contract.vocabulary.records import ClaimSubmission
from hub.storage.serialisation import dumps
from hub.storage.shared_traces import SHARED_LIMIT

__all__ = ["CONTEXT_FIELDS", "context_text", "context_values"]

# The submission's fields a context holds, in the order its text names them.
CONTEXT_FIELDS = (
    "delivery_id",
    "partner_methodology",
    "time_zone",
    "activity_unit",
    "region_code",
)


_TEXTS: dict[tuple[str | None, ...], str] = {}


def context_text(submission: ClaimSubmission) -> str:
    """The submission's context as claim_contexts keeps it."""
    # On every claim's way, and a delivery's claims name few: each text is
    # spelled once per process (the cache is bounded, as the shared texts').
    values = (
        submission.delivery_id,
        submission.partner_methodology,
        submission.time_zone,
        submission.activity_unit,
        submission.region_code,
    )
    found = _TEXTS.get(values)
    if found is None:
        pairs = zip(CONTEXT_FIELDS, values, strict=True)
        found = dumps({name: value for name, value in pairs if value is not None})
        if len(_TEXTS) >= SHARED_LIMIT:
            _TEXTS.clear()
        _TEXTS[values] = found
    return found


_VALUES: dict[str, Mapping[str, str]] = {}


def context_values(text: str) -> Mapping[str, str]:
    """The fields of a context text, by name (read-only: shared between rows)."""
    found = _VALUES.get(text)
    if found is None:
        parsed = json.loads(text)
        if not isinstance(parsed, dict) or not set(parsed) <= set(CONTEXT_FIELDS):
            raise ValueError(f"not a claim context: {text[:200]!r}")
        found = parsed
        if len(_VALUES) >= SHARED_LIMIT:
            _VALUES.clear()
        _VALUES[text] = found
    return found
