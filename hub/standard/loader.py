"""Load and validate the standard, compile its formulas once, and index it.

Layout of a standards directory (see standards/README.md):

    standard.yaml          version, effective dates, publisher
    methodologies.yaml     methodologies: [...]
    factors.yaml           factors: [...]
    crosswalks/*.yaml      one file per partner
    agreements/*.yaml      one file per partner
    offsets.yaml           what an ETS entity may retire against its obligation

Everything is checked before anything is used: shapes (pydantic, strict),
units, formulas (compiled against the methodology's declared inputs and
factors), and cross-references (crosswalk -> methodology and factors,
agreement -> crosswalk, offset origins -> agreements). A refused file
raises StandardError with the file, the path inside it and the reason.
The validated models are then converted into plain hub.domain values
(hub.standard.conversion) and indexed as a ``Standard`` (hub.standard.loaded).
Nothing is read from disk after loading.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

import hub
from hub.domain import credit_codes, regions, units
from hub.domain.agreements import OperatorIdScheme
from hub.domain.factors import VariantBy
from hub.domain.methodologies import Basis
from hub.domain.origin_serials import PARSERS
from hub.domain.periods import PeriodError, zone
from hub.domain.region_codes import RegionCodeList
from hub.standard.conversion import (
    agreement_of,
    crosswalk_of,
    factor_of,
    methodology_of,
    offset_rules_of,
)
from hub.standard.errors import StandardError
from hub.standard.formula import CompiledFormula, FormulaError, compile_formula
from hub.standard.loaded import Standard
from hub.standard.models import (
    Agreement,
    Crosswalk,
    CrosswalkEntry,
    Factor,
    FactorsFile,
    MethodologiesFile,
    Methodology,
    OffsetRules,
    StandardHeader,
)
from hub.standard.region_lists import RegionCodesFile, region_code_list

# Inputs the hub derives for every claim; a formula may use those it declares.
KNOWN_INPUTS: frozenset[str] = frozenset({"activity", "days", "years"})

M = TypeVar("M", bound=BaseModel)


def default_standards_dir() -> Path:
    """The repository's standards/ folder."""
    return Path(hub.__file__).resolve().parent.parent / "standards"


# --- YAML: decimals stay text, duplicate keys are refused -------------------


class _Loader(yaml.SafeLoader):
    pass


# Without the float resolver an unquoted 0.5366 stays the string "0.5366",
# so no value ever passes through a binary float.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:float"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(
    loader: _Loader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {mark.line + 1})", mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _File:
    """One YAML file being loaded, for error messages."""

    def __init__(self, root: Path, path: Path) -> None:
        self.path = path
        self.name = f"{root.name}/{path.relative_to(root).as_posix()}"

    def error(self, location: str, reason: str) -> StandardError:
        return StandardError(self.name, location, reason)

    def read(self) -> Any:
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise self.error("", f"cannot read: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise self.error("", "not UTF-8") from exc
        try:
            return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise self.error(where, f"invalid YAML: {exc.problem or exc}") from exc
        except yaml.YAMLError as exc:
            raise self.error("", f"invalid YAML: {exc}") from exc

    def parse(self, model: type[M]) -> M:
        data = self.read()
        if not isinstance(data, dict):
            raise self.error("", "the file must hold a mapping at its top level")
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            reason = str(first["msg"]).removeprefix("Value error, ")
            raise self.error(_location(tuple(first["loc"])), reason) from exc


# --- Loading -----------------------------------------------------------------


def _yaml_files(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        yield from sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))


def load_standard(root: Path) -> Standard:
    """Load and validate the standard in ``root``; raises StandardError."""
    root = Path(root)
    if not root.is_dir():
        raise StandardError(root.name or str(root), "", "the standards directory does not exist")
    header = _File(root, root / "standard.yaml").parse(StandardHeader)
    factors = _load_factors(_File(root, root / "factors.yaml"))
    methodologies, formulas = _load_methodologies(_File(root, root / "methodologies.yaml"), factors)
    agreements: dict[str, Agreement] = {}
    agreement_files: dict[str, _File] = {}
    for path in _yaml_files(root / "agreements"):
        file = _File(root, path)
        agreement = file.parse(Agreement)
        _check_agreement(file, agreement)
        if agreement.partner in agreements:
            raise file.error("partner", f"a second agreement for {agreement.partner}")
        agreements[agreement.partner] = agreement
        agreement_files[agreement.partner] = file
    crosswalks: dict[str, Crosswalk] = {}
    for path in _yaml_files(root / "crosswalks"):
        file = _File(root, path)
        crosswalk = file.parse(Crosswalk)
        if crosswalk.partner in crosswalks:
            raise file.error("partner", f"a second crosswalk for {crosswalk.partner}")
        if crosswalk.partner not in agreements:
            raise file.error("partner", f"no agreement in agreements/ for {crosswalk.partner}")
        _check_crosswalk(file, crosswalk, methodologies, factors)
        crosswalks[crosswalk.partner] = crosswalk
    for partner, agreement in agreements.items():
        crosswalk_or_none = crosswalks.get(partner)
        known = (
            {e.partner_methodology for e in crosswalk_or_none.entries}
            if crosswalk_or_none
            else set()
        )
        for i, rec in enumerate(agreement.recognised):
            if rec.partner_methodology not in known:
                raise agreement_files[partner].error(
                    f"recognised[{i}].partner_methodology",
                    f"{rec.partner_methodology} is not in the crosswalk of {partner}",
                )
        personal = crosswalk_or_none is not None and any(
            (e.basis or methodologies[e.methodology].basis) is Basis.PERSONAL
            for e in crosswalk_or_none.entries
        )
        _check_platforms(agreement_files[partner], agreement, personal=personal)
    offset_rules = _load_offset_rules(_File(root, root / "offsets.yaml"), agreements)
    region_codes = _load_region_codes(_File(root, root / "gbt2260.yaml"), root)
    for partner in agreements:
        if regions.is_valid_code(partner) and not region_codes.listed(partner):
            raise agreement_files[partner].error(
                "partner", f"{partner} is in no GB/T 2260 edition of gbt2260.yaml"
            )
    # Every file is valid and every reference resolves: from here on the hub
    # reads the plain domain values, never the file models.
    return Standard(
        header,
        {key: methodology_of(m) for key, m in methodologies.items()},
        formulas,
        {key: factor_of(f) for key, f in factors.items()},
        {key: crosswalk_of(c) for key, c in crosswalks.items()},
        {key: agreement_of(a) for key, a in agreements.items()},
        offset_rules_of(offset_rules),
        region_codes,
    )


def _load_region_codes(file: _File, root: Path) -> RegionCodeList:
    """The GB/T 2260 editions: gbt2260.yaml and the CSV of codes it names."""
    model = file.parse(RegionCodesFile)
    codes = _File(root, root / model.codes_file)
    if codes.path.parent != root or codes.path.suffix != ".csv":
        raise file.error("codes_file", "must name a .csv file beside it")
    try:
        text = codes.path.read_text(encoding="utf-8")
    except OSError as exc:
        raise codes.error("", f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise codes.error("", "not UTF-8") from exc
    return region_code_list(model, text, codes.error, file.error)


def _load_factors(file: _File) -> dict[str, Factor]:
    parsed = file.parse(FactorsFile)
    factors: dict[str, Factor] = {}
    for i, factor in enumerate(parsed.factors):
        if factor.id in factors:
            raise file.error(f"factors[{i}].id", f"duplicate factor id {factor.id}")
        if factor.id in KNOWN_INPUTS:
            raise file.error(f"factors[{i}].id", f"{factor.id} is the name of a derived input")
        if not factor.id.isidentifier():
            raise file.error(f"factors[{i}].id", f"{factor.id!r} is not a name a formula can use")
        if factor.default_region is not None and not any(
            v.region == factor.default_region for v in factor.values
        ):
            raise file.error(
                f"factors[{i}].default_region",
                f"no value for default region {factor.default_region}",
            )
        factors[factor.id] = factor
    return factors


def _load_methodologies(
    file: _File, factors: Mapping[str, Factor]
) -> tuple[dict[str, Methodology], dict[str, CompiledFormula]]:
    parsed = file.parse(MethodologiesFile)
    methodologies: dict[str, Methodology] = {}
    formulas: dict[str, CompiledFormula] = {}
    formula_ids: set[str] = set()
    for i, m in enumerate(parsed.methodologies):
        at = f"methodologies[{i}]"
        if m.id in methodologies:
            raise file.error(f"{at}.id", f"duplicate methodology id {m.id}")
        if m.formula_id in formula_ids:
            raise file.error(f"{at}.formula_id", f"duplicate formula id {m.formula_id}")
        formula_ids.add(m.formula_id)
        for j, unit in enumerate(m.accepted_units):
            if unit not in units.ACTIVITY_UNITS:
                raise file.error(f"{at}.accepted_units[{j}]", f"unknown activity unit {unit!r}")
            if not units.convertible(unit, m.activity_unit):
                raise file.error(
                    f"{at}.accepted_units[{j}]", f"{unit} cannot be converted to {m.activity_unit}"
                )
        for j, unit in enumerate(m.size_units):
            if unit not in units.SIZE_UNITS:
                raise file.error(f"{at}.size_units[{j}]", f"unknown size unit {unit!r}")
        for j, name in enumerate(m.inputs):
            if name not in KNOWN_INPUTS:
                raise file.error(
                    f"{at}.inputs[{j}]",
                    f"unknown input {name!r} (known: {', '.join(sorted(KNOWN_INPUTS))})",
                )
        for j, name in enumerate(m.factors):
            if name not in factors:
                raise file.error(f"{at}.factors[{j}]", f"no factor {name!r} in factors.yaml")
        variant_factors = [f for f in m.factors if factors[f].variant_by is VariantBy.MATERIAL]
        if len(variant_factors) > 1:
            raise file.error(f"{at}.factors", "at most one factor may vary by material")
        try:
            compiled = compile_formula(m.formula, frozenset(m.inputs) | frozenset(m.factors))
        except FormulaError as exc:
            raise file.error(f"{at}.formula", str(exc)) from exc
        unused = (set(m.inputs) | set(m.factors)) - compiled.names
        if unused:
            raise file.error(f"{at}.formula", f"declared but not used: {', '.join(sorted(unused))}")
        methodologies[m.id] = m
        formulas[m.id] = compiled
    _check_former_ids(file, parsed.methodologies)
    return methodologies, formulas


def _check_former_ids(file: _File, methodologies: Sequence[Methodology]) -> None:
    """A former id names one methodology only, and no current one: a serial
    or ledger row written under it must resolve to exactly one methodology."""
    current = {m.id for m in methodologies}
    seen: dict[str, str] = {}
    for i, m in enumerate(methodologies):
        for j, former in enumerate(m.formerly):
            at = f"methodologies[{i}].formerly[{j}]"
            if former in current:
                raise file.error(at, f"{former} is the id of a current methodology")
            if former in seen:
                raise file.error(at, f"{former} is already a former id of {seen[former]}")
            seen[former] = m.id


def _check_agreement(file: _File, agreement: Agreement) -> None:
    region = agreement.region
    if regions.is_valid_code(agreement.partner):
        # A region without an ISO 3166-2 code of its own (a paired-assistance
        # prefecture) is named by its GB/T 2260 code; its sites lie under it.
        if agreement.partner != region.gbt2260_prefix.ljust(6, "0"):
            raise file.error(
                "region.gbt2260_prefix", "must be the partner's GB/T 2260 code without its 00s"
            )
    elif agreement.partner != region.iso_3166_2:
        raise file.error("region.iso_3166_2", "must equal the partner code")
    if region.gbt2260_prefix[:2] not in regions.PROVINCES:
        raise file.error("region.gbt2260_prefix", "not under a GB/T 2260 province-level code")
    try:
        zone(agreement.time_zone)
    except PeriodError as exc:
        raise file.error("time_zone", str(exc)) from exc
    if agreement.origin_serial_format is not None and agreement.origin_serial_format not in PARSERS:
        raise file.error(
            "origin_serial_format",
            f"unknown format (known: {', '.join(sorted(PARSERS))})",
        )
    # A partner that issues credits has claims waiting for cancellation at
    # source, so it needs a deadline; one that issues none must not pretend to.
    issues_credits = agreement.origin_serial_format is not None
    has_deadline = agreement.source_cancellation_deadline_days is not None
    if issues_credits and not has_deadline:
        raise file.error(
            "source_cancellation_deadline_days",
            "required for a partner that issues credits (origin_serial_format is set)",
        )
    if has_deadline and not issues_credits:
        raise file.error(
            "source_cancellation_deadline_days",
            "only a partner that issues credits (origin_serial_format) has one",
        )


def _check_platforms(file: _File, agreement: Agreement, *, personal: bool) -> None:
    """Platform ids are unique, at most one is the default, and a partner with
    personal methodologies has one: a personal claim naming no platform must
    have a pool to fall to."""
    seen: set[str] = set()
    for i, platform in enumerate(agreement.platforms):
        if platform.id in seen:
            raise file.error(f"platforms[{i}].id", f"a second platform {platform.id}")
        seen.add(platform.id)
        if platform.operator_id_scheme is OperatorIdScheme.USCC and not credit_codes.is_valid(
            platform.operator_id
        ):
            raise file.error(
                f"platforms[{i}].operator_id", "not a valid unified social credit code"
            )
    defaults = [p.id for p in agreement.platforms if p.default]
    if len(defaults) > 1:
        raise file.error("platforms", f"more than one default platform: {', '.join(defaults)}")
    if personal and not defaults:
        raise file.error(
            "platforms", "a partner with personal methodologies needs a default platform"
        )


def _load_offset_rules(file: _File, agreements: Mapping[str, Agreement]) -> OffsetRules:
    rules = file.parse(OffsetRules)
    seen: set[str] = set()
    for i, eligible in enumerate(rules.eligible_origins):
        if eligible.origin in seen:
            raise file.error(f"eligible_origins[{i}].origin", f"{eligible.origin} is listed twice")
        seen.add(eligible.origin)
        if eligible.origin not in agreements:
            raise file.error(
                f"eligible_origins[{i}].origin",
                f"no agreement in agreements/ for {eligible.origin}",
            )
    for origin in rules.max_share_by_origin:
        if origin not in seen:
            raise file.error(f"max_share_by_origin.{origin}", f"{origin} is not an eligible origin")
    return rules


def _check_crosswalk(
    file: _File,
    crosswalk: Crosswalk,
    methodologies: Mapping[str, Methodology],
    factors: Mapping[str, Factor],
) -> None:
    seen: set[str] = set()
    for i, entry in enumerate(crosswalk.entries):
        at = f"entries[{i}]"
        if entry.partner_methodology in seen:
            raise file.error(f"{at}.partner_methodology", f"duplicate {entry.partner_methodology}")
        seen.add(entry.partner_methodology)
        methodology = methodologies.get(entry.methodology)
        if methodology is None:
            renamed = [m.id for m in methodologies.values() if entry.methodology in m.formerly]
            if renamed:
                raise file.error(
                    f"{at}.methodology",
                    f"{entry.methodology} was renamed {renamed[0]}: the standard names current ids",
                )
            raise file.error(f"{at}.methodology", f"no methodology {entry.methodology!r}")
        for j, unit in enumerate(entry.units or ()):
            if unit not in methodology.accepted_units:
                raise file.error(f"{at}.units[{j}]", f"{unit} is not accepted by {methodology.id}")
        for name in entry.factor_regions:
            if name not in methodology.factors:
                raise file.error(
                    f"{at}.factor_regions.{name}", f"{methodology.id} uses no factor {name}"
                )
        for utility, mapping in entry.factor_regions_by_utility.items():
            for name in mapping:
                if name not in methodology.factors:
                    raise file.error(
                        f"{at}.factor_regions_by_utility.{utility}.{name}",
                        f"{methodology.id} uses no factor {name}",
                    )
        if entry.mode.value == "recompute":
            _check_recompute_factors(file, at, entry, methodology, factors)
    for i, excluded in enumerate(crosswalk.excluded):
        if excluded.partner_methodology in seen:
            raise file.error(
                f"excluded[{i}].partner_methodology",
                f"{excluded.partner_methodology} is both crosswalked and excluded",
            )


def _check_recompute_factors(
    file: _File,
    at: str,
    entry: CrosswalkEntry,
    methodology: Methodology,
    factors: Mapping[str, Factor],
) -> None:
    for name in methodology.factors:
        factor = factors[name]
        regions_used: list[tuple[str, str | None]] = []
        if entry.factor_regions_by_utility:
            for utility, mapping in entry.factor_regions_by_utility.items():
                region = mapping.get(name, entry.factor_regions.get(name, factor.default_region))
                regions_used.append((f"{at}.factor_regions_by_utility.{utility}", region))
        else:
            region = entry.factor_regions.get(name, factor.default_region)
            regions_used.append((f"{at}.factor_regions", region))
        for where, region in regions_used:
            if region is None:
                raise file.error(where, f"no region for factor {name} (it has no default_region)")
            if not any(v.region == factor.region_read(region) for v in factor.values):
                raise file.error(where, f"factor {name} has no value for region {region}")
        if factor.variant_by is VariantBy.CROSSWALK:
            if entry.variant is None:
                raise file.error(f"{at}.variant", f"factor {name} varies by a crosswalk variant")
            if not any(v.variant == entry.variant for v in factor.values):
                raise file.error(f"{at}.variant", f"factor {name} has no variant {entry.variant!r}")
