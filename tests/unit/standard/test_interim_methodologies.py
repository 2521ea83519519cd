"""The hub's own interim methodologies are named as such, and their former ids resolve.

Recycling and forest sinks were filed as SZ-RECYCLE and SZ-FOREST-SINK though
no Shenzhen authority published them: they are HUB-INTERIM-RECYCLE and
HUB-INTERIM-FOREST-SINK now. The old id is inside every serial issued under
it, so it stays a name the standard answers to (``formerly``), while the
standard's own files must use the current id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.standard import Standard, StandardError, default_standards_dir
from hub.standard.points import load_points_rules
from tests.unit.standard.standard_copies import edit, refused

RENAMED = {"SZ-RECYCLE": "HUB-INTERIM-RECYCLE", "SZ-FOREST-SINK": "HUB-INTERIM-FOREST-SINK"}


def test_recycling_and_forest_are_interim_under_hub_ids_and_remember_their_old_ids(
    standard: Standard,
) -> None:
    interim = {m.id: m.formerly for m in standard.methodologies() if m.interim}
    assert interim == {
        "HUB-INTERIM-RECYCLE": ("SZ-RECYCLE",),
        "HUB-INTERIM-FOREST-SINK": ("SZ-FOREST-SINK",),
    }
    # No methodology the hub wrote itself is left under a Shenzhen id.
    assert all(not m.id.startswith("SZ-") for m in standard.methodologies() if m.interim)
    for m in standard.methodologies():
        if m.interim:
            assert "interim" in m.name_en and "临时" in m.name_zh
            assert "the hub's own interim methodology" in m.source


def test_a_former_id_resolves_to_its_successor_and_an_unknown_id_to_nothing(
    standard: Standard,
) -> None:
    for old, new in RENAMED.items():
        found = standard.methodology(old)
        assert found is not None and found.id == new
        assert standard.current_methodology_id(old) == new
        assert standard.formula(old) is standard.formula(new)
    assert standard.former_methodology_ids() == RENAMED
    assert standard.current_methodology_id("SZ-PV") == "SZ-PV"
    assert standard.methodology("SZ-NOTHING") is None
    # The asset index keeps the first id: forests registered before the
    # rename are matched with those registered after.
    forest = standard.methodology("HUB-INTERIM-FOREST-SINK")
    assert forest is not None and forest.asset_family == "SZ-FOREST-SINK"
    pv = standard.methodology("SZ-PV")
    assert pv is not None and pv.asset_family == "SZ-PV"


def test_every_value_of_an_interim_methodology_is_provisional_with_a_reason(
    standard: Standard,
) -> None:
    for m in standard.methodologies():
        if not m.interim:
            continue
        sourced: list[Any] = [m.vintages, m.plausible_max, m.max_period_days]
        sourced += [v for v in (m.daily_cap_tco2e, m.credits_activity_from, m.crediting) if v]
        assert m.provisional
        for value in sourced:
            # Not read in a source: provisional, and the source says why.
            assert value.provisional, (m.id, value)
            assert len(value.source) > 10, (m.id, value)


def test_the_loader_refuses_an_interim_methodology_under_another_prefix(copy: Path) -> None:
    edit(copy / "methodologies.yaml", "- id: HUB-INTERIM-RECYCLE", "- id: SZ-RECYCLE-2")
    assert "HUB-INTERIM-" in str(refused(copy))


def test_the_loader_refuses_the_interim_prefix_on_a_methodology_not_marked_interim(
    copy: Path,
) -> None:
    edit(copy / "methodologies.yaml", "interim: true\n    formerly: [SZ-RECYCLE]", "formerly: []")
    assert "interim methodology" in str(refused(copy))


def test_the_loader_refuses_a_former_id_that_is_a_current_id(copy: Path) -> None:
    edit(copy / "methodologies.yaml", "formerly: [SZ-RECYCLE]", "formerly: [SZ-PV]")
    error = refused(copy)
    assert "formerly[0]" in str(error) and "SZ-PV is the id of a current methodology" in str(error)


def test_the_loader_refuses_one_former_id_on_two_methodologies(copy: Path) -> None:
    edit(copy / "methodologies.yaml", "formerly: [SZ-RECYCLE]", "formerly: [SZ-FOREST-SINK]")
    assert "SZ-FOREST-SINK is already a former id of HUB-INTERIM-FOREST-SINK" in str(refused(copy))


def test_a_crosswalk_naming_a_former_id_is_refused_with_the_new_id(copy: Path) -> None:
    edit(
        copy / "crosswalks" / "CN-GD.yaml",
        "methodology: HUB-INTERIM-FOREST-SINK",
        "methodology: SZ-FOREST-SINK",
    )
    error = refused(copy)
    assert "SZ-FOREST-SINK was renamed HUB-INTERIM-FOREST-SINK" in str(error)


def test_a_points_rule_naming_a_former_id_is_refused_with_the_new_id(
    copy: Path, standard: Standard
) -> None:
    # A rule under the old id would never match a claim, which carries the new one.
    edit(copy / "points.yaml", "methodology: HUB-INTERIM-RECYCLE", "methodology: SZ-RECYCLE")
    error = refused_points(copy, standard)
    assert "SZ-RECYCLE was renamed HUB-INTERIM-RECYCLE" in error


def refused_points(root: Path, standard: Standard) -> str:
    with pytest.raises(StandardError) as info:
        load_points_rules(root, standard)
    return str(info.value)


def test_a_claim_stored_under_a_former_id_earns_under_its_methodologys_rule(
    standard: Standard,
) -> None:
    # A Hong Kong recycling claim held before the rename and approved after it
    # still carries SZ-RECYCLE: it earns at HUB-INTERIM-RECYCLE's rate.
    rules = load_points_rules(default_standards_dir(), standard)
    current = rules.rule("CN-HK", "HUB-INTERIM-RECYCLE")
    assert current is not None
    assert rules.rule("CN-HK", "SZ-RECYCLE") is current
    assert rules.rule("CN-HK", "SZ-NOTHING") is None
