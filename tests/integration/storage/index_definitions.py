"""An index's definition as the database keeps it, on either database: the
migration tests' way of telling which index a schema has, and whether it is
partial or on an expression (alembic's comparison skips both on SQLite)."""

from __future__ import annotations

from sqlalchemy import Engine, text

__all__ = ["index_definition"]


def index_definition(engine: Engine, name: str) -> str | None:
    """The ``CREATE INDEX`` of index ``name`` in the engine's schema, or None."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            found = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :i"),
                {"i": name},
            )
        else:
            found = connection.execute(
                text(
                    "SELECT indexdef FROM pg_indexes"
                    " WHERE indexname = :i AND schemaname = current_schema()"
                ),
                {"i": name},
            )
        value = found.scalar_one_or_none()
        return None if value is None else str(value)
