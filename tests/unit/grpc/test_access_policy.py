"""The role table: every RPC has an entry, and each role reaches only its own."""

from __future__ import annotations

import pytest
from grpc_health.v1 import health_pb2

from carbonhub_contract.generated.carbonhub.v1 import bureau_pb2, exchange_pb2, partner_pb2
from hub.domain.identity import DEVELOPMENT_IDENTITY, Identity, Role
from hub.errors import PermissionDenied
from hub.grpc_api.access_policy import (
    BUREAU_SERVICE,
    EXCHANGE_SERVICE,
    PARTNER_SERVICE,
    POLICY,
    authorize,
    limit_key,
    method_names,
)

PARTNER = Identity(Role.PARTNER, subject="gd-adapter-01", partner="CN-GD", serial="0a")
EXCHANGE = Identity(Role.EXCHANGE, subject="szex")
BUREAU = Identity(Role.BUREAU, subject="officer-li")
HUB = Identity(Role.HUB, subject="hub.carbonhub.example")

CARBONHUB_SERVICES = [
    partner_pb2.DESCRIPTOR.services_by_name["PartnerService"],
    exchange_pb2.DESCRIPTOR.services_by_name["ExchangeService"],
    bureau_pb2.DESCRIPTOR.services_by_name["BureauService"],
]
ALL_METHODS = [name for service in CARBONHUB_SERVICES for name in method_names(service)]
HEALTH = ["/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch"]
REFLECTION = [
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
    "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
]


def _allowed(identity: Identity, method: str) -> bool:
    try:
        authorize(identity, method)
    except PermissionDenied:
        return False
    return True


@pytest.mark.parametrize("method", ALL_METHODS)
def test_every_method_of_the_hub_services_has_an_entry(method: str) -> None:
    assert POLICY[method], method


def test_names_are_full_method_names() -> None:
    assert "/carbonhub.v1.PartnerService/SubmitClaims" in POLICY
    assert "/carbonhub.v1.ExchangeService/StreamBlocks" in POLICY
    assert "/carbonhub.v1.BureauService/CancelBlock" in POLICY
    assert len(ALL_METHODS) == 22


def test_only_partners_ask_for_proofs_over_grpc() -> None:
    # Over gRPC a partner proves its own claims; others read the public HTTP routes.
    for name in ("GetInclusionProof", "GetConsistencyProof"):
        assert POLICY[f"/carbonhub.v1.PartnerService/{name}"] == {Role.PARTNER}


def test_only_partners_reach_carbon_points() -> None:
    # A person's points are the partner's to redeem and read: not the bureau's
    # (it has `carbon-hub points`), not the exchange's.
    for name in ("RedeemPoints", "GetPointsBalance"):
        assert POLICY[f"/carbonhub.v1.PartnerService/{name}"] == {Role.PARTNER}


def test_partner_service() -> None:
    for method in method_names(PARTNER_SERVICE):
        expected = {Role.PARTNER}
        if method.endswith("/GetClaimStatus"):
            expected = {Role.PARTNER, Role.BUREAU}
        assert POLICY[method] == expected, method


def test_exchange_service() -> None:
    for method in method_names(EXCHANGE_SERVICE):
        expected = {Role.EXCHANGE}
        if method.endswith("/GetBlock"):
            expected = {Role.EXCHANGE, Role.BUREAU}
        assert POLICY[method] == expected, method


def test_bureau_service() -> None:
    for method in method_names(BUREAU_SERVICE):
        assert POLICY[method] == {Role.BUREAU}, method


@pytest.mark.parametrize("method", HEALTH + REFLECTION)
def test_health_and_reflection_for_every_caller_but_the_hub(method: str) -> None:
    for identity in (PARTNER, EXCHANGE, BUREAU, DEVELOPMENT_IDENTITY):
        assert _allowed(identity, method), (identity.role, method)
    assert not _allowed(HUB, method)


def test_every_health_method_is_covered() -> None:
    for method in method_names(health_pb2.DESCRIPTOR.services_by_name["Health"]):
        assert POLICY[method] == {Role.PARTNER, Role.EXCHANGE, Role.BUREAU}


def test_the_hub_role_calls_nothing() -> None:
    assert not any(Role.HUB in roles for roles in POLICY.values())


@pytest.mark.parametrize("method", ALL_METHODS + HEALTH + REFLECTION)
def test_development_passes_every_method(method: str) -> None:
    authorize(DEVELOPMENT_IDENTITY, method)


def test_a_role_not_allowed_is_refused_with_role_and_method() -> None:
    method = "/carbonhub.v1.ExchangeService/StreamBlocks"
    with pytest.raises(PermissionDenied) as refused:
        authorize(PARTNER, method)
    assert refused.value.code == "ROLE_NOT_ALLOWED"
    assert refused.value.details == {"role": "partner", "method": method}
    with pytest.raises(PermissionDenied):
        authorize(EXCHANGE, "/carbonhub.v1.PartnerService/SubmitClaims")
    with pytest.raises(PermissionDenied):
        authorize(BUREAU, "/carbonhub.v1.PartnerService/SubmitClaims")
    with pytest.raises(PermissionDenied):
        authorize(PARTNER, "/carbonhub.v1.BureauService/CancelBlock")
    authorize(BUREAU, "/carbonhub.v1.PartnerService/GetClaimStatus")
    authorize(BUREAU, "/carbonhub.v1.ExchangeService/GetBlock")


@pytest.mark.parametrize("identity", [PARTNER, EXCHANGE, BUREAU, DEVELOPMENT_IDENTITY, HUB])
def test_a_method_not_in_the_policy_is_refused_for_everyone(identity: Identity) -> None:
    with pytest.raises(PermissionDenied) as refused:
        authorize(identity, "/carbonhub.v1.PartnerService/DeleteEverything")
    assert refused.value.code == "METHOD_NOT_IN_POLICY"


def test_a_custom_policy() -> None:
    policy = {"/t.S/M": frozenset({Role.BUREAU})}
    authorize(BUREAU, "/t.S/M", policy)
    with pytest.raises(PermissionDenied):
        authorize(BUREAU, "/carbonhub.v1.BureauService/CancelBlock", policy)


def test_the_policy_is_read_only() -> None:
    with pytest.raises(TypeError):
        POLICY["/x.Y/Z"] = frozenset({Role.PARTNER})  # type: ignore[index]


def test_limit_keys() -> None:
    assert limit_key(PARTNER) == "CN-GD"
    # Two certificates of one region share its limits.
    assert limit_key(Identity(Role.PARTNER, subject="gd-adapter-02", partner="CN-GD")) == "CN-GD"
    assert limit_key(EXCHANGE) == "exchange:szex"
    assert limit_key(BUREAU) == "bureau:officer-li"
    assert limit_key(DEVELOPMENT_IDENTITY) == "development:insecure-development"
