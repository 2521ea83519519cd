"""A command-line time: RFC 3339 with its zone, or a clear usage error."""

from __future__ import annotations

from datetime import datetime

import typer

from carbonhub_contract.timestamps import parse_rfc3339


def rfc3339_option(text: str, option: str) -> datetime:
    try:
        return parse_rfc3339(text)
    except ValueError as problem:
        raise typer.BadParameter(str(problem), param_hint=option) from None
