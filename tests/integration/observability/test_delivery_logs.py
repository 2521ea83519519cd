"""A real delivery through a real hub (mutual TLS, real database): the log
lines an operator reads, and what they must never carry."""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from hub.observability.logs import configure_logging
from hub.observability.service_events import ObservedIssuance
from tests.integration.grpc.ledger_helpers import pv_claim, register_gd_project, running_hub

PSEUDONYMS = [hashlib.sha256(f"commuter-{n}".encode()).hexdigest() for n in range(3)]
RECORD_PREFIX = "REC-PRIVATE-7f3a"


def _metro(record_id: str, day: str, person: str) -> pb.Claim:
    return pb.Claim(
        record_id=record_id,
        partner_methodology="GD-METRO",
        period_start=day,
        period_end=day,
        time_zone="Asia/Shanghai",
        activity_quantity="18.4",
        activity_unit="pkm",
        person_pseudonym=person,
    )


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """The hub's logging as `serve --log-format json` sets it up, into a buffer."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    configure_logging("info", "json", stream=stream)
    try:
        yield stream
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_delivery_is_logged_by_counts_and_codes_never_by_pseudonym_or_record(
    tmp_path: Path, database_url: str, log_stream: io.StringIO
) -> None:
    with running_hub(tmp_path, database_url) as running:
        register_gd_project(running.partner)
        claims = [
            _metro(f"{RECORD_PREFIX}-M{n}", f"2024-03-0{n + 1}", person)
            for n, person in enumerate(PSEUDONYMS)
        ]
        claims.append(pv_claim(f"{RECORD_PREFIX}-PV1", 3, 40))
        envelope = pb.ClaimEnvelope(partner="CN-GD", delivery_id="D-1", sequence=2, claims=claims)
        (batch,) = running.partner.SubmitClaims(iter([envelope]))
        decisions = [v.decision for v in batch.verdicts]
        with pytest.raises(grpc.RpcError) as refused:
            running.partner.GetClaimStatus(
                pb.GetClaimStatusRequest(partner="CN-GD", record_id=f"{RECORD_PREFIX}-NONE")
            )
        assert refused.value.code() is grpc.StatusCode.NOT_FOUND
        ObservedIssuance(running.hub.issuance, running.hub.metrics).issue_pending()
        scraped = running.hub.metrics.render().decode()

    text = log_stream.getvalue()
    for secret in [*PSEUDONYMS, RECORD_PREFIX, "广州某新能源有限公司"]:
        assert secret not in text, f"{secret} reached the log"

    lines = _lines(log_stream)
    rpcs = {line["method"]: line for line in lines if line.get("event") == "rpc"}
    delivery = rpcs["SubmitClaims"]
    assert delivery["caller"] == "CN-GD"
    assert delivery["code"] == "OK" and delivery["reason"] == ""
    assert delivery["claims_in"] == 4 and delivery["envelopes"] == 1
    accepted = decisions.count(pb.DECISION_ACCEPTED)
    assert accepted >= 1
    assert delivery["claims_decided"]["ACCEPTED"] == accepted
    assert sum(delivery["claims_decided"].values()) == 4
    assert isinstance(delivery["duration_ms"], float)
    assert delivery["level"] == "info" and delivery["ts"].endswith("Z")

    lookup = rpcs["GetClaimStatus"]
    assert (lookup["code"], lookup["reason"]) == ("NOT_FOUND", "CLAIM_NOT_FOUND")
    assert rpcs["RegisterProjects"]["code"] == "OK"

    (issued,) = [line for line in lines if line.get("event") == "issuance"]
    assert issued["claims"] >= 1 and issued["blocks"] >= 1 and issued["units"] >= 40

    assert f'hub_claims_decided_total{{decision="ACCEPTED"}} {float(accepted)}' in scraped
    assert 'hub_rpc_calls_total{code="OK",method="SubmitClaims"} 1.0' in scraped
    assert 'hub_refusals_total{reason="CLAIM_NOT_FOUND",transport="grpc"} 1.0' in scraped
    assert "hub_envelope_seconds_count 1.0" in scraped
    assert 'hub_open_streams{caller="CN-GD"} 0.0' in scraped
    assert f'hub_ledger_claims{{decision="ACCEPTED"}} {float(accepted)}' in scraped
    assert "hub_issued_blocks_total" in scraped
