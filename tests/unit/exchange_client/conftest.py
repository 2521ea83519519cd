"""A fake ExchangeService on a loopback port (plaintext), and a channel to it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest

from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2_grpc as ex_grpc
from tests.unit.exchange_client.fake_exchange_service import FakeExchangeService


@pytest.fixture
def service() -> FakeExchangeService:
    return FakeExchangeService()


@pytest.fixture
def address(service: FakeExchangeService) -> Iterator[str]:
    """HOST:PORT of the fake, serving plaintext on loopback (the CLI needs --insecure)."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    ex_grpc.add_ExchangeServiceServicer_to_server(service, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(grace=None)


@pytest.fixture
def channel(address: str) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(address) as ch:
        yield ch
