"""Fixtures of the adapter tests: an in-process fake hub on a loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from adapter_testkit import FakeHub, FakePartnerService

from hub.grpc_api.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc


@pytest.fixture
def fake_hub() -> Iterator[FakeHub]:
    service = FakePartnerService()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_PartnerServiceServicer_to_server(service, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield FakeHub(service, f"127.0.0.1:{port}")
    finally:
        server.stop(grace=None)


@pytest.fixture
def channel(fake_hub: FakeHub) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(fake_hub.address) as ch:
        yield ch
