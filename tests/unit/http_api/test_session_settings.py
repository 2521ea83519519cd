"""Session cookie settings: the signing key file and the Secure flag."""

from __future__ import annotations

import stat
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from hub.http_api.app import create_http_app
from hub.http_api.session_key import KEY_FILE_NAME, session_secret
from hub.settings import HubSettings

from .conftest import csrf_of


def test_without_a_configured_secret_one_is_made_once_and_kept_0600(tmp_path: Path) -> None:
    settings = HubSettings(data_dir=tmp_path / "data")
    first = session_secret(settings)
    key_file = tmp_path / "data" / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert session_secret(settings) == first and len(first) >= 32
    configured = HubSettings(data_dir=tmp_path / "data", session_secret=SecretStr("c" * 40))
    assert session_secret(configured) == "c" * 40


def test_the_secure_flag_follows_the_setting(client: TestClient, tmp_path: Path) -> None:
    plain = client.get("/console/login").headers["set-cookie"].lower()
    assert "secure" not in plain.replace("samesite", "")
    settings = HubSettings(
        data_dir=tmp_path, session_secret=SecretStr("s" * 48), session_cookie_secure=True
    )
    secure_app = create_http_app(client.app.state.services, settings)  # type: ignore[attr-defined]
    with TestClient(secure_app, base_url="https://testserver") as secure:
        page = secure.get("/console/login")
        assert "; secure" in page.headers["set-cookie"].lower()
        assert csrf_of(page.text)
