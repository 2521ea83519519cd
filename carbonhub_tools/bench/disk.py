"""Bytes on disk per claim, per table and per index, read from the database itself.

SQLite: the ``dbstat`` virtual table (compiled into the sqlite3 module of
CPython's usual builds; checked, with a clear error where it is missing):
the pages each table and index holds, page size included, so free space
inside a page counts as the database's. PostgreSQL: ``pg_table_size`` per
table (its heap, TOAST, free-space and visibility maps) and
``pg_relation_size`` per index, for the relations of the run's schema (the
first on its search_path); their sum is what ``pg_total_relation_size``
gives over every table.

Every table and index counts, not only the claims': the audit events, locks
and site bindings a claim writes are part of what a claim costs on disk.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from hub.storage.database import create_engine_for

__all__ = ["DiskObject", "DiskUsage", "disk_usage"]


class DbstatMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class DiskObject:
    name: str
    kind: str  # "table" or "index"
    table: str  # the table an index belongs to (a table's own name)
    bytes: int


@dataclass(frozen=True)
class DiskUsage:
    claims: int  # rows of ``claims`` when measured (preloaded ones included)
    objects: tuple[DiskObject, ...]  # largest first

    @property
    def total(self) -> int:
        return sum(o.bytes for o in self.objects)

    def per_claim(self, size: int) -> float:
        return size / self.claims if self.claims else 0.0

    def of_table(self, table: str) -> int:
        """A table and its indexes."""
        return sum(o.bytes for o in self.objects if o.table == table)

    def as_json(self) -> dict[str, object]:
        return {
            "claims": self.claims,
            "total_bytes": self.total,
            "bytes_per_claim": round(self.per_claim(self.total), 1),
            "objects": [
                {
                    "name": o.name,
                    "kind": o.kind,
                    "table": o.table,
                    "bytes": o.bytes,
                    "bytes_per_claim": round(self.per_claim(o.bytes), 1),
                }
                for o in self.objects
            ],
        }

    def lines(self) -> list[str]:
        """The total, then per table with its indexes (tables under 1 B a claim summed)."""
        lines = [
            f"disk per claim: {self.per_claim(self.total):,.0f} B over {self.claims:,} claims "
            f"({self.total / 2**20:,.1f} MiB, every table and index)"
        ]
        tables = sorted({o.table for o in self.objects}, key=lambda t: (-self.of_table(t), t))
        small = [t for t in tables if self.per_claim(self.of_table(t)) < 1]
        for table in tables:
            if table in small:
                continue
            parts = ", ".join(
                f"{o.name} {self.per_claim(o.bytes):,.0f}"
                for o in self.objects
                if o.table == table and self.per_claim(o.bytes) >= 0.5
            )
            size = self.per_claim(self.of_table(table))
            lines.append(f"  {table}: {size:,.0f} B/claim ({parts})")
        if small:
            rest = self.per_claim(sum(self.of_table(t) for t in small))
            lines.append(f"  {len(small)} other tables: {rest:,.1f} B/claim together")
        return lines


_SQLITE = """
SELECT s.name, COALESCE(m.type, 'table'), COALESCE(m.tbl_name, s.name), SUM(s.pgsize)
FROM dbstat AS s LEFT JOIN sqlite_schema AS m ON m.name = s.name
GROUP BY s.name
"""

# Tables (r: ordinary, p: partitioned) and indexes of the run's schema; a
# table's size counts its TOAST relation and maps, an index its own pages.
_POSTGRESQL = """
SELECT c.relname,
       CASE WHEN c.relkind = 'i' THEN 'index' ELSE 'table' END,
       COALESCE(t.relname, c.relname),
       CASE WHEN c.relkind = 'i' THEN pg_relation_size(c.oid) ELSE pg_table_size(c.oid) END
FROM pg_class AS c
LEFT JOIN pg_index AS i ON i.indexrelid = c.oid
LEFT JOIN pg_class AS t ON t.oid = i.indrelid
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'i')
"""


def _objects(connection: Connection) -> list[DiskObject]:
    if connection.dialect.name == "sqlite":
        try:
            rows = connection.exec_driver_sql(_SQLITE).all()
        except Exception as error:  # sqlite3.OperationalError: no such table: dbstat
            raise DbstatMissing(
                "this Python's sqlite3 has no dbstat virtual table (SQLITE_ENABLE_DBSTAT_VTAB)"
            ) from error
        # sqlite_autoindex_* are the indexes of UNIQUE constraints and text keys.
        return [
            DiskObject(name, "index" if kind == "index" else "table", table, int(size))
            for name, kind, table, size in rows
        ]
    rows = connection.execute(text(_POSTGRESQL)).all()
    return [DiskObject(name, kind, table, int(size)) for name, kind, table, size in rows]


def disk_usage(url: str) -> DiskUsage:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            claims = int(connection.exec_driver_sql("SELECT count(*) FROM claims").scalar_one())
            objects = _objects(connection)
    finally:
        engine.dispose()
    objects.sort(key=lambda o: (-o.bytes, o.name))
    return DiskUsage(claims, tuple(objects))
