from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

from hub.standard import Standard, default_standards_dir, load_standard
from tests.unit.standard.standard_copies import edit, refused

# --- the shipped standard ------------------------------------------------------


def test_shipped_standard_loads_with_every_required_part(standard: Standard) -> None:
    assert standard.version == "2026.1"
    ids = {m.id for m in standard.methodologies()}
    assert ids == {
        "SZ-TRANSIT-BUS",
        "SZ-TRANSIT-METRO",
        "SZ-BIKE",
        "SZ-RES-ELEC",
        "SZ-PV",
        "HUB-INTERIM-FOREST-SINK",
        "HUB-INTERIM-RECYCLE",
    }
    assert standard.partners() == ("451200", "CN-GD", "CN-HK", "CN-MO")
    gd = standard.crosswalk("CN-GD")
    assert gd is not None
    assert {e.partner_methodology for e in gd.entries} == {
        "GD-PV",
        "GD-BUS",
        "GD-METRO",
        "GD-BIKE",
        "GD-AC",
        "GD-FOREST-P",
        "GD-FOREST-M",
    }
    hk = standard.crosswalk("CN-HK")
    assert hk is not None
    assert {e.partner_methodology for e in hk.entries} == {"GREEN$", "SOLAR_FIT", "MTR"}
    excluded = standard.exclusion("CN-HK", "EV_CHARGING")
    assert excluded is not None and "No Shenzhen methodology" in excluded.reason


def test_agreements_name_region_zone_and_adjustment_rule(standard: Standard) -> None:
    gd, hk = standard.agreement("CN-GD"), standard.agreement("CN-HK")
    assert gd is not None and hk is not None
    assert (gd.region.gbt2260_prefix, gd.time_zone, gd.adjustment_ref_required) == (
        "44",
        "Asia/Shanghai",
        False,
    )
    assert (hk.region.gbt2260_prefix, hk.time_zone, hk.adjustment_ref_required) == (
        "81",
        "Asia/Hong_Kong",
        True,
    )
    assert gd.origin_serial_format == "PHCER"


def test_published_parameters_are_the_domain_facts(standard: Standard) -> None:
    def value(factor: str, region: str, year: int, variant: str | None = None) -> Decimal:
        found = standard.factor_value(factor, region, year, variant)
        assert found is not None
        return found.value.value

    assert value("grid_ef", "CN", 2021) == Decimal("0.5568")
    assert value("grid_ef", "CN", 2022) == Decimal("0.5366")
    assert value("grid_ef", "CN-SOUTHERN-GRID", 2021) == Decimal("0.4326")
    assert value("grid_ef", "CN-SOUTHERN-GRID", 2022) == Decimal("0.3869")
    assert value("grid_ef", "CN-HK-CLP", 2019) == Decimal("0.49")
    assert value("grid_ef", "CN-HK-CLP", 2020) == Decimal("0.37")
    assert value("grid_ef", "CN-HK-CLP", 2024) == Decimal("0.37")
    assert standard.factor_value("grid_ef", "CN-HK-CLP", 2018) is None
    # HK Electric per year from its Sustainability Report 2019, p. 73; 2024
    # activity falls back to 2019 (no later report figure), 2016 has none.
    assert value("grid_ef", "CN-HK-HKE", 2017) == Decimal("0.79")
    assert value("grid_ef", "CN-HK-HKE", 2018) == Decimal("0.80")
    assert value("grid_ef", "CN-HK-HKE", 2019) == Decimal("0.81")
    assert value("grid_ef", "CN-HK-HKE", 2024) == Decimal("0.81")
    assert standard.factor_value("grid_ef", "CN-HK-HKE", 2016) is None
    assert value("grid_ef", "CN-HK", 2024) == Decimal("0.7")
    assert value("grid_ef", "CN-MO", 2021) == Decimal("0.429")
    assert value("bus_ef", "CN-SZ", 2024) == Decimal("26.9")
    assert value("metro_ef", "CN-SZ", 2024) == Decimal("46.7")
    materials = standard.factor_variants("recycling_ef")
    assert materials == {
        "paper",
        "plastics",
        "metals",
        "glass",
        "beverage_cartons",
        "small_electrical_appliances",
        "regulated_electrical_equipment",
        "fluorescent_lamps",
        "rechargeable_batteries",
    }
    pv = standard.methodology("SZ-PV")
    assert pv is not None and pv.max_size is not None
    assert (pv.max_size.value, pv.max_size.unit) == (Decimal(1000), "kW")


def test_every_number_names_its_source_and_recalled_ones_are_provisional(
    standard: Standard,
) -> None:
    for factor in standard.factors():
        for v in factor.values:
            assert v.source.strip()
            if "not read" in v.source or "assumed" in v.source or "recalled" in v.source:
                assert v.provisional, (factor.id, v)
    recycling = standard.factor("recycling_ef")
    assert recycling is not None and all(v.provisional for v in recycling.values)
    baseline = standard.factor("road_baseline_ef")
    assert baseline is not None and all(v.provisional for v in baseline.values)


def test_every_mainland_province_reads_its_regional_grid_factor(standard: Standard) -> None:
    # One rule for provincial versus regional (factors.yaml, grid_ef read_from):
    # Hechi's crosswalk names its province, Guangdong's names the grid; both
    # read the China Southern grid's value, and the lookup says so.
    for partner, methodology in (("451200", "HC-PV"), ("CN-GD", "GD-PV")):
        entry = standard.crosswalk_entry(partner, methodology)
        assert entry is not None
        region = standard.factor_region(entry, "grid_ef", None)
        assert region is not None
        for year, expected in ((2021, "0.4326"), (2022, "0.3869"), (2024, "0.3869")):
            found = standard.factor_value("grid_ef", region, year)
            assert found is not None
            assert (found.region, found.value.value) == ("CN-SOUTHERN-GRID", Decimal(expected))
    grid = standard.factor("grid_ef")
    assert grid is not None and not any(v.region in {"CN-GD", "CN-GX"} for v in grid.values)


def test_a_provincial_grid_value_beside_the_read_from_rule_is_refused(copy: Path) -> None:
    edit(
        copy / "factors.yaml",
        "      - {region: CN-SOUTHERN-GRID, year: 2022,",
        '      - {region: CN-GX, year: 2022, value: "0.4044", source: "MEE/NBS", '
        "provisional: false}\n      - {region: CN-SOUTHERN-GRID, year: 2022,",
    )
    error = refused(copy)
    assert error.location.startswith("factors[0]")
    assert "CN-GX is read from CN-SOUTHERN-GRID" in error.reason


def test_a_new_mainland_province_with_its_own_grid_value_is_refused(copy: Path) -> None:
    # A future partner in Yunnan cannot bypass the rule with Yunnan's own
    # provincial average (2022: 0.1073): it is mapped to its grid instead.
    edit(
        copy / "factors.yaml",
        "      - {region: CN-SOUTHERN-GRID, year: 2022,",
        '      - {region: CN-YN, year: 2022, value: "0.1073", source: "MEE/NBS", '
        "provisional: false}\n      - {region: CN-SOUTHERN-GRID, year: 2022,",
    )
    error = refused(copy)
    assert error.location.startswith("factors[0]")
    assert "CN-YN is a mainland province: it is read from its grid region" in error.reason


def test_read_from_a_region_without_values_is_refused(copy: Path) -> None:
    edit(copy / "factors.yaml", "CN-GX: CN-SOUTHERN-GRID}", "CN-GX: CN-CENTRAL-GRID}")
    error = refused(copy)
    assert "read_from names CN-CENTRAL-GRID for CN-GX, which holds no values" in error.reason


def test_factor_lookup_falls_back_to_the_latest_earlier_year(standard: Standard) -> None:
    exact = standard.factor_value("grid_ef", "CN", 2022)
    later = standard.factor_value("grid_ef", "CN", 2025)
    assert exact is not None and not exact.fell_back
    assert later is not None and later.fell_back and later.value.year == 2022
    assert standard.factor_value("grid_ef", "CN", 2020) is None
    assert standard.factor_value("grid_ef", "CN-XX", 2022) is None


def test_all_values_are_decimal_never_float(standard: Standard) -> None:
    for factor in standard.factors():
        for v in factor.values:
            assert type(v.value) is Decimal


# --- no code change for new data -------------------------------------------------


def test_new_factor_year_and_new_methodology_need_no_code_change(copy: Path) -> None:
    edit(
        copy / "factors.yaml",
        "      - {region: CN-SOUTHERN-GRID, year: 2022,",
        '      - {region: CN-SOUTHERN-GRID, year: 2024, value: "0.3700", '
        'source: "test: a new year", provisional: true}\n'
        "      - {region: CN-SOUTHERN-GRID, year: 2022,",
    )
    with (copy / "methodologies.yaml").open("a", encoding="utf-8") as out:
        out.write(
            """
  - id: SZ-PAPERLESS
    name_zh: 无纸化银行业务
    name_en: Paperless banking
    effective_from: 2025-05-01
    source: test
    provisional: true
    vintages: {first: 2025, source: test, provisional: true}
    basis: personal
    activity_unit: trip
    accepted_units: [trip]
    inputs: [activity]
    factors: [paper_saved_ef]
    formula_id: SZ-PAPERLESS/F1
    formula: "activity * paper_saved_ef / 1000"
    plausible_max: {value: "50", per_day: true, source: test, provisional: true}
    max_period_days: {value: 31, source: test, provisional: true}
"""
        )
    with (copy / "factors.yaml").open("a", encoding="utf-8") as out:
        out.write(
            """
  - id: paper_saved_ef
    name_zh: 单笔业务节纸减排
    name_en: paper saved per transaction
    unit: kgCO2e/trip
    default_region: CN-SZ
    values:
      - {region: CN-SZ, value: "0.02", source: test, provisional: true}
"""
        )
    standard = load_standard(copy)
    newer = standard.factor_value("grid_ef", "CN-SOUTHERN-GRID", 2024)
    assert newer is not None and newer.value.value == Decimal("0.3700") and not newer.fell_back
    methodology = standard.methodology("SZ-PAPERLESS")
    assert methodology is not None
    assert standard.formula("SZ-PAPERLESS").evaluate(
        {"activity": Decimal(10), "paper_saved_ef": Decimal("0.02")}
    ) == Decimal("0.0002")


# --- refusals: file, path, reason --------------------------------------------------


def test_bad_formula_names_file_path_and_reason(copy: Path) -> None:
    edit(
        copy / "methodologies.yaml",
        'formula: "activity * grid_ef / 1000"',
        'formula: "activity * grid_ef / 1000 + __import__(1)"',
    )
    error = refused(copy)
    assert error.file == "standards/methodologies.yaml"
    assert error.location == "methodologies[3].formula"
    assert "only min(...) and max(...) may be called" in error.reason
    assert str(error).startswith("standards/methodologies.yaml: methodologies[3].formula: ")


def test_formula_using_an_undeclared_factor_is_refused(copy: Path) -> None:
    edit(
        copy / "methodologies.yaml",
        'formula: "activity * max(road_baseline_ef - bus_ef, 0) / 1000000"',
        'formula: "activity * max(road_baseline_ef - metro_ef, 0) / 1000000"',
    )
    error = refused(copy)
    assert error.location == "methodologies[0].formula"
    assert "'metro_ef' is neither a declared input nor a declared factor" in error.reason


def test_float_value_is_refused(copy: Path) -> None:
    edit(copy / "factors.yaml", 'value: "0.5568"', "value: !!float 0.5568")
    error = refused(copy)
    assert (error.file, error.location) == ("standards/factors.yaml", "factors[0].values[0].value")
    assert "not floats" in error.reason


def test_unquoted_decimal_stays_exact(copy: Path) -> None:
    edit(copy / "factors.yaml", 'value: "0.5568"', "value: 0.5568")
    standard = load_standard(copy)
    found = standard.factor_value("grid_ef", "CN", 2021)
    assert found is not None and found.value.value == Decimal("0.5568")


def test_unknown_key_is_refused(copy: Path) -> None:
    edit(copy / "methodologies.yaml", "    basis: site\n", "    basis: site\n    colour: green\n")
    error = refused(copy)
    assert error.location == "methodologies[6].colour"
    assert "Extra inputs are not permitted" in error.reason


def test_crosswalk_to_unknown_methodology_is_refused(copy: Path) -> None:
    edit(
        copy / "crosswalks" / "CN-HK.yaml", "methodology: SZ-TRANSIT-METRO", "methodology: SZ-TRAM"
    )
    error = refused(copy)
    assert (error.file, error.location) == (
        "standards/crosswalks/CN-HK.yaml",
        "entries[2].methodology",
    )
    assert "SZ-TRAM" in error.reason


def test_crosswalk_unit_not_accepted_by_methodology_is_refused(copy: Path) -> None:
    edit(copy / "crosswalks" / "CN-GD.yaml", "units: [pkm, km]", "units: [pkm, trip]")
    error = refused(copy)
    assert error.location == "entries[1].units[1]"


def test_reported_only_without_discount_is_refused(copy: Path) -> None:
    text = (copy / "crosswalks" / "CN-GD.yaml").read_text(encoding="utf-8")
    start = text.index("    discount: {")
    end = text.index("\n", start) + 1
    (copy / "crosswalks" / "CN-GD.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    error = refused(copy)
    assert error.location == "entries[4]"
    assert "needs a discount" in error.reason


def test_missing_factor_region_is_refused(copy: Path) -> None:
    edit(
        copy / "crosswalks" / "CN-GD.yaml", "    factor_regions: {grid_ef: CN-SOUTHERN-GRID}\n", ""
    )
    error = refused(copy)
    assert error.location == "entries[0].factor_regions"
    assert "no region for factor grid_ef" in error.reason


def test_unknown_unit_and_input_are_refused(copy: Path) -> None:
    edit(copy / "methodologies.yaml", "accepted_units: [kg, t]", "accepted_units: [kg, lb]")
    error = refused(copy)
    assert error.location == "methodologies[6].accepted_units[1]"


def test_agreement_with_unknown_time_zone_is_refused(copy: Path) -> None:
    edit(copy / "agreements" / "CN-HK.yaml", "time_zone: Asia/Hong_Kong", "time_zone: Asia/Kowloon")
    error = refused(copy)
    assert (error.file, error.location) == ("standards/agreements/CN-HK.yaml", "time_zone")


def test_recognised_methodology_missing_from_crosswalk_is_refused(copy: Path) -> None:
    edit(
        copy / "agreements" / "CN-HK.yaml",
        "  - {partner_methodology: MTR, valid_from: 2023-01-01}",
        "  - {partner_methodology: MTR, valid_from: 2023-01-01}\n"
        "  - {partner_methodology: EV_CHARGING, valid_from: 2023-01-01}",
    )
    error = refused(copy)
    assert error.location == "recognised[3].partner_methodology"


def test_duplicate_key_and_broken_yaml_are_refused(copy: Path) -> None:
    edit(copy / "standard.yaml", 'version: "2026.1"', 'version: "2026.1"\nversion: "2026.2"')
    error = refused(copy)
    assert error.file == "standards/standard.yaml" and "duplicate key 'version'" in error.reason
    shutil.copy(default_standards_dir() / "standard.yaml", copy / "standard.yaml")
    (copy / "factors.yaml").write_text("factors: [\n", encoding="utf-8")
    error = refused(copy)
    assert error.file == "standards/factors.yaml"
    assert error.location.startswith("line ")


def test_missing_directory_and_missing_file_are_refused(tmp_path: Path, copy: Path) -> None:
    assert "does not exist" in refused(tmp_path / "nowhere").reason
    (copy / "methodologies.yaml").unlink()
    error = refused(copy)
    assert error.file == "standards/methodologies.yaml" and "cannot read" in error.reason


def test_declared_but_unused_factor_is_refused(copy: Path) -> None:
    edit(copy / "methodologies.yaml", "factors: [recycling_ef]", "factors: [recycling_ef, grid_ef]")
    error = refused(copy)
    assert error.location == "methodologies[6].formula"
    assert "declared but not used: grid_ef" in error.reason
