"""``--check`` needs the Shenzhen standard and the hub's assessment, which the
partner kit does not carry: this is the port it reaches them through.

An installed distribution that can check a delivery offline names an
``OfflineChecker`` under the ``carbon_hub_adapter.offline_check`` entry point
(the hub's distribution does: carbonhub_tools.offline_check). The kit never
imports it; installed alone, ``--check`` says so with OFFLINE_CHECK_UNAVAILABLE
and points to the sandbox hub, which answers the same questions over the wire.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol, cast

from adapters.delivery import Delivery
from adapters.delivery_report import DeliveryReport

ENTRY_POINT_GROUP = "carbon_hub_adapter.offline_check"


class CheckerUnusable(Exception):
    """The checker cannot work (its standard does not load: the file, path and reason)."""


class OfflineChecker(Protocol):
    # What the hub decides with its ledger, which an offline check cannot see.
    @property
    def not_checked(self) -> tuple[str, ...]: ...

    def check(self, delivery: Delivery, standards_dir: Path | None) -> DeliveryReport:
        """The delivery as the hub would assess it; CheckerUnusable when it cannot."""
        ...


def installed_checker() -> OfflineChecker | None:
    """The checker an installed distribution offers, or None (the kit alone)."""
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        return cast(OfflineChecker, entry.load())
    return None
