"""Rendering a DeliveryReport for the partner's operator, with rich."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from adapters.delivery import RowProblem, SourceRef
from adapters.delivery_report import CheckOutcome, DeliveryReport
from hub.domain.checks import Severity
from hub.domain.claims import Decision

_BLOCKING = (Severity.ERROR, Severity.REVIEW)


@dataclass(frozen=True, slots=True)
class RefusalLine:
    """One reason one row was not accepted: by the adapter, or by the hub."""

    file: str
    line: int
    column: str
    outcome: str  # "ADAPTER", "REJECTED" or "HELD"
    record: str  # record or project id, "" for adapter problems
    code: str
    message: str


def _hub_lines(
    source: SourceRef, record: str, decision: Decision, checks: Iterable[CheckOutcome]
) -> list[RefusalLine]:
    return [
        RefusalLine(
            source.file, source.line, c.column, decision.value, record, c.code, c.message_en
        )
        for c in checks
        if c.severity in _BLOCKING
    ]


def refusal_lines(report: DeliveryReport) -> list[RefusalLine]:
    """Every row not accepted and why, in file and line order."""
    lines = [
        RefusalLine(p.file, p.line, p.column, "ADAPTER", "", p.code, p.message)
        for p in report.problems
    ]
    for project in report.projects:
        if project.decision is not Decision.ACCEPTED:
            lines += _hub_lines(
                project.source, project.project_id, project.decision, project.checks
            )
    for claim in report.claims:
        if claim.decision is not Decision.ACCEPTED:
            lines += _hub_lines(claim.source, claim.record_id, claim.decision, claim.checks)
    return sorted(lines, key=lambda r: (r.file, r.line))


def problems_table(problems: Iterable[RowProblem], title: str) -> Table:
    table = Table(title=title, show_lines=False)
    for name in ("file", "line", "column", "code", "message"):
        table.add_column(name, overflow="fold")
    for p in problems:
        table.add_row(p.file, str(p.line), p.column, p.code, p.message)
    return table


def render_refused(problems: Iterable[RowProblem], delivery_id: str, console: Console) -> None:
    console.print(problems_table(problems, f"Delivery {delivery_id} refused whole"))


def render_report(report: DeliveryReport, console: Console) -> None:
    """A table of what was refused and why, then the delivery's totals."""
    refusals = refusal_lines(report)
    if refusals:
        table = Table(title=f"{report.partner} {report.delivery_id}: rows not accepted")
        for name in ("file", "line", "column", "outcome", "record", "code", "message"):
            table.add_column(name, overflow="fold")
        for r in refusals:
            line = str(r.line) if r.line else "-"
            table.add_row(r.file, line, r.column, r.outcome, r.record, r.code, r.message)
        console.print(table)

    summary = Table(title=f"{report.partner} {report.delivery_id}: summary", show_header=False)
    summary.add_column("what")
    summary.add_column("value", justify="right")
    summary.add_row("rows read", str(report.rows_read))
    summary.add_row("refused by the adapter (problems)", str(len(report.problems)))
    for decision, count in report.project_counts().items():
        summary.add_row(f"projects {decision.value.lower()}", str(count))
    for state, count in report.projects_by_review_state().items():
        summary.add_row(f"projects {state.lower().replace('_', ' ')} at the hub", str(count))
    for decision, count in report.claim_counts().items():
        summary.add_row(f"claims {decision.value.lower()}", str(count))
    summary.add_row("exact resubmissions (original verdict)", str(report.resubmissions()))
    reported, credited = report.accepted_tco2e()
    summary.add_row("accepted: reported tCO2e", str(reported))
    summary.add_row("accepted: credited tCO2e", str(credited))
    console.print(summary)

    codes = report.rejections_by_code()
    project_codes = report.project_rejections_by_code()
    if codes or project_codes:
        by_code = Table(title="rejections by code")
        by_code.add_column("code")
        by_code.add_column("claims and rows", justify="right")
        by_code.add_column("projects", justify="right")
        for code in sorted(set(codes) | set(project_codes)):
            by_code.add_row(code, str(codes.get(code, 0)), str(project_codes.get(code, 0)))
        console.print(by_code)
