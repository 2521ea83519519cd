"""A client's mutual TLS to the hub: its PEM files checked up front, a refused
handshake explained.

grpc reports neither: a wrong key file fails inside grpc core (a C++ log
line, ``Invalid private key``), and a handshake the hub refuses, or a hub
certificate the client does not trust, only leaves the channel never ready,
which looks like an unreachable hub. So the files are loaded here with
``cryptography`` first, each fault naming its file; and while a channel is
not ready, one TLS handshake of the standard library's ``ssl`` with the same
files says whether TLS is what fails, and which side refused.

It lives in the reference exchange's package because that package may
import nothing of the hub but itself and the generated stubs (it stands for
an external system): standard library, grpc and ``cryptography`` only. The
adapters and the hub (checking its own certificate and key) use the same one.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

# The HTTP/2 client preface and an empty SETTINGS frame: what a gRPC client
# sends first. Under TLS 1.3 the server judges the client certificate after
# the client considers the handshake done, so its refusal only arrives as an
# alert in answer to the first bytes sent.
_H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
PROBE_TIMEOUT = 3.0  # seconds for the diagnostic handshake
READY_POLL = 1.0  # seconds between diagnoses while a channel is not ready


class ClientTlsError(Exception):
    """A TLS setting that cannot work; ``code`` is a stable reason code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class HubUnreachable(Exception):
    """No connection to the hub within the time allowed (not a TLS fault)."""


@dataclass(frozen=True)
class ClientTlsFiles:
    """The three PEM files of a client, read and checked."""

    ca_path: Path
    cert_path: Path
    key_path: Path
    root_certificates: bytes
    certificate_chain: bytes
    private_key: bytes

    def credentials(self) -> grpc.ChannelCredentials:
        return grpc.ssl_channel_credentials(
            root_certificates=self.root_certificates,
            private_key=self.private_key,
            certificate_chain=self.certificate_chain,
        )


def _read(flag: str, path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as problem:
        raise ClientTlsError(
            "TLS_FILE_UNREADABLE", f"cannot read {flag} {path}: {problem.strerror or problem}"
        ) from problem


def _certificate(flag: str, path: Path, data: bytes) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as problem:
        raise ClientTlsError("TLS_CERT_INVALID", f"{flag} {path} is not a PEM certificate") from (
            problem
        )


def _spki(public_key: PublicKeyTypes) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


CLIENT_LABELS = ("--ca", "--cert", "--key")


def load_client_tls(
    ca: Path, cert: Path, key: Path, *, labels: tuple[str, str, str] = CLIENT_LABELS
) -> ClientTlsFiles:
    """The files, or ClientTlsError naming the first one that cannot work.

    ``labels`` name the three in messages: the client's flags by default; the
    hub checks its own CA, certificate and key with them too (grpc core would
    only log ``Invalid private key`` and fail the bind)."""
    ca_label, cert_label, key_label = labels
    files = ClientTlsFiles(
        Path(ca),
        Path(cert),
        Path(key),
        _read(ca_label, ca),
        _read(cert_label, cert),
        _read(key_label, key),
    )
    authority = _certificate(ca_label, ca, files.root_certificates)
    certificate = _certificate(cert_label, cert, files.certificate_chain)
    try:
        private_key = serialization.load_pem_private_key(files.private_key, password=None)
    except (ValueError, TypeError) as problem:
        raise ClientTlsError(
            "TLS_KEY_INVALID", f"{key_label} {key} is not an unencrypted PEM private key"
        ) from problem
    if _spki(private_key.public_key()) != _spki(certificate.public_key()):
        raise ClientTlsError(
            "TLS_KEY_MISMATCH", f"{key_label} {key} is not the key of {cert_label} {cert}"
        )
    try:
        certificate.verify_directly_issued_by(authority)
    except (ValueError, TypeError, InvalidSignature) as problem:
        raise ClientTlsError(
            "TLS_CERT_INVALID",
            f"{cert_label} {cert} was not issued by the CA of {ca_label} {ca}",
        ) from problem
    return files


def _host_port(address: str) -> tuple[str, int] | None:
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        return None
    return host.strip("[]"), int(port)


def diagnose_handshake(
    address: str, files: ClientTlsFiles, timeout: float = PROBE_TIMEOUT
) -> ClientTlsError | None:
    """The TLS fault between this client and the hub at ``address``, or None
    when there is none to report (TLS works, or nothing listens there)."""
    target = _host_port(address)
    if target is None:
        return None
    host, port = target
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(files.ca_path))
    context.load_cert_chain(str(files.cert_path), str(files.key_path))
    context.set_alpn_protocols(["h2"])
    try:
        raw = socket.create_connection((host, port), timeout=timeout)
    except OSError:
        return None  # unreachable: not a TLS fault
    rejected = (
        f"the hub at {address} did not accept --cert {files.cert_path} "
        "(not a certificate of its CA, or expired)"
    )
    try:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            tls.sendall(_H2_PREFACE)
            # A hub that accepts the certificate answers with its HTTP/2
            # SETTINGS; one that refuses it sends an alert or just closes.
            if not tls.recv(1):
                return ClientTlsError("TLS_HANDSHAKE_FAILED", rejected)
    except ssl.SSLCertVerificationError as problem:
        return ClientTlsError(
            "TLS_HANDSHAKE_FAILED",
            f"the hub at {address} presented a certificate this client does not trust "
            f"({problem.verify_message}): --ca {files.ca_path} is not its CA, or its "
            f"certificate does not name {host}",
        )
    except (ssl.SSLError, ConnectionResetError):
        return ClientTlsError("TLS_HANDSHAKE_FAILED", rejected)
    except OSError:
        return None  # timed out: not shown to be TLS
    finally:
        raw.close()
    return None


def wait_ready(
    channel: grpc.Channel,
    address: str,
    timeout: float,
    diagnose: Callable[[], ClientTlsError | None] | None = None,
) -> None:
    """Return once ``channel`` is ready. While it is not, ``diagnose`` is
    asked each second: a TLS fault is raised at once (ClientTlsError) rather
    than after the whole timeout; no connection at all raises HubUnreachable."""
    deadline = time.monotonic() + timeout
    ready = grpc.channel_ready_future(channel)
    try:
        while True:
            remaining = deadline - time.monotonic()
            try:
                ready.result(timeout=max(0.01, min(remaining, READY_POLL)))
                return
            except grpc.FutureTimeoutError:
                problem = diagnose() if diagnose is not None else None
                if problem is not None:
                    raise problem from None
                if time.monotonic() >= deadline:
                    raise HubUnreachable(
                        f"hub {address} is unreachable (no connection within {timeout:g} s)"
                    ) from None
    finally:
        ready.cancel()
