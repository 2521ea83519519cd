"""CertificateIdentifier on its own: a fake call context carrying a peer certificate."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hub.domain.identity import Identity, Role
from hub.errors import InvalidRequest, Unauthenticated
from hub.trust.certificate_index import IssuedCertificate
from hub.trust.pki import Authority, init_authority
from hub.trust.tls import CertificateIdentifier


class FakeContext:
    """What CertificateIdentifier reads of a grpc.ServicerContext."""

    def __init__(self, pem: bytes | None) -> None:
        self._properties: dict[str, Sequence[bytes]] = {}
        if pem is not None:
            self._properties["x509_pem_cert"] = [pem]

    def auth_context(self) -> Mapping[str, Sequence[bytes]]:
        return self._properties


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return init_authority(tmp_path / "pki")


def _context(issued: IssuedCertificate) -> FakeContext:
    return FakeContext(issued.certificate_path.read_bytes())


def _code(identifier: CertificateIdentifier, context: FakeContext) -> str:
    with pytest.raises(Unauthenticated) as refused:
        identifier(context)
    return refused.value.code


def _signed_by_ca(authority: Authority, uris: list[str], common_name: str = "odd") -> bytes:
    """A client certificate of the hub's CA that `Authority.issue` would never make."""
    ca_key = serialization.load_pem_private_key(authority.layout.ca_key.read_bytes(), None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(authority.ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
    )
    if uris:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(u) for u in uris]),
            critical=False,
        )
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def test_partner_exchange_and_bureau_identities(authority: Authority) -> None:
    identifier = CertificateIdentifier(authority.pki_dir)
    partner = authority.issue(Role.PARTNER, partner="CN-GD")
    exchange = authority.issue(Role.EXCHANGE, name="szex")
    officer = authority.issue(Role.BUREAU, name="li.wei")
    assert identifier(_context(partner)) == Identity(
        role=Role.PARTNER, subject="CN-GD", partner="CN-GD", serial=partner.serial
    )
    assert identifier(_context(exchange)) == Identity(
        role=Role.EXCHANGE, subject="szex", serial=exchange.serial
    )
    assert identifier(_context(officer)) == Identity(
        role=Role.BUREAU, subject="li.wei", serial=officer.serial
    )


def test_no_peer_certificate(authority: Authority) -> None:
    assert _code(CertificateIdentifier(authority.pki_dir), FakeContext(None)) == (
        "CERTIFICATE_REQUIRED"
    )


def test_the_hub_certificate_is_not_a_client(authority: Authority) -> None:
    context = FakeContext(authority.layout.server_certificate.read_bytes())
    assert _code(CertificateIdentifier(authority.pki_dir), context) == (
        "CERTIFICATE_ROLE_NOT_A_CLIENT"
    )


@pytest.mark.parametrize(
    "uris",
    [
        [],
        ["https://example.org/partner"],
        ["urn:carbonhub:development"],
        ["urn:carbonhub:partner:cn-gd"],
        ["urn:carbonhub:exchange", "urn:carbonhub:bureau"],
    ],
)
def test_no_single_known_role_is_refused(authority: Authority, uris: list[str]) -> None:
    context = FakeContext(_signed_by_ca(authority, uris))
    assert _code(CertificateIdentifier(authority.pki_dir), context) == "CERTIFICATE_ROLE_UNKNOWN"


def test_a_certificate_of_another_ca_is_refused(authority: Authority, tmp_path: Path) -> None:
    stranger = init_authority(tmp_path / "other").issue(Role.PARTNER, partner="CN-GD")
    assert _code(CertificateIdentifier(authority.pki_dir), _context(stranger)) == (
        "CERTIFICATE_UNTRUSTED"
    )


def test_expiry_follows_the_injected_clock(authority: Authority) -> None:
    issued = authority.issue(Role.PARTNER, partner="CN-GD", days=30)
    now = datetime.now(UTC)
    clock = [now]
    identifier = CertificateIdentifier(authority.pki_dir, clock=lambda: clock[0])
    assert identifier(_context(issued)).partner == "CN-GD"
    clock[0] = now + timedelta(days=31)
    assert _code(identifier, _context(issued)) == "CERTIFICATE_EXPIRED"
    clock[0] = now - timedelta(days=1)
    assert _code(identifier, _context(issued)) == "CERTIFICATE_NOT_YET_VALID"


def test_a_revocation_is_seen_once_the_check_interval_passed(authority: Authority) -> None:
    issued = authority.issue(Role.PARTNER, partner="CN-GD")
    monotonic = FakeMonotonic()
    identifier = CertificateIdentifier(
        authority.pki_dir, crl_check_interval=0.5, monotonic=monotonic
    )
    assert identifier(_context(issued)).serial == issued.serial
    authority.revoke("CN-GD", "compromised")
    monotonic.now += 0.1  # within the interval: crl.pem is not even stat'ed
    assert identifier(_context(issued)).serial == issued.serial
    monotonic.now += 0.5
    assert _code(identifier, _context(issued)) == "CERTIFICATE_REVOKED"
    assert int(issued.serial, 16) in identifier.revoked_serials()


def test_a_crl_not_signed_by_the_ca_is_ignored_and_logged(
    authority: Authority, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    issued = authority.issue(Role.PARTNER, partner="CN-GD")
    authority.revoke("CN-GD", "compromised")
    monotonic = FakeMonotonic()
    identifier = CertificateIdentifier(authority.pki_dir, monotonic=monotonic)
    assert _code(identifier, _context(issued)) == "CERTIFICATE_REVOKED"
    # Someone swaps in an empty CRL of another CA, which would un-revoke everything.
    other = init_authority(tmp_path / "other")
    authority.layout.crl.write_bytes(other.layout.crl.read_bytes())
    monotonic.now += 1
    with caplog.at_level(logging.ERROR, logger="hub.trust.tls"):
        assert _code(identifier, _context(issued)) == "CERTIFICATE_REVOKED"
    assert any("CRL_INVALID" in record.getMessage() for record in caplog.records)
    # A missing CRL keeps the previous list too.
    authority.layout.crl.unlink()
    monotonic.now += 1
    assert _code(identifier, _context(issued)) == "CERTIFICATE_REVOKED"


def test_an_invalid_crl_at_start_is_refused(authority: Authority) -> None:
    authority.layout.crl.write_bytes(b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n")
    with pytest.raises(InvalidRequest) as refused:
        CertificateIdentifier(authority.pki_dir)
    assert refused.value.code == "CRL_INVALID"


def test_a_missing_crl_at_start_is_refused(authority: Authority) -> None:
    authority.layout.crl.unlink()
    with pytest.raises(InvalidRequest) as refused:
        CertificateIdentifier(authority.pki_dir)
    assert refused.value.code == "CRL_INVALID"


def test_parsed_certificates_are_cached_within_bounds(authority: Authority) -> None:
    first = _context(authority.issue(Role.PARTNER, partner="CN-GD"))
    second = _context(authority.issue(Role.PARTNER, partner="HK-HK"))
    identifier = CertificateIdentifier(authority.pki_dir, cache_size=1)
    identity = identifier(first)
    assert identifier(first) is identity  # parsed once
    identifier(second)  # pushes the first out of a cache of one
    again = identifier(first)
    assert again == identity and again is not identity


def test_concurrent_calls_while_revoking(authority: Authority) -> None:
    issued = [authority.issue(Role.BUREAU, name=f"officer{i}") for i in range(4)]
    identifier = CertificateIdentifier(authority.pki_dir, crl_check_interval=0.0)
    failures: list[BaseException] = []
    outcomes: dict[str, set[str]] = {i.serial: set() for i in issued}

    def call(certificate: IssuedCertificate) -> None:
        context = _context(certificate)
        for _ in range(200):
            try:
                identifier(context)
                outcomes[certificate.serial].add("ok")
            except Unauthenticated as refused:
                outcomes[certificate.serial].add(refused.code)
            except BaseException as unexpected:  # pragma: no cover - reported below
                failures.append(unexpected)

    threads = [threading.Thread(target=call, args=(c,)) for c in issued for _ in range(2)]
    for thread in threads:
        thread.start()
    authority.revoke(issued[0].serial, "left")
    for thread in threads:
        thread.join()
    assert failures == []
    assert outcomes[issued[1].serial] == {"ok"}
    assert outcomes[issued[0].serial] <= {"ok", "CERTIFICATE_REVOKED"}
    assert _code(identifier, _context(issued[0])) == "CERTIFICATE_REVOKED"


def test_standing_sees_a_revocation_at_once(authority: Authority) -> None:
    issued = authority.issue(Role.PARTNER, partner="CN-GD")
    monotonic = FakeMonotonic()
    identifier = CertificateIdentifier(
        authority.pki_dir, crl_check_interval=0.5, monotonic=monotonic
    )
    identity = identifier(_context(issued))
    assert identifier.standing(identity) is None
    authority.revoke("CN-GD", "compromised")
    # No interval to wait out: an open stream's next message is refused.
    refusal = identifier.standing(identity)
    assert refusal is not None and refusal.code == "CERTIFICATE_REVOKED"
    assert refusal.details["serial"] == issued.serial


def test_standing_follows_the_expiry_of_an_open_call(authority: Authority) -> None:
    issued = authority.issue(Role.EXCHANGE, days=30)
    now = datetime.now(UTC)
    clock = [now]
    identifier = CertificateIdentifier(authority.pki_dir, clock=lambda: clock[0])
    identity = identifier(_context(issued))
    assert identifier.standing(identity) is None
    clock[0] = now + timedelta(days=31)
    refusal = identifier.standing(identity)
    assert refusal is not None and refusal.code == "CERTIFICATE_EXPIRED"


def test_standing_refuses_an_identity_no_certificate_established(authority: Authority) -> None:
    identifier = CertificateIdentifier(authority.pki_dir)
    stranger = Identity(role=Role.PARTNER, subject="CN-GD", partner="CN-GD", serial="abc123")
    refusal = identifier.standing(stranger)
    assert refusal is not None and refusal.code == "CERTIFICATE_REQUIRED"
