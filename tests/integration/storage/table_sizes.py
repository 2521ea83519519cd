"""A PostgreSQL table's size against the size of its live rows alone.

A migration that UPDATEs every row of a table leaves each old row version
behind: the table stays nearly twice its size until VACUUM FULL, which
cannot run inside a migration's transaction. The migrations write such a
table afresh after the UPDATE; these helpers tell whether they did.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

__all__ = ["assert_written_afresh"]


def _size(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        found: int = connection.execute(
            text("SELECT pg_relation_size(:table)"), {"table": table}
        ).scalar_one()
        return found


def assert_written_afresh(engine: Engine, table: str, step: str) -> None:
    """``table`` holds no more pages than its live rows take (within 10 %),
    measured against VACUUM FULL of it (which then leaves it so)."""
    left = _size(engine, table)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM FULL {table}"))
    compacted = _size(engine, table)
    assert left <= compacted * 1.1, f"{table} after {step}: {left} bytes, live rows {compacted}"
