"""Checks that fired: a catalogued code with its messages filled in.

The catalogue itself (codes, severities, bilingual templates) is part of the
contract: carbonhub_contract.vocabulary.checks, and docs/checks.md from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from carbonhub_contract.vocabulary.checks import CATALOGUE, Severity


@dataclass(frozen=True, slots=True)
class CheckResult:
    code: str
    severity: Severity
    message_zh: str
    message_en: str
    details: Mapping[str, str] = field(default_factory=dict)


def fire(code: str, **details: object) -> CheckResult:
    """Make the result of one check that fired, with its messages filled in."""
    definition = CATALOGUE[code]
    text = {k: "" if v is None else str(v) for k, v in details.items()}
    return CheckResult(
        code=code,
        severity=definition.severity,
        message_zh=definition.message_zh.format_map(_Missing(text)),
        message_en=definition.message_en.format_map(_Missing(text)),
        details=text,
    )


class _Missing(dict[str, str]):
    """Leaves an unknown placeholder visible instead of raising KeyError."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def blocks(checks: Iterable[CheckResult]) -> bool:
    """True when any check rejects or holds the claim."""
    return any(c.severity in (Severity.ERROR, Severity.REVIEW) for c in checks)
