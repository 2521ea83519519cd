"""The loaded Shenzhen standard as the domain asks it: lookups by id, formulas.

The claim and project assessments and the normalisation take the standard
as a parameter and ask it only what this protocol names. hub.standard's
``Standard`` (validated from the YAML files and indexed once at start-up)
answers it with the plain domain types of hub.domain.methodologies,
factors, crosswalks and agreements: the domain never sees a file, YAML or
pydantic, and hub.standard depends on the domain, never the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Protocol

from hub.domain.agreements import Agreement
from hub.domain.crosswalks import CrosswalkEntry, Exclusion
from hub.domain.factors import Factor, FactorLookup
from hub.domain.methodologies import Basis, Methodology
from hub.domain.region_codes import RegionCodeList


class FormulaEvaluationError(ArithmeticError):
    """A methodology's formula failed for these values (e.g. division by zero).

    Raised by the compiled formula; the normalisation reports it as
    RECOMPUTATION_FAILED rather than crediting anything.
    """


class Formula(Protocol):
    """A methodology's formula, compiled once when the standard is loaded."""

    @property
    def text(self) -> str: ...

    def evaluate(self, values: Mapping[str, Decimal]) -> Decimal:
        """The formula's value; raises FormulaEvaluationError when it has none."""
        ...


class StandardTerms(Protocol):
    """What the domain reads of the loaded standard (immutable once loaded)."""

    @property
    def version(self) -> str: ...

    @property
    def region_codes(self) -> RegionCodeList:
        """The GB/T 2260 editions the hub holds, to check a site's code on a day."""
        ...

    def methodology(self, methodology_id: str) -> Methodology | None: ...

    def formula(self, methodology_id: str) -> Formula:
        """The compiled formula of a methodology (KeyError if unknown)."""
        ...

    def agreement(self, partner: str) -> Agreement | None: ...

    def crosswalk_entry(self, partner: str, partner_methodology: str) -> CrosswalkEntry | None: ...

    def exclusion(self, partner: str, partner_methodology: str) -> Exclusion | None:
        """Why a partner methodology is deliberately not crosswalked, if it is listed."""
        ...

    def recognised_on(
        self, partner: str, partner_methodology: str, first: date, last: date
    ) -> bool:
        """True when one recognition window covers the local dates first..last."""
        ...

    def basis(self, entry: CrosswalkEntry) -> Basis:
        """The basis of claims under a crosswalk entry (its own, else the methodology's)."""
        ...

    def accepted_units(self, entry: CrosswalkEntry) -> tuple[str, ...]: ...

    def factor(self, factor_id: str) -> Factor | None: ...

    def factor_variants(self, factor_id: str) -> frozenset[str]: ...

    def factor_region(
        self, entry: CrosswalkEntry, factor_id: str, utility: str | None
    ) -> str | None:
        """Where a factor is taken from for claims under ``entry``."""
        ...

    def factor_value(
        self, factor_id: str, region: str, year: int, variant: str | None = None
    ) -> FactorLookup | None:
        """The value for ``year``, else the latest earlier year, else an undated value."""
        ...
