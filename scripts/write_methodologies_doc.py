"""Write docs/methodologies.md from standards/methodologies.yaml (as loaded).

    python scripts/write_methodologies_doc.py          # rewrite docs/methodologies.md
    python scripts/write_methodologies_doc.py --check  # exit 1 when it is out of date

tests/unit/standard/test_methodologies_doc.py fails when the file drifts from
the standard, so a renamed, added or interim methodology always shows there.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from hub.domain.methodologies import Methodology  # noqa: E402
from hub.standard import Standard, default_standards_dir, load_standard  # noqa: E402

TARGET = REPO / "docs" / "methodologies.md"

_INTRO = """\
# Methodologies

Generated from `standards/methodologies.yaml` by `scripts/write_methodologies_doc.py`;
do not edit by hand (a test fails when the two differ).

Every claim is credited under one of the methodologies below, which the
partners' crosswalks (`standards/crosswalks/`) map their own methodologies to.

## Shenzhen and interim methodologies

- `SZ-...` names a methodology a Shenzhen authority published (all 试行, trial).
- `HUB-INTERIM-...` names one the hub wrote itself where no Shenzhen
  methodology was read: recycling and forest sinks. Every page that names a
  methodology marks these as the hub's interim methodology (枢纽临时方法学),
  and their values are `provisional` with the reason in `methodologies.yaml`.
  When Shenzhen publishes its own, it is filed under a new `SZ-` id and the
  interim one ends (`effective_to`); it is not renamed again.

## Former ids

A methodology renamed keeps its old id in `formerly`. The old id is part of
every SZCER serial issued under it (`SZCER-{origin}-{methodology}-{vintage}-...`),
so:

- blocks and serials already issued keep the old id, parse and verify as
  before (`carbon-hub audit verify`), and their pages show the current id with
  the former beside it;
- every lookup by the old id (the standard, disclosure filters, a block's
  page) resolves to the current methodology, and disclosure lists and totals
  old and new blocks as one methodology under the current id;
- new units are issued under the current id only, claims waiting when the
  rename came included; they start a new series, so no serial overlaps;
- a remainder an account carried under the former id is moved into the same
  account under the current id, exactly, when the issuer next issues to it (a
  signed `carry FOLDED` event records it); `carbon-hub issuance pools` shows
  the two accounts as one pool;
- a site bound to the programme under the old id stays bound to it;
- a project's asset family (how registrations are matched for double
  issuance) is the first id, so assets registered before and after the rename
  are compared with each other;
- the standard's own files (crosswalks, points rules) must name the current
  id, and a former id may never name another methodology.
"""


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split()) or "-"


def _row(m: Methodology) -> str:
    formerly = ", ".join(f"`{old}`" for old in m.formerly) or "-"
    kind = "hub interim" if m.interim else "Shenzhen"
    return (
        f"| `{m.id}` | {kind} | {formerly} | {m.name_zh} / {m.name_en} | {m.basis} "
        f"| {m.effective_from} | {_yes(m.provisional)} | {_cell(m.source)} |"
    )


def render(standard: Standard | None = None) -> str:
    standard = standard or load_standard(default_standards_dir())
    lines = [_INTRO, "## The methodologies\n"]
    lines.append("| Id | Kind | Formerly | Name | Basis | Effective from | Provisional | Source |")
    lines.append("|---|---|---|---|---|---|---|---|")
    lines.extend(_row(m) for m in standard.methodologies())
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(
                f"{TARGET} is out of date: run scripts/write_methodologies_doc.py", file=sys.stderr
            )
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
