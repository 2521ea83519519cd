"""Whether this hub can serve: /readyz.

Ready means the database answers, its schema is at this version's newest
migration (a hub started against a database another version migrated, or
one that was downgraded, is not), and the hub's PKI is in place: its
signing key (receipts, checkpoints) and, for mutual TLS, the CA, server
certificate and key. Each problem has a stable code; messages quote no
driver error, SQL or exception class.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from carbonhub_contract.signing import HUB_SIGNING_KEY
from hub.errors import ErrorKind, HubError, StorageUnavailable
from hub.settings import HubSettings
from hub.storage.database import alembic_config
from hub.trust.pki_layout import PkiLayout


class NotReady(HubError):
    """Something this hub needs to serve is missing; /readyz answers 503 with it."""

    kind = ErrorKind.UNAVAILABLE


class Readiness:
    """The checks of /readyz, run at each probe (a few cheap queries and stats)."""

    def __init__(self, engine: Engine, pki_files: Callable[[], list[Path]]) -> None:
        self._engine = engine
        self._pki_files = pki_files
        self._heads = frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())

    @classmethod
    def of(cls, engine: Engine, settings: HubSettings) -> Readiness:
        return cls(engine, lambda: pki_files(settings))

    def problems(self) -> list[HubError]:
        found: list[HubError] = []
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                current = frozenset(MigrationContext.configure(connection).get_current_heads())
        except (
            SQLAlchemyError,
            StorageUnavailable,
        ):  # the engine reports a lost database as the latter
            found.append(StorageUnavailable("DATABASE_UNAVAILABLE", "the database does not answer"))
        else:
            if current != self._heads:
                found.append(
                    NotReady(
                        "MIGRATIONS_NOT_CURRENT",
                        f"the database schema is at {', '.join(sorted(current)) or 'nothing'}, "
                        f"this hub needs {', '.join(sorted(self._heads))}",
                    )
                )
        missing = [path.name for path in self._pki_files() if not path.is_file()]
        if missing:
            found.append(
                NotReady("PKI_NOT_LOADED", f"the hub PKI lacks {', '.join(sorted(missing))}")
            )
        return found


def pki_files(settings: HubSettings) -> list[Path]:
    """The files a serving hub needs: its signing key, and the TLS files unless --insecure."""
    root = settings.resolved_pki_dir()
    needed = [root / HUB_SIGNING_KEY]
    if not settings.insecure:
        layout = PkiLayout(root)
        needed += [layout.ca_certificate, layout.server_certificate, layout.server_key]
    return needed
