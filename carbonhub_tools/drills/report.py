"""What a drill checked and found, printed the same way by every drill."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Check:
    name: str
    expected: str
    found: str
    passed: bool


@dataclass
class DrillReport:
    """Checks (each passed or not) and figures (measurements, never judged)."""

    drill: str
    checks: list[Check] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def check(self, name: str, expected: object, found: object) -> bool:
        """Record that ``found`` had to equal ``expected``."""
        passed = expected == found
        self.checks.append(Check(name, str(expected), str(found), passed))
        return passed

    def require(self, name: str, passed: bool, found: object) -> bool:
        """Record a check whose condition the caller evaluated."""
        self.checks.append(Check(name, "yes", str(found), passed))
        return passed

    def note(self, text: str) -> None:
        self.notes.append(text)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def render(self, emit: Callable[[str], None] = print) -> None:
        emit(f"drill {self.drill}")
        for text in self.notes:
            emit(f"  {text}")
        for c in self.checks:
            mark = "ok  " if c.passed else "FAIL"
            if c.expected == "yes":
                emit(f"  {mark} {c.name}: {c.found}")
            else:
                emit(f"  {mark} {c.name}: expected {c.expected}, found {c.found}")
        verdict = "PASSED" if self.passed else f"FAILED ({len(self.failures())} checks)"
        emit(f"drill {self.drill} {verdict}")
        emit(json.dumps({"drill": self.drill, "passed": self.passed, **self.figures}))
