"""Mutual TLS over a real gRPC server on loopback, with certificates of the hub's CA.

The server serves standard health checking and a small generic handler that
answers the caller's identity as CertificateIdentifier computes it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from carbonhub_contract.error_details import error_info
from hub.domain.identity import Role
from hub.errors import HubError
from hub.grpc_api.status_mapping import abort
from hub.trust.certificate_index import IssuedCertificate
from hub.trust.pki import Authority, init_authority
from hub.trust.tls import CertificateIdentifier, secure_channel, server_credentials

WHOAMI = "/carbonhub.test.WhoAmI/Get"
TIMEOUT = 5  # seconds: a refused handshake must fail the call, not hang the suite
CRL_CHECK_INTERVAL = 0.05


@dataclass
class MtlsServer:
    authority: Authority
    port: int

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"


@pytest.fixture
def mtls_server(tmp_path: Path) -> Iterator[MtlsServer]:
    authority = init_authority(tmp_path / "pki")
    identifier = CertificateIdentifier(authority.pki_dir, crl_check_interval=CRL_CHECK_INTERVAL)

    def whoami(request: bytes, context: grpc.ServicerContext) -> bytes:
        try:
            identity = identifier(context)
        except HubError as error:
            abort(context, error)
        fields = (identity.role.value, identity.partner or "", identity.subject, identity.serial)
        return "|".join(fields).encode()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    health_pb2_grpc.add_HealthServicer_to_server(health.HealthServicer(), server)
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                "carbonhub.test.WhoAmI", {"Get": grpc.unary_unary_rpc_method_handler(whoami)}
            ),
        )
    )
    port = server.add_secure_port("127.0.0.1:0", server_credentials(authority.pki_dir))
    server.start()
    try:
        yield MtlsServer(authority, port)
    finally:
        server.stop(None)


def _channel(server: MtlsServer, issued: IssuedCertificate, ca: Path | None = None) -> grpc.Channel:
    return secure_channel(
        server.target,
        ca=ca or server.authority.ca_certificate_path,
        cert=issued.certificate_path,
        key=issued.key_path,
    )


def _whoami(channel: grpc.Channel) -> list[str]:
    answer: Any = channel.unary_unary(WHOAMI)(b"", timeout=TIMEOUT)
    return bytes(answer).decode().split("|")


def _refused(channel: grpc.Channel) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as failed:
        _whoami(channel)
    error: grpc.RpcError = failed.value
    return error


def test_a_partner_certificate_is_identified_as_its_partner(mtls_server: MtlsServer) -> None:
    issued = mtls_server.authority.issue(Role.PARTNER, partner="CN-GD")
    with _channel(mtls_server, issued) as channel:
        assert _whoami(channel) == ["partner", "CN-GD", "CN-GD", issued.serial]
        health_stub = health_pb2_grpc.HealthStub(channel)
        answer = health_stub.Check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING


@pytest.mark.parametrize(
    ("role", "name", "expected"),
    [
        (Role.EXCHANGE, None, ["exchange", "", "exchange"]),
        (Role.BUREAU, "li.wei", ["bureau", "", "li.wei"]),
    ],
)
def test_exchange_and_bureau_certificates_are_identified(
    mtls_server: MtlsServer, role: Role, name: str | None, expected: list[str]
) -> None:
    issued = mtls_server.authority.issue(role, name=name)
    with _channel(mtls_server, issued) as channel:
        assert _whoami(channel) == [*expected, issued.serial]


def test_no_client_certificate_fails_the_handshake(mtls_server: MtlsServer) -> None:
    credentials = grpc.ssl_channel_credentials(
        root_certificates=mtls_server.authority.ca_certificate_path.read_bytes()
    )
    with grpc.secure_channel(mtls_server.target, credentials) as channel:
        assert _refused(channel).code() is grpc.StatusCode.UNAVAILABLE


def test_a_certificate_of_another_ca_fails_the_handshake(
    mtls_server: MtlsServer, tmp_path: Path
) -> None:
    stranger = init_authority(tmp_path / "another-pki").issue(Role.PARTNER, partner="CN-GD")
    with _channel(mtls_server, stranger) as channel:
        assert _refused(channel).code() is grpc.StatusCode.UNAVAILABLE


def test_an_expired_certificate_fails_the_handshake(mtls_server: MtlsServer) -> None:
    now = datetime.now(UTC)
    expired = mtls_server.authority.issue(
        Role.PARTNER,
        partner="CN-GD",
        not_before=now - timedelta(days=30),
        not_after=now - timedelta(days=1),
    )
    with _channel(mtls_server, expired) as channel:
        assert _refused(channel).code() is grpc.StatusCode.UNAVAILABLE


def test_the_hubs_own_certificate_is_no_client_certificate(mtls_server: MtlsServer) -> None:
    # Its extended key usage is serverAuth only: the handshake refuses it as a client.
    layout = mtls_server.authority.layout
    with secure_channel(
        mtls_server.target,
        ca=layout.ca_certificate,
        cert=layout.server_certificate,
        key=layout.server_key,
    ) as channel:
        assert _refused(channel).code() is grpc.StatusCode.UNAVAILABLE


def test_a_revocation_refuses_the_next_call_without_a_restart(mtls_server: MtlsServer) -> None:
    issued = mtls_server.authority.issue(Role.PARTNER, partner="CN-GD")
    other = mtls_server.authority.issue(Role.PARTNER, partner="HK-HK")
    with _channel(mtls_server, issued) as channel, _channel(mtls_server, other) as bystander:
        assert _whoami(channel)[1] == "CN-GD"
        mtls_server.authority.revoke(issued.serial, "key compromised")
        # The identifier stats crl.pem at most every CRL_CHECK_INTERVAL seconds:
        # once that has passed, the very next call sees the new CRL.
        time.sleep(CRL_CHECK_INTERVAL * 2)
        error = _refused(channel)
        assert error.code() is grpc.StatusCode.UNAUTHENTICATED
        info = error_info(error)
        assert info is not None and info.reason == "CERTIFICATE_REVOKED"
        assert info.metadata["serial"] == issued.serial
        # The same connection, the same server: other certificates still pass.
        assert _whoami(bystander)[1] == "HK-HK"
