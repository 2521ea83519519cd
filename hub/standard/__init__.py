"""The Shenzhen standard as data: models, loader and safe formulas.

Load once at start-up with ``load_standard(default_standards_dir())`` and
pass the ``Standard`` around; it is immutable and does no I/O after loading.
"""

from hub.standard.errors import StandardError
from hub.standard.formula import CompiledFormula, FormulaError, FormulaEvaluationError
from hub.standard.loader import (
    KNOWN_INPUTS,
    FactorLookup,
    Standard,
    default_standards_dir,
    load_standard,
)
from hub.standard.models import (
    Agreement,
    Basis,
    Crosswalk,
    CrosswalkEntry,
    EligibleOrigin,
    Exclusion,
    Factor,
    FactorValue,
    Methodology,
    Mode,
    OffsetRules,
    Recognition,
    Sourced,
    VariantBy,
)

__all__ = [
    "KNOWN_INPUTS",
    "Agreement",
    "Basis",
    "CompiledFormula",
    "Crosswalk",
    "CrosswalkEntry",
    "EligibleOrigin",
    "Exclusion",
    "Factor",
    "FactorLookup",
    "FactorValue",
    "FormulaError",
    "FormulaEvaluationError",
    "Methodology",
    "Mode",
    "OffsetRules",
    "Recognition",
    "Sourced",
    "Standard",
    "StandardError",
    "VariantBy",
    "default_standards_dir",
    "load_standard",
]
