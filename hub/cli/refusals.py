"""How a command of ``carbon-hub`` refuses: one line, its reason code, an exit code.

Bad input or environment (settings, a config file, a database that is down,
unsupported or not a hub's, a folder that cannot be the data folder, a taken
port, TLS files) exits 2 with ``CODE: message`` on stderr: no traceback, no
SQL, no password. ``refusals`` is wrapped once around the whole command line
(hub.cli.app.main), so every command gets it without handling it itself.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError

from carbonhub_contract.key_files import KeyFileInvalid
from hub.errors import HubError
from hub.settings import HubSettings, settings_refusal

EXIT_SETUP = 2


def print_refusal(code: str, message: str) -> None:
    """One line on stderr, never wrapped or styled: scripts and people read it."""
    print(f"{code}: {' '.join(message.split())}", file=sys.stderr, flush=True)


def refuse(code: str, message: str, exit_code: int = EXIT_SETUP) -> NoReturn:
    print_refusal(code, message)
    raise SystemExit(exit_code)


@contextmanager
def refusals() -> Iterator[None]:
    """A HubError or a lost database that escapes a command: one line, exit 2.

    Commands catch the refusals they expect of the ledger (exit 1); what
    reaches here was raised before the command could work at all."""
    try:
        yield
    except (HubError, KeyFileInvalid) as error:
        refuse(error.code, error.message)
    except ValidationError as problem:
        if problem.title != HubSettings.__name__:
            raise  # not the settings: a fault of the program, its trace is wanted
        refused = settings_refusal(problem)
        refuse(refused.code, refused.message)
    except (OperationalError, InterfaceError):
        # Raised mid-command, past the connect hook: say what, never the SQL.
        refuse(
            "DATABASE_UNAVAILABLE",
            "the database stopped answering during the command; each change is one "
            "transaction, so it was made whole or not at all: run the command again",
        )
