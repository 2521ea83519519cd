"""docs/refusals.md is generated from the catalogue and must not drift."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from hub.refusals import CATALOGUE

REPO = Path(__file__).resolve().parents[3]
DOC = REPO / "docs" / "refusals.md"


def _script() -> ModuleType:
    path = REPO / "scripts" / "write_refusals_doc.py"
    spec = importlib.util.spec_from_file_location("write_refusals_doc", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_refusals_md_is_what_the_script_writes() -> None:
    expected = _script().render()
    actual = DOC.read_text(encoding="utf-8")
    assert actual == expected, "docs/refusals.md is stale: run python scripts/write_refusals_doc.py"


def test_every_code_has_one_row() -> None:
    text = DOC.read_text(encoding="utf-8")
    for code in CATALOGUE:
        assert text.count(f"| `{code}` |") == 1, code


def test_rows_show_the_statuses_the_transports_answer() -> None:
    rows = {
        line.split(" | ")[0].strip("| `"): line.split(" | ")
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `")
    }
    assert rows["ENVELOPE_REPLAYED"][1:3] == ["FAILED_PRECONDITION", "409"]
    assert rows["RATE_LIMITED"][1:3] == ["RESOURCE_EXHAUSTED", "429"]
    assert rows["INTERNAL_FAULT"][1:3] == ["INTERNAL", "500"]
    assert rows["METHOD_NOT_ALLOWED"][1:3] == ["—", "405"]
