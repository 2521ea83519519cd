"""No product module over 600 lines (DEVELOPERS.md: modules named for what
they hold, one concept each). Product: the hub, the contract (its generated
code aside), the partner kit and the tools; tests and scripts are not shipped.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("hub", "proto/carbonhub_contract", "adapters", "carbonhub_tools")
LIMIT = 600


def _lines(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle)


def test_no_product_module_is_over_600_lines() -> None:
    modules = [
        path
        for folder in PRODUCT
        for path in (ROOT / folder).rglob("*.py")
        if "generated" not in path.parts and "build" not in path.parts
    ]
    assert len(modules) > 300, "the product's modules were not found"
    over = sorted(
        f"{path.relative_to(ROOT)}: {_lines(path)}" for path in modules if _lines(path) > LIMIT
    )
    assert over == [], "cut these by concept"
