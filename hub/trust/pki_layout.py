"""The PKI directory: where each of its files lives, and the lock that serialises changes.

Layout of the PKI directory (``HubSettings.resolved_pki_dir()``)::

    ca.key, ca.crt          the CA (ECDSA P-256; the key is 0600)
    hub.crt, hub.key        the hub's TLS server certificate (serverAuth)
    crl.pem                 the CA's revocation list, rewritten atomically
    index.json              every certificate the CA issued, and its revocation
    issued/<name>.crt|key   client certificates (clientAuth; keys 0600)
    hub-signing.key|pub     the hub's Ed25519 receipt/checkpoint signing key
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from carbonhub_contract.key_files import PRIVATE_FILE_MODE
from hub.errors import NotFound


@dataclass(frozen=True, slots=True)
class PkiLayout:
    """Where each file of a PKI directory lives."""

    root: Path

    @property
    def ca_key(self) -> Path:
        return self.root / "ca.key"

    @property
    def ca_certificate(self) -> Path:
        return self.root / "ca.crt"

    @property
    def server_certificate(self) -> Path:
        return self.root / "hub.crt"

    @property
    def server_key(self) -> Path:
        return self.root / "hub.key"

    @property
    def crl(self) -> Path:
        return self.root / "crl.pem"

    @property
    def index(self) -> Path:
        return self.root / "index.json"

    @property
    def issued(self) -> Path:
        return self.root / "issued"

    @property
    def signing_key(self) -> Path:
        return self.root / "hub-signing.key"

    @property
    def signing_public_key(self) -> Path:
        return self.root / "hub-signing.pub"

    @property
    def lock(self) -> Path:
        return self.root / ".lock"


def not_initialised(root: Path) -> NotFound:
    """The refusal for a directory that holds no certificate authority yet."""
    return NotFound(
        "PKI_NOT_INITIALISED",
        f"no certificate authority in {root}; run `carbon-hub pki init` first",
        {"pki_dir": str(root)},
    )


@contextlib.contextmanager
def exclusive(layout: PkiLayout) -> Iterator[None]:
    """An exclusive advisory lock on the PKI directory, across processes."""
    layout.root.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(layout.lock, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
