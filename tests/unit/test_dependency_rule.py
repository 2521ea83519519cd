"""The domain core imports no transport, database or crypto library."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = [ROOT / "hub" / "domain", ROOT / "hub" / "standard"]
FORBIDDEN = (
    "grpc",
    "grpc_status",
    "grpc_health",
    "grpc_reflection",
    "google.protobuf",
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "cryptography",
)


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


@pytest.mark.parametrize("package", CORE, ids=lambda p: p.name)
def test_core_sources_import_nothing_forbidden(package: Path) -> None:
    files = sorted(package.rglob("*.py"))
    assert files, f"{package} holds no modules"
    offenders = [f"{f.relative_to(ROOT)}: {n}" for f in files for n in _imports(f) if _forbidden(n)]
    assert offenders == []


def test_importing_the_core_loads_no_forbidden_module() -> None:
    # Catches indirect imports through other hub modules, not only direct ones.
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for package in CORE
        for p in package.rglob("*.py")
        if p.name != "__init__.py"
    )
    program = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"forbidden = {FORBIDDEN!r}\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if any(m == f or m.startswith(f + '.') for f in forbidden))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
