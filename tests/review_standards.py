"""A copy of the real standard whose CN-GD agreement leaves project review to the bureau."""

from __future__ import annotations

import shutil
from pathlib import Path

from hub.standard import Standard, default_standards_dir, load_standard


def bureau_reviewed_standards(target: Path) -> Path:
    """Copy standards/ to ``target`` with CN-GD's ``project_review: bureau``."""
    shutil.copytree(default_standards_dir(), target)
    agreement = target / "agreements" / "CN-GD.yaml"
    text = agreement.read_text(encoding="utf-8")
    assert "project_review: partner_registry" in text
    agreement.write_text(
        text.replace("project_review: partner_registry", "project_review: bureau"),
        encoding="utf-8",
    )
    return target


def bureau_reviewed_standard(target: Path) -> Standard:
    return load_standard(bureau_reviewed_standards(target))
