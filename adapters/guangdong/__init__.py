"""Guangdong provincial carbon-inclusion registry (PHCER) adapter."""

from adapters.guangdong.adapter import GuangdongAdapter

__all__ = ["GuangdongAdapter"]
