"""A delivery's report as one JSON document (``--json``), schema documented in adapters/README.md.

The field names are a contract with the partner's scripts: never renamed,
never reused; a field is only added, and ``version`` rises when a field's
meaning changes. Quantities are decimal strings (never floats); a value the
hub did not give is null, never "".
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from adapters.delivery import Delivery, RowProblem
from adapters.delivery_report import CheckOutcome, ClaimOutcome, DeliveryReport, ProjectOutcome
from adapters.problem_codes import FILE_CODES, ProblemCode
from adapters.report_language import check_text, problem_text, shown_line
from carbonhub_contract.vocabulary.records import Decision

SCHEMA = "carbon-hub-adapter/delivery-report"
VERSION = 1

# outcome → the exit code it has
OUTCOMES: Mapping[str, int] = {
    "PROCESSED": 0,  # sent; rows may have been refused (problems, claims' decisions)
    "REFUSED": 2,  # the delivery refused whole, or the invocation cannot work: nothing sent
    "HUB_FAILED": 3,  # the hub unreachable, a call failed, a receipt did not verify
    "PARTLY_REFUSED": 4,  # sent, but a file refused whole (refused_files): its rows not sent
}
_DELIVERY_CODES = frozenset({ProblemCode.MANIFEST_MISSING, ProblemCode.MANIFEST_INVALID})


def _or_none(text: str) -> str | None:
    return text or None


def _level(problem: RowProblem) -> str:
    if problem.code in _DELIVERY_CODES:
        return "delivery"
    if problem.code in FILE_CODES or problem.file_level:
        return "file"
    return "row"


def _problem(problem: RowProblem, lang: str) -> dict[str, Any]:
    return {
        "file": problem.file,
        "line": shown_line(problem.line),
        "column": _or_none(problem.column),
        "level": _level(problem),
        "code": str(problem.code),
        "message": problem_text(problem, lang),
        "detail": problem.message,
    }


def _check(check: CheckOutcome, lang: str) -> dict[str, Any]:
    return {
        "code": check.code,
        "severity": check.severity.value,
        "column": _or_none(check.column),
        "message": check_text(check, lang),
        "details": dict(sorted(check.details.items())),
    }


def _project(project: ProjectOutcome, lang: str) -> dict[str, Any]:
    return {
        "project_id": project.project_id,
        "file": project.source.file,
        "line": shown_line(project.source.line),
        "decision": project.decision.value,
        "review_state": _or_none(project.review_state),
        "checks": [_check(c, lang) for c in project.checks],
    }


def _claim(claim: ClaimOutcome, lang: str) -> dict[str, Any]:
    return {
        "record_id": claim.record_id,
        "file": claim.source.file,
        "line": shown_line(claim.source.line),
        "claim_id": _or_none(claim.claim_id),
        "decision": claim.decision.value,
        "state": _or_none(claim.state),
        "resubmission": claim.resubmission,
        "methodology": _or_none(claim.methodology),
        "vintage": claim.vintage,
        "reported_tco2e": _or_none(claim.reported_tco2e),
        "recomputed_tco2e": _or_none(claim.recomputed_tco2e),
        "credited_tco2e": _or_none(claim.credited_tco2e),
        "carried_tco2e": _or_none(claim.carried_tco2e),
        "origin_serial": _or_none(claim.origin_serial),
        "block_serials": list(claim.block_serials),
        "vintage_parts": [
            {
                "vintage": part.vintage,
                "credited_tco2e": part.credited_tco2e,
                "block_serials": list(part.block_serials),
                "carried_tco2e": _or_none(part.carried_tco2e),
            }
            for part in claim.vintage_parts
        ],
        "checks": [_check(c, lang) for c in claim.checks],
    }


def _counts(counts: Mapping[Decision, int] | None) -> dict[str, int]:
    """Every decision, 0 when none (and when nothing was read)."""
    return {d.value: (counts or {}).get(d, 0) for d in Decision}


def delivery_document(
    *,
    adapter: str,
    lang: str,
    outcome: str,
    delivery: Delivery | None,
    report: DeliveryReport | None = None,
    error: tuple[str | None, str] | None = None,
) -> dict[str, Any]:
    """The document of one run; ``delivery`` is None when the run stopped before reading it.

    ``error`` is (reason code or None, message) of a run that stopped (exit 2 or 3).
    """
    problems: Sequence[RowProblem] = delivery.problems if delivery else ()
    if report is None and delivery is not None:
        report = DeliveryReport(
            delivery.partner, delivery.delivery_id, delivery.rows_read, tuple(problems)
        )
    reported, credited = report.accepted_tco2e() if report else (None, None)
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "adapter": adapter,
        "lang": lang,
        "outcome": outcome,
        "exit_code": OUTCOMES[outcome],
        "sent": report is not None and bool(report.claims or report.projects),
        "partner": delivery.partner if delivery else None,
        "delivery": delivery.delivery_id if delivery else None,
        "rows_read": delivery.rows_read if delivery else 0,
        "problems": [_problem(p, lang) for p in problems],
        "refused_files": sorted({p.file for p in problems if p.file_level}),
        "projects": [_project(p, lang) for p in report.projects] if report else [],
        "claims": [_claim(c, lang) for c in report.claims] if report else [],
        "counts": {
            "problems": len(problems),
            "claims": _counts(report.claim_counts() if report else None),
            "projects": _counts(report.project_counts() if report else None),
            "projects_by_review_state": report.projects_by_review_state() if report else {},
            "resubmissions": report.resubmissions() if report else 0,
            "rejections_by_code": report.rejections_by_code() if report else {},
        },
        "accepted_tco2e": {
            "reported": None if reported is None else str(reported),
            "credited": None if credited is None else str(credited),
        },
        "error": None if error is None else {"code": error[0], "message": error[1]},
    }


def dump(document: Mapping[str, Any]) -> str:
    """One line of JSON, characters as they are (the partner's Chinese stays readable)."""
    return json.dumps(document, ensure_ascii=False, sort_keys=False)
