"""Hechi (河池市, GB/T 2260 451200), a paired-assistance region: see README.md."""

from adapters.hechi.adapter import HechiAdapter

__all__ = ["HechiAdapter"]
