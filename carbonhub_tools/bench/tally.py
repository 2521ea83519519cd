"""Verdicts counted the same way whichever path decided them.

The benchmark counts what came back over gRPC; its test counts what the
in-process IngestionService returned for the same claims. Equal tallies
mean the fast path skipped no check.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from hub.domain.claims import Verdict


@dataclass
class Tally:
    decisions: Counter[str] = field(default_factory=Counter)
    resubmissions: int = 0
    # Codes of the checks on rejected (and on held) verdicts, one count per verdict and code.
    rejections: Counter[str] = field(default_factory=Counter)
    holds: Counter[str] = field(default_factory=Counter)

    def count(self, decision: str, resubmission: bool, codes: list[str]) -> None:
        self.decisions[decision] += 1
        if resubmission:
            self.resubmissions += 1
        if decision == "REJECTED":
            self.rejections.update(set(codes))
        elif decision == "HELD":
            self.holds.update(set(codes))

    def add_verdict(self, verdict: Verdict) -> None:
        self.count(
            str(verdict.decision), verdict.resubmission, [check.code for check in verdict.checks]
        )

    def add_proto(self, verdict: pb.Verdict) -> None:
        decision = pb.Decision.Name(verdict.decision).removeprefix("DECISION_")
        self.count(decision, verdict.resubmission, [check.code for check in verdict.checks])

    def merge(self, other: Tally) -> None:
        self.decisions.update(other.decisions)
        self.resubmissions += other.resubmissions
        self.rejections.update(other.rejections)
        self.holds.update(other.holds)

    def as_json(self) -> dict[str, object]:
        return {
            "decisions": dict(sorted(self.decisions.items())),
            "resubmissions": self.resubmissions,
            "rejections": dict(sorted(self.rejections.items())),
            "holds": dict(sorted(self.holds.items())),
        }
