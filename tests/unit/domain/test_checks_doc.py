"""docs/checks.md is generated from the catalogue and must not drift."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from carbonhub_contract.vocabulary.checks import CATALOGUE

REPO = Path(__file__).resolve().parents[3]


def _script() -> ModuleType:
    path = REPO / "scripts" / "write_checks_doc.py"
    spec = importlib.util.spec_from_file_location("write_checks_doc", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_checks_md_is_what_the_script_writes() -> None:
    expected = _script().render()
    actual = (REPO / "docs" / "checks.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/checks.md is stale: run python scripts/write_checks_doc.py"


def test_every_code_has_a_row() -> None:
    text = (REPO / "docs" / "checks.md").read_text(encoding="utf-8")
    for code in CATALOGUE:
        assert f"| `{code}` |" in text


def test_double_issuance_codes_are_still_there() -> None:
    for code in (
        "DUPLICATE_RECORD_CHANGED",
        "DUPLICATE_CONTENT",
        "PROJECT_PERIOD_OVERLAP",
        "PERSON_PERIOD_OVERLAP",
        "ORIGIN_SERIAL_OVERLAP",
        "SITE_PROGRAMME_CONFLICT",
    ):
        assert code in CATALOGUE
