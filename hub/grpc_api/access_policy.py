"""Which role may call which gRPC method: deny by default.

The table is keyed by full method name (``/carbonhub.v1.PartnerService/SubmitClaims``)
and built from the service descriptors, so a renamed or added RPC cannot
drift away from its entry: a method the table does not name is refused for
everyone (a test asserts every method of the hub's services is named). Which
region a partner may act for is the services' own check (Identity.acts_for);
this table only says which roles may reach a method at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2

from carbonhub_contract.generated.carbonhub.v1 import bureau_pb2, exchange_pb2, partner_pb2
from hub.domain.identity import Identity, Role
from hub.errors import PermissionDenied

# The roles that can hold a client certificate. HUB is the hub's own server
# certificate: presented as a client it is someone replaying the hub's key.
CALLER_ROLES = frozenset({Role.PARTNER, Role.EXCHANGE, Role.BUREAU})

# grpcio-reflection serves both names; only v1alpha ships a descriptor.
REFLECTION_V1_METHOD = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"


def method_names(service: Any) -> list[str]:
    """Full gRPC method names of a ServiceDescriptor."""
    return [f"/{service.full_name}/{method.name}" for method in service.methods]


def _service(module: Any, name: str) -> Any:
    return module.DESCRIPTOR.services_by_name[name]


PARTNER_SERVICE = _service(partner_pb2, "PartnerService")
EXCHANGE_SERVICE = _service(exchange_pb2, "ExchangeService")
BUREAU_SERVICE = _service(bureau_pb2, "BureauService")
HEALTH_SERVICE = _service(health_pb2, "Health")
REFLECTION_SERVICE = _service(reflection_pb2, "ServerReflection")


def _every_method(
    service: Any, roles: Iterable[Role], exceptions: Mapping[str, Iterable[Role]] | None = None
) -> dict[str, frozenset[Role]]:
    exceptions = dict(exceptions or {})
    unknown = set(exceptions) - {method.name for method in service.methods}
    if unknown:
        # An exception naming a method the service no longer has would silently
        # stop applying; fail at import instead.
        raise LookupError(f"{service.full_name} has no method {sorted(unknown)}")
    return {
        f"/{service.full_name}/{method.name}": frozenset(exceptions.get(method.name, roles))
        for method in service.methods
    }


def _build() -> Mapping[str, frozenset[Role]]:
    policy: dict[str, frozenset[Role]] = {}
    policy |= _every_method(
        PARTNER_SERVICE,
        {Role.PARTNER},
        # The bureau follows a claim through review; partners only their own
        # (the service checks the region).
        {"GetClaimStatus": {Role.PARTNER, Role.BUREAU}},
    )
    policy |= _every_method(
        EXCHANGE_SERVICE,
        {Role.EXCHANGE},
        # The bureau inspects a block it is asked to cancel.
        {"GetBlock": {Role.EXCHANGE, Role.BUREAU}},
    )
    policy |= _every_method(BUREAU_SERVICE, {Role.BUREAU})
    # Health (Check, Watch and List where the installed version has it) and
    # reflection reveal nothing of the ledger: any real caller may use them.
    policy |= _every_method(HEALTH_SERVICE, CALLER_ROLES)
    policy |= _every_method(REFLECTION_SERVICE, CALLER_ROLES)
    policy[REFLECTION_V1_METHOD] = CALLER_ROLES
    return MappingProxyType(policy)


POLICY: Mapping[str, frozenset[Role]] = _build()


def authorize(
    identity: Identity, method: str, policy: Mapping[str, frozenset[Role]] = POLICY
) -> None:
    """Raise PermissionDenied unless ``identity`` may call ``method``.

    The method must be in the policy even for DEVELOPMENT, so an RPC added
    without an entry fails in development and tests too, not first in
    production; DEVELOPMENT then passes every role check (it is the
    ``--insecure`` loopback switch).
    """
    roles = policy.get(method)
    if roles is None:
        raise PermissionDenied(
            "METHOD_NOT_IN_POLICY",
            f"{method} is not in the hub's access policy",
            {"method": method},
        )
    if identity.role is Role.DEVELOPMENT or identity.role in roles:
        return
    raise PermissionDenied(
        "ROLE_NOT_ALLOWED",
        f"the {identity.role.value} role may not call {method}",
        {"role": identity.role.value, "method": method},
    )


def limit_key(identity: Identity) -> str:
    """Whose buckets and stream slots a call uses.

    A partner's limits are its region's, shared by all its certificates: a
    region cannot multiply its share by holding more certificates. Every
    other caller is limited per certificate subject.
    """
    if identity.role is Role.PARTNER and identity.partner:
        return identity.partner
    return f"{identity.role.value}:{identity.subject}"
