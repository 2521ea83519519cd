"""Storage: the ledger in SQLite or PostgreSQL, behind the unit-of-work ports."""

from hub.storage.database import create_engine_for, migrate, sqlite_url_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWork, SqlAlchemyUnitOfWorkFactory

__all__ = [
    "SqlAlchemyUnitOfWork",
    "SqlAlchemyUnitOfWorkFactory",
    "create_engine_for",
    "migrate",
    "sqlite_url_for",
]
