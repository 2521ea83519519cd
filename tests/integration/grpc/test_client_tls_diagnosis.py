"""A channel to a real mutual-TLS gRPC server on loopback that never gets
ready is explained: the hub's certificate not trusted, the client's refused,
or no hub at all. The refusal comes at once, not after the connect timeout."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health, health_pb2_grpc

from carbonhub_contract.tls import (
    ClientTlsError,
    ClientTlsFiles,
    HubUnreachable,
    diagnose_handshake,
    load_client_tls,
    wait_ready,
)
from hub.domain.identity import Role
from hub.serving.serve_process import free_port
from hub.trust.certificate_index import IssuedCertificate
from hub.trust.pki import Authority, init_authority
from hub.trust.tls import server_credentials

CONNECT_TIMEOUT = 20.0  # what the refusals must come well before


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return init_authority(tmp_path / "pki")


@pytest.fixture
def address(authority: Authority) -> Iterator[str]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)
    port = server.add_secure_port("127.0.0.1:0", server_credentials(authority.pki_dir))
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(None)


@pytest.fixture
def stranger(tmp_path: Path) -> IssuedCertificate:
    return init_authority(tmp_path / "other").issue(Role.PARTNER, partner="CN-GD")


def _wait(address: str, files: ClientTlsFiles) -> float:
    """Seconds until wait_ready gave up (it raises)."""
    channel = grpc.secure_channel(address, files.credentials())
    started = time.monotonic()
    try:
        wait_ready(channel, address, CONNECT_TIMEOUT, lambda: diagnose_handshake(address, files))
    finally:
        channel.close()
    return time.monotonic() - started


def test_a_client_of_the_hub_ca_connects_and_nothing_is_diagnosed(
    authority: Authority, address: str
) -> None:
    partner = authority.issue(Role.PARTNER, partner="CN-GD")
    files = load_client_tls(
        authority.ca_certificate_path, partner.certificate_path, partner.key_path
    )
    assert diagnose_handshake(address, files) is None
    assert _wait(address, files) < CONNECT_TIMEOUT


def test_a_hub_certificate_not_signed_by_the_given_ca_is_named(
    address: str, stranger: IssuedCertificate, tmp_path: Path
) -> None:
    files = load_client_tls(
        tmp_path / "other" / "ca.crt", stranger.certificate_path, stranger.key_path
    )
    started = time.monotonic()
    with pytest.raises(ClientTlsError) as refused:
        _wait(address, files)
    assert time.monotonic() - started < CONNECT_TIMEOUT / 2
    assert refused.value.code == "TLS_HANDSHAKE_FAILED"
    assert "does not trust" in refused.value.message
    assert str(tmp_path / "other" / "ca.crt") in refused.value.message


def test_a_client_certificate_the_hub_refuses_is_named(
    authority: Authority, address: str, stranger: IssuedCertificate, tmp_path: Path
) -> None:
    # A bundle that trusts the hub too, with the client's own CA first: the
    # files agree with each other, the hub's CA did not issue the certificate.
    bundle = tmp_path / "bundle.crt"
    bundle.write_bytes(
        (tmp_path / "other" / "ca.crt").read_bytes() + authority.ca_certificate_path.read_bytes()
    )
    files = load_client_tls(bundle, stranger.certificate_path, stranger.key_path)
    started = time.monotonic()
    with pytest.raises(ClientTlsError) as refused:
        _wait(address, files)
    assert time.monotonic() - started < CONNECT_TIMEOUT / 2
    assert refused.value.code == "TLS_HANDSHAKE_FAILED"
    assert f"did not accept --cert {stranger.certificate_path}" in refused.value.message


def test_no_hub_at_all_is_unreachable_not_a_tls_fault(authority: Authority) -> None:
    partner = authority.issue(Role.PARTNER, partner="CN-GD")
    files = load_client_tls(
        authority.ca_certificate_path, partner.certificate_path, partner.key_path
    )
    address = f"127.0.0.1:{free_port()}"
    assert diagnose_handshake(address, files) is None
    channel = grpc.secure_channel(address, files.credentials())
    try:
        with pytest.raises(HubUnreachable, match="unreachable"):
            wait_ready(channel, address, 1.5, lambda: diagnose_handshake(address, files))
    finally:
        channel.close()
