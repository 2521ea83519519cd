"""The command line's help, as an operator reads it.

Typer's rich help prints a type beside every option, ``<bool>`` included:
a flag takes no value, so for a flag that column is only noise (issue 19).
``install`` drops it once, for every command of the ``carbon-hub`` app.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperOption

_original = TyperOption.display_type_rich


def _display_type_rich(self: TyperOption, ctx: Any) -> str | None:
    if self.is_flag and self.metavar is None:
        return None
    return _original(self, ctx)


def install() -> None:
    """No type column for flags (``--insecure/--secure``, ``--json``, ``--help``)."""
    TyperOption.display_type_rich = _display_type_rich  # type: ignore[method-assign]
