"""The two shapes of a log line: JSON for collectors, text for a terminal."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from hub.observability.logs import configure_logging, event_fields


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _restore_root() -> Iterator[None]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def _emit() -> None:
    logging.getLogger("hub.rpc").info(
        "SubmitClaims OK",
        extra=event_fields("rpc", caller="CN-GD", reason="", claims_decided={"ACCEPTED": 3}),
    )


def test_json_lines_carry_time_level_event_and_fields() -> None:
    stream = io.StringIO()
    configure_logging("info", "json", stream=stream)
    _emit()
    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["event"] == "rpc" and record["level"] == "info"
    assert record["caller"] == "CN-GD" and record["claims_decided"] == {"ACCEPTED": 3}
    assert record["ts"].endswith("Z") and record["logger"] == "hub.rpc"


def test_auto_is_text_on_a_terminal_and_json_elsewhere() -> None:
    terminal = _Terminal()
    configure_logging("info", "auto", stream=terminal)
    _emit()
    text = terminal.getvalue()
    assert "rpc" in text and "caller=CN-GD" in text and "claims_decided=ACCEPTED:3" in text
    assert "reason=" not in text  # empty fields are left out
    pipe = io.StringIO()
    configure_logging("info", "auto", stream=pipe)
    _emit()
    assert json.loads(pipe.getvalue())["event"] == "rpc"
    assert terminal.getvalue() == text  # the first handler was replaced, not doubled


def test_the_level_holds_back_less_severe_lines() -> None:
    stream = io.StringIO()
    configure_logging("warning", "json", stream=stream)
    _emit()
    logging.getLogger("hub.rpc").warning("fault")
    assert [json.loads(line)["msg"] for line in stream.getvalue().splitlines()] == ["fault"]


def test_a_trace_stays_inside_its_json_line() -> None:
    stream = io.StringIO()
    configure_logging("info", "json", stream=stream)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("hub").exception("incident abc")
    (line,) = stream.getvalue().splitlines()
    assert "RuntimeError: boom" in json.loads(line)["trace"]
