"""An unexpected fault behind a servicer, on a real hub over mutual TLS: the
client gets INTERNAL with reason INTERNAL_FAULT and an incident id only,
never UNKNOWN, an exception class or a trace; the server logs the trace
under the same incident id.

The fault is a service method of the running hub made to fail the way a
bug would (a RuntimeError quoting SQL), in each place a servicer can let
one escape: a unary call, a stream while it reads requests, a stream while
it produces responses.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from carbonhub_contract.error_details import error_info
from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as ex
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from tests.integration.grpc.ledger_helpers import (
    Running,
    pv_claim,
    register_gd_project,
    running_hub,
)

SECRET = "SELECT secret_column FROM claims -- the hub's insides"
INCIDENT = re.compile(r"^[0-9a-f]{12}$")


@pytest.fixture
def hub(tmp_path: Path, database_url: str) -> Iterator[Running]:
    with running_hub(tmp_path, database_url) as running:
        yield running


def _broken(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError(SECRET)


def _assert_internal_fault(error: grpc.RpcError, caplog: pytest.LogCaptureFixture) -> None:
    assert isinstance(error, grpc.Call)
    assert error.code() == grpc.StatusCode.INTERNAL
    info = error_info(error)
    assert info is not None and info.reason == "INTERNAL_FAULT"
    assert dict(info.metadata).keys() == {"incident"}
    incident = info.metadata["incident"]
    assert INCIDENT.fullmatch(incident)
    told = f"{error.details()} {dict(info.metadata)} {error.trailing_metadata()}"
    for leak in ("RuntimeError", "Traceback", SECRET, "secret_column", ".py"):
        assert leak not in told
    assert incident in (error.details() or "")
    # The operator finds the trace under the incident the client quotes.
    logged = [r for r in caplog.records if incident in r.getMessage()]
    assert len(logged) == 1, [r.getMessage() for r in caplog.records]
    assert logged[0].levelno == logging.ERROR
    assert logged[0].exc_info is not None
    trace = caplog.text
    assert "Traceback" in trace and f"RuntimeError: {SECRET}" in trace


def test_a_fault_in_a_unary_call(
    hub: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(hub.hub.ingestion, "last_sequence", _broken)
    gd = hub.clients.partner_stub("CN-GD")
    with caplog.at_level(logging.ERROR), pytest.raises(grpc.RpcError) as failed:
        gd.GetPartnerSequence(pb.GetPartnerSequenceRequest(partner="CN-GD"), timeout=10)
    _assert_internal_fault(failed.value, caplog)
    # The hub goes on serving.
    hong_kong = hub.clients.partner_stub("CN-HK")
    with pytest.raises(grpc.RpcError) as unknown:
        hong_kong.GetClaimStatus(
            pb.GetClaimStatusRequest(partner="CN-HK", record_id="nothing"), timeout=10
        )
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND


def test_a_fault_while_a_stream_reads_requests(
    hub: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    register_gd_project(hub.partner)
    monkeypatch.setattr(hub.hub.ingestion, "decide", _broken)
    envelope = pb.ClaimEnvelope(
        partner="CN-GD", delivery_id="FAULT-01", claims=[pv_claim("R-1", 1, 5)]
    )
    with caplog.at_level(logging.ERROR), pytest.raises(grpc.RpcError) as failed:
        list(hub.partner.SubmitClaims([envelope], timeout=10))
    _assert_internal_fault(failed.value, caplog)


def test_a_fault_while_a_stream_produces_responses(
    hub: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(hub.hub.exchange, "events", _broken)
    with caplog.at_level(logging.ERROR), pytest.raises(grpc.RpcError) as failed:
        list(hub.exchange.StreamBlocks(ex.StreamBlocksRequest(follow=True), timeout=10))
    _assert_internal_fault(failed.value, caplog)
