"""The CA's certificate revocation list (crl.pem): how it is signed, and how it is trusted.

The CA rewrites crl.pem from index.json on every revocation (hub.trust.pki);
the TLS identifier re-reads it whenever it changes (hub.trust.tls) and uses
it only once its signature is the CA's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hub.errors import InvalidRequest
from hub.trust.certificate_builders import CA_DAYS
from hub.trust.certificate_index import IssuedCertificate

# Nothing in the hub enforces a CRL's nextUpdate (the identifier re-reads the
# file whenever it changes); the field is set for tools that expect it.
CRL_VALIDITY = timedelta(days=CA_DAYS)


def signed_crl(
    ca_certificate: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    crl_number: int,
    certificates: Iterable[IssuedCertificate],
    now: datetime,
) -> bytes:
    """The PEM CRL numbered ``crl_number`` naming every revoked one of ``certificates``."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_certificate.subject)
        .last_update(now)
        .next_update(now + CRL_VALIDITY)
        .add_extension(x509.CRLNumber(crl_number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    for certificate in certificates:
        if certificate.revoked_at is not None:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(int(certificate.serial, 16))
                .revocation_date(certificate.revoked_at)
                .build()
            )
    crl = builder.sign(ca_key, hashes.SHA256())
    return crl.public_bytes(serialization.Encoding.PEM)


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
