"""The partner service over a real gRPC server on loopback and a real database."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from carbonhub_contract.error_details import error_info
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from hub.bootstrap import Hub, build_hub
from hub.domain.credit_codes import check_character
from hub.settings import HubSettings
from tests.trusted_clients import PartnerStub, TrustedClients

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
PERSON = hashlib.sha256(b"person-1").hexdigest()
CREDIT_CODE = "91440101MA59" + "ABCDE"
CREDIT_CODE += check_character(CREDIT_CODE)


@pytest.fixture
def running_hub(tmp_path: Path, database_url: str) -> Iterator[tuple[Hub, TrustedClients]]:
    """A hub with mutual TLS; each partner connects with its own certificate."""
    settings = HubSettings(
        data_dir=tmp_path, database_url=database_url, grpc_port=0, pki_dir=tmp_path / "pki"
    )
    hub = build_hub(settings, clock=lambda: NOW)
    trust = TrustedClients.prepare(tmp_path, hub.partner_keys)
    running = hub.serve()
    clients = TrustedClients(trust, running.address)
    yield hub, clients
    clients.close()
    running.stop(None)
    hub.close()


@pytest.fixture
def channel(running_hub: tuple[Hub, TrustedClients]) -> grpc.Channel:
    return running_hub[1].channel("CN-GD")


@pytest.fixture
def stub(running_hub: tuple[Hub, TrustedClients]) -> PartnerStub:
    """Signs each request with the key of the partner it names, on its channel."""
    return PartnerStub(running_hub[1])


def _project(**overrides: object) -> pb.Project:
    fields: dict[str, object] = dict(
        project_id="4401-PV-2023-0007",
        name="广州某厂房屋顶分布式光伏",
        owner_name="广州某新能源有限公司",
        owner_credit_code=CREDIT_CODE,
        partner_methodology="GD-PV",
        region_code="440100",
        longitude="113.2644",
        latitude="23.1291",
        size_value="500",
        size_unit="kW",
        crediting_start="2023-01-01",
        crediting_end="2032-12-31",
        status=pb.PROJECT_STATUS_REGISTERED,
    )
    fields.update(overrides)
    return pb.Project(**fields)  # type: ignore[arg-type]


def _pv_claim(
    record_id: str, start: str, end: str, kwh: str = "12000", reported: str = "4.5"
) -> pb.Claim:
    return pb.Claim(
        record_id=record_id,
        partner_methodology="GD-PV",
        period_start=start,
        period_end=end,
        time_zone="Asia/Shanghai",
        activity_quantity=kwh,
        activity_unit="kWh",
        project_id="4401-PV-2023-0007",
        region_code="440100",
        reported_tco2e=reported,
        origin_status=pb.ORIGIN_STATUS_NOT_ISSUED,
        verifier="广东某核证机构",
    )


def _metro_claim(record_id: str, day: str, pkm: str = "18.4", person: str = PERSON) -> pb.Claim:
    return pb.Claim(
        record_id=record_id,
        partner_methodology="GD-METRO",
        period_start=day,
        period_end=day,
        time_zone="Asia/Shanghai",
        activity_quantity=pkm,
        activity_unit="pkm",
        person_pseudonym=person,
        origin_status=pb.ORIGIN_STATUS_NOT_ISSUED,
    )


def _submit(
    stub: PartnerStub, *batches: list[pb.Claim], partner: str = "CN-GD"
) -> list[pb.VerdictBatch]:
    envelopes = [
        pb.ClaimEnvelope(partner=partner, delivery_id="GD-TEST-01", claims=claims)
        for claims in batches
    ]
    return list(stub.SubmitClaims(iter(envelopes)))


def _codes(verdict: pb.Verdict) -> set[str]:
    return {c.code for c in verdict.checks}


def _register(stub: PartnerStub) -> None:
    response = stub.RegisterProjects(
        pb.RegisterProjectsRequest(partner="CN-GD", projects=[_project()])
    )
    assert [r.decision for r in response.results] == [pb.DECISION_ACCEPTED], response
    # CN-GD's registry reviews its projects: approved at once under its agreement.
    assert [r.review_state for r in response.results] == [pb.PROJECT_REVIEW_STATE_APPROVED]


def test_one_verdict_batch_per_envelope_in_order(stub: PartnerStub) -> None:
    _register(stub)
    batches = _submit(
        stub,
        [_pv_claim("R-1", "2024-01-01", "2024-01-31"), _metro_claim("M-1", "2024-03-01")],
        [_metro_claim("M-2", "2024-03-02")],
    )
    # The registration was the partner's signed write 1; the envelopes 2 and 3.
    assert [b.sequence for b in batches] == [2, 3]
    assert [[v.record_id for v in b.verdicts] for b in batches] == [["R-1", "M-1"], ["M-2"]]
    pv = batches[0].verdicts[0]
    assert pv.decision == pb.DECISION_ACCEPTED, pv
    assert pv.methodology and pv.trace.formula and pv.trace.standard_version
    assert pv.trace.factors, "the trace names the factors used"
    # Conservative: never more than the partner reported.
    assert float(pv.credited_tco2e) <= 4.5


def test_exact_resubmission_returns_the_original_verdict(stub: PartnerStub) -> None:
    _register(stub)
    first = _submit(stub, [_pv_claim("R-1", "2024-01-01", "2024-01-31")])[0].verdicts[0]
    again = _submit(stub, [_pv_claim("R-1", "2024-01-01", "2024-01-31")])[0].verdicts[0]
    assert again.resubmission and not first.resubmission
    assert again.claim_id == first.claim_id
    assert again.decision == first.decision
    assert list(again.checks) == list(first.checks)
    assert again.credited_tco2e == first.credited_tco2e


def test_changed_resubmission_is_refused_and_the_original_stands(
    stub: PartnerStub,
) -> None:
    _register(stub)
    first = _submit(stub, [_pv_claim("R-1", "2024-01-01", "2024-01-31", kwh="12000")])[0].verdicts[
        0
    ]
    changed = _submit(stub, [_pv_claim("R-1", "2024-01-01", "2024-01-31", kwh="99000")])[
        0
    ].verdicts[0]
    assert changed.decision == pb.DECISION_REJECTED
    assert _codes(changed) == {"DUPLICATE_RECORD_CHANGED"}
    status = stub.GetClaimStatus(pb.GetClaimStatusRequest(partner="CN-GD", record_id="R-1")).verdict
    assert status.claim_id == first.claim_id
    assert status.decision == first.decision
    assert status.credited_tco2e == first.credited_tco2e


def test_overlapping_periods_of_one_project_are_refused(stub: PartnerStub) -> None:
    _register(stub)
    verdicts = _submit(
        stub,
        [_pv_claim("R-1", "2024-01-01", "2024-01-31")],
        [
            _pv_claim("R-2", "2024-01-31", "2024-02-28"),
            _pv_claim("R-3", "2024-02-01", "2024-02-29"),
        ],
    )
    assert verdicts[0].verdicts[0].decision == pb.DECISION_ACCEPTED
    overlapping, adjacent = verdicts[1].verdicts
    assert overlapping.decision == pb.DECISION_REJECTED
    assert "PROJECT_PERIOD_OVERLAP" in _codes(overlapping)
    assert adjacent.decision == pb.DECISION_ACCEPTED, adjacent


def test_same_person_and_trip_under_a_new_record_id_counts_once(
    stub: PartnerStub,
) -> None:
    gd = _submit(stub, [_metro_claim("M-1", "2024-03-01")])[0].verdicts[0]
    twice = _submit(stub, [_metro_claim("M-1-again-new-id", "2024-03-01", pkm="18.5")])[0].verdicts[
        0
    ]
    other_person = _submit(
        stub, [_metro_claim("M-9", "2024-03-01", person=hashlib.sha256(b"p2").hexdigest())]
    )
    assert gd.decision == pb.DECISION_ACCEPTED, gd
    assert twice.decision == pb.DECISION_REJECTED
    assert "PERSON_PERIOD_OVERLAP" in _codes(twice)
    assert other_person[0].verdicts[0].decision == pb.DECISION_ACCEPTED


def test_every_check_that_fired_is_listed(stub: PartnerStub) -> None:
    bad = pb.Claim(
        record_id="BAD-1",
        partner_methodology="GD-METRO",
        period_start="2024-03-05",
        period_end="2024-03-01",
        time_zone="Asia/Shanghai",
        activity_quantity="-3",
        activity_unit="kWh",
        person_pseudonym="not-a-pseudonym",
    )
    verdict = _submit(stub, [bad])[0].verdicts[0]
    assert verdict.decision == pb.DECISION_REJECTED
    assert {"PERIOD_MALFORMED", "PSEUDONYM_MALFORMED"} <= _codes(verdict)
    assert len([c for c in verdict.checks if c.severity == pb.SEVERITY_ERROR]) >= 3
    assert all(c.message_zh and c.message_en for c in verdict.checks)


def test_status_of_an_unknown_claim_is_a_coded_not_found(stub: PartnerStub) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetClaimStatus(pb.GetClaimStatusRequest(partner="CN-GD", record_id="nope"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    info = error_info(caught.value)
    assert info is not None and info.reason == "CLAIM_NOT_FOUND"


def test_malformed_envelope_gets_invalid_argument_with_a_reason(
    stub: PartnerStub,
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        _submit(stub, [_metro_claim("M-1", "2024-03-01")], partner="")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    info = error_info(caught.value)
    assert (
        info is not None and info.reason == "FIELD_REQUIRED" and info.metadata["field"] == "partner"
    )


def test_nothing_accepted_is_changed_by_a_refused_stream(stub: PartnerStub) -> None:
    first = _submit(stub, [_metro_claim("M-1", "2024-03-01")])[0].verdicts[0]
    mixed = [
        pb.ClaimEnvelope(partner="CN-GD", claims=[_metro_claim("M-1", "2024-03-01", pkm="1")]),
        pb.ClaimEnvelope(partner="CN-HK", claims=[_metro_claim("M-2", "2024-03-02")]),
    ]
    # On the Guangdong certificate's stream, an envelope for Hong Kong is refused.
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.SubmitClaims(iter(mixed)))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    info = error_info(caught.value)
    assert info is not None and info.reason == "PARTNER_NOT_CALLER"
    status = stub.GetClaimStatus(pb.GetClaimStatusRequest(partner="CN-GD", record_id="M-1")).verdict
    assert status.claim_id == first.claim_id and status.credited_tco2e == first.credited_tco2e


def test_health_answers_serving(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "carbonhub.v1.PartnerService"):
        answer = health.Check(health_pb2.HealthCheckRequest(service=service))
        assert answer.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_the_partner_service(channel: grpc.Channel) -> None:
    reflect = reflection_pb2_grpc.ServerReflectionStub(channel)
    answers = list(
        reflect.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")])
        )
    )
    names = {s.name for s in answers[0].list_services_response.service}
    assert "carbonhub.v1.PartnerService" in names
    assert "grpc.health.v1.Health" in names
