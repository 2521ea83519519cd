"""How an adapter reaches the hub: mutual TLS with the partner's certificate of
the hub PKI, or plaintext to a loopback development hub (``--insecure``)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

import grpc

from hub.trust.tls import secure_channel

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

    def open(self) -> grpc.Channel:
        if self.insecure:
            return grpc.insecure_channel(self.address)
        if self.ca is None or self.cert is None or self.key is None:
            raise ConnectionRefused("mutual TLS needs --ca, --cert and --key")
        return secure_channel(self.address, ca=self.ca, cert=self.cert, key=self.key)
