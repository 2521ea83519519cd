"""standards/offsets.yaml and the agreements' source-cancellation deadline."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hub.standard import Standard, load_standard
from tests.unit.standard.standard_copies import edit, refused

OFFSETS = "standards/offsets.yaml"

# --- the shipped data -------------------------------------------------------------


def test_shipped_offset_rules(standard: Standard) -> None:
    rules = standard.offset_rules
    assert rules.cap_share_of_verified_emissions.value == Decimal("0.10")
    assert type(rules.cap_share_of_verified_emissions.value) is Decimal
    assert rules.vintage_window_years.value == 3
    assert rules.origins == frozenset({"CN-GD", "CN-HK"})
    assert {o: s.value for o, s in rules.max_share_by_origin.items()} == {
        "CN-GD": Decimal("0.30"),
        "CN-HK": Decimal("0.30"),
    }


def test_every_offset_value_is_sourced_and_provisional(standard: Standard) -> None:
    rules = standard.offset_rules
    cap = rules.cap_share_of_verified_emissions
    assert "ICAP" in cap.source and "343" in cap.source and cap.provisional
    values: list[Any] = [  # sourced values of several types, read alike
        cap,
        rules.vintage_window_years,
        *rules.eligible_origins,
        *rules.max_share_by_origin.values(),
    ]
    for value in values:
        assert value.source.strip() and value.provisional, value
    assert rules.provisional


def test_source_cancellation_deadline_only_where_the_partner_issues_credits(
    standard: Standard,
) -> None:
    gd, hk = standard.agreement("CN-GD"), standard.agreement("CN-HK")
    assert gd is not None and hk is not None
    assert gd.source_cancellation_deadline_days == 90
    assert hk.source_cancellation_deadline_days is None
    assert gd.provisional and "90" in gd.source
    assert standard.source_cancellation_deadline("CN-GD") == timedelta(days=90)
    assert standard.source_cancellation_deadline("CN-HK") is None
    assert standard.source_cancellation_deadline("CN-XX") is None


def test_new_offset_cap_needs_no_code_change(copy: Path) -> None:
    edit(copy / "offsets.yaml", 'value: "0.10"', 'value: "0.20"')
    assert load_standard(copy).offset_rules.cap_share_of_verified_emissions.value == Decimal("0.20")


# --- refusals: file, path, reason ---------------------------------------------------


def test_missing_offsets_file_is_refused(copy: Path) -> None:
    (copy / "offsets.yaml").unlink()
    error = refused(copy)
    assert error.file == OFFSETS and "cannot read" in error.reason


@pytest.mark.parametrize(
    ("old", "new", "location", "reason"),
    [
        ('value: "0.10"', 'value: "1.5"', "cap_share_of_verified_emissions", "at most 1"),
        ('value: "0.10"', 'value: "0"', "cap_share_of_verified_emissions", "above 0"),
        ('value: "0.10"', "value: ten", "cap_share_of_verified_emissions.value", "not a decimal"),
        ("value: 3\n", "value: -1\n", "vintage_window_years.value", "greater than or equal"),
        ("value: 3\n", 'value: "3"\n', "vintage_window_years.value", "integer"),
        (
            'CN-GD:\n    value: "0.30"',
            'CN-GD:\n    value: "2"',
            "max_share_by_origin.CN-GD",
            "most 1",
        ),
        ("  - origin: CN-HK", "  - origin: CN-TPL", "eligible_origins[1].origin", "no agreement"),
        ("  - origin: CN-HK", "  - origin: CN-GD", "eligible_origins[1].origin", "twice"),
        (
            "max_share_by_origin:\n",
            'max_share_by_origin:\n  CN-TPL: {value: "0.1", source: x, provisional: true}\n',
            "max_share_by_origin.CN-TPL",
            "not an eligible origin",
        ),
        ("notes:", "colour: red\nnotes:", "colour", "Extra inputs"),
        ("provisional: true\nnotes:", "notes:", "provisional", "Field required"),
    ],
)
def test_bad_offsets_file_is_refused_with_path_and_reason(
    copy: Path, old: str, new: str, location: str, reason: str
) -> None:
    edit(copy / "offsets.yaml", old, new)
    error = refused(copy)
    assert (error.file, error.location) == (OFFSETS, location)
    assert reason in error.reason


def test_empty_eligible_origins_is_refused(copy: Path) -> None:
    text = (copy / "offsets.yaml").read_text(encoding="utf-8")
    head, _, _ = text.partition("eligible_origins:")
    (copy / "offsets.yaml").write_text(head + "eligible_origins: []\n", encoding="utf-8")
    error = refused(copy)
    assert (error.file, error.location) == (OFFSETS, "eligible_origins")


def test_credit_issuing_partner_without_deadline_is_refused(copy: Path) -> None:
    edit(copy / "agreements" / "CN-GD.yaml", "source_cancellation_deadline_days: 90\n", "")
    error = refused(copy)
    assert (error.file, error.location) == (
        "standards/agreements/CN-GD.yaml",
        "source_cancellation_deadline_days",
    )
    assert "issues credits" in error.reason


def test_deadline_for_a_partner_without_credits_is_refused(copy: Path) -> None:
    edit(
        copy / "agreements" / "CN-HK.yaml",
        "adjustment_ref_required: true\n",
        "adjustment_ref_required: true\nsource_cancellation_deadline_days: 30\n",
    )
    error = refused(copy)
    assert (error.file, error.location) == (
        "standards/agreements/CN-HK.yaml",
        "source_cancellation_deadline_days",
    )


def test_non_positive_deadline_is_refused(copy: Path) -> None:
    edit(
        copy / "agreements" / "CN-GD.yaml",
        "source_cancellation_deadline_days: 90",
        "source_cancellation_deadline_days: 0",
    )
    error = refused(copy)
    assert error.location == "source_cancellation_deadline_days"
    assert "greater than 0" in error.reason
