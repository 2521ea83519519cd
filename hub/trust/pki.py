"""The hub's certificate authority: issues and revokes certificates in one PKI directory.

What each file of the directory holds is in hub.trust.pki_layout; what a
certificate says about its holder (role URI, partner code, name) in
hub.trust.certificate_identity; how certificates are built in
hub.trust.certificate_builders; index.json in hub.trust.certificate_index;
crl.pem in hub.trust.revocation_list. This module ties them together:
creating the CA, loading it, issuing and revoking.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from carbonhub_contract.key_files import write_atomic, write_ed25519_keypair
from hub.domain.identity import Role
from hub.errors import InvalidRequest
from hub.trust.certificate_builders import (
    CLOCK_SKEW,
    host_names,
    public_der,
    self_signed_ca,
    signed_end_entity,
    write_private_key,
)
from hub.trust.certificate_identity import (
    CERTIFICATE_NAME,
    role_uri,
    serial_hex,
    validate_partner_code,
)
from hub.trust.certificate_index import (
    CertificateIndex,
    IssuedCertificate,
    read_index,
    select_live,
    write_index,
)
from hub.trust.pki_layout import PkiLayout, exclusive, not_initialised
from hub.trust.revocation_list import signed_crl

HUB_COMMON_NAME = "hub"
DEFAULT_EXCHANGE_NAME = "exchange"
CERTIFICATE_DAYS = 365
DEFAULT_SERVER_HOSTS = ("localhost", "127.0.0.1", "::1")
CLIENT_ROLES = (Role.PARTNER, Role.EXCHANGE, Role.BUREAU)

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Authority:
    """The hub's CA: issues and revokes client certificates, keeps index.json and crl.pem.

    Every change to index.json and crl.pem happens under an exclusive lock on
    ``.lock`` in the PKI directory, so two ``carbon-hub pki`` commands run at
    once cannot lose each other's certificates or revocations.
    """

    def __init__(
        self,
        layout: PkiLayout,
        ca_certificate: x509.Certificate,
        ca_key: ec.EllipticCurvePrivateKey,
        clock: Clock = _utc_now,
    ) -> None:
        self._layout = layout
        self._ca_certificate = ca_certificate
        self._ca_key = ca_key
        self._clock = clock

    @property
    def layout(self) -> PkiLayout:
        return self._layout

    @property
    def pki_dir(self) -> Path:
        return self._layout.root

    @property
    def ca_certificate(self) -> x509.Certificate:
        return self._ca_certificate

    @property
    def ca_certificate_path(self) -> Path:
        return self._layout.ca_certificate

    def issue(
        self,
        role: Role,
        *,
        partner: str | None = None,
        name: str | None = None,
        days: int = CERTIFICATE_DAYS,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> IssuedCertificate:
        """Issue a client certificate for a partner, the exchange or a bureau officer.

        The CN is ``name``; it defaults to the partner code for a partner and
        to ``exchange`` for the exchange; a bureau certificate must name its
        officer. ``not_before``/``not_after`` override the default validity
        (from a few minutes ago for ``days`` days). The key is written 0600.
        """
        subject = self._client_subject(role, partner, name)
        now = self._clock()
        start = not_before if not_before is not None else now - CLOCK_SKEW
        if not_after is not None:
            end = not_after
        elif days >= 1:
            end = now + timedelta(days=days)
        else:
            raise InvalidRequest(
                "CERTIFICATE_VALIDITY_INVALID", f"days must be at least 1, not {days}"
            )
        self._check_validity(start, end)
        key = ec.generate_private_key(ec.SECP256R1())
        serial = x509.random_serial_number()
        certificate = signed_end_entity(
            self._ca_certificate,
            self._ca_key,
            key.public_key(),
            serial=serial,
            common_name=subject,
            alternative_names=[x509.UniformResourceIdentifier(role_uri(role, partner))],
            usage=ExtendedKeyUsageOID.CLIENT_AUTH,
            not_before=start,
            not_after=end,
        )
        with exclusive(self._layout):
            index = read_index(self._layout)
            stem = self._free_stem(index, subject, serial)
            issued = IssuedCertificate(
                serial=serial_hex(serial),
                role=role,
                partner=partner,
                subject=subject,
                certificate_path=self._layout.issued / f"{stem}.crt",
                key_path=self._layout.issued / f"{stem}.key",
                not_before=certificate.not_valid_before_utc,
                not_after=certificate.not_valid_after_utc,
            )
            write_private_key(issued.key_path, key)
            write_atomic(
                issued.certificate_path, certificate.public_bytes(serialization.Encoding.PEM)
            )
            index.certificates.append(issued)
            write_index(self._layout, index)
        return issued

    def revoke(self, serial_or_name: str, reason: str) -> IssuedCertificate:
        """Revoke a client certificate by serial (hex) or name; rewrites crl.pem.

        A running hub notices the new crl.pem without a restart: it refuses
        the certificate's next call and ends its open streams within a second.
        """
        reason = reason.strip()
        if not reason:
            raise InvalidRequest("REVOCATION_REASON_REQUIRED", "say why the certificate is revoked")
        with exclusive(self._layout):
            index = read_index(self._layout)
            target = select_live(index.certificates, serial_or_name)
            if target.role not in CLIENT_ROLES:
                raise InvalidRequest(
                    "CERTIFICATE_NOT_A_CLIENT",
                    f"{target.subject} ({target.serial}) is the hub's own certificate; "
                    "replace it with `pki init --force` instead",
                    {"serial": target.serial},
                )
            revoked = replace(target, revoked_at=self._clock(), reason=reason)
            index.certificates = [revoked if c is target else c for c in index.certificates]
            index.crl_number += 1
            # The CRL first: it is what refuses the certificate. Should writing
            # the index then fail, revoking again only rewrites the same CRL.
            self._write_crl(index)
            write_index(self._layout, index)
        return revoked

    def issued(self) -> list[IssuedCertificate]:
        """Every certificate the CA issued, in the order it issued them (the hub's own first)."""
        return list(read_index(self._layout).certificates)

    # --- internals -------------------------------------------------------------

    def _client_subject(self, role: Role, partner: str | None, name: str | None) -> str:
        if role not in CLIENT_ROLES:
            raise InvalidRequest(
                "ROLE_NOT_ISSUABLE",
                f"client certificates are for {', '.join(r.value for r in CLIENT_ROLES)}, "
                f"not {role.value}",
            )
        if role is Role.PARTNER:
            if partner is None:
                raise InvalidRequest(
                    "PARTNER_CODE_REQUIRED", "a partner certificate names its region"
                )
            subject = name or validate_partner_code(partner)
        elif partner is not None:
            raise InvalidRequest(
                "PARTNER_NOT_EXPECTED", f"a {role.value} certificate acts for no partner region"
            )
        elif role is Role.EXCHANGE:
            subject = name or DEFAULT_EXCHANGE_NAME
        elif not name:
            raise InvalidRequest(
                "CERTIFICATE_NAME_REQUIRED", "a bureau certificate names its officer"
            )
        else:
            subject = name
        if not CERTIFICATE_NAME.fullmatch(subject):
            raise InvalidRequest(
                "CERTIFICATE_NAME_INVALID",
                f"{subject!r} is not a certificate name: letters, digits, '.', '_' and '-', "
                "starting with a letter or digit, at most 64 characters",
                {"name": subject},
            )
        return subject

    def _check_validity(self, start: datetime, end: datetime) -> None:
        if start.tzinfo is None or end.tzinfo is None:
            raise InvalidRequest("CERTIFICATE_VALIDITY_INVALID", "validity times need a time zone")
        if end <= start:
            raise InvalidRequest("CERTIFICATE_VALIDITY_INVALID", "not_after must follow not_before")
        if end > self._ca_certificate.not_valid_after_utc:
            # A certificate outliving its CA fails verification from that day on.
            raise InvalidRequest(
                "CERTIFICATE_OUTLIVES_CA",
                f"the CA expires {self._ca_certificate.not_valid_after_utc.isoformat()}",
            )

    def _issue_server(self, index: CertificateIndex, server_names: list[x509.GeneralName]) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        serial = x509.random_serial_number()
        names: list[x509.GeneralName] = [x509.UniformResourceIdentifier(role_uri(Role.HUB))]
        names.extend(server_names)
        now = self._clock()
        certificate = signed_end_entity(
            self._ca_certificate,
            self._ca_key,
            key.public_key(),
            serial=serial,
            common_name=HUB_COMMON_NAME,
            alternative_names=names,
            usage=ExtendedKeyUsageOID.SERVER_AUTH,
            not_before=now - CLOCK_SKEW,
            not_after=now + timedelta(days=CERTIFICATE_DAYS),
        )
        write_private_key(self._layout.server_key, key)
        write_atomic(
            self._layout.server_certificate, certificate.public_bytes(serialization.Encoding.PEM)
        )
        index.certificates.append(
            IssuedCertificate(
                serial=serial_hex(serial),
                role=Role.HUB,
                partner=None,
                subject=HUB_COMMON_NAME,
                certificate_path=self._layout.server_certificate,
                key_path=self._layout.server_key,
                not_before=certificate.not_valid_before_utc,
                not_after=certificate.not_valid_after_utc,
            )
        )

    def _free_stem(self, index: CertificateIndex, subject: str, serial: int) -> str:
        """``subject``, unless an earlier certificate of that name holds the file
        (a renewal keeps the old files until the old certificate is revoked)."""
        taken = {c.certificate_path for c in index.certificates}
        plain = self._layout.issued / f"{subject}.crt"
        if plain not in taken and not plain.exists():
            return subject
        return f"{subject}-{serial_hex(serial)[:12]}"

    def _write_crl(self, index: CertificateIndex) -> None:
        crl = signed_crl(
            self._ca_certificate, self._ca_key, index.crl_number, index.certificates, self._clock()
        )
        write_atomic(self._layout.crl, crl)


# --- init and load ---------------------------------------------------------------


def init_authority(
    pki_dir: Path,
    *,
    hosts: Iterable[str] = (),
    force: bool = False,
    clock: Clock = _utc_now,
) -> Authority:
    """Create the CA, the hub's server certificate, an empty CRL and the hub signing key.

    ``hosts`` are further DNS names or IP addresses of the hub for its server
    certificate (``localhost``, 127.0.0.1 and ::1 are always there). An
    existing CA is refused unless ``force``, which replaces the CA and drops
    every certificate it issued (they would no longer verify). The hub's
    signing key is kept when present: receipts it signed stay verifiable.
    """
    layout = PkiLayout(Path(pki_dir).absolute())
    server_names = host_names([*DEFAULT_SERVER_HOSTS, *hosts])  # refuse bad hosts before any change
    layout.root.mkdir(parents=True, exist_ok=True, mode=0o700)
    with exclusive(layout):
        if not force and (layout.ca_key.exists() or layout.ca_certificate.exists()):
            raise InvalidRequest(
                "PKI_ALREADY_INITIALISED",
                f"{layout.root} already holds a certificate authority; force replaces it "
                "and every certificate it issued stops working",
                {"pki_dir": str(layout.root)},
            )
        if force:
            shutil.rmtree(layout.issued, ignore_errors=True)
        now = clock()
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_certificate = self_signed_ca(ca_key, now)
        authority = Authority(layout, ca_certificate, ca_key, clock)
        index = CertificateIndex(crl_number=1, certificates=[])
        authority._issue_server(index, server_names)
        authority._write_crl(index)
        write_index(layout, index)
        if not layout.signing_key.exists():
            write_ed25519_keypair(layout.signing_key, layout.signing_public_key)
        # The CA's files last: their presence is what "initialised" means, so
        # an interrupted init leaves no CA that lacks its CRL or index.
        write_private_key(layout.ca_key, ca_key)
        write_atomic(layout.ca_certificate, ca_certificate.public_bytes(serialization.Encoding.PEM))
    return authority


def load_authority(pki_dir: Path, *, clock: Clock = _utc_now) -> Authority:
    """The CA in ``pki_dir``; refused with PKI_NOT_INITIALISED when there is none."""
    layout = PkiLayout(Path(pki_dir).absolute())
    if not (layout.ca_key.is_file() and layout.ca_certificate.is_file() and layout.index.is_file()):
        raise not_initialised(layout.root)
    ca_key = serialization.load_pem_private_key(layout.ca_key.read_bytes(), password=None)
    ca_certificate = x509.load_pem_x509_certificate(layout.ca_certificate.read_bytes())
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey) or public_der(
        ca_key.public_key()
    ) != public_der(ca_certificate.public_key()):
        raise InvalidRequest(
            "PKI_INCONSISTENT", f"{layout.ca_key} is not the key of {layout.ca_certificate}"
        )
    return Authority(layout, ca_certificate, ca_key, clock)
