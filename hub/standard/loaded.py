"""The loaded standard: its domain values indexed for the lookups of every claim.

``load_standard`` (hub.standard.loader) validates the files, converts them
into plain hub.domain values and builds one ``Standard`` from them. It
answers the domain's questions (hub.domain.standard_terms.StandardTerms:
a methodology, a crosswalk entry, a factor value for a place and year, a
compiled formula) from indexes built once here, and does no I/O. Immutable.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from hub.domain.agreements import Agreement, Recognition
from hub.domain.crosswalks import Crosswalk, CrosswalkEntry, Exclusion
from hub.domain.factors import Factor, FactorLookup, FactorValue
from hub.domain.methodologies import Basis, Methodology
from hub.domain.offsets import OffsetRules
from hub.domain.region_codes import RegionCodeList
from hub.standard.formula import CompiledFormula
from hub.standard.models import StandardHeader


@dataclass(frozen=True, slots=True)
class _Series:
    years: tuple[int, ...]  # ascending
    dated: tuple[FactorValue, ...]
    undated: FactorValue | None


class Standard:
    """The Shenzhen standard, validated, indexed and compiled. Immutable."""

    def __init__(
        self,
        header: StandardHeader,
        methodologies: Mapping[str, Methodology],
        formulas: Mapping[str, CompiledFormula],
        factors: Mapping[str, Factor],
        crosswalks: Mapping[str, Crosswalk],
        agreements: Mapping[str, Agreement],
        offset_rules: OffsetRules,
        region_codes: RegionCodeList,
    ) -> None:
        self.header = header
        self.version: str = header.version
        # The GB/T 2260 editions the hub holds (standards/gbt2260.yaml and .csv).
        self.region_codes: RegionCodeList = region_codes
        # Rules for retirements of purpose ETS_OFFSET (standards/offsets.yaml).
        self.offset_rules: OffsetRules = offset_rules
        self._methodologies = dict(methodologies)
        self._formulas = dict(formulas)
        # Former id -> current id (methodologies.yaml `formerly`): serials,
        # blocks and claims written under a former id resolve to its successor.
        self._former: dict[str, str] = {
            former: m.id for m in methodologies.values() for former in m.formerly
        }
        self._factors = dict(factors)
        self._crosswalks = dict(crosswalks)
        self._agreements = dict(agreements)
        self._entries: dict[tuple[str, str], CrosswalkEntry] = {}
        self._exclusions: dict[tuple[str, str], Exclusion] = {}
        for partner, crosswalk in crosswalks.items():
            for entry in crosswalk.entries:
                self._entries[(partner, entry.partner_methodology)] = entry
            for excluded in crosswalk.excluded:
                self._exclusions[(partner, excluded.partner_methodology)] = excluded
        self._recognitions: dict[tuple[str, str], tuple[Recognition, ...]] = {}
        for partner, agreement in agreements.items():
            for rec in agreement.recognised:
                key = (partner, rec.partner_methodology)
                self._recognitions[key] = (*self._recognitions.get(key, ()), rec)
        series: dict[tuple[str, str, str | None], list[FactorValue]] = {}
        for factor in factors.values():
            for value in factor.values:
                series.setdefault((factor.id, value.region, value.variant), []).append(value)
        self._series: dict[tuple[str, str, str | None], _Series] = {}
        for series_key, values in series.items():
            dated = sorted((v for v in values if v.year is not None), key=lambda v: v.year or 0)
            undated = next((v for v in values if v.year is None), None)
            self._series[series_key] = _Series(
                years=tuple(v.year or 0 for v in dated), dated=tuple(dated), undated=undated
            )
        self._variants: dict[str, frozenset[str]] = {
            fid: frozenset(v.variant for v in f.values if v.variant is not None)
            for fid, f in factors.items()
        }

    # Methodologies
    def methodology(self, methodology_id: str) -> Methodology | None:
        """The methodology of a current or former id (a former id resolves to
        the methodology that now carries it); None if neither."""
        return self._methodologies.get(self.current_methodology_id(methodology_id))

    def methodologies(self) -> tuple[Methodology, ...]:
        return tuple(self._methodologies.values())

    def current_methodology_id(self, methodology_id: str) -> str:
        """The id a methodology is filed under now: a former id's successor,
        else the id itself (unknown ids too, so stored rows still show)."""
        return self._former.get(methodology_id, methodology_id)

    def former_methodology_ids(self) -> Mapping[str, str]:
        """Every former id and the current id it resolves to."""
        return dict(self._former)

    def formula(self, methodology_id: str) -> CompiledFormula:
        """A methodology's compiled formula, by a current or former id (KeyError if unknown)."""
        return self._formulas[self.current_methodology_id(methodology_id)]

    # Partners
    def partners(self) -> tuple[str, ...]:
        return tuple(sorted(self._agreements))

    def agreement(self, partner: str) -> Agreement | None:
        return self._agreements.get(partner)

    def source_cancellation_deadline(self, partner: str) -> timedelta | None:
        """How long a claim of ``partner`` may await cancellation at source
        before it is voided; None for an unknown partner or one that issues
        no credits (nothing of it is ever cancelled at source)."""
        agreement = self._agreements.get(partner)
        if agreement is None or agreement.source_cancellation_deadline_days is None:
            return None
        return timedelta(days=agreement.source_cancellation_deadline_days)

    def crosswalk(self, partner: str) -> Crosswalk | None:
        return self._crosswalks.get(partner)

    def crosswalk_entry(self, partner: str, partner_methodology: str) -> CrosswalkEntry | None:
        return self._entries.get((partner, partner_methodology))

    def exclusion(self, partner: str, partner_methodology: str) -> Exclusion | None:
        """Why a partner methodology is deliberately not crosswalked, if it is listed."""
        return self._exclusions.get((partner, partner_methodology))

    def recognitions(self, partner: str, partner_methodology: str) -> tuple[Recognition, ...]:
        """The agreement's recognition windows for a partner methodology."""
        return self._recognitions.get((partner, partner_methodology), ())

    def recognised_on(
        self, partner: str, partner_methodology: str, first: date, last: date
    ) -> bool:
        """True when one recognition window covers the local dates first..last."""
        return any(
            r.valid_from <= first and (r.valid_to is None or last <= r.valid_to)
            for r in self.recognitions(partner, partner_methodology)
        )

    def basis(self, entry: CrosswalkEntry) -> Basis:
        """The basis of claims under a crosswalk entry (its own, else the methodology's)."""
        if entry.basis is not None:
            return entry.basis
        return self._methodologies[entry.methodology].basis

    def accepted_units(self, entry: CrosswalkEntry) -> tuple[str, ...]:
        methodology = self._methodologies[entry.methodology]
        return tuple(entry.units if entry.units is not None else methodology.accepted_units)

    # Factors
    def factor(self, factor_id: str) -> Factor | None:
        return self._factors.get(factor_id)

    def factors(self) -> tuple[Factor, ...]:
        return tuple(self._factors.values())

    def factor_variants(self, factor_id: str) -> frozenset[str]:
        return self._variants.get(factor_id, frozenset())

    def factor_region(
        self, entry: CrosswalkEntry, factor_id: str, utility: str | None
    ) -> str | None:
        """Where a factor is taken from for claims under ``entry``.

        The utility's region when the entry maps utilities, else the entry's
        region for the factor, else the factor's default region.
        """
        if utility is not None:
            by_utility = entry.factor_regions_by_utility.get(utility)
            if by_utility is not None and factor_id in by_utility:
                return by_utility[factor_id]
        if factor_id in entry.factor_regions:
            return entry.factor_regions[factor_id]
        factor = self._factors.get(factor_id)
        return factor.default_region if factor is not None else None

    def factor_value(
        self, factor_id: str, region: str, year: int, variant: str | None = None
    ) -> FactorLookup | None:
        """The value for ``year``, else the latest earlier year, else an undated value.

        ``region`` is first replaced by the region the factor's ``read_from``
        rule names for it; the lookup names the region actually read.
        """
        factor = self._factors.get(factor_id)
        if factor is None:
            return None
        region = factor.region_read(region)
        series = self._series.get((factor_id, region, variant))
        if series is None:
            return None
        index = bisect.bisect_right(series.years, year)
        if index:
            return FactorLookup(factor, series.dated[index - 1], region, year)
        if series.undated is not None:
            return FactorLookup(factor, series.undated, region, year)
        return None
