"""``carbon-hub exchange-client`` end to end against the fake: mutual TLS with
certificates of a real hub PKI, --insecure on loopback only, connection
settings refused with exit 5, and receipts verified under --hub-key (exit 4
when one fails)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
import typer
from typer.testing import CliRunner

from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2_grpc as ex_grpc
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger
from carbonhub_contract.key_files import write_ed25519_keypair
from carbonhub_contract.receipts import ReceiptSigner
from carbonhub_contract.signing import hub_signer
from hub.domain.identity import Role
from hub.exchange_client.cli import (
    EXIT_RECEIPT,
    EXIT_SETTINGS,
    exchange_client_command,
    is_loopback,
)
from hub.exchange_client.state import load_state
from hub.trust.certificate_index import IssuedCertificate
from hub.trust.pki import Authority, init_authority
from hub.trust.tls import server_credentials
from tests.unit.exchange_client.fake_exchange_service import FakeExchangeService, make_block

app = typer.Typer()
app.command()(exchange_client_command)
runner = CliRunner()
# Wide enough that rich does not wrap the messages asserted on.
ENV = {"COLUMNS": "250"}


def _run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args], env=ENV)
    return result.exit_code, result.output


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return init_authority(tmp_path / "pki")


@pytest.fixture
def exchange_certificate(authority: Authority) -> IssuedCertificate:
    return authority.issue(Role.EXCHANGE)


@pytest.fixture
def tls_address(service: FakeExchangeService, authority: Authority) -> Iterator[str]:
    """The fake behind mutual TLS of ``authority``, signing as that PKI's hub."""
    service.signer = ReceiptSigner(hub_signer(authority.pki_dir))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    ex_grpc.add_ExchangeServiceServicer_to_server(service, server)
    port = server.add_secure_port("127.0.0.1:0", server_credentials(authority.pki_dir))
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None)


def _tls(authority: Authority, issued: IssuedCertificate) -> list[str | Path]:
    return [
        "--cert",
        issued.certificate_path,
        "--key",
        issued.key_path,
        "--ca",
        authority.ca_certificate_path,
    ]


def test_mutual_tls_with_the_exchange_certificate_and_verified_receipts(
    service: FakeExchangeService,
    authority: Authority,
    exchange_certificate: IssuedCertificate,
    tls_address: str,
    tmp_path: Path,
) -> None:
    service.qualify(*(make_block(i) for i in range(1, 6)))
    state = tmp_path / "exchange.json"
    code, output = _run(
        "--hub",
        tls_address,
        "--state",
        state,
        *_tls(authority, exchange_certificate),
        "--hub-key",
        authority.layout.signing_public_key,
        "--connect-timeout",
        "5",
    )
    assert code == 0, output
    assert "cursor 5" in output
    assert "not verified" not in output
    stored = load_state(state)
    assert len(stored.blocks) == 7  # five received, a split's two parts
    assert all(b.receipt is not None for b in stored.blocks.values())


def test_a_certificate_of_another_ca_never_connects(
    service: FakeExchangeService, authority: Authority, tls_address: str, tmp_path: Path
) -> None:
    stranger = init_authority(tmp_path / "other-pki").issue(Role.EXCHANGE)
    code, output = _run(
        "--hub",
        tls_address,
        "--state",
        tmp_path / "exchange.json",
        "--cert",
        stranger.certificate_path,
        "--key",
        stranger.key_path,
        "--ca",
        authority.ca_certificate_path,
        "--connect-timeout",
        "1",
    )
    # Named before any connection, not reported as an unreachable hub.
    assert code == EXIT_SETTINGS, output
    assert "TLS_CERT_INVALID" in output and "was not issued by the CA of --ca" in output


def test_insecure_on_loopback_runs_against_a_plaintext_hub(
    service: FakeExchangeService, address: str, tmp_path: Path
) -> None:
    service.qualify(*(make_block(i) for i in range(1, 4)))
    code, output = _run("--hub", address, "--state", tmp_path / "x.json", "--insecure")
    assert code == 0, output
    assert "plaintext gRPC (--insecure)" in output
    assert "block receipts not verified (no --hub-key)" in output
    assert "cursor 3" in output


@pytest.fixture
def hub_key(tmp_path: Path, service: FakeExchangeService) -> Path:
    """hub-signing.pub of a key the fake signs every block with."""
    private, public = tmp_path / "hub-signing.key", tmp_path / "hub-signing.pub"
    write_ed25519_keypair(private, public)
    service.signer = ReceiptSigner(hub_signer(tmp_path))
    return public


def test_hub_key_verified_receipts_exit_0(
    service: FakeExchangeService, address: str, hub_key: Path, tmp_path: Path
) -> None:
    service.qualify(*(make_block(i) for i in range(1, 4)))
    code, output = _run(
        "--hub", address, "--state", tmp_path / "x.json", "--insecure", "--hub-key", hub_key
    )
    assert code == 0, output
    assert "refused" not in output


def test_a_tampered_block_is_reported_and_exits_4(
    service: FakeExchangeService, address: str, hub_key: Path, tmp_path: Path
) -> None:
    def tamper(block: ledger.Block) -> None:
        if block.block_id == "B0002":
            block.serial = block.serial.replace("-1010", "-1011")
            block.units += 1

    service.qualify(*(make_block(i) for i in range(1, 4)))
    service.tamper = tamper
    state = tmp_path / "x.json"
    code, output = _run("--hub", address, "--state", state, "--insecure", "--hub-key", hub_key)
    assert code == EXIT_RECEIPT, output
    assert "block B0002 refused (StreamBlocks cursor 2): RECEIPT_DOES_NOT_MATCH_MESSAGE" in output
    assert "1 block(s) refused" in output
    assert sorted(load_state(state).blocks) == ["B0001"]


def test_a_hub_key_that_is_not_the_signers_exits_4(
    service: FakeExchangeService, address: str, hub_key: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    write_ed25519_keypair(other / "k.key", other / "k.pub")
    service.qualify(make_block(1))
    code, output = _run(
        "--hub", address, "--state", tmp_path / "x.json", "--insecure", "--hub-key", other / "k.pub"
    )
    assert code == EXIT_RECEIPT, output
    assert "RECEIPT_KEY_UNKNOWN" in output


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ([], "the hub requires mutual TLS and --cert, --key, --ca are missing"),
        (["--cert", "c.crt"], "--key, --ca are missing"),
        (["--cert", "c.crt", "--key", "c.key"], "--ca is missing"),
        (["--insecure", "--cert", "c.crt"], "--insecure is plaintext: leave out --cert"),
    ],
    ids=["nothing", "cert-only", "no-ca", "insecure-and-tls"],
)
def test_connection_settings_that_cannot_work_exit_5(
    flags: list[str], message: str, tmp_path: Path
) -> None:
    code, output = _run("--hub", "127.0.0.1:1", "--state", tmp_path / "x.json", *flags)
    assert code == EXIT_SETTINGS, output
    assert message in output
    assert not (tmp_path / "x.json").exists()


def test_insecure_is_refused_for_a_hub_off_loopback(tmp_path: Path) -> None:
    code, output = _run(
        "--hub", "hub.example.org:50051", "--state", tmp_path / "x.json", "--insecure"
    )
    assert code == EXIT_SETTINGS, output
    assert "loopback only, not hub.example.org:50051" in output


def test_unreadable_or_mismatched_tls_files_exit_5(
    authority: Authority, exchange_certificate: IssuedCertificate, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.crt"
    code, output = _run(
        "--hub",
        "127.0.0.1:1",
        "--state",
        tmp_path / "x.json",
        "--cert",
        missing,
        "--key",
        exchange_certificate.key_path,
        "--ca",
        authority.ca_certificate_path,
    )
    assert code == EXIT_SETTINGS, output
    assert "cannot read --cert" in output
    other = authority.issue(Role.EXCHANGE, name="exchange-2")
    code, output = _run(
        "--hub",
        "127.0.0.1:1",
        "--state",
        tmp_path / "x.json",
        "--cert",
        exchange_certificate.certificate_path,
        "--key",
        other.key_path,
        "--ca",
        authority.ca_certificate_path,
    )
    assert code == EXIT_SETTINGS, output
    assert "is not the key of --cert" in output
    code, output = _run(
        "--hub",
        "127.0.0.1:1",
        "--state",
        tmp_path / "x.json",
        *_tls(authority, exchange_certificate)[:4],
        "--ca",
        exchange_certificate.key_path,
    )
    assert code == EXIT_SETTINGS, output
    assert "is not a PEM certificate" in output


def test_an_unusable_hub_key_exits_5(tmp_path: Path) -> None:
    bad = tmp_path / "hub-signing.pub"
    bad.write_text("not a key")
    code, output = _run(
        "--hub", "127.0.0.1:1", "--state", tmp_path / "x.json", "--insecure", "--hub-key", bad
    )
    assert code == EXIT_SETTINGS, output
    assert "not a PEM public key" in output


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1:50051", True),
        ("127.8.9.10:50051", True),
        ("localhost:50051", True),
        ("LOCALHOST:1", True),
        ("[::1]:50051", True),
        ("::1", True),
        ("localhost", True),
        ("10.0.0.1:50051", False),
        ("[2001:db8::1]:50051", False),
        ("hub.example.org:50051", False),
        ("localhost.example.org:50051", False),
        ("dns:///localhost:50051", False),  # not understood: refused, not guessed
    ],
)
def test_is_loopback(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_help_names_the_flags_and_exit_codes() -> None:
    code, output = _run("--help")
    assert code == 0
    for flag in ("--cert", "--key", "--ca", "--insecure", "--hub-key", "--call-timeout"):
        assert flag in output
    assert "4 a block's receipt failed" in " ".join(output.split())
