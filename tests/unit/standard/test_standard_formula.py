from __future__ import annotations

from decimal import Decimal

import pytest

from hub.domain.standard_terms import FormulaEvaluationError
from hub.standard import FormulaError
from hub.standard.formula import compile_formula

NAMES = frozenset({"activity", "grid_ef", "days"})


def test_arithmetic_is_exact_decimal() -> None:
    f = compile_formula("activity * 0.1 + 0.2", NAMES)
    assert f.evaluate({"activity": Decimal(1)}) == Decimal("0.3")
    assert f.names == frozenset({"activity"})


def test_precedence_parentheses_unary_min_max() -> None:
    f = compile_formula("-(activity - 10) * 2 + max(grid_ef, 1, 0.5) - min(days, 3)", NAMES)
    values = {"activity": Decimal(4), "grid_ef": Decimal("0.5"), "days": Decimal(7)}
    assert f.evaluate(values) == Decimal(12) + Decimal(1) - Decimal(3)


def test_division_by_zero_is_an_evaluation_error() -> None:
    f = compile_formula("activity / days", NAMES)
    with pytest.raises(FormulaEvaluationError):
        f.evaluate({"activity": Decimal(1), "days": Decimal(0)})


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "activity.real",
        "activity[0]",
        "activity ** 2",
        "activity if days else 0",
        "activity > 1",
        "'text'",
        "lambda: 1",
        "abs(activity)",
        "min(activity)",
        "max(*activity)",
        "min(activity, key=days)",
        "True",
        "1j",
        "[activity]",
        "activity; days",
        "activity // 2",
        "activity % 2",
    ],
)
def test_anything_beyond_arithmetic_is_refused(text: str) -> None:
    with pytest.raises(FormulaError):
        compile_formula(text, NAMES)


def test_unknown_name_is_refused_with_the_allowed_names() -> None:
    with pytest.raises(FormulaError, match=r"'bus_ef'.*allowed: activity, days, grid_ef"):
        compile_formula("activity * bus_ef", NAMES)


def test_syntax_error_is_refused() -> None:
    with pytest.raises(FormulaError, match="not an expression"):
        compile_formula("activity *", NAMES)
