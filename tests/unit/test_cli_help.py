"""The command line's help as an operator reads it: every option described,
and no type column for flags (``<bool>``), on every command of carbon-hub."""

from __future__ import annotations

from typing import Any

import typer.main
from typer.testing import CliRunner

from hub.cli.app import app


def _commands() -> list[tuple[list[str], Any]]:
    # typer 0.29 builds its commands on its own copy of click, so isinstance checks
    # against click's classes are always false: the walk reads click's public
    # attributes instead, and says how far it reached.
    found: list[tuple[list[str], Any]] = []

    def walk(command: Any, path: list[str]) -> None:
        found.append((path, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    assert ["bureau", "cancel-block"] in [path for path, _ in found]
    return found


def test_every_option_of_every_command_is_described() -> None:
    undescribed = [
        f"carbon-hub {' '.join(path)} {'/'.join(option.opts)}"
        for path, command in _commands()
        for option in command.params
        if option.param_type_name == "option" and not (option.help or "").strip()
    ]
    assert undescribed == []


def test_no_help_shows_a_type_for_a_flag() -> None:
    runner = CliRunner()
    for path, _ in _commands():
        shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert shown.exit_code == 0, (path, shown.output)
        assert "<bool>" not in shown.output, path
