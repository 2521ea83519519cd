"""Hong Kong low-carbon activity export adapter."""

from adapters.hongkong.adapter import HongKongAdapter

__all__ = ["HongKongAdapter"]
