"""The hub's CA on disk: init, issue, revoke, index.json, the CRL, and key files."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from carbonhub_contract.key_files import (
    KeyFileInvalid,
    key_id_of,
    load_ed25519_private,
    load_ed25519_public,
    public_key_raw,
    write_ed25519_keypair,
)
from hub.domain.identity import Role
from hub.errors import InvalidRequest, NotFound
from hub.trust.certificate_builders import ORGANISATION
from hub.trust.certificate_identity import parse_role_uri, role_uri, validate_partner_code
from hub.trust.certificate_index import IssuedCertificate
from hub.trust.pki import Authority, init_authority, load_authority
from hub.trust.revocation_list import read_verified_crl


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return init_authority(tmp_path / "pki", hosts=("hub.example.org", "10.1.2.3"))


def _certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- init and load ---------------------------------------------------------------


def test_init_writes_the_layout_with_private_keys_owner_only(authority: Authority) -> None:
    root = authority.pki_dir
    for name in ("ca.key", "ca.crt", "hub.crt", "hub.key", "crl.pem", "index.json"):
        assert (root / name).is_file(), name
    assert (root / "hub-signing.key").is_file() and (root / "hub-signing.pub").is_file()
    for private in ("ca.key", "hub.key", "hub-signing.key"):
        assert _mode(root / private) == 0o600, private
    key = serialization.load_pem_private_key((root / "ca.key").read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert isinstance(key.curve, ec.SECP256R1)
    assert b"BEGIN PRIVATE KEY" in (root / "ca.key").read_bytes()  # PKCS#8
    assert not list(root.glob("*.tmp")) and not list(root.glob(".*.tmp"))


def test_the_ca_is_a_ca_for_ten_years(authority: Authority) -> None:
    ca = _certificate(authority.ca_certificate_path)
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca is True
    assert ca.not_valid_after_utc - ca.not_valid_before_utc >= timedelta(days=3650)
    assert ca.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == ORGANISATION


def test_server_certificate_names_loopback_and_the_extra_hosts(authority: Authority) -> None:
    hub = _certificate(authority.pki_dir / "hub.crt")
    hub.verify_directly_issued_by(authority.ca_certificate)
    san = hub.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(san.get_values_for_type(x509.DNSName)) == {"localhost", "hub.example.org"}
    assert set(san.get_values_for_type(x509.IPAddress)) == {
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
        ipaddress.ip_address("10.1.2.3"),
    }
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == ["urn:carbonhub:hub"]
    usage = hub.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
    [entry] = authority.issued()
    assert entry.role is Role.HUB and entry.serial == format(hub.serial_number, "x")


def test_init_refuses_an_existing_ca_unless_forced(authority: Authority) -> None:
    root = authority.pki_dir
    authority.issue(Role.PARTNER, partner="CN-GD")
    signing_key = (root / "hub-signing.key").read_bytes()
    with pytest.raises(InvalidRequest) as refused:
        init_authority(root)
    assert refused.value.code == "PKI_ALREADY_INITIALISED"
    replaced = init_authority(root, force=True)
    assert replaced.ca_certificate != authority.ca_certificate
    assert [c.role for c in replaced.issued()] == [Role.HUB]
    assert not (root / "issued" / "CN-GD.crt").exists()
    # Receipts signed before stay verifiable: the signing key is kept.
    assert (root / "hub-signing.key").read_bytes() == signing_key


def test_load_without_a_ca_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotFound) as refused:
        load_authority(tmp_path / "nothing")
    assert refused.value.code == "PKI_NOT_INITIALISED"


def test_load_finds_what_init_wrote(authority: Authority) -> None:
    issued = authority.issue(Role.EXCHANGE)
    loaded = load_authority(authority.pki_dir)
    assert loaded.ca_certificate == authority.ca_certificate
    assert loaded.issued() == authority.issued()
    assert issued in loaded.issued()


# --- issue -----------------------------------------------------------------------


def test_a_partner_certificate_carries_its_region(authority: Authority) -> None:
    issued = authority.issue(Role.PARTNER, partner="CN-GD")
    assert issued.subject == "CN-GD" and issued.partner == "CN-GD" and issued.role is Role.PARTNER
    assert issued.certificate_path == authority.pki_dir / "issued" / "CN-GD.crt"
    assert _mode(issued.key_path) == 0o600
    certificate = _certificate(issued.certificate_path)
    certificate.verify_directly_issued_by(authority.ca_certificate)
    assert format(certificate.serial_number, "x") == issued.serial
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "CN-GD"
    assert certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        ORGANISATION
    )
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.UniformResourceIdentifier) == [
        "urn:carbonhub:partner:CN-GD"
    ]
    extensions = certificate.extensions
    assert list(extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.CLIENT_AUTH
    ]
    assert extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.key_cert_sign
    validity = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert timedelta(days=365) <= validity <= timedelta(days=365, minutes=10)
    # The key file holds the certificate's key.
    key = serialization.load_pem_private_key(issued.key_path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    signature = key.sign(b"hello", ec.ECDSA(hashes.SHA256()))
    public_key = certificate.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    public_key.verify(signature, b"hello", ec.ECDSA(hashes.SHA256()))


def test_exchange_and_bureau_certificates(authority: Authority) -> None:
    exchange = authority.issue(Role.EXCHANGE)
    officer = authority.issue(Role.BUREAU, name="li.wei", days=30)
    assert exchange.subject == "exchange" and exchange.partner is None
    assert officer.subject == "li.wei"
    assert officer.not_after - officer.not_before <= timedelta(days=30, minutes=10)
    uris = {
        issued.role: _certificate(issued.certificate_path)
        .extensions.get_extension_for_class(x509.SubjectAlternativeName)
        .value.get_values_for_type(x509.UniformResourceIdentifier)
        for issued in (exchange, officer)
    }
    assert uris == {
        Role.EXCHANGE: ["urn:carbonhub:exchange"],
        Role.BUREAU: ["urn:carbonhub:bureau"],
    }


def test_explicit_validity_issues_an_already_expired_certificate(authority: Authority) -> None:
    start = datetime.now(UTC) - timedelta(days=10)
    end = datetime.now(UTC) - timedelta(days=1)
    issued = authority.issue(Role.PARTNER, partner="HK-HK", not_before=start, not_after=end)
    certificate = _certificate(issued.certificate_path)
    assert certificate.not_valid_after_utc == end.replace(microsecond=0)
    assert issued.not_after == end.replace(microsecond=0)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"role": Role.PARTNER}, "PARTNER_CODE_REQUIRED"),
        ({"role": Role.PARTNER, "partner": "cn-gd"}, "PARTNER_CODE_INVALID"),
        ({"role": Role.EXCHANGE, "partner": "CN-GD"}, "PARTNER_NOT_EXPECTED"),
        ({"role": Role.BUREAU}, "CERTIFICATE_NAME_REQUIRED"),
        ({"role": Role.BUREAU, "name": "../etc/passwd"}, "CERTIFICATE_NAME_INVALID"),
        ({"role": Role.BUREAU, "name": "li wei"}, "CERTIFICATE_NAME_INVALID"),
        ({"role": Role.HUB}, "ROLE_NOT_ISSUABLE"),
        ({"role": Role.DEVELOPMENT}, "ROLE_NOT_ISSUABLE"),
        ({"role": Role.EXCHANGE, "days": 0}, "CERTIFICATE_VALIDITY_INVALID"),
        ({"role": Role.EXCHANGE, "days": 4000}, "CERTIFICATE_OUTLIVES_CA"),
    ],
)
def test_issue_refusals(authority: Authority, kwargs: dict[str, object], code: str) -> None:
    role = kwargs.pop("role")
    assert isinstance(role, Role)
    with pytest.raises(InvalidRequest) as refused:
        authority.issue(role, **kwargs)  # type: ignore[arg-type]
    assert refused.value.code == code
    assert [c.role for c in authority.issued()] == [Role.HUB]


@pytest.mark.parametrize("code", ["CN-GD", "HK-HK", "MO-MO", "CN-44", "CN-A1B", "451200"])
def test_valid_partner_codes(code: str) -> None:
    assert validate_partner_code(code) == code


@pytest.mark.parametrize(
    "code",
    [
        "cn-gd",
        "CN_GD",
        "CNGD",
        "C-GD",
        "CHN-GD",
        "CN-",
        "CN-GDXX",
        "CN-gd",
        " CN-GD",
        "",
        "45120",
        "4512000",
        "45120A",
        "451200\n",
        "４５１２００",
    ],
)
def test_invalid_partner_codes(code: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        validate_partner_code(code)
    assert refused.value.code == "PARTNER_CODE_INVALID"


def test_role_uris_round_trip() -> None:
    assert role_uri(Role.PARTNER, "CN-GD") == "urn:carbonhub:partner:CN-GD"
    for role, partner in [
        (Role.PARTNER, "CN-GD"),
        (Role.PARTNER, "451200"),
        (Role.EXCHANGE, None),
        (Role.BUREAU, None),
        (Role.HUB, None),
    ]:
        assert parse_role_uri(role_uri(role, partner)) == (role, partner)
    for other in [
        "urn:carbonhub:partner:cn-gd",
        "urn:carbonhub:development",
        "urn:carbonhub:",
        "urn:other:exchange",
        "https://example.org",
    ]:
        assert parse_role_uri(other) is None


def test_a_renewal_keeps_the_old_files(authority: Authority) -> None:
    first = authority.issue(Role.PARTNER, partner="CN-GD")
    second = authority.issue(Role.PARTNER, partner="CN-GD")
    assert first.certificate_path != second.certificate_path
    assert second.certificate_path.name == f"CN-GD-{second.serial[:12]}.crt"
    assert first.certificate_path.is_file() and second.certificate_path.is_file()


# --- revoke and the CRL ----------------------------------------------------------


def test_init_writes_an_empty_crl_signed_by_the_ca(authority: Authority) -> None:
    crl = read_verified_crl(authority.layout.crl, authority.ca_certificate)
    assert len(crl) == 0
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 1


def test_revoke_by_name_updates_index_and_crl(authority: Authority) -> None:
    issued = authority.issue(Role.PARTNER, partner="CN-GD")
    kept = authority.issue(Role.EXCHANGE)
    revoked = authority.revoke("CN-GD", "key left on a laptop")
    assert revoked.serial == issued.serial and revoked.revoked
    assert revoked.reason == "key left on a laptop"
    crl = read_verified_crl(authority.layout.crl, authority.ca_certificate)
    assert {format(r.serial_number, "x") for r in crl} == {issued.serial}
    assert crl.get_revoked_certificate_by_serial_number(int(kept.serial, 16)) is None
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 2
    document = json.loads(authority.layout.index.read_text(encoding="utf-8"))
    entry = next(c for c in document["certificates"] if c["serial"] == issued.serial)
    assert entry["role"] == "partner" and entry["partner"] == "CN-GD"
    assert entry["subject"] == "CN-GD" and entry["reason"] == "key left on a laptop"
    assert entry["revoked_at"] is not None
    assert entry["certificate_path"] == "issued/CN-GD.crt"
    assert entry["key_path"] == "issued/CN-GD.key"
    assert {"not_before", "not_after"} <= entry.keys()
    assert load_authority(authority.pki_dir).issued() == authority.issued()
    assert not list(authority.pki_dir.glob(".*.tmp"))


def test_revoke_by_serial_in_any_spelling(authority: Authority) -> None:
    issued = authority.issue(Role.BUREAU, name="li.wei")
    spelled = ":".join(issued.serial.upper()[i : i + 2] for i in range(0, len(issued.serial), 2))
    assert authority.revoke(spelled, "left the bureau").serial == issued.serial


def test_revoke_refusals(authority: Authority) -> None:
    hub_serial = authority.issued()[0].serial
    authority.issue(Role.PARTNER, partner="CN-GD")
    with pytest.raises(NotFound) as unknown:
        authority.revoke("CN-ZZ", "no such")
    assert unknown.value.code == "CERTIFICATE_UNKNOWN"
    with pytest.raises(InvalidRequest) as blank:
        authority.revoke("CN-GD", "  ")
    assert blank.value.code == "REVOCATION_REASON_REQUIRED"
    with pytest.raises(InvalidRequest) as hub:
        authority.revoke(hub_serial, "no")
    assert hub.value.code == "CERTIFICATE_NOT_A_CLIENT"
    authority.revoke("CN-GD", "compromised")
    with pytest.raises(InvalidRequest) as again:
        authority.revoke("CN-GD", "compromised")
    assert again.value.code == "CERTIFICATE_ALREADY_REVOKED"


def test_a_name_with_two_live_certificates_needs_a_serial(authority: Authority) -> None:
    first = authority.issue(Role.PARTNER, partner="CN-GD")
    second = authority.issue(Role.PARTNER, partner="CN-GD")
    with pytest.raises(InvalidRequest) as ambiguous:
        authority.revoke("CN-GD", "rotation")
    assert ambiguous.value.code == "CERTIFICATE_AMBIGUOUS"
    authority.revoke(first.serial, "rotation")
    # Now the name designates the one live certificate left.
    assert authority.revoke("CN-GD", "rotation").serial == second.serial


def test_a_crl_not_signed_by_the_ca_is_refused(authority: Authority, tmp_path: Path) -> None:
    other = init_authority(tmp_path / "other")
    with pytest.raises(InvalidRequest) as foreign:
        read_verified_crl(other.layout.crl, authority.ca_certificate)
    assert foreign.value.code == "CRL_INVALID"
    # Same issuer name, but signed with another key: the signature decides.
    forged = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.ca_certificate.subject)
        .last_update(datetime.now(UTC))
        .next_update(datetime.now(UTC) + timedelta(days=1))
        .sign(ec.generate_private_key(ec.SECP256R1()), hashes.SHA256())
    )
    forged_path = tmp_path / "forged.pem"
    forged_path.write_bytes(forged.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(InvalidRequest) as refused:
        read_verified_crl(forged_path, authority.ca_certificate)
    assert refused.value.code == "CRL_INVALID"
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"not a crl")
    with pytest.raises(InvalidRequest):
        read_verified_crl(garbage, authority.ca_certificate)


def test_issued_certificate_is_a_plain_record(authority: Authority) -> None:
    issued = authority.issue(Role.EXCHANGE, name="szex")
    assert isinstance(issued, IssuedCertificate)
    assert issued.not_after > issued.not_before and not issued.revoked


# --- Ed25519 key files -----------------------------------------------------------


def test_ed25519_key_files_round_trip(tmp_path: Path) -> None:
    private_path, public_path = tmp_path / "keys" / "p.key", tmp_path / "keys" / "p.pub"
    key_id = write_ed25519_keypair(private_path, public_path)
    assert _mode(private_path) == 0o600
    assert b"BEGIN PRIVATE KEY" in private_path.read_bytes()
    assert b"BEGIN PUBLIC KEY" in public_path.read_bytes()
    private_key = load_ed25519_private(private_path)
    public_key = load_ed25519_public(public_path)
    raw = public_key_raw(public_key)
    assert len(raw) == 32 and raw == public_key_raw(private_key.public_key())
    assert key_id == key_id_of(raw)
    public_key.verify(private_key.sign(b"receipt"), b"receipt")


def test_key_ids() -> None:
    zeros = bytes(32)
    assert key_id_of(zeros) == "ed25519:" + hashlib.sha256(zeros).hexdigest()[:16]
    assert key_id_of(zeros) == "ed25519:66687aadf862bd77"
    assert key_id_of(bytes(range(32))) != key_id_of(zeros)
    with pytest.raises(KeyFileInvalid):
        key_id_of(bytes(31))


def test_the_hub_signing_key_is_an_ed25519_pair(authority: Authority) -> None:
    private_key = load_ed25519_private(authority.layout.signing_key)
    public_key = load_ed25519_public(authority.layout.signing_public_key)
    assert public_key_raw(private_key.public_key()) == public_key_raw(public_key)
    assert _mode(authority.layout.signing_key) == 0o600


def test_loading_a_key_that_is_not_ed25519_is_refused(authority: Authority) -> None:
    with pytest.raises(KeyFileInvalid) as wrong_kind:
        load_ed25519_private(authority.layout.ca_key)
    assert wrong_kind.value.code == "KEY_FILE_INVALID"
    with pytest.raises(KeyFileInvalid):
        load_ed25519_public(authority.layout.ca_certificate)
    with pytest.raises(KeyFileInvalid):
        load_ed25519_private(authority.pki_dir / "missing.key")


@pytest.mark.parametrize("host", ["bad host", "中文.cn", "-hub", "a..b"])
def test_init_refuses_a_host_that_is_no_dns_name_or_ip(tmp_path: Path, host: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        init_authority(tmp_path / "pki", hosts=(host,))
    assert refused.value.code == "HOST_INVALID"
    assert not (tmp_path / "pki" / "ca.crt").exists()


def test_a_forced_init_with_a_bad_host_changes_nothing(authority: Authority) -> None:
    issued = authority.issue(Role.PARTNER, partner="CN-GD")
    with pytest.raises(InvalidRequest):
        init_authority(authority.pki_dir, hosts=("bad host",), force=True)
    assert load_authority(authority.pki_dir).issued() == authority.issued()
    assert issued.certificate_path.is_file()
