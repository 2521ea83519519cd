"""The gRPC client side: proto conversion, and signed writes against a fake hub.

The fake hub (adapter_testkit.FakePartnerService) checks every write as the
hub does: a registered key of the payload's partner, a valid signature, a
sequence above the partner's last. So a test that passes there shows the
client signs what it sends and numbers it as the hub requires.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from google.protobuf.message import Message

from adapters.attestation_client import attest_adjustment, attest_source_cancellation
from adapters.delivery import Delivery
from adapters.guangdong import GuangdongAdapter
from adapters.hongkong import HongKongAdapter
from adapters.hub_call_errors import HubCallError, HubProtocolError
from adapters.hub_client import submit_delivery
from adapters.partner_signing import PartnerSigner
from adapters.signed_calls import ReplayRetry
from adapters.wire_records import claim_to_proto, project_to_proto
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger_pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.receipts import verify_receipt
from carbonhub_contract.signing import Signer
from carbonhub_contract.vocabulary.envelopes import PayloadType
from carbonhub_contract.vocabulary.records import (
    AdjustmentStatus,
    ClaimSubmission,
    Decision,
    OriginStatus,
)
from hub.grpc_api.conversion import claim_from_proto, project_from_proto
from tests.unit.adapters.adapter_testkit import GD_01, HK_01, FakeHub, ReceiptFault

MOMENT = datetime(2024, 11, 20, 10, 0, tzinfo=UTC)
_MESSAGES: dict[str, type[Message]] = {
    PayloadType.CLAIM_ENVELOPE.value: pb.ClaimEnvelope,
    PayloadType.PROJECTS.value: pb.RegisterProjectsRequest,
    PayloadType.SOURCE_CANCELLATION.value: pb.SourceCancellationAttestation,
    PayloadType.ACCOUNTING_ADJUSTMENT.value: pb.AccountingAdjustmentAttestation,
}


def _sequence(signed: ledger_pb.SignedPayload) -> int:
    """The sequence inside the signed bytes (what the hub reads, not a copy)."""
    message = _MESSAGES[signed.payload_type]()
    message.ParseFromString(signed.payload)
    return int(getattr(message, "sequence"))  # noqa: B009 - every signed kind has one


def _synced(fake_hub: FakeHub, channel: grpc.Channel, partner: str) -> PartnerSigner:
    """A registered key of ``partner``, numbering on from the fake hub's last sequence."""
    return PartnerSigner.synced(partner, fake_hub.signer(partner), channel)


def _unsynced(partner: str) -> PartnerSigner:
    return PartnerSigner(partner, Signer(Ed25519PrivateKey.generate()))


def test_claim_round_trips_field_by_field() -> None:
    full = ClaimSubmission(
        partner="CN-HK",
        delivery_id="D1",
        record_id="R1",
        partner_methodology="SOLAR_FIT",
        period_start="2024-09-01",
        period_end="2024-09-30T23:00:00",
        time_zone="Asia/Hong_Kong",
        activity_quantity="1240",
        activity_unit="kWh",
        project_id="P1",
        person_pseudonym="ab" * 32,
        site_id="S1",
        region_code="810000",
        district="Sai Kung",
        material="paper",
        utility="CLP",
        reported_tco2e="0.4836",
        origin_status=OriginStatus.CANCELLED,
        origin_serial="GDPH-P-2024-1-2",
        adjustment_ref="AA-1",
        verifier="HKQAA",
        raw={"ref": "R1", "extra": " x "},
    )
    sparse = ClaimSubmission(
        partner="CN-GD",
        delivery_id="D2",
        record_id="R2",
        partner_methodology="GD-METRO",
        period_start="2024-09-02",
        period_end="2024-09-02",
        time_zone="Asia/Shanghai",
        activity_quantity="23.4",
        activity_unit="pkm",
    )
    for claim in (full, sparse):
        message = claim_to_proto(claim)
        back = claim_from_proto(claim.partner, claim.delivery_id, message)
        for f in dataclasses.fields(ClaimSubmission):
            assert getattr(back, f.name) == getattr(claim, f.name), f.name
    assert claim_to_proto(sparse).project_id == ""
    for status in OriginStatus:
        message = claim_to_proto(dataclasses.replace(sparse, origin_status=status))
        assert claim_from_proto("CN-GD", "D2", message).origin_status is status


def test_projects_round_trip() -> None:
    for sourced in GuangdongAdapter().read(GD_01).projects:
        project = sourced.submission
        assert project_from_proto(project.partner, project_to_proto(project)) == project


def test_one_verdict_batch_per_envelope_in_order(fake_hub: FakeHub, channel: grpc.Channel) -> None:
    delivery = GuangdongAdapter().read(GD_01)
    progress: list[int] = []
    signer = _synced(fake_hub, channel, "CN-GD")
    report = submit_delivery(delivery, channel, signer, batch_size=7, on_progress=progress.append)
    service = fake_hub.service
    assert service.streams == 1
    # The two project registrations took sequences 1 and 2: one numbering
    # runs over all of a partner's writes.
    assert [e.sequence for e in service.envelopes] == [3, 4, 5, 6, 7, 8]
    assert [len(e.claims) for e in service.envelopes] == [7, 7, 7, 7, 7, 5]
    assert {(e.partner, e.delivery_id) for e in service.envelopes} == {("CN-GD", "GD-20241031-01")}
    assert progress == [7, 7, 7, 7, 7, 5]
    assert [len(r.projects) for r in service.project_requests] == [7, 6]
    assert [r.sequence for r in service.project_requests] == [1, 2]
    sent = [c.record_id for e in service.envelopes for c in e.claims]
    assert sent == [c.submission.record_id for c in delivery.claims]
    assert [c.record_id for c in report.claims] == sent
    assert [c.source for c in report.claims] == [c.source for c in delivery.claims]
    assert report.claim_counts() == {Decision.ACCEPTED: 40, Decision.REJECTED: 0, Decision.HELD: 0}
    assert report.project_counts()[Decision.ACCEPTED] == 13
    assert report.projects_by_review_state() == {"SUBMITTED": 13}
    assert report.rows_read == delivery.rows_read
    assert report.rejections_by_code() == {
        "ROW_DATE_MALFORMED": 5,
        "ROW_DUPLICATE_IN_DELIVERY": 2,
        "ROW_UNIT_UNKNOWN": 1,
        "ROW_STATUS_UNKNOWN": 1,
    }


def test_report_counts_rejections_resubmissions_and_columns(
    fake_hub: FakeHub, channel: grpc.Channel
) -> None:
    fake_hub.service.reject = {
        "EVC-2410-000401": ("METHODOLOGY_NOT_IN_CROSSWALK", ""),
        "MTR-2410-000308": ("PERSON_PERIOD_OVERLAP", "person_pseudonym"),
        "GRN-2410-000112": ("ADJUSTMENT_REF_MISSING", ""),
    }
    delivery = HongKongAdapter().read(HK_01)
    signer = _synced(fake_hub, channel, "CN-HK")
    first = submit_delivery(delivery, channel, signer, batch_size=500)
    assert len(fake_hub.service.envelopes) == 1
    assert first.claim_counts() == {Decision.ACCEPTED: 32, Decision.REJECTED: 3, Decision.HELD: 0}
    assert first.rejections_by_code() == {
        "ROW_DATE_MALFORMED": 2,
        "METHODOLOGY_NOT_IN_CROSSWALK": 1,
        "PERSON_PERIOD_OVERLAP": 1,
        "ADJUSTMENT_REF_MISSING": 1,
        "ROW_DISTRICT_UNKNOWN": 1,
        "ROW_UNIT_UNKNOWN": 1,
    }
    columns = {c.record_id: c.checks[0].column for c in first.claims if c.checks}
    assert columns == {
        "EVC-2410-000401": "programme",  # by the check's code
        "MTR-2410-000308": "participant",  # by details field=person_pseudonym
        "GRN-2410-000112": "adjustment_ref",
    }
    reported, credited = first.accepted_tco2e()
    expected = sum(
        (
            Decimal(c.submission.reported_tco2e)
            for c in delivery.claims
            if c.submission.reported_tco2e and c.submission.record_id not in fake_hub.service.reject
        ),
        Decimal(0),
    )
    assert reported == credited == expected
    assert first.resubmissions() == 0
    # The same signer goes on numbering: resending is a new write, not a replay.
    second = submit_delivery(delivery, channel, signer)
    assert second.resubmissions() == 32
    assert fake_hub.service.streams == 2
    assert [e.sequence for e in fake_hub.service.envelopes] == [1, 2]


def test_every_write_is_signed_with_consecutive_sequences_after_the_hubs_last(
    fake_hub: FakeHub, channel: grpc.Channel
) -> None:
    service = fake_hub.service
    service.last_sequence["CN-GD"] = 41  # what an earlier run of the adapter left
    key = fake_hub.signer("CN-GD")
    signer = PartnerSigner.synced("CN-GD", key, channel)
    assert service.sequence_requests == ["CN-GD"]
    assert signer.last_sequence == 41

    submit_delivery(GuangdongAdapter().read(GD_01), channel, signer, batch_size=7)
    cancelled = attest_source_cancellation(
        channel, signer, "C-1", "GDPH-P-2024-1-2", "X-1", "for the hub: C-1", MOMENT
    )
    adjusted = attest_adjustment(channel, signer, "AA-1", AdjustmentStatus.COMMITTED, MOMENT)

    assert cancelled.accepted and adjusted.accepted
    signed = service.signed
    assert [s.payload_type for s in signed] == [
        PayloadType.PROJECTS.value,
        PayloadType.PROJECTS.value,
        *[PayloadType.CLAIM_ENVELOPE.value] * 6,
        PayloadType.SOURCE_CANCELLATION.value,
        PayloadType.ACCOUNTING_ADJUSTMENT.value,
    ]
    assert [_sequence(s) for s in signed] == list(range(42, 52))
    assert {s.key_id for s in signed} == {key.key_id}
    assert signer.last_sequence == service.last_sequence["CN-GD"] == 51
    # The signature is Ed25519 over DSSE v1 PAE exactly as ledger.proto
    # spells it, checked here without the hub's own pae().
    public = Ed25519PublicKey.from_public_bytes(key.public_key)
    for s in signed:
        kind = s.payload_type.encode()
        public.verify(
            s.signature, b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(s.payload), s.payload)
        )


def test_a_signer_behind_the_hubs_sequence_catches_up_and_sends_each_write_once(
    fake_hub: FakeHub, channel: grpc.Channel
) -> None:
    # Another run of the adapter recorded up to 10 since this signer was made:
    # its first write is refused as a replay, recording nothing, and is sent
    # again numbered on from the hub's last.
    service = fake_hub.service
    service.last_sequence["CN-HK"] = 10
    stale = PartnerSigner("CN-HK", fake_hub.signer("CN-HK"), last_sequence=3)
    delivery = HongKongAdapter().read(HK_01)
    pauses: list[float] = []
    report = submit_delivery(
        delivery, channel, stale, batch_size=10, retry=ReplayRetry(sleep=pauses.append)
    )
    records = [c.submission.record_id for c in delivery.claims]
    assert [c.record_id for c in report.claims] == records
    assert [c.record_id for e in service.envelopes for c in e.claims] == records
    assert [_sequence(s) for s in service.signed] == [11, 12, 13, 14]
    assert service.sequence_requests == ["CN-HK"] and len(pauses) == 1
    assert service.streams == 2


def test_a_key_the_hub_does_not_know_is_refused(fake_hub: FakeHub, channel: grpc.Channel) -> None:
    with pytest.raises(HubCallError) as error:
        submit_delivery(HongKongAdapter().read(HK_01), channel, _unsynced("CN-HK"))
    assert error.value.status == "UNAUTHENTICATED"
    assert fake_hub.service.signed == []


def test_a_signer_of_another_partner_is_refused_before_any_call(
    fake_hub: FakeHub, channel: grpc.Channel
) -> None:
    with pytest.raises(ValueError, match="CN-HK"):
        submit_delivery(
            GuangdongAdapter().read(GD_01), channel, _synced(fake_hub, channel, "CN-HK")
        )
    assert fake_hub.service.signed == [] and fake_hub.service.streams == 0


@pytest.mark.parametrize("check_key", [True, False], ids=["hub_key", "no_hub_key"])
def test_on_receipt_receives_every_receipt(
    fake_hub: FakeHub, channel: grpc.Channel, check_key: bool
) -> None:
    kept: list[ledger_pb.Receipt] = []
    submit_delivery(
        HongKongAdapter().read(HK_01),
        channel,
        _synced(fake_hub, channel, "CN-HK"),
        batch_size=10,
        hub_key=fake_hub.hub_key if check_key else None,
        on_receipt=kept.append,
    )
    assert kept == fake_hub.service.receipts
    assert len(kept) == len(fake_hub.service.envelopes) == 4
    statements = [json.loads(r.statement) for r in kept]
    assert [s["sequence"] for s in statements] == [e.sequence for e in fake_hub.service.envelopes]
    assert [len(s["verdicts"]) for s in statements] == [10, 10, 10, 5]
    assert all(verify_receipt(r, fake_hub.hub_key).valid for r in kept)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("foreign-key", "RECEIPT_KEY_UNKNOWN"),
        ("bad-signature", "RECEIPT_SIGNATURE_INVALID"),
        ("wrong-statement", "RECEIPT_DOES_NOT_MATCH_MESSAGE"),
        ("tampered-vintage-part", "RECEIPT_DOES_NOT_MATCH_MESSAGE"),
    ],
)
def test_a_receipt_not_verifying_under_the_hub_key_is_a_protocol_error(
    fake_hub: FakeHub, channel: grpc.Channel, fault: ReceiptFault, reason: str
) -> None:
    fake_hub.service.receipt_fault = fault
    kept: list[ledger_pb.Receipt] = []
    with pytest.raises(HubProtocolError) as error:
        submit_delivery(
            HongKongAdapter().read(HK_01),
            channel,
            _synced(fake_hub, channel, "CN-HK"),
            batch_size=10,
            hub_key=fake_hub.hub_key,
            on_receipt=kept.append,
        )
    assert "envelope 1" in str(error.value) and reason in str(error.value)
    # A receipt that does not verify is never handed on as proof.
    assert kept == []


def test_a_receipt_of_the_first_statement_version_still_verifies(
    fake_hub: FakeHub, channel: grpc.Channel
) -> None:
    # A hub of before the versioned statements signed version 1 (no vintage
    # parts, no trace): the kit still takes its receipts as proof.
    fake_hub.service.receipt_fault = "version-1"
    kept: list[ledger_pb.Receipt] = []
    submit_delivery(
        HongKongAdapter().read(HK_01),
        channel,
        _synced(fake_hub, channel, "CN-HK"),
        batch_size=10,
        hub_key=fake_hub.hub_key,
        on_receipt=kept.append,
    )
    assert kept and all(b"version" not in r.statement for r in kept)


def test_without_a_hub_key_receipts_are_handed_on_unchecked(
    fake_hub: FakeHub, channel: grpc.Channel
) -> None:
    fake_hub.service.receipt_fault = "bad-signature"
    kept: list[ledger_pb.Receipt] = []
    submit_delivery(
        HongKongAdapter().read(HK_01),
        channel,
        _synced(fake_hub, channel, "CN-HK"),
        on_receipt=kept.append,
    )
    assert len(kept) == 1 and not verify_receipt(kept[0], fake_hub.hub_key).valid


def test_empty_delivery_makes_no_calls(fake_hub: FakeHub, channel: grpc.Channel) -> None:
    report = submit_delivery(Delivery("CN-GD", "D0", 0, [], [], []), channel, _unsynced("CN-GD"))
    assert report.claims == () and report.projects == ()
    assert fake_hub.service.streams == 0 and fake_hub.service.project_requests == []
    assert fake_hub.service.signed == []


def test_unreachable_hub_raises_a_call_error() -> None:
    delivery = HongKongAdapter().read(HK_01)
    with grpc.insecure_channel("127.0.0.1:9") as ch, pytest.raises(HubCallError) as error:
        submit_delivery(delivery, ch, _unsynced("CN-HK"))
    assert error.value.status == "UNAVAILABLE"


def test_batch_size_must_be_positive(channel: grpc.Channel) -> None:
    with pytest.raises(ValueError):
        submit_delivery(
            Delivery("CN-GD", "D0", 0, [], [], []), channel, _unsynced("CN-GD"), batch_size=0
        )
