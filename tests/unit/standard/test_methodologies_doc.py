"""docs/methodologies.md is what scripts/write_methodologies_doc.py writes from the standard."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from hub.standard import Standard

REPO = Path(__file__).resolve().parents[3]


def _script() -> ModuleType:
    path = REPO / "scripts" / "write_methodologies_doc.py"
    spec = importlib.util.spec_from_file_location("write_methodologies_doc", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_methodologies_md_is_what_the_script_writes(standard: Standard) -> None:
    expected = _script().render(standard)
    actual = (REPO / "docs" / "methodologies.md").read_text(encoding="utf-8")
    assert actual == expected, (
        "docs/methodologies.md is stale: run python scripts/write_methodologies_doc.py"
    )


def test_the_doc_names_every_interim_methodology_and_its_former_id(standard: Standard) -> None:
    text = (REPO / "docs" / "methodologies.md").read_text(encoding="utf-8")
    for m in standard.methodologies():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{m.id}` |"))
        assert ("| hub interim |" in row) is m.interim
        for former in m.formerly:
            assert f"`{former}`" in row
