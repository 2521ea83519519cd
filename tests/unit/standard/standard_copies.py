"""Editing a copy of the shipped standard, for tests of what the loader refuses.

The ``copy`` fixture (conftest.py) gives a fresh copy of ``standards/``;
``edit`` changes one exact text in one of its files (and fails loudly when the
text is not there, so a test cannot pass by editing nothing); ``refused``
loads the copy and returns the loader's refusal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.standard import StandardError, load_standard


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def refused(root: Path) -> StandardError:
    with pytest.raises(StandardError) as info:
        load_standard(root)
    return info.value
