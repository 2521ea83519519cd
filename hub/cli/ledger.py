"""The hub's ledger for one command of ``carbon-hub``: its settings and options.

Commands that work on a ledger already made (bureau, issue, reconcile,
keys) open it with ``ledger``: a --data-dir or URL with no hub database is
refused (LEDGER_NOT_FOUND) rather than given a new empty one. Setup faults
propagate as HubErrors to hub.cli.refusals.refusals (one line, exit 2).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from hub.settings import HubSettings, load_settings

console = Console(stderr=True)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="folder of the embedded database")]
DatabaseUrl = Annotated[
    str | None, typer.Option("--database-url", help="SQLAlchemy URL (PostgreSQL)")
]
ConfigFile = Annotated[Path | None, typer.Option("--config", help="TOML settings file")]
Officer = Annotated[str, typer.Option("--officer", help="the bureau officer acting")]
Reason = Annotated[str, typer.Option("--reason", help="why; kept in the ledger events")]
EXIT_REFUSED = 1


# The process's logging: switched on by hub.cli.app.main (a real process), so a
# test invoking the app in its own process leaves that process's logging
# alone; the global --log-level/--log-format land in the flags.
_PROCESS_LOGGING: dict[str, Any] = {"enabled": False, "flags": {}}


def enable_process_logging() -> None:
    _PROCESS_LOGGING["enabled"] = True


def set_logging_flags(level: str | None, log_format: str | None) -> None:
    """``carbon-hub --log-level L --log-format F COMMAND``: for every command."""
    given = {"log_level": level, "log_format": log_format}
    _PROCESS_LOGGING["flags"] = {name: value for name, value in given.items() if value}


def with_logging_flags(flags: dict[str, Any]) -> dict[str, Any]:
    """``flags`` with the global logging flags where the command gave none."""
    given = {name: value for name, value in flags.items() if value is not None}
    return {**_PROCESS_LOGGING["flags"], **given}


def configure_command_logging(settings: HubSettings) -> None:
    """A command's log lines (bureau actions, key changes ...) on stderr as
    serve writes them: its level and format from --log-level/--log-format,
    HUB_LOG_LEVEL/HUB_LOG_FORMAT or the config file; JSON lines when stderr
    is not a terminal. The command's human output stays on stdout."""
    if not _PROCESS_LOGGING["enabled"]:
        return
    from hub.observability.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)


def build_settings(**flags: Any) -> HubSettings:
    """Settings from the flags that were given, then HUB_* environment, then the
    config file; SettingsRefused (one line naming the setting or file) if not."""
    return load_settings(**with_logging_flags(flags))


def build_or_exit(settings: HubSettings, *, existing: bool = False) -> Any:
    """The hub (hub.bootstrap.build_hub); a standard that does not load exits 2."""
    from hub.bootstrap import build_hub
    from hub.standard import StandardError

    try:
        return build_hub(settings, existing=existing)
    except StandardError as problem:
        console.print(f"[red]the standard does not load:[/red] {problem}", soft_wrap=True)
        raise typer.Exit(2) from problem


@contextlib.contextmanager
def ledger(data_dir: Path | None, database_url: str | None, config: Path | None) -> Iterator[Any]:
    """The hub's services on its existing database, for one command; a coded
    refusal is printed with its code and exits 1, and nothing is changed by it."""
    from hub.errors import HubError, StorageUnavailable

    settings = build_settings(data_dir=data_dir, database_url=database_url, config_file=config)
    configure_command_logging(settings)
    hub = build_or_exit(settings, existing=True)
    try:
        yield hub
    except StorageUnavailable:
        raise  # the environment, not a refusal of the ledger: one line, exit 2
    except HubError as error:
        console.print(f"[red]{error.code}[/red]: {error.message}")
        for key, value in sorted(error.details.items()):
            console.print(f"  {key}: {value}")
        raise typer.Exit(EXIT_REFUSED) from error
    finally:
        hub.close()
