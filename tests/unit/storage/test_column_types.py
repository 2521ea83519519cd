"""Every column type of the hub's own (a TypeDecorator) declares itself safe
to cache: SQLAlchemy reads ``cache_ok`` from each class's own namespace, not
from a base class, and without it every statement naming the column is
compiled again each time (a cost on the ingestion path) with a warning."""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy.types import TypeDecorator

import hub.storage
from hub.storage.tables import Base


def test_every_decorated_column_type_is_cacheable() -> None:
    for module in pkgutil.iter_modules(hub.storage.__path__):
        if module.name.endswith("_tables"):
            importlib.import_module(f"hub.storage.{module.name}")
    decorated = {
        type(column.type)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, TypeDecorator)
    }
    names = {kind.__name__ for kind in decorated}
    assert {"HexDigest", "HexId", "LockKey", "CompactInstant", "UtcDateTime"} <= names
    assert [k.__name__ for k in decorated if k.__dict__.get("cache_ok") is not True] == []
