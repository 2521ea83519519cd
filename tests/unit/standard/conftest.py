from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hub.standard import Standard, default_standards_dir, load_standard


@pytest.fixture(scope="session")
def standard() -> Standard:
    return load_standard(default_standards_dir())


@pytest.fixture()
def copy(tmp_path: Path) -> Path:
    """A fresh copy of the shipped standards/ folder to edit (standard_copies)."""
    root = tmp_path / "standards"
    shutil.copytree(default_standards_dir(), root)
    return root
