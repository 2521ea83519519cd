"""The reference exchange stands for an external system: it knows the hub only
through the contract (generated stubs, receipts, TLS channels), never its services,
storage, domain or trust code, and it depends on nothing but the standard library,
grpc, rich, typer and cryptography (which it checks the hub's receipts with)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "hub" / "exchange_client"
ALLOWED_HUB = ("hub.exchange_client",)
# Third-party distributions it may import, beyond the standard library.
ALLOWED_THIRD_PARTY = frozenset({"grpc", "rich", "typer", "cryptography"})


def test_sources_import_only_the_contract_of_the_hub() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.split(".")[0] == "hub" and not name.startswith(ALLOWED_HUB):
                    offenders.append(f"{path.name}: {name}")
                if name.split(".")[0] == "adapters":
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_sources_depend_only_on_the_stdlib_grpc_rich_typer_and_cryptography() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if (
                    top in ("hub", "carbonhub_contract", "__future__")
                    or top in sys.stdlib_module_names
                ):
                    continue
                if top not in ALLOWED_THIRD_PARTY:
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_importing_it_loads_nothing_of_the_hub_beyond_the_contract() -> None:
    program = (
        "import sys, hub.exchange_client, hub.exchange_client.cli, hub.exchange_client.receipts\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('hub.', 'adapters'))\n"
        "             and not m.startswith('hub.exchange_client'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
