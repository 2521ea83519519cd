"""Ed25519 signatures over DSSE v1 pre-authentication encoding.

Partners sign their writes with their own key (adapters use ``Signer``);
the hub signs receipts and audit checkpoints with the hub signing key
(``hub-signing.key`` in the PKI directory). ``verify_ed25519`` is the
hub's implementation of hub.domain.signed_payloads.SignatureVerifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from carbonhub_contract.key_files import (
    key_id_of,
    load_ed25519_private,
    load_ed25519_public,
    public_key_raw,
    write_ed25519_keypair,
)
from carbonhub_contract.vocabulary.envelopes import pae

HUB_SIGNING_KEY = "hub-signing.key"
HUB_SIGNING_PUBLIC_KEY = "hub-signing.pub"


def verify_ed25519(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message``."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Signer:
    """One Ed25519 private key and its id."""

    private_key: Ed25519PrivateKey

    @classmethod
    def from_file(cls, path: Path) -> Signer:
        return cls(load_ed25519_private(path))

    @property
    def public_key(self) -> bytes:
        return public_key_raw(self.private_key.public_key())

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    def sign(self, payload_type: str, payload: bytes) -> bytes:
        return self.private_key.sign(pae(payload_type, payload))


@dataclass(frozen=True)
class PublicKey:
    """One Ed25519 public key and its id, to check what a Signer signed."""

    raw: bytes

    @classmethod
    def from_file(cls, path: Path) -> PublicKey:
        return cls(public_key_raw(load_ed25519_public(path)))

    @property
    def key_id(self) -> str:
        return key_id_of(self.raw)

    def verifies(self, payload_type: str, payload: bytes, signature: bytes) -> bool:
        return verify_ed25519(self.raw, pae(payload_type, payload), signature)


def hub_signer(pki_dir: Path, *, create: bool = False) -> Signer:
    """The hub signing key of a PKI directory.

    ``create`` makes one when there is none: the --insecure development hub
    has no CA but still signs its receipts and checkpoints.
    """
    private_path = pki_dir / HUB_SIGNING_KEY
    if create and not private_path.exists():
        write_ed25519_keypair(private_path, pki_dir / HUB_SIGNING_PUBLIC_KEY)
    return Signer.from_file(private_path)
