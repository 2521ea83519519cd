"""The hub's certificate authority, kept in one directory.

Layout of the PKI directory (``HubSettings.resolved_pki_dir()``)::

    ca.key, ca.crt          the CA (ECDSA P-256; the key is 0600)
    hub.crt, hub.key        the hub's TLS server certificate (serverAuth)
    crl.pem                 the CA's revocation list, rewritten atomically
    index.json              every certificate the CA issued, and its revocation
    issued/<name>.crt|key   client certificates (clientAuth; keys 0600)
    hub-signing.key|pub     the hub's Ed25519 receipt/checkpoint signing key

A certificate's identity is its subject CN (who: a partner code, the
exchange's name, an officer's name) and one ``urn:carbonhub:`` URI in its
subjectAltName (what it may do): ``urn:carbonhub:partner:CN-GD``,
``urn:carbonhub:exchange``, ``urn:carbonhub:bureau``, ``urn:carbonhub:hub``.
The role travels in the SAN rather than in the CN or OU because a URI is
typed and unambiguous, and the CN stays free for a readable name.
"""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from carbonhub_contract.key_files import PRIVATE_FILE_MODE, write_atomic, write_ed25519_keypair
from hub.domain.identity import Role
from hub.errors import InvalidRequest, NotFound

ORGANISATION = "Carbon Inclusion Federation Hub"
CA_COMMON_NAME = f"{ORGANISATION} CA"
HUB_COMMON_NAME = "hub"
DEFAULT_EXCHANGE_NAME = "exchange"
ROLE_URI_PREFIX = "urn:carbonhub:"
PARTNER_URI_PREFIX = ROLE_URI_PREFIX + "partner:"
# A partner is a region: an ISO 3166-2 code (CN-GD), or, for a region with no
# ISO code of its own (a paired-assistance prefecture such as Hechi), its
# 6-digit GB/T 2260 code (451200), as DESIGN §6 allows for serial origins.
PARTNER_CODE = re.compile(r"^(?:[A-Z]{2}-[A-Z0-9]{1,3}|\d{6})$", re.ASCII)
# Names become file names under issued/ as well as the CN: no separators,
# no leading dot, nothing a shell or a file system would reinterpret.
CERTIFICATE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# DNS names for the server certificate: dot-separated LDH labels (A-labels
# for internationalised names), as TLS clients will compare them.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")
CA_DAYS = 3650
CERTIFICATE_DAYS = 365
# A certificate is valid from a little before "now": a peer whose clock is a
# few minutes behind the CA's must not refuse a certificate just issued.
CLOCK_SKEW = timedelta(minutes=5)
# Nothing in the hub enforces a CRL's nextUpdate (the identifier re-reads the
# file whenever it changes); the field is set for tools that expect it.
CRL_VALIDITY = timedelta(days=CA_DAYS)
DEFAULT_SERVER_HOSTS = ("localhost", "127.0.0.1", "::1")
CLIENT_ROLES = (Role.PARTNER, Role.EXCHANGE, Role.BUREAU)
INDEX_FORMAT = 1

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


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


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """One certificate the CA signed, as index.json records it."""

    serial: str  # lowercase hex, as Identity.serial carries it
    role: Role
    partner: str | None
    subject: str
    certificate_path: Path
    key_path: Path
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None = None
    reason: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def _to_json(self, root: Path) -> dict[str, Any]:
        return {
            "serial": self.serial,
            "role": self.role.value,
            "partner": self.partner,
            "subject": self.subject,
            # Relative paths: the PKI directory may be moved or mounted elsewhere.
            "certificate_path": self.certificate_path.relative_to(root).as_posix(),
            "key_path": self.key_path.relative_to(root).as_posix(),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "reason": self.reason,
        }

    @classmethod
    def _from_json(cls, data: dict[str, Any], root: Path) -> IssuedCertificate:
        revoked_at = data.get("revoked_at")
        return cls(
            serial=str(data["serial"]),
            role=Role(data["role"]),
            partner=data.get("partner"),
            subject=str(data["subject"]),
            certificate_path=root / str(data["certificate_path"]),
            key_path=root / str(data["key_path"]),
            not_before=datetime.fromisoformat(str(data["not_before"])),
            not_after=datetime.fromisoformat(str(data["not_after"])),
            revoked_at=datetime.fromisoformat(str(revoked_at)) if revoked_at else None,
            reason=data.get("reason"),
        )


@dataclass(slots=True)
class _Index:
    crl_number: int
    certificates: list[IssuedCertificate]


# --- identity encoding ---------------------------------------------------------


def serial_hex(serial: int) -> str:
    """A certificate serial as the hub writes it everywhere: lowercase hex."""
    return format(serial, "x")


def validate_partner_code(code: str) -> str:
    """``code`` when it is a region code (``CN-GD``, ``HK-HK``, ``451200``); refused otherwise."""
    if not PARTNER_CODE.fullmatch(code):
        raise InvalidRequest(
            "PARTNER_CODE_INVALID",
            f"{code!r} is not a partner code: two capital letters, a dash and one to "
            "three capital letters or digits (e.g. CN-GD, HK-HK), or a 6-digit GB/T 2260 "
            "code (e.g. 451200)",
            {"partner": code},
        )
    return code


def role_uri(role: Role, partner: str | None = None) -> str:
    """The subjectAltName URI that carries ``role`` (and a partner's region)."""
    if role is Role.PARTNER:
        if partner is None:
            raise InvalidRequest("PARTNER_CODE_REQUIRED", "a partner certificate names its region")
        return PARTNER_URI_PREFIX + validate_partner_code(partner)
    if role in (Role.EXCHANGE, Role.BUREAU, Role.HUB):
        return ROLE_URI_PREFIX + role.value
    raise InvalidRequest("ROLE_NOT_ISSUABLE", f"no certificate carries the role {role.value}")


def parse_role_uri(uri: str) -> tuple[Role, str | None] | None:
    """The role (and partner) a ``urn:carbonhub:`` URI names; None for any other URI."""
    if uri.startswith(PARTNER_URI_PREFIX):
        code = uri[len(PARTNER_URI_PREFIX) :]
        return (Role.PARTNER, code) if PARTNER_CODE.fullmatch(code) else None
    if not uri.startswith(ROLE_URI_PREFIX):
        return None
    rest = uri[len(ROLE_URI_PREFIX) :]
    for role in (Role.EXCHANGE, Role.BUREAU, Role.HUB):
        if rest == role.value:
            return role, None
    return None


def read_verified_crl(
    crl_path: Path, ca_certificate: x509.Certificate
) -> x509.CertificateRevocationList:
    """The CRL in ``crl_path`` once its issuer and signature are the CA's.

    A CRL that anyone could write would let them un-revoke a certificate:
    its signature is checked with the CA's public key before it is used.
    """
    try:
        crl = x509.load_pem_x509_crl(crl_path.read_bytes())
    except (OSError, ValueError) as problem:
        raise InvalidRequest(
            "CRL_INVALID", f"{crl_path} is not a readable CRL: {problem}"
        ) from problem
    if crl.issuer != ca_certificate.subject:
        raise InvalidRequest("CRL_INVALID", f"{crl_path} was not issued by the hub's CA")
    public_key = ca_certificate.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise InvalidRequest("CRL_INVALID", "the hub's CA key is not an EC key")
    try:
        valid = crl.is_signature_valid(public_key)
    except InvalidSignature:
        valid = False
    if not valid:
        raise InvalidRequest("CRL_INVALID", f"{crl_path} is not signed by the hub's CA")
    return crl


# --- the authority -------------------------------------------------------------


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
        certificate = self._sign(
            key.public_key(),
            serial=serial,
            common_name=subject,
            alternative_names=[x509.UniformResourceIdentifier(role_uri(role, partner))],
            usage=ExtendedKeyUsageOID.CLIENT_AUTH,
            not_before=start,
            not_after=end,
        )
        with self._locked():
            index = self._read_index()
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
            _write_key(issued.key_path, key)
            write_atomic(
                issued.certificate_path, certificate.public_bytes(serialization.Encoding.PEM)
            )
            index.certificates.append(issued)
            self._write_index(index)
        return issued

    def revoke(self, serial_or_name: str, reason: str) -> IssuedCertificate:
        """Revoke a client certificate by serial (hex) or name; rewrites crl.pem.

        A running hub notices the new crl.pem without a restart: it refuses
        the certificate's next call and ends its open streams within a second.
        """
        reason = reason.strip()
        if not reason:
            raise InvalidRequest("REVOCATION_REASON_REQUIRED", "say why the certificate is revoked")
        with self._locked():
            index = self._read_index()
            target = _select(index.certificates, serial_or_name)
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
            self._write_index(index)
        return revoked

    def issued(self) -> list[IssuedCertificate]:
        """Every certificate the CA issued, in the order it issued them (the hub's own first)."""
        return list(self._read_index().certificates)

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

    def _sign(
        self,
        public_key: ec.EllipticCurvePublicKey,
        *,
        serial: int,
        common_name: str,
        alternative_names: list[x509.GeneralName],
        usage: x509.ObjectIdentifier,
        not_before: datetime,
        not_after: datetime,
    ) -> x509.Certificate:
        ca_public_key = self._ca_key.public_key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self._ca_certificate.subject)
            .public_key(public_key)
            .serial_number(serial)
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public_key), critical=False
            )
        )
        return builder.sign(self._ca_key, hashes.SHA256())

    def _issue_server(self, index: _Index, host_names: list[x509.GeneralName]) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        serial = x509.random_serial_number()
        names: list[x509.GeneralName] = [x509.UniformResourceIdentifier(role_uri(Role.HUB))]
        names.extend(host_names)
        now = self._clock()
        certificate = self._sign(
            key.public_key(),
            serial=serial,
            common_name=HUB_COMMON_NAME,
            alternative_names=names,
            usage=ExtendedKeyUsageOID.SERVER_AUTH,
            not_before=now - CLOCK_SKEW,
            not_after=now + timedelta(days=CERTIFICATE_DAYS),
        )
        _write_key(self._layout.server_key, key)
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

    def _free_stem(self, index: _Index, subject: str, serial: int) -> str:
        """``subject``, unless an earlier certificate of that name holds the file
        (a renewal keeps the old files until the old certificate is revoked)."""
        taken = {c.certificate_path for c in index.certificates}
        plain = self._layout.issued / f"{subject}.crt"
        if plain not in taken and not plain.exists():
            return subject
        return f"{subject}-{serial_hex(serial)[:12]}"

    def _write_crl(self, index: _Index) -> None:
        now = self._clock()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self._ca_certificate.subject)
            .last_update(now)
            .next_update(now + CRL_VALIDITY)
            .add_extension(x509.CRLNumber(index.crl_number), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._ca_key.public_key()),
                critical=False,
            )
        )
        for certificate in index.certificates:
            if certificate.revoked_at is not None:
                builder = builder.add_revoked_certificate(
                    x509.RevokedCertificateBuilder()
                    .serial_number(int(certificate.serial, 16))
                    .revocation_date(certificate.revoked_at)
                    .build()
                )
        crl = builder.sign(self._ca_key, hashes.SHA256())
        write_atomic(self._layout.crl, crl.public_bytes(serialization.Encoding.PEM))

    def _read_index(self) -> _Index:
        try:
            document = json.loads(self._layout.index.read_text(encoding="utf-8"))
        except FileNotFoundError as missing:
            raise _not_initialised(self._layout.root) from missing
        root = self._layout.root
        return _Index(
            crl_number=int(document["crl_number"]),
            certificates=[IssuedCertificate._from_json(c, root) for c in document["certificates"]],
        )

    def _write_index(self, index: _Index) -> None:
        root = self._layout.root
        document = {
            "format": INDEX_FORMAT,
            "crl_number": index.crl_number,
            "certificates": [c._to_json(root) for c in index.certificates],
        }
        write_atomic(
            self._layout.index,
            (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        )

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with _exclusive(self._layout):
            yield


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
    host_names = _host_names([*DEFAULT_SERVER_HOSTS, *hosts])  # refuse bad hosts before any change
    layout.root.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _exclusive(layout):
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
        ca_certificate = _self_signed_ca(ca_key, now)
        authority = Authority(layout, ca_certificate, ca_key, clock)
        index = _Index(crl_number=1, certificates=[])
        authority._issue_server(index, host_names)
        authority._write_crl(index)
        authority._write_index(index)
        if not layout.signing_key.exists():
            write_ed25519_keypair(layout.signing_key, layout.signing_public_key)
        # The CA's files last: their presence is what "initialised" means, so
        # an interrupted init leaves no CA that lacks its CRL or index.
        _write_key(layout.ca_key, ca_key)
        write_atomic(layout.ca_certificate, ca_certificate.public_bytes(serialization.Encoding.PEM))
    return authority


def load_authority(pki_dir: Path, *, clock: Clock = _utc_now) -> Authority:
    """The CA in ``pki_dir``; refused with PKI_NOT_INITIALISED when there is none."""
    layout = PkiLayout(Path(pki_dir).absolute())
    if not (layout.ca_key.is_file() and layout.ca_certificate.is_file() and layout.index.is_file()):
        raise _not_initialised(layout.root)
    ca_key = serialization.load_pem_private_key(layout.ca_key.read_bytes(), password=None)
    ca_certificate = x509.load_pem_x509_certificate(layout.ca_certificate.read_bytes())
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey) or _public_der(
        ca_key.public_key()
    ) != _public_der(ca_certificate.public_key()):
        raise InvalidRequest(
            "PKI_INCONSISTENT", f"{layout.ca_key} is not the key of {layout.ca_certificate}"
        )
    return Authority(layout, ca_certificate, ca_key, clock)


# --- helpers ---------------------------------------------------------------------


def _not_initialised(root: Path) -> NotFound:
    return NotFound(
        "PKI_NOT_INITIALISED",
        f"no certificate authority in {root}; run `carbon-hub pki init` first",
        {"pki_dir": str(root)},
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
        ]
    )


def _self_signed_ca(key: ec.EllipticCurvePrivateKey, now: datetime) -> x509.Certificate:
    name = _name(CA_COMMON_NAME)
    public_key = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + timedelta(days=CA_DAYS))
        # path_length=0: the CA signs end-entity certificates only, never another CA.
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )


def _host_names(hosts: Iterable[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(h.strip().strip("[]") for h in hosts if h.strip()):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
            continue
        except ValueError:
            pass
        if not _HOST_NAME.fullmatch(host):
            raise InvalidRequest(
                "HOST_INVALID",
                f"{host!r} is neither an IP address nor a DNS name (use the A-label of an "
                "internationalised name)",
                {"host": host},
            )
        names.append(x509.DNSName(host.lower()))
    return names


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    write_atomic(
        path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        mode=PRIVATE_FILE_MODE,
    )


def _public_der(key: Any) -> bytes:
    return bytes(
        key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _as_serial(text: str) -> int | None:
    cleaned = text.strip().lower().replace(":", "")
    if cleaned.startswith("0x"):
        cleaned = cleaned[2:]
    if not cleaned or any(ch not in "0123456789abcdef" for ch in cleaned):
        return None
    return int(cleaned, 16)


def _select(certificates: list[IssuedCertificate], serial_or_name: str) -> IssuedCertificate:
    """The one live certificate a serial or name designates; a serial wins over a name."""
    serial = _as_serial(serial_or_name)
    by_serial = [c for c in certificates if serial is not None and int(c.serial, 16) == serial]
    candidates = by_serial or [c for c in certificates if c.subject == serial_or_name.strip()]
    if not candidates:
        raise NotFound(
            "CERTIFICATE_UNKNOWN",
            f"the CA issued no certificate with serial or name {serial_or_name!r}",
            {"certificate": serial_or_name},
        )
    live = [c for c in candidates if not c.revoked]
    if not live:
        last = candidates[-1]
        raise InvalidRequest(
            "CERTIFICATE_ALREADY_REVOKED",
            f"{last.subject} ({last.serial}) is already revoked",
            {
                "serial": last.serial,
                "revoked_at": str(last.revoked_at),
                "reason": last.reason or "",
            },
        )
    if len(live) > 1:
        raise InvalidRequest(
            "CERTIFICATE_AMBIGUOUS",
            f"{serial_or_name!r} names {len(live)} live certificates; revoke one by serial",
            {"serials": ",".join(c.serial for c in live)},
        )
    return live[0]


@contextlib.contextmanager
def _exclusive(layout: PkiLayout) -> Iterator[None]:
    """An exclusive advisory lock on the PKI directory, across processes."""
    layout.root.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(layout.lock, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
