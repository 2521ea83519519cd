"""Agreements name the platforms that report personal behaviour: checked on load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hub.domain.credit_codes import check_character
from hub.standard import Standard, StandardError, default_standards_dir, load_standard


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    root = tmp_path / "standards"
    shutil.copytree(default_standards_dir(), root)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _refused(root: Path) -> StandardError:
    with pytest.raises(StandardError) as info:
        load_standard(root)
    return info.value


def test_partners_with_personal_methodologies_have_a_sourced_default_platform(
    standard: Standard,
) -> None:
    defaults = {}
    for partner in standard.partners():
        agreement = standard.agreement(partner)
        assert agreement is not None
        for platform in agreement.platforms:
            assert platform.source and platform.operator_name and platform.operator_id
        default = agreement.default_platform
        defaults[partner] = default.id if default else None
    assert defaults == {"451200": None, "CN-GD": "GD-PHCER", "CN-HK": "MTR", "CN-MO": "DSPA"}
    macao = standard.agreement("CN-MO")
    assert macao is not None
    assert [p.id for p in macao.platforms] == ["DSPA", "MACAUPASS", "CEM"]
    assert macao.platform("MACAUPASS") is not None and macao.platform("Octopus") is None


def test_a_personal_partner_without_a_default_platform_is_refused(copy: Path) -> None:
    _edit(copy / "agreements" / "CN-HK.yaml", "    default: true\n", "")
    error = _refused(copy)
    assert (error.file, error.location) == ("standards/agreements/CN-HK.yaml", "platforms")
    assert "needs a default platform" in error.reason


def test_two_defaults_or_a_repeated_platform_are_refused(copy: Path) -> None:
    agreement = copy / "agreements" / "CN-MO.yaml"
    second = "    operator_id: HUB-OP-CN-MO-0002\n"
    _edit(agreement, second, second + "    default: true\n")
    assert "more than one default platform: DSPA, MACAUPASS" in _refused(copy).reason
    _edit(agreement, "    default: true\n", "")
    _edit(agreement, "  - id: MACAUPASS", "  - id: DSPA")
    error = _refused(copy)
    assert error.location == "platforms[1].id"


def test_a_unified_social_credit_code_is_checked(copy: Path) -> None:
    agreement = copy / "agreements" / "CN-GD.yaml"
    body = "91440101MA5CKM3B5"
    valid = body + check_character(body)
    wrong = body + ("0" if valid[-1] != "0" else "1")
    _edit(
        agreement,
        "    operator_id: HUB-OP-CN-GD-0001\n    operator_id_scheme: hub\n",
        f"    operator_id: {wrong}\n    operator_id_scheme: uscc\n",
    )
    error = _refused(copy)
    assert (error.location, error.reason) == (
        "platforms[0].operator_id",
        "not a valid unified social credit code",
    )
    _edit(agreement, wrong, valid)
    loaded = load_standard(copy).agreement("CN-GD")
    assert loaded is not None and loaded.platforms[0].operator_id == valid


def test_a_platform_id_outside_the_pattern_is_refused(copy: Path) -> None:
    _edit(copy / "agreements" / "CN-HK.yaml", "  - id: EPD", "  - id: E P D")
    assert _refused(copy).location.startswith("platforms")
