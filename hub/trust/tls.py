"""Mutual TLS for the hub's gRPC transport, and who a caller is.

The server asks every client for a certificate of the hub's CA
(``require_client_auth``); the TLS handshake checks its chain and validity
period. ``CertificateIdentifier`` then turns the peer certificate of each
call into an ``Identity`` and applies what the handshake cannot: the CA's
revocation list, re-read whenever ``crl.pem`` changes. Its ``standing``
answers, for calls already open, whether their certificate still holds now
(hub.grpc_api.open_calls ends those whose certificate no longer does).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import NameOID

from hub.domain.identity import Identity, Role
from hub.errors import HubError, InvalidRequest, NotFound, Unauthenticated
from hub.trust.certificate_identity import ROLE_URI_PREFIX, parse_role_uri, serial_hex
from hub.trust.pki_layout import PkiLayout
from hub.trust.revocation_list import read_verified_crl

logger = logging.getLogger(__name__)

PEER_CERTIFICATE_KEY = "x509_pem_cert"  # grpc's auth-context property for the peer's leaf
CRL_CHECK_INTERVAL = 0.5  # seconds between stats of crl.pem
PARSED_CACHE_SIZE = 1024  # distinct peer certificates kept parsed

Clock = Callable[[], datetime]
Monotonic = Callable[[], float]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as missing:
        raise NotFound(
            "PKI_NOT_INITIALISED",
            f"{path} is missing; run `carbon-hub pki init` (and `pki issue` for clients)",
            {"path": str(path)},
        ) from missing


def server_credentials(pki_dir: Path) -> grpc.ServerCredentials:
    """The hub's TLS server credentials: its certificate, and client certificates
    of its CA required on every connection."""
    layout = PkiLayout(Path(pki_dir))
    return grpc.ssl_server_credentials(
        [(_read(layout.server_key), _read(layout.server_certificate))],
        root_certificates=_read(layout.ca_certificate),
        require_client_auth=True,
    )


def channel_credentials(ca_path: Path, cert_path: Path, key_path: Path) -> grpc.ChannelCredentials:
    """A client's TLS credentials: trust the hub's CA, present its own certificate."""
    return grpc.ssl_channel_credentials(
        root_certificates=_read(Path(ca_path)),
        private_key=_read(Path(key_path)),
        certificate_chain=_read(Path(cert_path)),
    )


def secure_channel(
    target: str,
    *,
    ca: Path,
    cert: Path,
    key: Path,
    options: Sequence[tuple[str, Any]] = (),
) -> grpc.Channel:
    """A mutual-TLS channel to the hub at ``target`` (``host:port``; the host
    must be in the hub certificate's subjectAltName)."""
    return grpc.secure_channel(target, channel_credentials(ca, cert, key), options=list(options))


@dataclass(frozen=True, slots=True)
class _PeerCertificate:
    identity: Identity
    serial: int
    not_before: datetime
    not_after: datetime


class CertificateIdentifier:
    """The Identity of a gRPC call, from the client certificate TLS verified.

    Revocation is checked here, on every call: the TLS handshake of Python
    grpc cannot consult a CRL (``ssl_server_credentials`` has no CRL option;
    grpc core's CRL support is not exposed to Python), and a connection
    established before a revocation would anyway live on. ``crl.pem`` is
    stat'ed at most every ``crl_check_interval`` seconds and re-read when its
    mtime, size or inode changed, so a revocation takes effect without a
    restart. A CRL whose signature is not the CA's is never used: the
    previous list stays in force and an error is logged. Thread-safe.
    """

    def __init__(
        self,
        pki_dir: Path,
        *,
        clock: Clock = _utc_now,
        crl_check_interval: float = CRL_CHECK_INTERVAL,
        monotonic: Monotonic = time.monotonic,
        cache_size: int = PARSED_CACHE_SIZE,
    ) -> None:
        layout = PkiLayout(Path(pki_dir))
        self._ca = x509.load_pem_x509_certificate(_read(layout.ca_certificate))
        self._crl_path = layout.crl
        self._clock = clock
        self._monotonic = monotonic
        self._interval = crl_check_interval
        self._cache_size = cache_size
        self._cache: OrderedDict[bytes, _PeerCertificate] = OrderedDict()
        # The validity period of each certificate that identified a caller,
        # by serial, for ``standing``: one entry per certificate of this CA
        # that called, so bounded by what the CA issued.
        self._validity: dict[str, tuple[datetime, datetime]] = {}
        self._cache_lock = threading.Lock()
        self._crl_lock = threading.Lock()
        # The first CRL must verify: a hub that cannot know what is revoked
        # refuses to start rather than accept every certificate.
        try:
            self._crl_stamp = self._stat_crl()
        except OSError as problem:
            raise InvalidRequest(
                "CRL_INVALID", f"{self._crl_path} cannot be read: {problem}"
            ) from problem
        self._revoked = _revoked_serials(read_verified_crl(self._crl_path, self._ca))
        self._next_check = monotonic() + crl_check_interval

    def __call__(self, context: grpc.ServicerContext) -> Identity:
        """The caller's Identity; Unauthenticated when its certificate is missing,
        revoked, expired, of no known role, or the hub's own."""
        peer = self._parse(self._peer_pem(context))
        identity = peer.identity
        if identity.role is Role.HUB:
            raise Unauthenticated(
                "CERTIFICATE_ROLE_NOT_A_CLIENT",
                "the hub's own server certificate does not identify a caller",
                {"serial": identity.serial, "subject": identity.subject},
            )
        refusal = self._refusal(identity, peer.serial, peer.not_before, peer.not_after)
        if refusal is not None:
            raise refusal
        self._validity[identity.serial] = (peer.not_before, peer.not_after)
        return identity

    def standing(self, identity: Identity) -> HubError | None:
        """Whether the certificate that identified ``identity`` still holds
        *now*: None, or the CERTIFICATE_REVOKED / CERTIFICATE_EXPIRED refusal.

        Unlike a new call's check, this stats crl.pem every time (re-reading
        it when it changed): it is asked for each message of an open stream
        and by the open-calls watcher, and a message that follows a
        revocation must be refused however soon it follows.
        """
        validity = self._validity.get(identity.serial)
        if validity is None:
            # Not identified here: no certificate of this CA stands for it.
            return Unauthenticated(
                "CERTIFICATE_REQUIRED",
                f"{identity.subject} was not identified by a certificate of the hub's CA",
                {"serial": identity.serial, "subject": identity.subject},
            )
        with self._crl_lock:
            self._next_check = self._monotonic() + self._interval
            self._reload_crl_if_changed()
        return self._refusal(identity, int(identity.serial, 16), *validity)

    def _refusal(
        self, identity: Identity, serial: int, not_before: datetime, not_after: datetime
    ) -> Unauthenticated | None:
        details = {"serial": identity.serial, "subject": identity.subject}
        if serial in self.revoked_serials():
            return Unauthenticated(
                "CERTIFICATE_REVOKED", f"certificate {identity.serial} is revoked", details
            )
        # The handshake already checked the validity period against the
        # system clock; this checks it against the hub's (injectable) clock,
        # and again for as long as a call stays open.
        now = self._clock()
        if now > not_after:
            return Unauthenticated(
                "CERTIFICATE_EXPIRED",
                f"certificate {identity.serial} expired {not_after.isoformat()}",
                details,
            )
        if now < not_before:
            return Unauthenticated(
                "CERTIFICATE_NOT_YET_VALID",
                f"certificate {identity.serial} is valid from {not_before.isoformat()}",
                details,
            )
        return None

    def revoked_serials(self) -> frozenset[int]:
        """The serials the CA's current CRL revokes (re-read when crl.pem changed)."""
        # Unlocked fast path: between checks every call reads the same set.
        if self._monotonic() < self._next_check:
            return self._revoked
        with self._crl_lock:
            now = self._monotonic()
            if now >= self._next_check:
                self._next_check = now + self._interval
                self._reload_crl_if_changed()
            return self._revoked

    # --- internals -------------------------------------------------------------

    def _stat_crl(self) -> tuple[int, int, int]:
        stat = os.stat(self._crl_path)
        # The inode changes on every os.replace, so even a rewrite within the
        # file system's mtime granularity and of the same size is noticed.
        return (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    def _reload_crl_if_changed(self) -> None:
        try:
            stamp = self._stat_crl()
        except OSError as problem:
            logger.error("cannot stat %s (%s); keeping the previous CRL", self._crl_path, problem)
            return
        if stamp == self._crl_stamp:
            return
        # Remember the stamp even when the file is refused: it is replaced
        # atomically, so it stays refused until it changes; no need to re-read
        # and log it twice a second.
        self._crl_stamp = stamp
        try:
            crl = read_verified_crl(self._crl_path, self._ca)
        except HubError as refused:
            logger.error("%s; keeping the previous CRL", refused)
            return
        self._revoked = _revoked_serials(crl)
        logger.info("CRL reloaded: %d revoked certificates", len(self._revoked))

    def _peer_pem(self, context: grpc.ServicerContext) -> bytes:
        values = context.auth_context().get(PEER_CERTIFICATE_KEY) or []
        if not values:
            raise Unauthenticated(
                "CERTIFICATE_REQUIRED", "the call carries no client certificate of the hub's CA"
            )
        pem = values[0]
        return pem if isinstance(pem, bytes) else str(pem).encode("ascii")

    def _parse(self, pem: bytes) -> _PeerCertificate:
        with self._cache_lock:
            cached = self._cache.get(pem)
            if cached is not None:
                self._cache.move_to_end(pem)
                return cached
        peer = self._parse_uncached(pem)
        with self._cache_lock:
            self._cache[pem] = peer
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return peer

    def _parse_uncached(self, pem: bytes) -> _PeerCertificate:
        try:
            certificate = x509.load_pem_x509_certificate(pem)
        except ValueError as problem:
            raise Unauthenticated(
                "CERTIFICATE_INVALID", f"the peer certificate does not parse: {problem}"
            ) from problem
        serial = serial_hex(certificate.serial_number)
        try:
            # The handshake verified the chain; checking again costs one
            # signature per distinct certificate (cached) and keeps the
            # identifier honest should the server ever trust further roots.
            certificate.verify_directly_issued_by(self._ca)
        except (ValueError, TypeError, InvalidSignature) as problem:
            raise Unauthenticated(
                "CERTIFICATE_UNTRUSTED",
                f"certificate {serial} was not issued by the hub's CA",
                {"serial": serial},
            ) from problem
        role, partner = _role_of(certificate, serial)
        names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        subject = names[0].value if names else ""
        if not subject or not isinstance(subject, str):
            raise Unauthenticated(
                "CERTIFICATE_SUBJECT_MISSING",
                f"certificate {serial} names no subject (CN)",
                {"serial": serial},
            )
        return _PeerCertificate(
            identity=Identity(role=role, subject=subject, partner=partner, serial=serial),
            serial=certificate.serial_number,
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
        )


def _role_of(certificate: x509.Certificate, serial: str) -> tuple[Role, str | None]:
    """The one role a ``urn:carbonhub:`` SAN URI gives; two, none or an unknown one is refused."""
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        uris = san.value.get_values_for_type(x509.UniformResourceIdentifier)
    except x509.ExtensionNotFound:
        uris = []
    ours = [uri for uri in uris if uri.startswith(ROLE_URI_PREFIX)]
    parsed = parse_role_uri(ours[0]) if len(ours) == 1 else None
    if parsed is None:
        raise Unauthenticated(
            "CERTIFICATE_ROLE_UNKNOWN",
            f"certificate {serial} carries no single known urn:carbonhub: role",
            {"serial": serial, "uris": ",".join(ours)},
        )
    return parsed


def _revoked_serials(crl: x509.CertificateRevocationList) -> frozenset[int]:
    return frozenset(revoked.serial_number for revoked in crl)
