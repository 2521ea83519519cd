"""standards/points.yaml: the exchange rules from credited personal reductions
to carbon points (碳积分), validated on load and handed to the domain as
hub.domain.points.PointsRules (plain values: the domain sees no YAML or
pydantic).

Load with ``load_points_rules(root, standard)`` next to ``load_standard``;
a standards folder without points.yaml has no rules (no claim earns points).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from hub.domain.methodologies import Basis
from hub.domain.points import MAX_VALIDITY_MONTHS, PointsRule, PointsRules
from hub.standard.loaded import Standard
from hub.standard.loader import _File
from hub.standard.models import Dec, Text, _Model

__all__ = ["POINTS_FILE", "load_points_rules"]

POINTS_FILE = "points.yaml"


class _Per(StrEnum):
    TCO2E = "tCO2e"
    KGCO2E = "kgCO2e"


class _Rate(_Model):
    value: Dec
    per: Annotated[_Per, Field(strict=False)]
    source: Text
    provisional: bool


class _Cap(_Model):
    value: Annotated[int, Field(gt=0)]
    source: Text
    provisional: bool


class _Validity(_Model):
    value: Annotated[int, Field(gt=0)]
    unit: Literal["months", "years"]
    source: Text
    provisional: bool


class _Rule(_Model):
    partner: Text
    methodology: Text
    rate: _Rate
    rounding: Literal["floor"]
    daily_cap: _Cap
    validity: _Validity


class _PointsFile(_Model):
    source: Text
    rules: list[_Rule]


def load_points_rules(root: Path, standard: Standard) -> PointsRules:
    """The rules of ``root``/points.yaml, checked against ``standard``
    (StandardError naming the file, the rule and why when refused)."""
    path = root / POINTS_FILE
    if not path.exists():
        return PointsRules()
    file = _File(root, path)
    parsed = file.parse(_PointsFile)
    rules: dict[tuple[str, str], PointsRule] = {}
    for i, rule in enumerate(parsed.rules):
        at = f"rules[{i}]"
        if standard.agreement(rule.partner) is None:
            raise file.error(f"{at}.partner", f"no agreement for partner {rule.partner!r}")
        methodology = standard.methodology(rule.methodology)
        if methodology is None:
            raise file.error(f"{at}.methodology", f"no methodology {rule.methodology!r}")
        if methodology.id != rule.methodology:
            # Rules are looked up by the id new claims carry: a former id would never match.
            raise file.error(
                f"{at}.methodology",
                f"{rule.methodology} was renamed {methodology.id}: the standard names current ids",
            )
        if methodology.basis is Basis.PROJECT:
            raise file.error(
                f"{at}.methodology",
                f"{rule.methodology} is claimed by projects: points reward people",
            )
        if (rule.partner, rule.methodology) in rules:
            raise file.error(at, f"a second rule for {rule.partner} and {rule.methodology}")
        if rule.rate.value <= 0:
            raise file.error(f"{at}.rate.value", "a rate is above zero")
        months = rule.validity.value * (12 if rule.validity.unit == "years" else 1)
        if months > MAX_VALIDITY_MONTHS:
            raise file.error(
                f"{at}.validity",
                "points last at most 10 years (深环规〔2022〕5号)",
            )
        per_tonne = rule.rate.value * (Decimal(1000) if rule.rate.per is _Per.KGCO2E else 1)
        rules[(rule.partner, rule.methodology)] = PointsRule(
            partner=rule.partner,
            methodology=rule.methodology,
            points_per_tco2e=per_tonne,
            daily_cap=rule.daily_cap.value,
            validity_months=months,
        )
    defaults = {}
    for partner in standard.partners():
        agreement = standard.agreement(partner)
        default = agreement.default_platform if agreement is not None else None
        if default is not None:
            defaults[partner] = default.id
    return PointsRules(rules, defaults, standard.former_methodology_ids())
