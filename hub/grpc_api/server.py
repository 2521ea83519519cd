"""Building and running the gRPC server: services, health, reflection."""

from __future__ import annotations

import ipaddress
import logging
from concurrent import futures
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from hub.grpc_api.exchange_servicer import ExchangeServicer
from hub.grpc_api.generated.carbonhub.v1 import (
    exchange_pb2,
    exchange_pb2_grpc,
    partner_pb2,
    partner_pb2_grpc,
)
from hub.grpc_api.partner_servicer import PartnerServicer
from hub.settings import LOOPBACK_HOSTS, HubSettings

log = logging.getLogger(__name__)

PARTNER_SERVICE = partner_pb2.DESCRIPTOR.services_by_name["PartnerService"].full_name
EXCHANGE_SERVICE = exchange_pb2.DESCRIPTOR.services_by_name["ExchangeService"].full_name


class InsecureBindRefused(Exception):
    """Plaintext was asked for on an address other than loopback."""


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
        # Mutual TLS arrives with the trust issue; until then the only way to
        # serve is the explicit development switch.
        raise InsecureBindRefused(
            "mutual TLS is not configured yet: run with --insecure on loopback"
        )
    if not _is_loopback(settings.grpc_host):
        raise InsecureBindRefused(
            f"--insecure serves plaintext and is allowed on loopback only, not {settings.grpc_host}"
        )


def start_server(
    settings: HubSettings, partner_servicer: PartnerServicer, exchange_servicer: ExchangeServicer
) -> RunningServer:
    check_bind_allowed(settings)
    options = [
        ("grpc.max_receive_message_length", settings.max_message_bytes),
        ("grpc.max_send_message_length", settings.max_message_bytes),
    ]
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=settings.grpc_workers), options=options
    )
    partner_pb2_grpc.add_PartnerServiceServicer_to_server(partner_servicer, server)  # type: ignore[no-untyped-call]
    exchange_pb2_grpc.add_ExchangeServiceServicer_to_server(exchange_servicer, server)  # type: ignore[no-untyped-call]
    health_servicer = health.HealthServicer(experimental_non_blocking=True)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    services = (
        PARTNER_SERVICE,
        EXCHANGE_SERVICE,
        health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
        reflection.SERVICE_NAME,
    )
    reflection.enable_server_reflection(services, server)
    host = settings.grpc_host
    bind_host = f"[{host.strip('[]')}]" if ":" in host else host
    port = server.add_insecure_port(f"{bind_host}:{settings.grpc_port}")
    if port == 0:
        raise OSError(f"could not bind {host}:{settings.grpc_port}")
    server.start()
    for name in ("", PARTNER_SERVICE, EXCHANGE_SERVICE):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.warning("serving PLAINTEXT gRPC on %s:%s (--insecure: development only)", host, port)
    return RunningServer(server, port, health_servicer, exchange_servicer)
