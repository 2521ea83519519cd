"""The one error the loader raises: which file, where inside it, and why."""

from __future__ import annotations


class StandardError(Exception):
    """A standards file is refused.

    ``str(e)`` reads ``standards/methodologies.yaml: methodologies[2].formula: reason``.
    """

    def __init__(self, file: str, location: str, reason: str) -> None:
        self.file = file
        self.location = location
        self.reason = reason
        where = f"{file}: {location}" if location else file
        super().__init__(f"{where}: {reason}")
