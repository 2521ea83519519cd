"""The one interface every partner adapter implements."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from adapters.delivery import Delivery


class PartnerAdapter(Protocol):
    """Reads one native partner delivery and maps its syntax.

    ``read`` never raises for faults in the delivery's content: a bad
    manifest or file becomes a file-level RowProblem (line 0), a bad row a
    row-level RowProblem; the good rows still come through.
    """

    partner: str  # ISO 3166-2 partner code, e.g. "CN-GD"

    def read(self, delivery_dir: Path) -> Delivery: ...
