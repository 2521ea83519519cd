from __future__ import annotations

import pytest

from hub.standard import Standard, default_standards_dir, load_standard


@pytest.fixture(scope="session")
def standard() -> Standard:
    return load_standard(default_standards_dir())
