"""Fixtures of the adapter tests: an in-process fake hub on a loopback port.

The fake speaks the signed wire but serves plaintext: the adapters reach it
as a loopback development hub (``--insecure``), and mutual TLS is tested
against the real server elsewhere (tests/integration/grpc/test_mtls.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as pb_grpc
from tests.unit.adapters.adapter_testkit import FakeHub, FakePartnerService


@pytest.fixture
def fake_hub(tmp_path: Path) -> Iterator[FakeHub]:
    service = FakePartnerService()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_PartnerServiceServicer_to_server(service, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield FakeHub(service, f"127.0.0.1:{port}", tmp_path / "fake-hub")
    finally:
        server.stop(grace=None)


@pytest.fixture
def channel(fake_hub: FakeHub) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(fake_hub.address) as ch:
        yield ch
