"""The adapters the CLI (and the hub's demo command) can run, by name.

from adapters.registry import adapter_for
from adapters.hub_client import submit_delivery

delivery = adapter_for("guangdong").read(Path("adapters/guangdong/samples/GD-20241031-01"))
report = submit_delivery(delivery, channel)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from adapters.guangdong import GuangdongAdapter
from adapters.hechi import HechiAdapter
from adapters.hongkong import HongKongAdapter
from adapters.macao import MacaoAdapter
from adapters.partner_template import TemplateAdapter
from adapters.protocol import PartnerAdapter

ADAPTERS: Mapping[str, Callable[[], PartnerAdapter]] = {
    "guangdong": GuangdongAdapter,
    "hechi": HechiAdapter,
    "hongkong": HongKongAdapter,
    "macao": MacaoAdapter,
    "template": TemplateAdapter,
}


def adapter_for(name: str) -> PartnerAdapter:
    """The adapter registered under ``name``; KeyError names the known ones."""
    try:
        factory = ADAPTERS[name]
    except KeyError:
        raise KeyError(f"no adapter '{name}' (known: {', '.join(ADAPTERS)})") from None
    return factory()
