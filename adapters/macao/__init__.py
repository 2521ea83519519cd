"""Macao (CN-MO): DSPA and transit activity exports, Traditional Chinese and Portuguese."""

from adapters.macao.adapter import MacaoAdapter

__all__ = ["MacaoAdapter"]
