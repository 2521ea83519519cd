"""The key that signs console session cookies: from the settings, else made
once and kept in the data directory, readable by its owner only."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from hub.settings import HubSettings

KEY_FILE_NAME = "console-session.key"


def session_secret(settings: HubSettings) -> str:
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    path = settings.data_dir / KEY_FILE_NAME
    return _kept_key(path)


def _kept_key(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of two hub processes starting at once, one writes, both read it.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
    else:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48))
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ValueError(f"{path} holds no usable session key: delete it to make a new one")
    return key
