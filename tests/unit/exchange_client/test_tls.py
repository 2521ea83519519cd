"""A client's TLS files, checked before any connection: each fault names its file."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbonhub_contract.tls import ClientTlsError, load_client_tls
from hub.domain.identity import Role
from hub.trust.certificate_index import IssuedCertificate
from hub.trust.pki import Authority, init_authority


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return init_authority(tmp_path / "pki")


@pytest.fixture
def partner(authority: Authority) -> IssuedCertificate:
    return authority.issue(Role.PARTNER, partner="CN-GD")


def _refusal(ca: Path, cert: Path, key: Path) -> ClientTlsError:
    with pytest.raises(ClientTlsError) as refused:
        load_client_tls(ca, cert, key)
    return refused.value


def test_the_files_of_a_certificate_of_the_ca_load(
    authority: Authority, partner: IssuedCertificate
) -> None:
    files = load_client_tls(
        authority.ca_certificate_path, partner.certificate_path, partner.key_path
    )
    assert files.private_key == partner.key_path.read_bytes()
    assert files.credentials() is not None


def test_a_missing_file_is_named_with_its_flag(
    authority: Authority, partner: IssuedCertificate, tmp_path: Path
) -> None:
    refused = _refusal(authority.ca_certificate_path, partner.certificate_path, tmp_path / "k.key")
    assert refused.code == "TLS_FILE_UNREADABLE"
    assert f"--key {tmp_path / 'k.key'}" in refused.message


def test_a_key_file_that_is_no_key_is_named(
    authority: Authority, partner: IssuedCertificate, tmp_path: Path
) -> None:
    garbage = tmp_path / "k.key"
    garbage.write_text("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n")
    refused = _refusal(authority.ca_certificate_path, partner.certificate_path, garbage)
    assert refused.code == "TLS_KEY_INVALID"
    assert str(garbage) in refused.message


def test_the_key_of_another_certificate_is_named(
    authority: Authority, partner: IssuedCertificate
) -> None:
    other = authority.issue(Role.EXCHANGE)
    refused = _refusal(authority.ca_certificate_path, partner.certificate_path, other.key_path)
    assert refused.code == "TLS_KEY_MISMATCH"
    assert (
        str(other.key_path) in refused.message and str(partner.certificate_path) in refused.message
    )


def test_a_certificate_of_another_ca_is_named(authority: Authority, tmp_path: Path) -> None:
    stranger = init_authority(tmp_path / "other").issue(Role.PARTNER, partner="CN-GD")
    refused = _refusal(authority.ca_certificate_path, stranger.certificate_path, stranger.key_path)
    assert refused.code == "TLS_CERT_INVALID"
    assert "was not issued by the CA of --ca" in refused.message


def test_a_key_given_as_the_ca_is_named(authority: Authority, partner: IssuedCertificate) -> None:
    refused = _refusal(partner.key_path, partner.certificate_path, partner.key_path)
    assert refused.code == "TLS_CERT_INVALID"
    assert f"--ca {partner.key_path} is not a PEM certificate" in refused.message
