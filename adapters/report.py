"""Rendering a DeliveryReport for the partner's operator: rich tables or plain lines.

On a terminal the report is rich tables; the code columns are as wide as
their longest code, so a code is never split. Anywhere else (piped to a
file, a log, a pager) it is plain lines, one per row, fields separated by
tabs, never wrapped or cut: PROJECT_NOT_APPROVED and a record id stay
whole and greppable. Messages are in the language asked for (``lang``,
see adapters/report_language.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from adapters.delivery import RowProblem, SourceRef
from adapters.delivery_report import CheckOutcome, DeliveryReport
from adapters.report_language import DEFAULT_LANG, check_text, problem_text
from carbonhub_contract.vocabulary.checks import Severity
from carbonhub_contract.vocabulary.records import Decision

_BLOCKING = (Severity.ERROR, Severity.REVIEW)
NO_LINE = "—"  # a problem of a whole file or of the manifest has no line
# Columns whose values are never split on a terminal (codes, ids, numbers).
_WHOLE = frozenset({"file", "line", "outcome", "record", "code", "value"})
_ROOM = 12  # the least width worth giving a free-text column (a message, a column name)


@dataclass(frozen=True, slots=True)
class RefusalLine:
    """One reason one row was not accepted: by the adapter, or by the hub."""

    file: str
    line: int  # 0: the whole file or the manifest
    column: str
    outcome: str  # "ADAPTER", "REJECTED" or "HELD"
    record: str  # record or project id, "" for adapter problems
    code: str
    message: str


def line_text(line: int) -> str:
    return str(line) if line > 0 else NO_LINE


def plain_output(console: Console) -> bool:
    """Plain lines unless the report goes to a terminal."""
    return not console.is_terminal


def _raw(console: Console, text: str) -> None:
    # Written as is: rich would expand the tabs that separate the fields.
    console.file.write(text + "\n")
    console.file.flush()


def say(console: Console, text: str, style: str | None = None) -> None:
    """One line of the report, never wrapped, no markup read into the partner's words."""
    if plain_output(console):
        _raw(console, text)
        return
    console.print(text, style=style, soft_wrap=True, markup=False, highlight=False)


def emit_table(
    console: Console,
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    header: bool = True,
) -> None:
    """A rich table on a terminal; elsewhere the title, a header line and tab-separated rows."""
    rows = [list(row) for row in rows]
    widths = [max((cell_len(row[i]) for row in rows), default=0) for i in range(len(columns))]
    whole = [max(w, len(name)) for w, name in zip(widths, columns, strict=True) if name in _WHOLE]
    # Codes and ids whole, borders, and some room for each free-text column;
    # a terminal narrower than that gets the plain lines too.
    needed = sum(whole) + 3 * len(columns) + 1 + _ROOM * (len(columns) - len(whole))
    if plain_output(console) or needed > console.width:
        _raw(console, title)
        if header:
            _raw(console, "\t".join(columns))
        for row in rows:
            _raw(console, "\t".join(" ".join(cell.split()) for cell in row))
        return
    table = Table(title=title, show_header=header)
    for name, widest in zip(columns, widths, strict=True):
        if name in _WHOLE:
            table.add_column(name, min_width=max(widest, len(name)), overflow="fold")
        else:
            table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _hub_lines(
    source: SourceRef,
    record: str,
    decision: Decision,
    checks: Iterable[CheckOutcome],
    lang: str,
) -> list[RefusalLine]:
    return [
        RefusalLine(
            source.file, source.line, c.column, decision.value, record, c.code, check_text(c, lang)
        )
        for c in checks
        if c.severity in _BLOCKING
    ]


def refusal_lines(report: DeliveryReport, lang: str = DEFAULT_LANG) -> list[RefusalLine]:
    """Every row not accepted and why, in file and line order."""
    lines = [
        RefusalLine(p.file, p.line, p.column, "ADAPTER", "", p.code, problem_text(p, lang))
        for p in report.problems
    ]
    for project in report.projects:
        if project.decision is not Decision.ACCEPTED:
            lines += _hub_lines(
                project.source, project.project_id, project.decision, project.checks, lang
            )
    for claim in report.claims:
        if claim.decision is not Decision.ACCEPTED:
            lines += _hub_lines(claim.source, claim.record_id, claim.decision, claim.checks, lang)
    return sorted(lines, key=lambda r: (r.file, r.line))


def render_refused(
    problems: Iterable[RowProblem],
    delivery_id: str,
    console: Console,
    lang: str = DEFAULT_LANG,
) -> None:
    emit_table(
        console,
        f"Delivery {delivery_id} refused whole",
        ("file", "line", "column", "code", "message"),
        ((p.file, line_text(p.line), p.column, p.code, problem_text(p, lang)) for p in problems),
    )


def render_report(report: DeliveryReport, console: Console, lang: str = DEFAULT_LANG) -> None:
    """A table of what was refused and why, then the delivery's totals."""
    refusals = refusal_lines(report, lang)
    if refusals:
        emit_table(
            console,
            f"{report.partner} {report.delivery_id}: rows not accepted",
            ("file", "line", "column", "outcome", "record", "code", "message"),
            (
                (r.file, line_text(r.line), r.column, r.outcome, r.record, r.code, r.message)
                for r in refusals
            ),
        )

    rows: list[tuple[str, str]] = [
        ("rows read", str(report.rows_read)),
        ("refused by the adapter (problems)", str(len(report.problems))),
    ]
    rows += [(f"projects {d.value.lower()}", str(n)) for d, n in report.project_counts().items()]
    rows += [
        (f"projects {state.lower().replace('_', ' ')} at the hub", str(n))
        for state, n in report.projects_by_review_state().items()
    ]
    rows += [(f"claims {d.value.lower()}", str(n)) for d, n in report.claim_counts().items()]
    rows.append(("exact resubmissions (original verdict)", str(report.resubmissions())))
    reported, credited = report.accepted_tco2e()
    rows.append(("accepted: reported tCO2e", str(reported)))
    rows.append(("accepted: credited tCO2e", str(credited)))
    emit_table(
        console,
        f"{report.partner} {report.delivery_id}: summary",
        ("what", "value"),
        rows,
        header=False,
    )

    codes = report.rejections_by_code()
    project_codes = report.project_rejections_by_code()
    if codes or project_codes:
        emit_table(
            console,
            "rejections by code",
            ("code", "claims and rows", "projects"),
            (
                (code, str(codes.get(code, 0)), str(project_codes.get(code, 0)))
                for code in sorted(set(codes) | set(project_codes))
            ),
        )
