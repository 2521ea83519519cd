"""``carbon-hub pki``: init, issue, list, revoke, and its refusals (exit 2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography import x509
from typer.testing import CliRunner, Result

from hub.cli.app import app
from hub.trust.pki import load_authority
from hub.trust.revocation_list import read_verified_crl


@pytest.fixture(autouse=True)
def _no_hub_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The PKI directory must come from the flags of each test alone.
    for name in ("HUB_PKI_DIR", "HUB_DATA_DIR", "HUB_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)


def _run(*args: str, columns: str = "200") -> Result:
    return CliRunner().invoke(app, ["pki", *args], env={"COLUMNS": columns})


def test_init_issue_list_revoke(tmp_path: Path) -> None:
    pki = tmp_path / "pki"
    created = _run("init", "--pki-dir", str(pki), "--host", "hub.example.org")
    assert created.exit_code == 0, created.output
    assert (pki / "ca.crt").is_file() and (pki / "hub-signing.key").is_file()
    hub = x509.load_pem_x509_certificate((pki / "hub.crt").read_bytes())
    san = hub.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "hub.example.org" in san.get_values_for_type(x509.DNSName)

    issued = _run("issue", "--role", "partner", "--partner", "CN-GD", "--pki-dir", str(pki))
    assert issued.exit_code == 0, issued.output
    match = re.search(r"serial: ([0-9a-f]+)", issued.stdout)
    assert match is not None
    serial = match.group(1)
    assert str(pki / "issued" / "CN-GD.crt") in issued.stdout
    assert str(pki / "issued" / "CN-GD.key") in issued.stdout
    assert str(pki / "ca.crt") in issued.stdout

    listed = _run("list", "--pki-dir", str(pki))
    assert listed.exit_code == 0, listed.output
    assert serial in listed.stdout and "partner CN-GD" in listed.stdout
    assert "REVOKED" not in listed.stdout

    revoked = _run("revoke", serial, "--reason", "key lost", "--pki-dir", str(pki))
    assert revoked.exit_code == 0, revoked.output
    assert serial in revoked.stdout
    authority = load_authority(pki)
    crl = read_verified_crl(authority.layout.crl, authority.ca_certificate)
    assert [format(r.serial_number, "x") for r in crl] == [serial]

    narrow = _run("list", "--pki-dir", str(pki), columns="80")
    assert narrow.exit_code == 0, narrow.output
    assert serial in narrow.stdout  # whole, not folded, on a narrow terminal
    assert "REVOKED" in narrow.stdout and "key lost" in narrow.stdout

    again = _run("revoke", "CN-GD", "--reason", "twice", "--pki-dir", str(pki))
    assert again.exit_code == 2
    assert "CERTIFICATE_ALREADY_REVOKED" in again.stderr


def test_the_default_pki_dir_is_under_the_data_dir(tmp_path: Path) -> None:
    assert _run("init", "--data-dir", str(tmp_path)).exit_code == 0
    issued = _run("issue", "--role", "exchange", "--data-dir", str(tmp_path))
    assert issued.exit_code == 0, issued.output
    assert str(tmp_path / "pki" / "issued" / "exchange.crt") in issued.stdout


def test_issuing_before_init_is_refused(tmp_path: Path) -> None:
    result = _run("issue", "--role", "partner", "--partner", "CN-GD", "--data-dir", str(tmp_path))
    assert result.exit_code == 2
    assert "PKI_NOT_INITIALISED" in result.stderr
    assert not (tmp_path / "pki" / "issued").exists()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["issue", "--role", "partner", "--partner", "guangdong"], "PARTNER_CODE_INVALID"),
        (["issue", "--role", "bureau"], "CERTIFICATE_NAME_REQUIRED"),
        (["revoke", "nobody", "--reason", "none"], "CERTIFICATE_UNKNOWN"),
        (["init"], "PKI_ALREADY_INITIALISED"),
    ],
)
def test_refusals_print_their_code_and_exit_2(tmp_path: Path, args: list[str], code: str) -> None:
    assert _run("init", "--pki-dir", str(tmp_path)).exit_code == 0
    result = _run(*args, "--pki-dir", str(tmp_path))
    assert result.exit_code == 2
    assert code in result.stderr


def test_only_client_roles_may_be_issued(tmp_path: Path) -> None:
    assert _run("init", "--pki-dir", str(tmp_path)).exit_code == 0
    result = _run("issue", "--role", "hub", "--pki-dir", str(tmp_path))
    assert result.exit_code == 2  # a usage error: hub is not a choice
