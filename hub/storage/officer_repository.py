"""Bureau officers in the database (hub.services.officers_auth.OfficerStore)."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from hub.services.audit_port import LedgerEvent
from hub.services.officers_auth import Officer, OfficerExists, OfficerStore, StoredOfficer
from hub.storage.audit_repository import append_chained
from hub.storage.officer_tables import OfficerRow
from hub.storage.transaction import Transaction


class SqlAlchemyOfficerStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, username: str) -> StoredOfficer | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(
                    OfficerRow.username,
                    OfficerRow.name,
                    OfficerRow.role,
                    OfficerRow.password_hash,
                    OfficerRow.active,
                    OfficerRow.created_at,
                ).where(OfficerRow.username == username)
            ).first()
        if row is None:
            return None
        return StoredOfficer(
            Officer(row.username, row.name, row.role), row.password_hash, row.active, row.created_at
        )

    def add(self, officer: StoredOfficer, event: LedgerEvent) -> None:
        # The officer and its audit event commit together, on the chain's locked head.
        tx = Transaction(self._engine)
        tx.open()
        try:
            try:
                tx.connection.execute(
                    insert(OfficerRow).values(
                        username=officer.officer.username,
                        name=officer.officer.name,
                        role=officer.officer.role,
                        password_hash=officer.password_hash,
                        active=officer.active,
                        created_at=officer.created_at,
                    )
                )
            except IntegrityError as taken:
                raise OfficerExists(officer.officer.username) from taken
            append_chained(tx, [event])
            tx.connection.commit()
        finally:
            tx.close()


def _conforms(store: SqlAlchemyOfficerStore) -> OfficerStore:
    """Static proof (checked by mypy) that the store satisfies the service port."""
    return store
