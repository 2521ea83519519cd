"""Structured log lines: JSON lines for collectors, readable text on a terminal.

Every line the hub writes has a time, a level, the logger, a message and,
for the events operators count (``rpc``, ``http``, ``issuance`` ...), the
event name and its fields. A module logs an event as

    log.info("issued", extra=event_fields("issuance", claims=3, blocks=1))

Fields are counts, codes, method names and caller identities (a partner
region, the exchange, an officer's username): never a pseudonym, a record
id or a raw partner field, which tests/integration/observability checks on
a real delivery.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

LogFormat = Literal["auto", "json", "text"]
LogLevel = Literal["debug", "info", "warning", "error"]

# The LogRecord attributes carrying an event: set through ``extra``.
EVENT = "hub_event"
FIELDS = "hub_fields"


def event_fields(event: str, **fields: Any) -> dict[str, Any]:
    """The ``extra`` of a log call that records ``event`` with ``fields``."""
    return {EVENT: event, FIELDS: fields}


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, event, msg, then the fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        event = getattr(record, EVENT, None)
        if event is not None:
            line["event"] = event
        line["msg"] = record.getMessage()
        fields = getattr(record, FIELDS, None)
        if fields:
            for name, value in fields.items():
                line.setdefault(name, value)
        if record.exc_info:
            line["trace"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """``2026-12-06T04:10:09.123Z info  rpc  message  field=value ...`` for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        event = getattr(record, EVENT, None) or record.name
        parts = [_timestamp(record), f"{record.levelname.lower():<7}", event, record.getMessage()]
        fields = getattr(record, FIELDS, None)
        if fields:
            # Empty fields (no refusal reason) would only be noise on a terminal.
            parts.extend(f"{name}={_text(value)}" for name, value in fields.items() if value != "")
        line = "  ".join(parts[:4]) + ("  " + " ".join(parts[4:]) if len(parts) > 4 else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return ",".join(f"{key}:{count}" for key, count in value.items()) or "-"
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if (" " in text or not text) else text


# The handler this module installed, so a second configure replaces it
# instead of doubling every line.
_INSTALLED: list[logging.Handler] = []


def configure_logging(
    level: LogLevel = "info", log_format: LogFormat = "auto", stream: TextIO | None = None
) -> logging.Handler:
    """Send the hub's log lines to ``stream`` (default stderr) at ``level``.

    ``auto`` writes readable text when the stream is a terminal and JSON
    lines otherwise (a service manager, a container, a pipe to a collector).
    """
    target = stream if stream is not None else sys.stderr
    chosen = resolved_format(log_format, target)
    handler = logging.StreamHandler(target)
    handler.setFormatter(TextFormatter() if chosen == "text" else JsonLinesFormatter())
    root = logging.getLogger()
    for old in _INSTALLED:
        root.removeHandler(old)
    _INSTALLED[:] = [handler]
    # Handlers of logging.basicConfig (the command line's default) would
    # write each line a second time, unstructured.
    for old in list(root.handlers):
        if isinstance(old, logging.StreamHandler) and old.stream in (sys.stderr, sys.stdout):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Libraries' own progress lines (alembic's "Running upgrade ..." at each
    # start) only below info; a refused start stays one coded line.
    for name in _CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG if level == "debug" else logging.WARNING)
    return handler


_CHATTY_LIBRARIES = ("alembic",)


def resolved_format(log_format: LogFormat, stream: TextIO | None = None) -> LogFormat:
    """``json`` or ``text``: what ``auto`` means for ``stream`` (default stderr)."""
    if log_format != "auto":
        return log_format
    return "text" if _is_terminal(stream if stream is not None else sys.stderr) else "json"


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        return False
