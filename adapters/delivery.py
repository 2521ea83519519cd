"""What an adapter makes of one partner delivery, before anything is sent."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from carbonhub_contract.vocabulary.records import ClaimSubmission, ProjectSubmission


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a record came from: file name in the delivery and 1-based physical line."""

    file: str
    line: int


@dataclass(frozen=True, slots=True)
class SourcedClaim:
    submission: ClaimSubmission
    source: SourceRef


@dataclass(frozen=True, slots=True)
class SourcedProject:
    submission: ProjectSubmission
    source: SourceRef


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A syntax fault the adapter found itself.

    ``line`` is the 1-based physical line of the CSV (header = line 1);
    a problem with a whole file or the manifest has line 0, which reports
    never show as a line (``—`` in text, null in JSON). Its column is ""
    or the missing header column, or for the manifest the field at fault
    (``sha256["reductions.csv"]``). ``code`` is one of
    adapters.problem_codes.ProblemCode.
    """

    file: str
    line: int
    column: str
    code: str
    message: str

    @property
    def file_level(self) -> bool:
        return self.line == 0


@dataclass(frozen=True, slots=True)
class Delivery:
    """One partner delivery, mapped.

    Every data row read ends either as a claim or project to send or as one
    or more RowProblems on its line; nothing is dropped silently.
    ``claim_columns`` / ``project_columns`` name, for each ClaimSubmission /
    ProjectSubmission field, the partner column it came from, so a hub check
    about a field can be reported against the partner's own column.
    """

    partner: str
    delivery_id: str
    rows_read: int
    projects: list[SourcedProject]
    claims: list[SourcedClaim]
    problems: list[RowProblem]
    claim_columns: Mapping[str, str] = field(default_factory=dict)
    project_columns: Mapping[str, str] = field(default_factory=dict)

    @property
    def refused(self) -> bool:
        """True when the delivery is refused whole: file-level faults and nothing to send."""
        return (
            any(p.file_level for p in self.problems)
            and not self.claims
            and not self.projects
            and self.rows_read == 0
        )
