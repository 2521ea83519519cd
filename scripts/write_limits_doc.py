# ruff: noqa: E501 - the document's tables are written out as they appear
"""Write docs/limits.md from hub.grpc_api.field_limits.LIMITS.

    python scripts/write_limits_doc.py          # rewrite docs/limits.md
    python scripts/write_limits_doc.py --check  # exit 1 when it is out of date

tests/unit/grpc/test_field_limits.py fails when the file drifts from the
table, so a new or changed limit always reaches the contract.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from hub.grpc_api.field_limits import (  # noqa: E402
    LIMITS,
    MAX_SEQUENCE,
    Characters,
    Limit,
)

TARGET = REPO / "docs" / "limits.md"
_PREFIX = "carbonhub.v1."

_INTRO = f"""\
# Field limits

Generated from `hub/grpc_api/field_limits.py` by `scripts/write_limits_doc.py`;
do not edit by hand (a test fails when the two differ).

Every field of every message a client sends is held to the limit below at the
hub's boundary, before any service or database sees it, so the answer is the
same on every database the hub runs on. Limits count:

- **strings**: Unicode code points (what PostgreSQL's `varchar(n)` counts);
  protobuf already refuses a string field that is not valid UTF-8
  (`MESSAGE_UNDECODABLE` for a request, `PAYLOAD_MALFORMED` for a signed
  payload whose signature verified);
- **characters**: `single-line` fields hold no control character at all
  (Unicode category Cc: U+0000-U+001F and U+007F-U+009F); `multi-line` free
  text may hold tab, line feed and carriage return, never NUL or any other
  control character;
- **bytes**: bytes;
- **integers**: the inclusive range given. Every integer that reaches the
  database fits a signed 64-bit BIGINT or a tighter range. A partner's
  `sequence` runs from 1 to {MAX_SEQUENCE:,} (2^62 - 1), well under BIGINT's
  2^63 - 1; a partner that has written that number can write no more, so
  number writes consecutively (as the adapter does) or by a clock no finer
  than nanoseconds (which lasts until the year 2116);
- **repeated fields and maps**: entries, each entry held to the same row's
  string limit (maps: the `[key]` and `[value]` rows).

A field over its limit is answered with one of these reasons (the field's
path in the request, e.g. `claims[3].raw[value]`, is in `details.field`):

| Reason | Details | Meaning |
|---|---|---|
| `FIELD_TOO_LONG` | `field`, `length`, `limit`, `unit` (`characters`, `bytes`, `entries`) | the value is longer than its limit |
| `FIELD_CONTROL_CHARACTER` | `field`, `character` (`U+0000`), `position`, `allowed` | a control character the field does not allow |
| `FIELD_OUT_OF_RANGE` | `field`, `value`, `min`, `max` | an integer outside its range |

Where it is answered:

- a **claim** of a `ClaimEnvelope` or a **project** of a
  `RegisterProjectsRequest` over a limit gets its own `REJECTED` verdict or
  result carrying the reason as a check (docs/checks.md; also `FIELD_REQUIRED`
  for an empty record id, `FIELD_VALUE_UNKNOWN` for an enum value the hub
  does not know); nothing of it is recorded and the other claims or projects
  are decided as usual (docs/submit-claims.md);
- any **other field** (the envelope's own fields, a `SignedPayload`'s, every
  field of every other request) refuses the call or, on `SubmitClaims`, ends
  the stream: gRPC `INVALID_ARGUMENT` with the reason above.

Storage columns are at least as wide as the limits of the fields stored in
them (a test checks each "stored in" column below).
"""


def _limit(limit: Limit) -> str:
    parts: list[str] = []
    if limit.max_chars is not None:
        parts.append(f"≤ {limit.max_chars:,} characters")
    if limit.max_bytes is not None:
        parts.append(f"≤ {limit.max_bytes:,} bytes")
    if limit.min_value is not None or limit.max_value is not None:
        parts.append(f"{limit.min_value:,} .. {limit.max_value:,}")
    if limit.max_items is not None:
        parts.append(f"≤ {limit.max_items:,} entries")
    return "; ".join(parts) or "-"


def _characters(limit: Limit) -> str:
    return limit.characters.value if isinstance(limit.characters, Characters) else "-"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or "-"


def render() -> str:
    lines = [_INTRO]
    current = ""
    for full_name, limit in LIMITS.items():
        name = full_name.removeprefix(_PREFIX)
        message, field = name.split(".", 1)
        if message != current:
            current = message
            lines.append(f"\n## {message}\n")
            lines.append("| Field | Limit | Characters | Stored in | Note |")
            lines.append("|---|---|---|---|---|")
        stored = ", ".join(f"`{column}`" for column in limit.stored_in)
        lines.append(
            f"| `{field}` | {_limit(limit)} | {_characters(limit)} | {_cell(stored)} "
            f"| {_cell(limit.note)} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run scripts/write_limits_doc.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(REPO)} ({len(LIMITS)} fields)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
