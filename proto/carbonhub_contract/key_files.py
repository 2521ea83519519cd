"""Ed25519 key files (the hub's receipt signing key, partners' envelope keys).

Private keys are PEM PKCS#8, readable by the owner only (0600); public keys
are PEM SubjectPublicKeyInfo. A key is named by its id,
``ed25519:`` + the first 16 hex digits of SHA-256 over the raw 32-byte
public key, so both sides derive the same id from the key alone.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from carbonhub_contract.vocabulary.envelopes import KeyInvalid
from carbonhub_contract.vocabulary.envelopes import key_id_of as domain_key_id_of

PRIVATE_FILE_MODE = 0o600
PUBLIC_FILE_MODE = 0o644


class KeyFileInvalid(ValueError):
    """A key file or key that cannot be used, with its refusal code
    (KEY_FILE_INVALID, KEY_INVALID): each side's command line prints it as
    ``CODE: message`` like any other refusal."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def write_atomic(path: Path, data: bytes, *, mode: int = PUBLIC_FILE_MODE) -> None:
    """Write ``data`` to ``path`` so readers see the old or the new file, never a part.

    The temporary file lives in the same directory, so ``os.replace`` is an
    atomic rename on one file system.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp creates a unique file readable by the owner only (0600), so a
    # private key is never exposed, not even for a moment; a public file is
    # widened to ``mode`` before it appears under its real name.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_ed25519_keypair(private_path: Path, public_path: Path) -> str:
    """Generate an Ed25519 key pair, write both files, return the key id."""
    private_key = Ed25519PrivateKey.generate()
    write_atomic(
        private_path,
        private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        mode=PRIVATE_FILE_MODE,
    )
    public_key = private_key.public_key()
    write_atomic(
        public_path,
        public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    )
    return key_id_of(public_key_raw(public_key))


def _why(problem: Exception) -> str:
    # The operating system's reason is worth saying; cryptography's parse
    # errors quote its FAQ's URL and library internals, which help nobody.
    if isinstance(problem, OSError) and problem.strerror:
        return f": {problem.strerror}"
    return ""


def load_ed25519_private(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in a PEM PKCS#8 file (unencrypted)."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as problem:
        raise KeyFileInvalid(
            "KEY_FILE_INVALID", f"{path} is not a readable PEM private key{_why(problem)}"
        ) from problem
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileInvalid("KEY_FILE_INVALID", f"{path} holds a key that is not Ed25519")
    return key


def load_ed25519_public(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key in a PEM SubjectPublicKeyInfo file."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as problem:
        raise KeyFileInvalid(
            "KEY_FILE_INVALID", f"{path} is not a readable PEM public key{_why(problem)}"
        ) from problem
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileInvalid("KEY_FILE_INVALID", f"{path} holds a key that is not Ed25519")
    return key


def public_key_raw(public_key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key (what the key id is computed over)."""
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(raw_public_key: bytes) -> str:
    """``ed25519:`` + the first 16 hex digits of SHA-256 over the raw public key."""
    try:
        return domain_key_id_of(raw_public_key)
    except KeyInvalid as problem:
        raise KeyFileInvalid("KEY_INVALID", str(problem)) from problem
