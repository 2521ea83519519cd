"""Finds every refusal reason code the hub's sources can raise, by reading them.

A code is the first argument (or ``code=``) of a HubError subclass's
constructor: a string literal, either branch of a conditional, a module
constant (also imported from another scanned module), or a parameter of the
enclosing function, followed to the calls of that function in the same
module. A subclass whose ``__init__`` passes a fixed code to ``super()``
(InternalFault) raises that code. Anything else is reported as unresolved,
so a new way of building codes cannot slip past the catalogue.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

ROOT_ERROR = "HubError"
_DEPTH = 4


@dataclass(frozen=True)
class RaisedCode:
    code: str
    kind: str
    where: str


@dataclass(frozen=True)
class Unresolved:
    expression: str
    where: str


@dataclass
class Scan:
    raised: list[RaisedCode] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)

    def codes(self) -> set[str]:
        return {r.code for r in self.raised}


@dataclass
class _Module:
    path: str
    tree: ast.Module
    parents: dict[ast.AST, ast.AST]


@dataclass
class _ErrorClass:
    name: str
    bases: list[str]
    kind: str | None
    init: ast.FunctionDef | None
    module: _Module


def module_name(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def _name_of(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _parents(tree: ast.Module) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _enclosing_functions(module: _Module, node: ast.AST) -> Iterator[ast.FunctionDef]:
    current = module.parents.get(node)
    while current is not None:
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef):
            yield current  # type: ignore[misc]
        current = module.parents.get(current)


class _Scanner:
    def __init__(self, sources: Mapping[str, str]) -> None:
        self.modules = {
            module_name(path): _Module(path, tree, _parents(tree))
            for path, text in sources.items()
            for tree in [ast.parse(text, filename=path)]
        }
        self.classes = self._error_classes()

    def _error_classes(self) -> dict[str, _ErrorClass]:
        every: dict[str, _ErrorClass] = {}
        for module in self.modules.values():
            for node in ast.walk(module.tree):
                if isinstance(node, ast.ClassDef):
                    every[node.name] = _ErrorClass(
                        node.name,
                        [n for n in map(_name_of, node.bases) if n],
                        _kind_in(node),
                        next(
                            (
                                s
                                for s in node.body
                                if isinstance(s, ast.FunctionDef) and s.name == "__init__"
                            ),
                            None,
                        ),
                        module,
                    )
        errors = {ROOT_ERROR} if ROOT_ERROR in every else set()
        grown = True
        while grown:
            grown = False
            for cls in every.values():
                if cls.name not in errors and errors.intersection(cls.bases):
                    errors.add(cls.name)
                    grown = True
        return {name: every[name] for name in errors}

    def kind_of(self, name: str) -> str:
        cls = self.classes[name]
        if cls.kind is not None:
            return cls.kind
        return next(self.kind_of(b) for b in cls.bases if b in self.classes)

    def fixed_code_call(self, name: str) -> ast.Call | None:
        """The ``super().__init__(CODE, ...)`` of a class whose code is fixed."""
        cls = self.classes[name]
        if name == ROOT_ERROR:
            return None
        if cls.init is None:
            return next(
                (
                    call
                    for b in cls.bases
                    if b in self.classes
                    for call in [self.fixed_code_call(b)]
                    if call is not None
                ),
                None,
            )
        params = {a.arg for a in cls.init.args.args}
        for node in ast.walk(cls.init):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "__init__"
                and isinstance(node.func.value, ast.Call)
                and _name_of(node.func.value.func) == "super"
            ):
                first = _code_argument(node)
                if isinstance(first, ast.Name) and first.id in params:
                    return None
                return node
        return None

    def scan(self) -> Scan:
        found = Scan()
        for name in sorted(self.classes):
            call = self.fixed_code_call(name)
            if call is not None:
                module = self.classes[name].module
                self._record(found, call, module, name)
        for module in self.modules.values():
            for node in ast.walk(module.tree):
                if not isinstance(node, ast.Call):
                    continue
                called = _name_of(node.func)
                if called not in self.classes or self.fixed_code_call(called) is not None:
                    continue
                if isinstance(node.func, ast.Attribute) and node.func.attr == "__init__":
                    continue
                self._record(found, node, module, called)
        return found

    def _record(self, found: Scan, call: ast.Call, module: _Module, cls: str) -> None:
        where = f"{module.path}:{call.lineno}"
        argument = _code_argument(call)
        if argument is not None and self._passes_on(argument, module, call):
            return
        resolved = None if argument is None else self.resolve(argument, module, call, _DEPTH)
        if resolved is None:
            text = "<no code>" if argument is None else ast.unparse(argument)
            found.unresolved.append(Unresolved(text, where))
            return
        for code, site in resolved:
            found.raised.append(RaisedCode(code, self.kind_of(cls), site or where))

    def _passes_on(self, expr: ast.expr, module: _Module, at: ast.AST) -> bool:
        """``caught.code`` inside ``except <HubError subclass> as caught``: the
        error is raised again with the code it already had, so no new code."""
        if not (
            isinstance(expr, ast.Attribute)
            and expr.attr == "code"
            and isinstance(expr.value, ast.Name)
        ):
            return False
        current = module.parents.get(at)
        while current is not None:
            if (
                isinstance(current, ast.ExceptHandler)
                and current.name == expr.value.id
                and current.type is not None
            ):
                caught = (
                    current.type.elts if isinstance(current.type, ast.Tuple) else [current.type]
                )
                return all(_name_of(t) in self.classes for t in caught)
            current = module.parents.get(current)
        return False

    def resolve(
        self, expr: ast.expr, module: _Module, at: ast.AST, depth: int
    ) -> list[tuple[str, str | None]] | None:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return [(expr.value, None)]
        if isinstance(expr, ast.IfExp):
            body = self.resolve(expr.body, module, at, depth)
            orelse = self.resolve(expr.orelse, module, at, depth)
            return None if body is None or orelse is None else body + orelse
        if isinstance(expr, ast.Name):
            for function in _enclosing_functions(module, at):
                if expr.id in _parameters(function):
                    return self._through_callers(function, expr.id, module, depth)
            return self._constant(expr.id, module)
        return None

    def _constant(self, name: str, module: _Module) -> list[tuple[str, str | None]] | None:
        for statement in module.tree.body:
            if isinstance(statement, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in statement.targets
            ):
                value = statement.value
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    return [(value.value, None)]
                return None
            if isinstance(statement, ast.ImportFrom) and statement.module in self.modules:
                for alias in statement.names:
                    if (alias.asname or alias.name) == name:
                        return self._constant(alias.name, self.modules[statement.module])
        return None

    def _through_callers(
        self, function: ast.FunctionDef, parameter: str, module: _Module, depth: int
    ) -> list[tuple[str, str | None]] | None:
        if depth == 0:
            return None
        positional = [a.arg for a in [*function.args.posonlyargs, *function.args.args]]
        position = positional.index(parameter) if parameter in positional else -1
        bound = 1 if positional and positional[0] in ("self", "cls") else 0
        results: list[tuple[str, str | None]] = []
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Call) or _name_of(node.func) != function.name:
                continue
            offset = bound if isinstance(node.func, ast.Attribute) else 0
            argument = next((k.value for k in node.keywords if k.arg == parameter), None)
            if argument is None and position >= 0 and 0 <= position - offset < len(node.args):
                argument = node.args[position - offset]
            if argument is None:
                return None
            resolved = self.resolve(argument, module, node, depth - 1)
            if resolved is None:
                return None
            site = f"{module.path}:{node.lineno}"
            results += [(code, where or site) for code, where in resolved]
        return results or None


def _kind_in(node: ast.ClassDef) -> str | None:
    for statement in node.body:
        target = None
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        if isinstance(target, ast.Name) and target.id == "kind":
            return _name_of(value)
    return None


def _parameters(function: ast.FunctionDef) -> list[str]:
    args = function.args
    return [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]


def _code_argument(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg == "code"), None)


def scan_sources(sources: Mapping[str, str]) -> Scan:
    """Every code raised in ``sources`` (path relative to the repository -> text)."""
    return _Scanner(sources).scan()
