"""How an adapter reaches the hub: mutual TLS with the partner's certificate of
the hub PKI, or plaintext to a loopback development hub (``--insecure``).

The TLS files are checked before any connection (carbonhub_contract.tls): a file
that cannot work is named (TLS_FILE_UNREADABLE, TLS_CERT_INVALID,
TLS_KEY_INVALID, TLS_KEY_MISMATCH), and ``diagnose`` tells a handshake the
hub refused (TLS_HANDSHAKE_FAILED) from a hub that is not there."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import grpc

from carbonhub_contract.tls import (
    ClientTlsError,
    ClientTlsFiles,
    diagnose_handshake,
    load_client_tls,
)

_LOOPBACK_NAMES = frozenset({"localhost"})


class ConnectionRefused(ValueError):
    """The connection settings cannot work; the message says what to give."""


def _is_loopback(address: str) -> bool:
    host = address.rsplit(":", 1)[0].strip("[]") if ":" in address else address
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class HubConnection:
    address: str
    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    insecure: bool = False

    def __post_init__(self) -> None:
        if self.insecure:
            if not _is_loopback(self.address):
                raise ConnectionRefused(
                    f"--insecure talks plaintext and is for a loopback hub only, not {self.address}"
                )
            return
        missing = [
            flag
            for flag, path in (("--ca", self.ca), ("--cert", self.cert), ("--key", self.key))
            if path is None
        ]
        if missing:
            raise ConnectionRefused(
                f"mutual TLS needs {', '.join(missing)} (the partner's certificate and key of "
                "the hub PKI, and the hub CA); or --insecure for a loopback development hub"
            )

    def tls_files(self) -> ClientTlsFiles | None:
        """The checked TLS files (ClientTlsError naming a bad one); None for --insecure."""
        if self.insecure:
            return None
        if self.ca is None or self.cert is None or self.key is None:
            raise ConnectionRefused("mutual TLS needs --ca, --cert and --key")
        return load_client_tls(self.ca, self.cert, self.key)

    def open(self) -> grpc.Channel:
        files = self.tls_files()
        if files is None:
            return grpc.insecure_channel(self.address)
        return grpc.secure_channel(self.address, files.credentials())

    def diagnose(self) -> ClientTlsError | None:
        """The TLS fault keeping the channel from the hub, if TLS is what fails."""
        files = self.tls_files()
        return None if files is None else diagnose_handshake(self.address, files)
