"""Times on the wire and on command lines: RFC 3339, always with a zone."""

from __future__ import annotations

from datetime import datetime


def parse_rfc3339(text: str) -> datetime:
    """The time ``text`` names; ValueError saying what is wrong with it otherwise."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an RFC 3339 time: {text!r}") from None
    if moment.tzinfo is None:
        raise ValueError("give the time zone, e.g. +08:00")
    return moment
