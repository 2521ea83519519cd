"""The gRPC client side: proto conversion and one stream against a fake hub."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import grpc
import pytest
from adapter_testkit import GD_01, HK_01, FakeHub

from adapters.delivery import Delivery
from adapters.guangdong import GuangdongAdapter
from adapters.hongkong import HongKongAdapter
from adapters.hub_client import (
    HubCallError,
    claim_to_proto,
    project_to_proto,
    submit_delivery,
)
from hub.domain.claims import ClaimSubmission, Decision, OriginStatus
from hub.grpc_api.conversion import claim_from_proto, project_from_proto


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
    report = submit_delivery(delivery, channel, batch_size=7, on_progress=progress.append)
    service = fake_hub.service
    assert service.streams == 1
    assert [e.sequence for e in service.envelopes] == [1, 2, 3, 4, 5, 6]
    assert [len(e.claims) for e in service.envelopes] == [7, 7, 7, 7, 7, 5]
    assert {(e.partner, e.delivery_id) for e in service.envelopes} == {("CN-GD", "GD-20241031-01")}
    assert progress == [7, 7, 7, 7, 7, 5]
    assert [len(r.projects) for r in service.project_requests] == [7, 6]
    sent = [c.record_id for e in service.envelopes for c in e.claims]
    assert sent == [c.submission.record_id for c in delivery.claims]
    assert [c.record_id for c in report.claims] == sent
    assert [c.source for c in report.claims] == [c.source for c in delivery.claims]
    assert report.claim_counts() == {Decision.ACCEPTED: 40, Decision.REJECTED: 0, Decision.HELD: 0}
    assert report.project_counts()[Decision.ACCEPTED] == 13
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
    first = submit_delivery(delivery, channel, batch_size=500)
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
    second = submit_delivery(delivery, channel)
    assert second.resubmissions() == 32
    assert fake_hub.service.streams == 2


def test_empty_delivery_makes_no_calls(fake_hub: FakeHub, channel: grpc.Channel) -> None:
    report = submit_delivery(Delivery("CN-GD", "D0", 0, [], [], []), channel)
    assert report.claims == () and report.projects == ()
    assert fake_hub.service.streams == 0 and fake_hub.service.project_requests == []


def test_unreachable_hub_raises_a_call_error() -> None:
    delivery = HongKongAdapter().read(HK_01)
    with grpc.insecure_channel("127.0.0.1:9") as ch, pytest.raises(HubCallError) as error:
        submit_delivery(delivery, ch)
    assert error.value.status == "UNAVAILABLE"


def test_batch_size_must_be_positive(channel: grpc.Channel) -> None:
    with pytest.raises(ValueError):
        submit_delivery(Delivery("CN-GD", "D0", 0, [], [], []), channel, batch_size=0)
