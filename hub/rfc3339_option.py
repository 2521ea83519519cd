"""A command-line time: RFC 3339 with its zone, or a clear usage error."""

from __future__ import annotations

from datetime import datetime

import typer


def rfc3339_option(text: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"not an RFC 3339 time: {text!r}", param_hint=option) from None
    if moment.tzinfo is None:
        raise typer.BadParameter("give the time zone, e.g. +08:00", param_hint=option)
    return moment
