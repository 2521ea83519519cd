"""Normalisation: a partner record expressed in the Shenzhen standard.

The partner's methodology is mapped through its crosswalk. A "recompute"
entry evaluates the Shenzhen formula over the activity (converted to the
methodology's unit) with the factors of the place and year of the activity;
the lower of recomputed and reported is kept. A "reported_only" entry
credits the partner's reported tCO2e less the crosswalk discount. A
per-person daily cap then applies to personal claims. Every tCO2e figure is
rounded *down* to 6 decimals, so rounding never creates a reduction. The
trace records everything needed to redo the arithmetic by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from weakref import WeakKeyDictionary

from carbonhub_contract.vocabulary.records import ClaimSubmission
from hub.domain.checks import CheckResult, fire
from hub.domain.claims import FactorUse, NormalisedClaim, Trace
from hub.domain.crosswalks import CrosswalkEntry, Mode
from hub.domain.factors import VariantBy
from hub.domain.methodologies import Methodology
from hub.domain.periods import Period
from hub.domain.standard_terms import FormulaEvaluationError, StandardTerms

TCO2E_PLACES = Decimal("0.000001")
_DAYS_PER_YEAR = Decimal(365)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)
# No partner quantity needs more: 15 integer digits is 10^15 kWh or tCO2e,
# and 12 decimals is finer than any meter. Beyond them the decimal context
# of the recomputation (28 digits) could no longer hold the exact product.
_MAX_INTEGER_DIGITS = 15
_MAX_FRACTION_DIGITS = 12


def parse_decimal(text: str | None) -> Decimal | None:
    """A plain decimal number (no exponent, no thousands separator) of at most 15
    integer and 12 fraction digits, else None."""
    if text is None:
        return None
    value = text.strip()
    if not _NUMBER.fullmatch(value):
        return None
    whole, _, fraction = value.lstrip("+-").partition(".")
    if len(whole.lstrip("0")) > _MAX_INTEGER_DIGITS or len(fraction) > _MAX_FRACTION_DIGITS:
        return None
    return Decimal(value)


def floor_tco2e(value: Decimal) -> Decimal:
    """Round down to 6 decimals (conservative)."""
    return value.quantize(TCO2E_PLACES, rounding=ROUND_FLOOR)


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def normalise(
    submission: ClaimSubmission,
    standard: StandardTerms,
    entry: CrosswalkEntry,
    methodology: Methodology,
    period: Period,
    activity: Decimal,
    reported: Decimal | None,
    notes: tuple[str, ...] = (),
) -> tuple[NormalisedClaim | None, list[CheckResult]]:
    """Normalise one claim whose inputs were already checked.

    ``activity`` is in the methodology's activity unit; material and utility
    were checked by the caller. Returns the normalised claim (None when no
    number can be obtained) and the checks that fired on the way.
    """
    checks: list[CheckResult] = []
    trace_notes = list(notes)
    vintage = period.vintage
    period_days = period.days
    derived = {"activity": activity, "days": period_days, "years": period_days / _DAYS_PER_YEAR}
    inputs = {name: derived[name] for name in methodology.inputs}
    factor_uses: tuple[FactorUse, ...] = ()
    discount: Decimal | None = None
    recomputed: Decimal | None = None

    if entry.mode is Mode.RECOMPUTE:
        resolved = _resolve_factors(
            standard,
            entry,
            methodology,
            _text(submission.material),
            _text(submission.utility),
            vintage,
        )
        checks.extend(resolved.checks)
        if resolved.missing:
            return None, checks
        values = {**inputs, **resolved.values}
        factor_uses = resolved.uses
        formula = standard.formula(methodology.id)
        try:
            raw = formula.evaluate(values)
        except FormulaEvaluationError as exc:
            checks.append(
                fire("RECOMPUTATION_FAILED", formula_id=methodology.formula_id, reason=str(exc))
            )
            return None, checks
        recomputed = max(floor_tco2e(raw), Decimal(0))
        formula_id, formula_text = methodology.formula_id, formula.text
        if reported is None:
            base = recomputed
        elif reported > recomputed:
            checks.append(
                fire(
                    "REPORTED_EXCEEDS_RECOMPUTED",
                    field="reported_tco2e",
                    reported=reported,
                    recomputed=recomputed,
                )
            )
            base = recomputed
            trace_notes.append("reported exceeds recomputed: the recomputed value is kept")
        elif recomputed > reported:
            checks.append(
                fire(
                    "RECOMPUTED_EXCEEDS_REPORTED",
                    field="reported_tco2e",
                    reported=reported,
                    recomputed=recomputed,
                )
            )
            base = reported
            trace_notes.append("recomputed exceeds reported: the reported value is kept")
        else:
            base = recomputed
    else:
        if reported is None:
            checks.append(
                fire(
                    "REPORTED_REQUIRED",
                    field="reported_tco2e",
                    methodology=entry.partner_methodology,
                )
            )
            return None, checks
        assert entry.discount is not None  # the model requires it for reported_only
        discount = entry.discount.value
        base = reported * (1 - discount)
        checks.append(
            fire(
                "CROSSWALK_DISCOUNT_APPLIED",
                field="reported_tco2e",
                discount=discount,
                partner_methodology=entry.partner_methodology,
            )
        )
        formula_id = f"{submission.partner}/{entry.partner_methodology}/reported_only"
        formula_text = "reported_tco2e * (1 - discount)"
        trace_notes.append(
            f"reported-only crosswalk to {methodology.id}; discount source: {entry.discount.source}"
            + (" (provisional)" if entry.discount.provisional else "")
        )

    cap = methodology.daily_cap_tco2e
    if cap is not None and _text(submission.person_pseudonym) is not None:
        days = period.whole_days
        capped = floor_tco2e(cap.value * days)
        if base > capped:
            checks.append(
                fire(
                    "DAILY_CAP_APPLIED",
                    field="activity_quantity",
                    cap=cap.value,
                    days=days,
                    capped=capped,
                )
            )
            base = capped
            trace_notes.append(f"per-person daily cap {cap.value} tCO2e x {days} days applied")

    credited = floor_tco2e(max(base, Decimal(0)))
    if credited == 0:
        checks.append(fire("ZERO_REDUCTION", field="activity_quantity"))
    if reported is not None:
        inputs = {**inputs, "reported_tco2e": reported}
    trace = Trace(
        standard_version=standard.version,
        methodology=methodology.id,
        formula_id=formula_id,
        formula=formula_text,
        inputs=inputs,
        factors=factor_uses,
        discount=discount,
        notes=tuple(trace_notes),
    )
    normalised = NormalisedClaim(
        methodology=methodology.id,
        period_start=period.start,
        period_end=period.end,
        vintage=vintage,
        activity_value=activity,
        activity_unit=methodology.activity_unit,
        reported_tco2e=reported,
        recomputed_tco2e=recomputed,
        credited_tco2e=credited,
        trace=trace,
    )
    return normalised, checks


@dataclass(frozen=True, slots=True)
class _ResolvedFactors:
    """The factors of one methodology for one place, year, material and utility."""

    entry: CrosswalkEntry  # held so that the ids keying the cache stay theirs
    methodology: Methodology
    values: dict[str, Decimal]  # factor id -> value, for the formula
    uses: tuple[FactorUse, ...]  # for the trace
    checks: tuple[
        CheckResult, ...
    ]  # FACTOR_NOT_AVAILABLE, FACTOR_YEAR_FALLBACK, FACTOR_PROVISIONAL
    missing: bool  # a factor has no value: no number can be computed


_FactorKey = tuple[int, int, str | None, str | None, int]
# Every claim of a methodology, place and year uses the same factors: they
# are looked up (and their checks made) once per standard and key instead of
# once per claim. The standard is immutable, and a standard no longer used
# takes its cache with it. The size bound only guards against odd inputs.
_Resolved = dict[_FactorKey, _ResolvedFactors]
_RESOLVED: WeakKeyDictionary[StandardTerms, _Resolved] = WeakKeyDictionary()
_RESOLVED_PER_STANDARD = 4096


def _resolve_factors(
    standard: StandardTerms,
    entry: CrosswalkEntry,
    methodology: Methodology,
    material: str | None,
    utility: str | None,
    vintage: int,
) -> _ResolvedFactors:
    cache = _RESOLVED.get(standard)
    if cache is None:
        cache = _RESOLVED.setdefault(standard, {})
    key = (id(entry), id(methodology), material, utility, vintage)
    found = cache.get(key)
    if found is not None and found.entry is entry and found.methodology is methodology:
        return found
    found = _look_up_factors(standard, entry, methodology, material, utility, vintage)
    if len(cache) >= _RESOLVED_PER_STANDARD:
        cache.clear()
    cache[key] = found
    return found


def _look_up_factors(
    standard: StandardTerms,
    entry: CrosswalkEntry,
    methodology: Methodology,
    material: str | None,
    utility: str | None,
    vintage: int,
) -> _ResolvedFactors:
    checks: list[CheckResult] = []
    values: dict[str, Decimal] = {}
    factor_uses: list[FactorUse] = []
    missing = False
    for factor_id in methodology.factors:
        factor = standard.factor(factor_id)
        if factor is None:  # the loader guarantees it; kept for type narrowing
            missing = True
            continue
        if factor.variant_by is VariantBy.MATERIAL:
            variant = material
        elif factor.variant_by is VariantBy.CROSSWALK:
            variant = entry.variant
        else:
            variant = None
        label = f"{factor_id}/{variant}" if variant else factor_id
        region = standard.factor_region(entry, factor_id, utility)
        lookup = standard.factor_value(factor_id, region, vintage, variant) if region else None
        if lookup is None:
            checks.append(fire("FACTOR_NOT_AVAILABLE", factor=label, region=region, year=vintage))
            missing = True
            continue
        used = lookup.value
        if lookup.fell_back:
            checks.append(
                fire("FACTOR_YEAR_FALLBACK", factor=label, year=vintage, used_year=used.year)
            )
        if used.provisional:
            checks.append(fire("FACTOR_PROVISIONAL", factor=label, region=lookup.region))
        values[factor_id] = used.value
        factor_uses.append(
            FactorUse(
                factor_id=label,
                value=used.value,
                unit=factor.unit,
                region=lookup.region,
                year=used.year,
                source=used.source,
                provisional=used.provisional,
            )
        )
    return _ResolvedFactors(entry, methodology, values, tuple(factor_uses), tuple(checks), missing)
