"""Reading a --json report as a script that knows only adapters/README.md would.

``documented_fields`` parses the README's schema table (field path → type);
``check_documented`` walks a document and fails on any field the table does
not name, any value whose type the table does not allow, and any documented
field missing where its parent is present. Tests then read the document by
those documented names alone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[3] / "adapters/README.md"
_ROW = re.compile(r"^\| `([a-z0-9_.\[\]]+)` \| ([^|]+(?:\\\|[^|]+)*) \|", re.MULTILINE)


def documented_fields() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("### JSON report (`--json`)", 1)[1].split("| `exit_code` | `outcome`")[0]
    return {path: kind.replace("\\|", "|").strip() for path, kind in _ROW.findall(section)}


def _allows(kind: str, value: Any) -> bool:
    for option in (part.strip() for part in kind.split("|")):
        if option == "null" and value is None:
            return True
        if option == "string" and isinstance(value, str):
            return True
        if option == "integer" and isinstance(value, int) and not isinstance(value, bool):
            return True
        if option == "boolean" and isinstance(value, bool):
            return True
        if option == "object" and isinstance(value, dict):
            return True
        if option.startswith("list of") and isinstance(value, list):
            return True
        if option.startswith("map of") and isinstance(value, dict):
            item = option.rsplit("→", 1)[1].strip()
            return all(isinstance(k, str) and _allows(item, v) for k, v in value.items())
    return False


def check_documented(document: dict[str, Any]) -> None:
    fields = documented_fields()

    def children(prefix: str) -> set[str]:
        return {
            p[len(prefix) + 1 :]
            for p in fields
            if p.startswith(f"{prefix}.") and not re.search(r"[.\[]", p[len(prefix) + 1 :])
        }

    def walk_object(value: dict[str, Any], prefix: str) -> None:
        documented = (
            children(prefix) if prefix else {p for p in fields if not re.search(r"[.\[]", p)}
        )
        assert set(value) == documented, (prefix, sorted(set(value) ^ documented))
        for key, item in value.items():
            walk(item, f"{prefix}.{key}" if prefix else key)

    def walk(value: Any, path: str) -> None:
        kind = fields[path]
        assert _allows(kind, value), (path, kind, value)
        if isinstance(value, dict) and kind.startswith("object"):
            walk_object(value, path)
        elif isinstance(value, list) and kind.startswith("list of object"):
            for item in value:
                assert isinstance(item, dict), (path, item)
                walk_object(item, f"{path}[]")
        elif isinstance(value, list):
            item_kind = kind.removeprefix("list of ").strip()
            assert all(_allows(item_kind, item) for item in value), (path, value)

    walk_object(document, "")
