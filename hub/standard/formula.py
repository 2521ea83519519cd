"""Safe formulas: parsed once at load into a tree of closures over Decimal.

A formula is a single arithmetic expression over named inputs and factor
names, written in the standard's YAML by the bureau. Only these are allowed:
decimal literals, names, ``+ - * /``, unary minus and plus, parentheses, and
calls of ``min`` and ``max``. Anything else (attribute access, indexing,
other calls, comparisons, powers, strings, lambdas ...) is refused at load.
The text is parsed with Python's ``ast`` module but never executed as
Python: each node becomes a closure evaluated with decimal.Decimal, so no
float ever enters a computation and nothing is re-parsed per claim. A
formula that fails for some values raises the domain's
FormulaEvaluationError (hub.domain.standard_terms), which the normalisation
reports as RECOMPUTATION_FAILED.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from hub.domain.standard_terms import FormulaEvaluationError

Node = Callable[[Mapping[str, Decimal]], Decimal]


class FormulaError(ValueError):
    """Why a formula is refused."""


@dataclass(frozen=True, slots=True)
class CompiledFormula:
    text: str
    names: frozenset[str]
    _root: Node

    def evaluate(self, values: Mapping[str, Decimal]) -> Decimal:
        """The formula's value; every name must be in ``values``."""
        try:
            return self._root(values)
        except (InvalidOperation, ZeroDivisionError) as exc:
            raise FormulaEvaluationError(f"{self.text}: {exc!r}") from exc


_MAX_LENGTH = 500


def compile_formula(text: str, allowed_names: frozenset[str]) -> CompiledFormula:
    """Compile ``text``; raises FormulaError naming what is wrong."""
    if len(text) > _MAX_LENGTH:
        raise FormulaError(f"longer than {_MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"not an expression: {exc.msg}") from exc
    names: set[str] = set()
    root = _compile(tree.body, text.strip(), allowed_names, names)
    return CompiledFormula(text=text.strip(), names=frozenset(names), _root=root)


def _compile(node: ast.expr, source: str, allowed: frozenset[str], names: set[str]) -> Node:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise FormulaError(f"literal {node.value!r} is not a number")
        # The literal's own text, so 0.1 stays exactly 0.1 and not a binary float.
        literal = ast.get_source_segment(source, node)
        if literal is None:
            raise FormulaError("cannot read a literal")
        try:
            constant = Decimal(literal.replace("_", ""))
        except InvalidOperation as exc:
            raise FormulaError(f"literal {literal!r} is not a decimal number") from exc
        return lambda values: constant
    if isinstance(node, ast.Name):
        name = node.id
        if name not in allowed:
            raise FormulaError(
                f"name {name!r} is neither a declared input nor a declared factor"
                f" (allowed: {', '.join(sorted(allowed))})"
            )
        names.add(name)
        return lambda values: values[name]
    if isinstance(node, ast.UnaryOp):
        operand = _compile(node.operand, source, allowed, names)
        if isinstance(node.op, ast.USub):
            return lambda values: -operand(values)
        if isinstance(node.op, ast.UAdd):
            return operand
        raise FormulaError(f"operator {type(node.op).__name__} is not allowed")
    if isinstance(node, ast.BinOp):
        left = _compile(node.left, source, allowed, names)
        right = _compile(node.right, source, allowed, names)
        op = node.op
        if isinstance(op, ast.Add):
            return lambda values: left(values) + right(values)
        if isinstance(op, ast.Sub):
            return lambda values: left(values) - right(values)
        if isinstance(op, ast.Mult):
            return lambda values: left(values) * right(values)
        if isinstance(op, ast.Div):
            return lambda values: left(values) / right(values)
        raise FormulaError(f"operator {type(op).__name__} is not allowed")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in ("min", "max"):
            raise FormulaError("only min(...) and max(...) may be called")
        if node.keywords or len(node.args) < 2:
            raise FormulaError(f"{node.func.id} takes two or more plain arguments")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise FormulaError(f"{node.func.id} takes two or more plain arguments")
        args = tuple(_compile(a, source, allowed, names) for a in node.args)
        pick = min if node.func.id == "min" else max
        return lambda values: pick(a(values) for a in args)
    raise FormulaError(f"{type(node).__name__} is not allowed in a formula")
