"""/readyz's checks on real databases: ready when migrated and the PKI is in
place; a schema behind this version or a missing PKI file is a coded problem."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from carbonhub_contract.signing import HUB_SIGNING_KEY
from hub.observability.readiness import Readiness, pki_files
from hub.settings import HubSettings
from hub.storage.database import create_engine_for, downgrade, migrate


def _readiness(engine: Engine, pki: Path) -> Readiness:
    return Readiness(engine, lambda: pki_files(HubSettings(insecure=True, pki_dir=pki)))


def test_ready_when_migrated_with_its_signing_key(database_url: str, tmp_path: Path) -> None:
    migrate(database_url)
    (tmp_path / HUB_SIGNING_KEY).write_text("key")
    engine = create_engine_for(database_url)
    try:
        assert _readiness(engine, tmp_path).problems() == []
        downgrade(database_url, "-1")
        codes = [p.code for p in _readiness(engine, tmp_path).problems()]
        assert codes == ["MIGRATIONS_NOT_CURRENT"]
        (tmp_path / HUB_SIGNING_KEY).unlink()
        problems = _readiness(engine, tmp_path).problems()
        assert [p.code for p in problems] == ["MIGRATIONS_NOT_CURRENT", "PKI_NOT_LOADED"]
        assert HUB_SIGNING_KEY in problems[1].message
    finally:
        engine.dispose()


def test_mutual_tls_needs_the_ca_and_server_files_too(tmp_path: Path) -> None:
    names = {path.name for path in pki_files(HubSettings(insecure=False, pki_dir=tmp_path))}
    assert HUB_SIGNING_KEY in names and len(names) == 4
