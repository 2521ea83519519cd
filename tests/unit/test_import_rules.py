"""The import rules of docs/architecture.md, read from every module's syntax tree.

A lazy import inside a function counts like one at the top: the rules are about
what a package needs, not about when it loads it. Named exceptions may shrink,
never grow.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CONTRACT = "carbonhub_contract"
# The contract's pure part: what the hub's domain and the partner kit both build on.
VOCABULARY = "carbonhub_contract.vocabulary"
TOOLS = ("carbonhub_tools",)
PARTNER_KIT = ("adapters",)
TRANSPORTS = ("hub.grpc_api", "hub.http_api")
SERVER = (
    "hub.domain",
    "hub.services",
    "hub.storage",
    "hub.grpc_api",
    "hub.http_api",
    "hub.trust",
    "hub.standard",
    "hub.observability",
    "hub.refusals",
    "hub.exchange_client",
)

# The domain's named exception: the error tree. The standard's validated
# models reach the domain as plain domain types (hub.standard converts them).
DOMAIN_MAY_IMPORT = ("hub.domain", "hub.errors", VOCABULARY)
# What validates and reads the standard's files: never the domain's business.
FILE_PARSING = ("pydantic", "yaml")

# Where a top-level package's sources are when not at the root: the contract's
# sit in proto/, its distribution's folder.
SOURCES = {"carbonhub_contract": ROOT / "proto" / "carbonhub_contract"}

# What the partner kit may import beside the standard library, itself and the
# contract: the distributions adapters/pyproject.toml depends on (and theirs).
PARTNER_KIT_THIRD_PARTY = frozenset({"grpc", "google", "cryptography", "typer", "rich"})


def _module_name(path: Path) -> str:
    for top, folder in SOURCES.items():
        if path.is_relative_to(folder):
            parts: tuple[str, ...] = (top, *path.relative_to(folder).with_suffix("").parts)
            break
    else:
        parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(*packages: str) -> Iterator[tuple[str, Path]]:
    for package in packages:
        top, _, rest = package.partition(".")
        folder = SOURCES.get(top, ROOT / top)
        base = folder.joinpath(*rest.split(".")) if rest else folder
        paths = sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]
        for path in paths:
            if "generated" not in path.parts and path.exists():
                yield _module_name(path), path


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    package = _module_name(path).rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                names.add(node.module)
            elif node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                names.add(f"{base}.{node.module}" if node.module else base)
    return names


def _within(name: str, prefixes: tuple[str, ...] | frozenset[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _offenders(packages: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, path in _modules(*packages)
        for name in _imports(path)
        if _within(name, forbidden)
    )


def test_the_domain_imports_only_the_standard_library_and_itself() -> None:
    stdlib = sys.stdlib_module_names
    offenders = sorted(
        f"{module} imports {name}"
        for module, path in _modules("hub.domain")
        for name in _imports(path)
        if name.split(".")[0] not in stdlib and not _within(name, DOMAIN_MAY_IMPORT)
    )
    assert offenders == []


def test_the_domain_imports_neither_pydantic_nor_yaml() -> None:
    # Implied by the rule above; kept apart so that its failure names them.
    offenders = _offenders(("hub.domain",), FILE_PARSING)
    assert offenders == [], "the domain must import neither pydantic nor yaml"


def test_services_import_no_storage_transport_partner_kit_or_tool() -> None:
    forbidden = ("hub.storage", *TRANSPORTS, *PARTNER_KIT, *TOOLS)
    assert _offenders(("hub.services",), forbidden) == []


def test_storage_imports_no_transport_partner_kit_or_tool() -> None:
    assert _offenders(("hub.storage",), (*TRANSPORTS, *PARTNER_KIT, *TOOLS)) == []


@pytest.mark.parametrize("package", SERVER)
def test_no_server_package_imports_the_partner_kit_or_a_tool(package: str) -> None:
    assert _offenders((package,), (*PARTNER_KIT, *TOOLS)) == []


def test_the_exchange_client_imports_only_the_contract_from_the_hub() -> None:
    hub_inside = ("hub.domain", "hub.services", "hub.storage", *TRANSPORTS, "hub.trust")
    forbidden = (*hub_inside, "hub.standard", "hub.errors", *PARTNER_KIT, *TOOLS)
    assert _offenders(("hub.exchange_client",), forbidden) == []


def test_nothing_in_the_hub_imports_the_partner_kit_or_a_tool() -> None:
    # carbon-hub finds the tools' commands through entry points (hub/cli/app.py).
    assert _offenders(("hub",), (*PARTNER_KIT, *TOOLS)) == []


def test_the_contract_imports_nothing_of_the_hub_the_kit_or_the_tools() -> None:
    assert _offenders((CONTRACT,), ("hub", *PARTNER_KIT, *TOOLS)) == []


def test_the_vocabulary_is_the_standard_library_alone() -> None:
    stdlib = sys.stdlib_module_names
    offenders = sorted(
        f"{module} imports {name}"
        for module, path in _modules(VOCABULARY)
        for name in _imports(path)
        if name.split(".")[0] not in stdlib and not _within(name, (VOCABULARY,))
    )
    assert offenders == []


def test_the_partner_kit_depends_on_the_contract_only() -> None:
    stdlib = sys.stdlib_module_names
    offenders = sorted(
        f"{module} imports {name}"
        for module, path in _modules(*PARTNER_KIT)
        for name in _imports(path)
        if not _within(name, (CONTRACT, *PARTNER_KIT))
        and name.split(".")[0] not in stdlib
        and name.split(".")[0] not in PARTNER_KIT_THIRD_PARTY
    )
    assert offenders == [], "the partner kit must depend on the contract only"


def test_the_rules_read_real_imports() -> None:
    # A guard that the reader finds imports at all: the domain module that
    # normalises claims imports Decimal, and the servicer imports its service.
    normalisation = _imports(ROOT / "hub" / "domain" / "normalisation.py")
    assert "decimal" in normalisation
    servicer = _imports(ROOT / "hub" / "grpc_api" / "partner_servicer.py")
    assert any(name.startswith("hub.services") for name in servicer)
