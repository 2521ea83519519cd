"""Commands on an existing ledger (bureau, issue, keys, audit) never make one:
an empty SQLite file or PostgreSQL schema is LEDGER_NOT_FOUND, and stays empty."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from hub.bootstrap import build_hub
from hub.errors import HubError
from hub.settings import HubSettings
from hub.storage.database import create_engine_for, migrate


def _tables(url: str) -> list[str]:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            schema = connection.dialect.default_schema_name
            return inspect(connection).get_table_names(schema=schema)
    finally:
        engine.dispose()


def test_an_existing_ledger_is_required_and_an_empty_database_is_left_empty(
    database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite"):
        Path(database_url.removeprefix("sqlite:///")).touch()  # there, but empty
    settings = HubSettings(database_url=database_url, data_dir=tmp_path)
    with pytest.raises(HubError) as refused:
        build_hub(settings, existing=True)
    assert refused.value.code == "LEDGER_NOT_FOUND"
    assert "no hub schema" in refused.value.message
    assert _tables(database_url) == []

    migrate(database_url)
    hub = build_hub(settings, existing=True)
    try:
        assert hub.partner_keys.keys(None) == []
    finally:
        hub.close()
