"""Every field held to its limit at the boundary, on a real mutual-TLS hub, on
SQLite and on PostgreSQL alike (docs/limits.md, docs/submit-claims.md).

The cases an outside tester found: a 768 KiB record id, a 100 kB project id
and a NUL in a record id answered UNKNOWN with SQL on PostgreSQL and
accepted on SQLite; sequences above 2^63 - 1 answered UNKNOWN; a tampered,
unparseable payload answered PAYLOAD_MALFORMED instead of SIGNATURE_INVALID;
a resubmitted claim's verdict said ACCEPTED where GetClaimStatus said ISSUED.
Each is now answered the same way on both databases, with a coded refusal
or a per-claim REJECTED verdict, and the other claims of the envelope are
decided as usual.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf.message import DecodeError, Message

from carbonhub_contract.error_details import error_info
from carbonhub_contract.generated.carbonhub.v1 import bureau_pb2 as bureau_pb
from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2 as exchange_pb
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.signing import Signer
from carbonhub_contract.vocabulary.envelopes import PayloadType
from hub.grpc_api.field_limits import MAX_SEQUENCE
from tests.integration.grpc.ledger_helpers import (
    PROJECT_ID,
    Running,
    pv_claim,
    register_gd_project,
    running_hub,
)

HUGE_RECORD_ID = "R" * (768 * 1024)
HUGE_PROJECT_ID = "P" * 100_000


@pytest.fixture
def running(tmp_path: Path, database_url: str) -> Iterator[Running]:
    with running_hub(tmp_path, database_url) as hub:
        register_gd_project(hub.partner)
        yield hub


def refusal(error: grpc.RpcError) -> tuple[grpc.StatusCode, str, dict[str, str]]:
    info = error_info(error)
    assert info is not None, f"uncoded {error.code()}: {error.details()}"
    return error.code(), info.reason, dict(info.metadata)


def signed_by_hand(
    running: Running, payload_type: PayloadType, message: Message
) -> ledger_pb.SignedPayload:
    """CN-GD's signature over ``message`` as it is (its sequence untouched)."""
    signer = Signer.from_file(running.clients.trust.signing_keys["CN-GD"])
    payload = message.SerializeToString()
    return ledger_pb.SignedPayload(
        payload_type=payload_type.value,
        payload=payload,
        key_id=signer.key_id,
        signature=signer.sign(payload_type.value, payload),
    )


def last_sequence(running: Running) -> int:
    gd = running.clients.partner_stub("CN-GD")
    return int(gd.GetPartnerSequence(pb.GetPartnerSequenceRequest(partner="CN-GD")).last_sequence)


def test_bad_claims_get_their_own_verdicts_and_the_rest_of_the_envelope_is_decided(
    running: Running,
) -> None:
    bad_project = pv_claim("LIM-PROJECT", 4, 3)
    bad_project.project_id = HUGE_PROJECT_ID
    envelope = pb.ClaimEnvelope(
        partner="CN-GD",
        delivery_id="LIMITS-1",
        sequence=1,
        claims=[
            pv_claim("LIM-GOOD-1", 1, 2),
            pv_claim(HUGE_RECORD_ID, 2, 2),
            bad_project,
            pv_claim("LIM-\x00-NUL", 5, 2),
            pv_claim("", 6, 2),
            pv_claim("LIM-GOOD-2", 3, 2),
        ],
    )
    second = pb.ClaimEnvelope(
        partner="CN-GD", delivery_id="LIMITS-2", sequence=2, claims=[pv_claim("LIM-GOOD-3", 9, 2)]
    )
    first_batch, second_batch = list(running.partner.SubmitClaims(iter([envelope, second])))

    verdicts = list(first_batch.verdicts)
    # Record ids come back as sent; one over its limit cut to the limit, so an
    # answer stays small however large the request.
    sent = [c.record_id for c in envelope.claims]
    assert [v.record_id for v in verdicts] == [sent[0], "R" * 128, *sent[2:]]
    assert [v.decision for v in verdicts] == [
        pb.DECISION_ACCEPTED,
        pb.DECISION_REJECTED,
        pb.DECISION_REJECTED,
        pb.DECISION_REJECTED,
        pb.DECISION_REJECTED,
        pb.DECISION_ACCEPTED,
    ]
    found = [[(c.code, c.details["field"]) for c in v.checks] for v in verdicts[1:5]]
    assert found == [
        [("FIELD_TOO_LONG", "record_id")],
        [("FIELD_TOO_LONG", "project_id")],
        [("FIELD_CONTROL_CHARACTER", "record_id")],
        [("FIELD_REQUIRED", "record_id")],
    ]
    assert verdicts[1].checks[0].details["length"] == str(768 * 1024)
    assert verdicts[1].checks[0].details["limit"] == "128"
    assert verdicts[3].checks[0].details["character"] == "U+0000"
    # Refused at the boundary: no claim id, nothing recorded, state REJECTED.
    assert [v.claim_id for v in verdicts[1:5]] == ["", "", "", ""]
    assert {v.state for v in verdicts[1:5]} == {pb.CLAIM_STATE_REJECTED}
    assert verdicts[0].claim_id and verdicts[5].claim_id
    # The stream went on: the next envelope was decided too.
    assert [v.decision for v in second_batch.verdicts] == [pb.DECISION_ACCEPTED]
    assert last_sequence(running) == 3  # the fixture registered its project as 1

    gd = running.clients.partner_stub("CN-GD")
    status = gd.GetClaimStatus(pb.GetClaimStatusRequest(partner="CN-GD", record_id="LIM-GOOD-2"))
    assert status.verdict.claim_id == verdicts[5].claim_id
    with pytest.raises(grpc.RpcError) as absent:
        gd.GetClaimStatus(pb.GetClaimStatusRequest(partner="CN-GD", record_id="LIM-\x00-NUL"))
    assert refusal(absent.value)[:2] == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "FIELD_CONTROL_CHARACTER",
    )


@pytest.mark.parametrize("sequence", [2**63 - 1, 2**64 - 1, MAX_SEQUENCE + 1])
def test_a_sequence_out_of_range_is_refused_and_the_partner_writes_on(
    running: Running, sequence: int
) -> None:
    envelope = pb.ClaimEnvelope(
        partner="CN-GD", delivery_id="SEQ", sequence=sequence, claims=[pv_claim("SEQ-1", 1, 2)]
    )
    gd = running.clients.partner_stub("CN-GD")
    with pytest.raises(grpc.RpcError) as refused:
        list(gd.SubmitClaims(iter([signed_by_hand(running, PayloadType.CLAIM_ENVELOPE, envelope)])))
    code, reason, details = refusal(refused.value)
    assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "FIELD_OUT_OF_RANGE")
    assert details["field"] == "sequence" and details["max"] == str(MAX_SEQUENCE)

    projects = pb.RegisterProjectsRequest(partner="CN-GD", delivery_id="SEQ", sequence=sequence)
    with pytest.raises(grpc.RpcError) as refused_projects:
        gd.RegisterProjects(signed_by_hand(running, PayloadType.PROJECTS, projects))
    assert refusal(refused_projects.value)[:2] == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "FIELD_OUT_OF_RANGE",
    )
    # Nothing was recorded; the partner's next write goes through.
    assert last_sequence(running) == 1  # the project registration of the fixture
    (batch,) = running.partner.SubmitClaims(
        iter(
            [pb.ClaimEnvelope(partner="CN-GD", delivery_id="SEQ", claims=[pv_claim("SEQ-1", 1, 2)])]
        )
    )
    assert [v.decision for v in batch.verdicts] == [pb.DECISION_ACCEPTED]


def test_the_highest_sequence_is_taken(running: Running) -> None:
    envelope = pb.ClaimEnvelope(
        partner="CN-GD", delivery_id="TOP", sequence=MAX_SEQUENCE, claims=[pv_claim("TOP-1", 1, 2)]
    )
    gd = running.clients.partner_stub("CN-GD")
    (batch,) = gd.SubmitClaims(
        iter([signed_by_hand(running, PayloadType.CLAIM_ENVELOPE, envelope)])
    )
    assert batch.sequence == MAX_SEQUENCE
    assert last_sequence(running) == MAX_SEQUENCE


def test_a_tampered_unparseable_payload_is_signature_invalid(running: Running) -> None:
    envelope = pb.ClaimEnvelope(
        partner="CN-GD", delivery_id="T", sequence=5, claims=[pv_claim("T-1", 1, 2)]
    )
    signed = signed_by_hand(running, PayloadType.CLAIM_ENVELOPE, envelope)
    tampered = ledger_pb.SignedPayload()
    tampered.CopyFrom(signed)
    tampered.payload = b"\xff" * 16  # a varint that never ends
    with pytest.raises(DecodeError):
        pb.ClaimEnvelope.FromString(tampered.payload)
    gd = running.clients.partner_stub("CN-GD")
    with pytest.raises(grpc.RpcError) as refused:
        list(gd.SubmitClaims(iter([tampered])))
    assert refusal(refused.value)[:2] == (grpc.StatusCode.UNAUTHENTICATED, "SIGNATURE_INVALID")
    # The same bytes under their real signature are only then parsed.
    garbage = signed_by_hand(running, PayloadType.CLAIM_ENVELOPE, envelope)
    garbage.payload = tampered.payload
    garbage.signature = Signer.from_file(running.clients.trust.signing_keys["CN-GD"]).sign(
        PayloadType.CLAIM_ENVELOPE.value, tampered.payload
    )
    with pytest.raises(grpc.RpcError) as malformed:
        list(gd.SubmitClaims(iter([garbage])))
    assert refusal(malformed.value)[:2] == (grpc.StatusCode.INVALID_ARGUMENT, "PAYLOAD_MALFORMED")
    assert last_sequence(running) == 1


def test_a_resubmitted_issued_claim_reports_where_it_stands_now(running: Running) -> None:
    claim = pv_claim("RESENT-1", 7, 4)
    (first,) = running.partner.SubmitClaims(
        iter([pb.ClaimEnvelope(partner="CN-GD", delivery_id="D1", claims=[claim])])
    )
    assert first.verdicts[0].state == pb.CLAIM_STATE_ACCEPTED
    run = running.hub.issuance.issue_pending()
    assert [b.units for b in run.blocks] == [4]

    (again,) = running.partner.SubmitClaims(
        iter([pb.ClaimEnvelope(partner="CN-GD", delivery_id="D2", claims=[claim])])
    )
    gd = running.clients.partner_stub("CN-GD")
    status = gd.GetClaimStatus(
        pb.GetClaimStatusRequest(partner="CN-GD", record_id="RESENT-1")
    ).verdict
    verdict = again.verdicts[0]
    assert verdict.resubmission
    assert verdict.state == status.state == pb.CLAIM_STATE_ISSUED
    assert list(verdict.block_serials) == list(status.block_serials) == [run.blocks[0].serial]
    assert verdict.carried_tco2e == status.carried_tco2e
    assert verdict.claim_id == status.claim_id == first.verdicts[0].claim_id


def test_bad_projects_are_rejected_one_by_one(running: Running) -> None:
    good = pb.Project()
    good.CopyFrom(_registered_project(running))
    good.project_id = "4401-PV-2023-0008"
    good.longitude = "113.5"  # another asset, not the registered one
    long_id = pb.Project()
    long_id.CopyFrom(good)
    long_id.project_id = HUGE_PROJECT_ID
    nul_name = pb.Project()
    nul_name.CopyFrom(good)
    nul_name.project_id = "4401-PV-2023-0009"
    nul_name.name = "屋顶\x00光伏"
    response = running.partner.RegisterProjects(
        pb.RegisterProjectsRequest(
            partner="CN-GD", delivery_id="P2", projects=[long_id, good, nul_name]
        )
    )
    results = list(response.results)
    assert [r.decision for r in results] == [
        pb.DECISION_REJECTED,
        pb.DECISION_ACCEPTED,
        pb.DECISION_REJECTED,
    ]
    assert [r.project_id for r in results] == ["P" * 128, good.project_id, nul_name.project_id]
    assert [(c.code, c.details["field"]) for c in results[0].checks] == [
        ("FIELD_TOO_LONG", "project_id")
    ]
    assert [(c.code, c.details["field"]) for c in results[2].checks] == [
        ("FIELD_CONTROL_CHARACTER", "name")
    ]


def _registered_project(running: Running) -> pb.Project:
    # The fixture's registration, rebuilt: ledger_helpers keeps it inline.
    from tests.integration.grpc.ledger_helpers import CREDIT_CODE

    return pb.Project(
        project_id=PROJECT_ID,
        name="广州某厂房屋顶分布式光伏二期",
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


def test_other_services_refuse_fields_over_their_limits_with_a_code(running: Running) -> None:
    exchange = running.exchange
    with pytest.raises(grpc.RpcError) as cursor:
        list(exchange.StreamBlocks(exchange_pb.StreamBlocksRequest(after_cursor=2**64 - 1)))
    assert refusal(cursor.value)[:2] == (grpc.StatusCode.INVALID_ARGUMENT, "CURSOR_OUT_OF_RANGE")
    with pytest.raises(grpc.RpcError) as retirement:
        exchange.ReportRetirement(
            exchange_pb.ReportRetirementRequest(
                retirement_id="R" * 100_000,
                block_id="B",
                units=1,
                purpose=exchange_pb.RETIREMENT_PURPOSE_VOLUNTARY,
            )
        )
    assert refusal(retirement.value)[:2] == (grpc.StatusCode.INVALID_ARGUMENT, "FIELD_TOO_LONG")
    with pytest.raises(grpc.RpcError) as year:
        exchange.ReportRetirement(
            exchange_pb.ReportRetirementRequest(
                retirement_id="R-1",
                block_id="B",
                units=2**64 - 1,
                purpose=exchange_pb.RETIREMENT_PURPOSE_ETS_OFFSET,
                compliance_year=2**32 - 1,
            )
        )
    assert refusal(year.value)[:2] == (grpc.StatusCode.INVALID_ARGUMENT, "FIELD_OUT_OF_RANGE")
    gd = running.clients.partner_stub("CN-GD")
    with pytest.raises(grpc.RpcError) as totals:
        gd.SubmitReconciliation(
            ledger_pb.SubmitReconciliationRequest(
                partner="CN-GD",
                totals=[
                    ledger_pb.HoldingTotal(
                        state="ISSUED", vintage=2024, count=2**64 - 1, quantity="1"
                    )
                ],
            )
        )
    assert refusal(totals.value)[:2] == (grpc.StatusCode.INVALID_ARGUMENT, "FIELD_OUT_OF_RANGE")
    bureau = running.clients.bureau_stub()
    with pytest.raises(grpc.RpcError) as reason:
        bureau.SuspendProject(
            bureau_pb.SuperviseProjectRequest(
                partner="CN-GD", project_id=PROJECT_ID, reason="a\x00b"
            )
        )
    assert refusal(reason.value)[:2] == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "FIELD_CONTROL_CHARACTER",
    )
    # A multi-line free text takes newlines and tabs.
    suspended = bureau.SuspendProject(
        bureau_pb.SuperviseProjectRequest(
            partner="CN-GD", project_id=PROJECT_ID, reason="line 1\n\tline 2"
        )
    )
    assert suspended.suspended
