"""The database a command is pointed at: unsupported, unreachable, or not a
hub's. Each is a coded HubError that names it, the password hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import HubError
from hub.storage.database import create_engine_for, migrate, redacted_url, require_hub_database

UNREACHABLE = "postgresql://hub:s3cret-pw@127.0.0.1:1/ledger"  # nothing listens on port 1


def _refused(call: object, *args: object) -> HubError:
    with pytest.raises(HubError) as refused:
        call(*args)  # type: ignore[operator]
    assert "s3cret-pw" not in str(refused.value)
    return refused.value


@pytest.mark.parametrize(
    "url", ["mysql://hub:s3cret-pw@127.0.0.1/ledger", "s3cret-pw", "oracle://x/y"]
)
def test_a_database_the_hub_does_not_support_is_refused_by_name(url: str) -> None:
    refused = _refused(create_engine_for, url)
    assert refused.code == "DATABASE_UNSUPPORTED"
    assert "PostgreSQL" in refused.message


def test_an_unparseable_url_is_never_echoed() -> None:
    assert redacted_url("s3cret-pw") == "the --database-url given"
    assert redacted_url(UNREACHABLE) == "postgresql://hub:***@127.0.0.1:1/ledger"


def test_an_unreachable_database_is_named_with_its_password_hidden() -> None:
    refused = _refused(migrate, UNREACHABLE)
    assert refused.code == "DATABASE_UNAVAILABLE"
    assert "postgresql://hub:***@127.0.0.1:1/ledger" in refused.message
    assert _refused(require_hub_database, UNREACHABLE).code == "DATABASE_UNAVAILABLE"


def test_a_folder_without_a_hub_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'typo' / 'hub.db'}"
    refused = _refused(require_hub_database, url, tmp_path / "typo")
    assert refused.code == "LEDGER_NOT_FOUND"
    assert str(tmp_path / "typo") in refused.message
    assert not (tmp_path / "typo").exists()


def test_a_file_that_is_not_a_hub_database_is_refused(tmp_path: Path) -> None:
    (tmp_path / "hub.db").write_bytes(b"not sqlite at all, just bytes" * 40)
    refused = _refused(require_hub_database, f"sqlite:///{tmp_path / 'hub.db'}")
    assert refused.code == "LEDGER_NOT_FOUND"


def test_a_migrated_database_is_accepted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    migrate(url)
    require_hub_database(url, tmp_path)


def test_a_sqlite_database_under_a_file_names_the_folder(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    refused = _refused(migrate, f"sqlite:///{tmp_path / 'afile' / 'hub.db'}")
    assert refused.code == "DATABASE_UNAVAILABLE"
    assert f"cannot use {tmp_path / 'afile'}" in refused.message
