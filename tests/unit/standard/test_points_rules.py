"""standards/points.yaml: exchange rules to carbon points, checked on load."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from hub.standard import Standard, StandardError, default_standards_dir, load_standard
from hub.standard.points import load_points_rules
from tests.unit.standard.standard_copies import edit


def _refused(root: Path) -> StandardError:
    with pytest.raises(StandardError) as info:
        load_points_rules(root, load_standard(root))
    return info.value


def test_every_partner_with_personal_claims_has_points_rules(standard: Standard) -> None:
    rules = load_points_rules(default_standards_dir(), standard)
    partners = {partner for partner, _ in rules.rules}
    assert partners == {"CN-GD", "CN-HK", "CN-MO"}
    metro = rules.rule("CN-GD", "SZ-TRANSIT-METRO")
    assert metro is not None
    # 100,000 per tonne: one point per credited 10 g, rounded down.
    assert metro.points_for(Decimal("0.000411")) == 41
    # Hong Kong writes its rate per kilogram: the same rate per tonne.
    hk = rules.rule("CN-HK", "HUB-INTERIM-RECYCLE")
    assert hk is not None and hk.points_per_tco2e == Decimal(100_000)
    assert rules.rule("CN-GD", "SZ-PV") is None  # projects earn no points


def test_every_rate_is_provisional_because_no_ratio_is_published() -> None:
    text = (default_standards_dir() / "points.yaml").read_text(encoding="utf-8")
    rates = [line for line in text.splitlines() if line.strip().startswith("rate:")]
    assert rates
    for line in rates:
        assert "provisional: true" in line
        assert "no published points-to-CER ratio" in line


def test_validity_above_ten_years_is_refused(copy: Path) -> None:
    edit(
        copy / "points.yaml",
        "validity: {value: 10, unit: years",
        "validity: {value: 11, unit: years",
    )
    error = _refused(copy)
    assert "at most 10 years" in str(error)
    assert error.location == "rules[0].validity"


def test_a_rule_for_a_project_methodology_is_refused(copy: Path) -> None:
    edit(copy / "points.yaml", "methodology: SZ-BIKE", "methodology: SZ-PV")
    assert "points reward people" in str(_refused(copy))


def test_an_unknown_partner_is_refused(copy: Path) -> None:
    edit(copy / "points.yaml", "partner: CN-GD", "partner: CN-XX")
    assert "no agreement for partner 'CN-XX'" in str(_refused(copy))


def test_rounding_other_than_floor_is_refused(copy: Path) -> None:
    edit(copy / "points.yaml", "    rounding: floor", "    rounding: half_up")
    assert _refused(copy).location == "rules[0].rounding"


def test_a_rate_that_is_no_number_is_refused(copy: Path) -> None:
    edit(copy / "points.yaml", 'rate: {value: "100000"', 'rate: {value: "many"')
    assert "rules[0].rate.value" in str(_refused(copy))


def test_no_points_file_means_no_rules(copy: Path) -> None:
    (copy / "points.yaml").unlink()
    assert not load_points_rules(copy, load_standard(copy))
