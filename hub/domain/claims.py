"""What a partner submits, and what the hub makes of it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from carbonhub_contract.vocabulary.checks import Severity
from carbonhub_contract.vocabulary.records import Decision
from hub.domain.checks import CheckResult


@dataclass(frozen=True, slots=True)
class FactorUse:
    """One emission factor or parameter that went into a recomputation."""

    factor_id: str
    value: Decimal
    unit: str
    region: str
    year: int | None
    source: str
    provisional: bool


@dataclass(frozen=True, slots=True)
class Trace:
    """How a number was obtained: enough to recompute it by hand."""

    standard_version: str
    methodology: str
    formula_id: str
    formula: str
    inputs: Mapping[str, Decimal]
    factors: tuple[FactorUse, ...]
    discount: Decimal | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NormalisedClaim:
    """A submission expressed in the Shenzhen standard."""

    methodology: str  # Shenzhen methodology id
    period_start: datetime  # aware, UTC
    period_end: datetime  # aware, UTC, exclusive
    vintage: int  # year of the monitoring period end, origin local time
    activity_value: Decimal  # in the methodology's activity unit
    activity_unit: str
    reported_tco2e: Decimal | None
    recomputed_tco2e: Decimal | None
    credited_tco2e: Decimal  # conservative: the lower of the two, after caps and discounts
    trace: Trace


@dataclass(frozen=True, slots=True)
class Verdict:
    """The hub's answer for one claim; a resubmission gets the original back."""

    partner: str
    record_id: str
    claim_id: str
    decision: Decision
    checks: tuple[CheckResult, ...]
    resubmission: bool = False
    methodology: str | None = None
    vintage: int | None = None
    reported_tco2e: Decimal | None = None
    recomputed_tco2e: Decimal | None = None
    credited_tco2e: Decimal | None = None
    trace: Trace | None = None


def decide(checks: Iterable[CheckResult]) -> Decision:
    """REJECTED if any check is an error, HELD if any asks for review, else ACCEPTED."""
    severities = {c.severity for c in checks}
    if Severity.ERROR in severities:
        return Decision.REJECTED
    if Severity.REVIEW in severities:
        return Decision.HELD
    return Decision.ACCEPTED
