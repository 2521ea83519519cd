"""Alembic environment, driven programmatically by hub.storage.database.

The caller passes an open Connection in ``config.attributes["connection"]``
(the normal way, see hub.storage.database.migrate) or a URL as the
``sqlalchemy.url`` main option. All migrations run in one transaction:
on SQLite it starts with BEGIN IMMEDIATE (the hub's engine), on PostgreSQL
it first takes a transaction-level advisory lock, so processes migrating at
once run one after the other and the later ones find the schema at head.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from hub.storage import (
    asset_tables,  # noqa: F401  (its tables join Base.metadata)
    attestation_tables,  # noqa: F401  (its tables join Base.metadata)
    audit_tables,  # noqa: F401  (its tables join Base.metadata)
    block_tables,  # noqa: F401  (its tables join Base.metadata)
    certificate_tables,  # noqa: F401  (its tables join Base.metadata)
    claim_tables,  # noqa: F401  (its tables join Base.metadata)
    issuance_tables,  # noqa: F401  (its tables join Base.metadata)
    key_tables,  # noqa: F401  (its tables join Base.metadata)
    merkle_tables,  # noqa: F401  (its tables join Base.metadata)
    officer_tables,  # noqa: F401  (its tables join Base.metadata)
    outbox_tables,  # noqa: F401  (its tables join Base.metadata)
    points_tables,  # noqa: F401  (its tables join Base.metadata)
    project_tables,  # noqa: F401  (its tables join Base.metadata)
    reconciliation_tables,  # noqa: F401  (its tables join Base.metadata)
    register_tables,  # noqa: F401  (its tables join Base.metadata)
    retirement_tables,  # noqa: F401  (its tables join Base.metadata)
    travel_tables,  # noqa: F401  (its tables join Base.metadata)
)
from hub.storage.tables import Base

# Any 64-bit constant, the same in every hub process.
MIGRATION_ADVISORY_LOCK = 0x4855_425F_4D49_4752  # "HUB_MIGR"

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        transactional_ddl=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_ADVISORY_LOCK})")
    context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        if connection.in_transaction():
            _run(connection)
        else:
            with connection.begin():
                _run(connection)
        return
    from hub.storage.database import create_engine_for

    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url given to the migrations")
    engine = create_engine_for(url)
    try:
        with engine.connect() as conn, conn.begin():
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
