"""The Shenzhen standard's files: validated, converted to domain values, indexed.

Load once at start-up with ``load_standard(default_standards_dir())`` and
pass the ``Standard`` around; it is immutable and does no I/O after loading.
What it returns (methodologies, factors, crosswalks, agreements, offset
rules) are the plain types of hub.domain; the pydantic models of
hub.standard.models are the files' shape and stay inside this package.
"""

from hub.standard.errors import StandardError
from hub.standard.formula import CompiledFormula, FormulaError
from hub.standard.loaded import Standard
from hub.standard.loader import KNOWN_INPUTS, default_standards_dir, load_standard

__all__ = [
    "KNOWN_INPUTS",
    "CompiledFormula",
    "FormulaError",
    "Standard",
    "StandardError",
    "default_standards_dir",
    "load_standard",
]
