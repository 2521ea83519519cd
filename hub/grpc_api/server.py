"""Building and running the gRPC server: services, health, reflection."""

from __future__ import annotations

import errno
import ipaddress
import logging
import socket
from concurrent import futures
from dataclasses import dataclass, field, replace

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from carbonhub_contract.generated.carbonhub.v1 import (
    bureau_pb2,
    bureau_pb2_grpc,
    exchange_pb2,
    exchange_pb2_grpc,
    partner_pb2,
    partner_pb2_grpc,
)
from carbonhub_contract.tls import ClientTlsError, load_client_tls
from hub.domain.identity import DEVELOPMENT_IDENTITY, Identity
from hub.grpc_api.admission import Limits
from hub.grpc_api.bureau_servicer import BureauServicer
from hub.grpc_api.call_telemetry import CallTelemetry
from hub.grpc_api.exchange_servicer import ExchangeServicer
from hub.grpc_api.guard import Guard, server_options
from hub.grpc_api.partner_servicer import PartnerServicer
from hub.settings import LOOPBACK_HOSTS, HubSettings
from hub.trust.pki_layout import PkiLayout
from hub.trust.tls import CertificateIdentifier, server_credentials

log = logging.getLogger(__name__)

PARTNER_SERVICE = partner_pb2.DESCRIPTOR.services_by_name["PartnerService"].full_name
EXCHANGE_SERVICE = exchange_pb2.DESCRIPTOR.services_by_name["ExchangeService"].full_name
BUREAU_SERVICE = bureau_pb2.DESCRIPTOR.services_by_name["BureauService"].full_name


class ServeRefused(Exception):
    """The server cannot start with these settings; the message says why."""

    code: str | None = None  # a reason code, for the refusals that have one


class InsecureBindRefused(ServeRefused):
    """Plaintext was asked for on an address other than loopback."""


class PkiMissing(ServeRefused):
    """Mutual TLS needs the hub PKI, and there is none."""


class PortInUse(ServeRefused):
    """Another process (another hub, say) listens on the gRPC port."""

    code = "PORT_IN_USE"


class ServerTlsInvalid(ServeRefused):
    """The hub's own CA, certificate or key file cannot serve TLS."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class BindFailed(ServeRefused):
    """The gRPC address cannot be bound for another reason (no such address)."""


@dataclass(frozen=True)
class Servicers:
    partner: PartnerServicer
    exchange: ExchangeServicer
    bureau: BureauServicer


@dataclass
class RunningServer:
    server: grpc.Server
    port: int
    health: health.HealthServicer
    exchange: ExchangeServicer | None = field(default=None)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self, grace: float | None = 2.0) -> None:
        self.health.enter_graceful_shutdown()
        if self.exchange is not None:
            # Follow streams never finish on their own: end them first so the
            # grace period serves the unary calls still running.
            self.exchange.stop_streams()
        self.server.stop(grace).wait()


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind_allowed(settings: HubSettings) -> None:
    """Raise InsecureBindRefused unless these settings may serve.

    Called before anything is built, so a refused start touches no database.
    """
    if not settings.insecure:
        layout = PkiLayout(settings.resolved_pki_dir())
        missing = [
            path
            for path in (layout.ca_certificate, layout.server_certificate, layout.server_key)
            if not path.is_file()
        ]
        if missing:
            raise PkiMissing(
                f"mutual TLS needs the hub PKI in {layout.root}: run `carbon-hub pki init` "
                f"(missing {', '.join(p.name for p in missing)}), or --insecure on loopback "
                "for development"
            )
        try:
            load_client_tls(
                layout.ca_certificate,
                layout.server_certificate,
                layout.server_key,
                labels=("the CA certificate", "the hub certificate", "the hub key"),
            )
        except ClientTlsError as problem:
            raise ServerTlsInvalid(problem.code, problem.message) from problem
        return
    if not _is_loopback(settings.grpc_host):
        raise InsecureBindRefused(
            f"--insecure serves plaintext and is allowed on loopback only, not {settings.grpc_host}"
        )


def _bind_refusal(host: str, port: int) -> ServeRefused:
    """Why ``host:port`` cannot be bound, found by binding it once more
    without SO_REUSEPORT, as the server now does, on every address it names."""
    try:
        addresses = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as unknown:
        return BindFailed(f"cannot bind gRPC to {host}:{port}: {unknown.strerror}")
    for family, kind, protocol, _, where in addresses:
        with socket.socket(family, kind, protocol) as probe:
            try:
                probe.bind(where)
            except OSError as problem:
                if problem.errno == errno.EADDRINUSE:
                    return PortInUse(
                        f"gRPC port {port} on {host} is already in use (another carbon-hub "
                        "serve, or another program, listens there): stop it or choose "
                        "another --grpc-port"
                    )
                return BindFailed(f"cannot bind gRPC to {host}:{port}: {problem.strerror}")
    return BindFailed(f"cannot bind gRPC to {host}:{port}")


def _development_identity(context: grpc.ServicerContext) -> Identity:
    # Callers cannot be told apart without certificates; the peer address
    # (one per connection) keeps their limits apart all the same.
    return replace(DEVELOPMENT_IDENTITY, subject=f"insecure {context.peer()}")


def start_server(
    settings: HubSettings, servicers: Servicers, telemetry: CallTelemetry | None = None
) -> RunningServer:
    check_bind_allowed(settings)
    pki_dir = settings.resolved_pki_dir()
    limits = Limits.from_settings(settings)
    if settings.insecure:
        guard = Guard(_development_identity, limits, telemetry=telemetry)
    else:
        # Its standing ends open streams whose certificate is revoked or expires.
        identifier = CertificateIdentifier(pki_dir)
        guard = Guard(identifier, limits, standing=identifier.standing, telemetry=telemetry)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=settings.grpc_workers),
        # grpc binds with SO_REUSEPORT by default: a second hub on the same
        # port would start, and the kernel would split the partners'
        # connections between the two. Off, a taken port fails the bind.
        options=[*server_options(settings), ("grpc.so_reuseport", 0)],
        interceptors=[guard],
        maximum_concurrent_rpcs=settings.max_concurrent_rpcs,
    )
    partner_pb2_grpc.add_PartnerServiceServicer_to_server(servicers.partner, server)  # type: ignore[no-untyped-call]
    exchange_pb2_grpc.add_ExchangeServiceServicer_to_server(servicers.exchange, server)  # type: ignore[no-untyped-call]
    bureau_pb2_grpc.add_BureauServiceServicer_to_server(servicers.bureau, server)  # type: ignore[no-untyped-call]
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    services = (
        PARTNER_SERVICE,
        EXCHANGE_SERVICE,
        BUREAU_SERVICE,
        health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
        reflection.SERVICE_NAME,
    )
    reflection.enable_server_reflection(services, server)
    host = settings.grpc_host
    bind_host = f"[{host.strip('[]')}]" if ":" in host else host
    address = f"{bind_host}:{settings.grpc_port}"
    try:
        if settings.insecure:
            port = server.add_insecure_port(address)
        else:
            port = server.add_secure_port(address, server_credentials(pki_dir))
    except RuntimeError as failed:  # grpc says only "Failed to bind"; the OS says why
        raise _bind_refusal(host, settings.grpc_port) from failed
    if port == 0:
        raise _bind_refusal(host, settings.grpc_port)
    server.start()
    for name in ("", PARTNER_SERVICE, EXCHANGE_SERVICE, BUREAU_SERVICE):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    if settings.insecure:
        log.warning(
            "serving PLAINTEXT gRPC on %s:%s with NO authentication (--insecure: "
            "loopback development only; every caller may act for every partner)",
            host,
            port,
        )
    else:
        log.info("serving gRPC with mutual TLS on %s:%s (PKI %s)", host, port, pki_dir)
    return RunningServer(server, port, health_servicer, servicers.exchange)
