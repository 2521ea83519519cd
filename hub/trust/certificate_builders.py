"""How the hub's CA builds X.509: its own root, the certificates it signs, their names and keys.

Every certificate is ECDSA P-256 signed with SHA-256. The CA may sign
end-entity certificates only (path length 0); an end-entity certificate
carries one extended key usage (clientAuth or serverAuth) and its identity
in the subjectAltName (hub.trust.certificate_identity).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from carbonhub_contract.key_files import PRIVATE_FILE_MODE, write_atomic
from hub.errors import InvalidRequest

ORGANISATION = "Carbon Inclusion Federation Hub"
CA_COMMON_NAME = f"{ORGANISATION} CA"
CA_DAYS = 3650
# A certificate is valid from a little before "now": a peer whose clock is a
# few minutes behind the CA's must not refuse a certificate just issued.
CLOCK_SKEW = timedelta(minutes=5)
# DNS names for the server certificate: dot-separated LDH labels (A-labels
# for internationalised names), as TLS clients will compare them.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")


def subject_name(common_name: str) -> x509.Name:
    """The subject (or issuer) name of a hub certificate: its CN and the hub's organisation."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
        ]
    )


def self_signed_ca(key: ec.EllipticCurvePrivateKey, now: datetime) -> x509.Certificate:
    """The CA's own certificate, valid ``CA_DAYS`` from a little before ``now``."""
    name = subject_name(CA_COMMON_NAME)
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


def signed_end_entity(
    ca_certificate: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    public_key: ec.EllipticCurvePublicKey,
    *,
    serial: int,
    common_name: str,
    alternative_names: list[x509.GeneralName],
    usage: x509.ObjectIdentifier,
    not_before: datetime,
    not_after: datetime,
) -> x509.Certificate:
    """An end-entity certificate for ``public_key``, signed by the CA, for one ``usage``."""
    ca_public_key = ca_key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject_name(common_name))
        .issuer_name(ca_certificate.subject)
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
    return builder.sign(ca_key, hashes.SHA256())


def host_names(hosts: Iterable[str]) -> list[x509.GeneralName]:
    """The server certificate's names for ``hosts``: IP addresses and DNS names, once each."""
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


def write_private_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    """``key`` as unencrypted PKCS#8 PEM, readable by its owner only."""
    write_atomic(
        path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        mode=PRIVATE_FILE_MODE,
    )


def public_der(key: Any) -> bytes:
    """A public key's DER SubjectPublicKeyInfo, to compare two keys by value."""
    return bytes(
        key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
