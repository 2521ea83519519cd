"""Carbon points over the PartnerService: a signed redemption and a balance
look-up, through a real hub with mutual TLS, on SQLite and PostgreSQL.

A partner redeems and reads the points of people it reported itself; a
pseudonym it never sent answers PERSON_NOT_REPORTED, word for word the
same whether another partner reported that person or nobody did."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from sqlalchemy import text

from carbonhub_contract.error_details import error_info
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2_grpc as partner_grpc
from carbonhub_contract.vocabulary.envelopes import PayloadType
from tests.integration.grpc.ledger_helpers import NOW, Running, running_hub, submit
from tests.integration.grpc.test_person_travel_wire import PERSON, gd_trip, hk_mtr

HK_PERSON = hashlib.sha256(b"a Hong Kong traveller").hexdigest()
NOBODY = hashlib.sha256(b"never reported anywhere").hexdigest()


@pytest.fixture
def running(tmp_path: Path, database_url: str) -> Iterator[Running]:
    with running_hub(tmp_path, database_url) as hub:
        yield hub


def _refusal(error: grpc.RpcError) -> tuple[grpc.StatusCode, str, dict[str, str]]:
    assert isinstance(error, grpc.Call)
    info = error_info(error)
    assert info is not None, error.details()
    return error.code(), info.reason, dict(info.metadata)


def _balance(running: Running, person: str, partner: str = "CN-GD") -> pb.PointsBalance:
    stub = running.clients.partner_stub(partner)
    answer: pb.PointsBalance = stub.GetPointsBalance(
        pb.GetPointsBalanceRequest(partner=partner, person_pseudonym=person)
    )
    return answer


def _redeem(
    running: Running,
    redemption_id: str,
    points: int,
    person: str = PERSON,
    *,
    purpose: str = "",
    redeemed_at: str = "",
) -> pb.PointsRedemption:
    return running.partner.RedeemPoints(
        pb.RedeemPointsRequest(
            partner="CN-GD",
            redemption_id=redemption_id,
            person_pseudonym=person,
            points=points,
            purpose=purpose,
            redeemed_at=redeemed_at,
        )
    )


def _signed_writes(running: Running) -> int:
    with running.hub.engine.connect() as connection:
        count: int = connection.execute(
            text("SELECT count(*) FROM signed_payloads WHERE partner = 'CN-GD'")
        ).scalar_one()
    return count


def _earn(running: Running) -> int:
    """Two accepted metro trips of PERSON; the points they earned."""
    verdicts = submit(
        running.partner,
        gd_trip("PTS-1", "GD-METRO", "08:00", "08:30"),
        gd_trip("PTS-2", "GD-METRO", "18:00", "18:40"),
    )
    assert [v.decision for v in verdicts] == [pb.DECISION_ACCEPTED] * 2, verdicts
    earned = _balance(running, PERSON)
    assert earned.balance == earned.awarded > 0
    return int(earned.balance)


def test_a_partner_reads_the_points_of_a_person_it_reported(running: Running) -> None:
    earned = _earn(running)
    balance = _balance(running, PERSON)
    assert (balance.partner, balance.person_pseudonym) == ("CN-GD", PERSON)
    assert (balance.redeemed, balance.expired, balance.reversed) == (0, 0, 0)
    # standards/points.yaml: Guangdong's metro points last 120 months from the award.
    assert balance.next_expiry.startswith(str(NOW.year + 10))
    assert balance.next_expiry_points == earned


def test_a_redemption_deregisters_points_once_per_id(running: Running) -> None:
    earned = _earn(running)
    first = _redeem(
        running, "GD-R-0001", 3, purpose="metro ticket", redeemed_at="2026-11-24T16:00:00+08:00"
    )
    assert (first.points, first.balance, first.repeated) == (3, earned - 3, False)
    # The same redemption again (the client signs it under a new sequence):
    # the first answer, nothing more deregistered.
    again = _redeem(running, "GD-R-0001", 3, purpose="metro ticket")
    assert (again.points, again.balance, again.repeated) == (3, earned - 3, True)
    after = _balance(running, PERSON)
    assert (after.balance, after.redeemed, after.awarded) == (earned - 3, 3, earned)
    # The very same signed bytes again are a replay: refused, nothing recorded.
    signed = running.partner.sign(
        PayloadType.POINTS_REDEMPTION,
        pb.RedeemPointsRequest(
            partner="CN-GD", redemption_id="GD-R-0002", person_pseudonym=PERSON, points=1
        ),
    )
    stub = running.clients.partner_stub("CN-GD")
    assert stub.RedeemPoints(signed).balance == earned - 4
    with pytest.raises(grpc.RpcError) as replayed:
        stub.RedeemPoints(signed)
    assert _refusal(replayed.value)[:2] == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "ENVELOPE_REPLAYED",
    )
    assert _balance(running, PERSON).balance == earned - 4


def test_a_conflicting_or_excessive_redemption_is_refused_and_records_nothing(
    running: Running,
) -> None:
    earned = _earn(running)
    _redeem(running, "GD-R-0001", 2)
    kept = _signed_writes(running)
    for redemption_id, points, expected in [
        ("GD-R-0001", 5, ("REDEMPTION_CONFLICT", grpc.StatusCode.FAILED_PRECONDITION)),
        ("GD-R-0002", earned, ("POINTS_INSUFFICIENT", grpc.StatusCode.FAILED_PRECONDITION)),
        ("GD-R-0003", 0, ("POINTS_NOT_POSITIVE", grpc.StatusCode.INVALID_ARGUMENT)),
        ("", 1, ("REDEMPTION_ID_INVALID", grpc.StatusCode.INVALID_ARGUMENT)),
    ]:
        with pytest.raises(grpc.RpcError) as refused:
            _redeem(running, redemption_id, points)
        code, reason, details = _refusal(refused.value)
        assert (reason, code) == expected
        if reason == "POINTS_INSUFFICIENT":
            assert details["balance"] == str(earned - 2)
    with pytest.raises(grpc.RpcError) as malformed:
        _redeem(running, "GD-R-0004", 1, redeemed_at="yesterday")
    assert _refusal(malformed.value)[1] == "REDEMPTION_MALFORMED"
    # The same id for another person is a conflict too, not a second redemption.
    with pytest.raises(grpc.RpcError) as other:
        submit(running.partner, _other_person_trip())
        _redeem(running, "GD-R-0001", 2, person=HK_PERSON)
    assert _refusal(other.value)[1] == "REDEMPTION_CONFLICT"
    balance = _balance(running, PERSON)
    assert (balance.balance, balance.redeemed) == (earned - 2, 2)
    # Refused redemptions are not kept as signed writes (the claim envelope above is).
    assert _signed_writes(running) == kept + 1


def _other_person_trip() -> pb.Claim:
    """A Guangdong trip of HK_PERSON, so Guangdong knows that pseudonym too."""
    claim = gd_trip("PTS-OTHER", "GD-BUS", "12:00", "12:30")
    claim.person_pseudonym = HK_PERSON
    return claim


def test_another_partners_person_is_as_unknown_as_a_person_never_reported(
    running: Running,
) -> None:
    _earn(running)
    (hk,) = submit(running.partner, _hk_trip(), partner="CN-HK")
    assert hk.decision == pb.DECISION_ACCEPTED, hk
    assert _balance(running, HK_PERSON, "CN-HK").awarded > 0
    answers = []
    for person in (HK_PERSON, NOBODY):
        with pytest.raises(grpc.RpcError) as read:
            _balance(running, person)
        with pytest.raises(grpc.RpcError) as redeemed:
            _redeem(running, f"GD-PROBE-{person[:8]}", 1, person=person)
        for error in (read.value, redeemed.value):
            assert isinstance(error, grpc.Call)
            answers.append((*_refusal(error), error.details()))
    # Word for word the same: the answer tells nothing of Hong Kong's people.
    assert {a[1] for a in answers} == {"PERSON_NOT_REPORTED"}
    assert answers[0] == answers[2] and answers[1] == answers[3]
    assert answers[0][0] == grpc.StatusCode.NOT_FOUND
    # Nor may Guangdong read Hong Kong's ledger by naming it.
    with pytest.raises(grpc.RpcError) as crossed:
        running.clients.partner_stub("CN-GD").GetPointsBalance(
            pb.GetPointsBalanceRequest(partner="CN-HK", person_pseudonym=HK_PERSON)
        )
    assert _refusal(crossed.value)[:2] == (grpc.StatusCode.PERMISSION_DENIED, "PARTNER_NOT_CALLER")


def _hk_trip() -> pb.Claim:
    claim = hk_mtr("HK-PTS-1", "08:00", "08:40")
    claim.person_pseudonym = HK_PERSON
    return claim


def test_the_bureau_and_the_exchange_cannot_redeem(running: Running) -> None:
    signed = running.partner.sign(
        PayloadType.POINTS_REDEMPTION,
        pb.RedeemPointsRequest(
            partner="CN-GD", redemption_id="X-1", person_pseudonym=PERSON, points=1
        ),
    )
    stub = partner_grpc.PartnerServiceStub(running.channel)  # the exchange's certificate
    with pytest.raises(grpc.RpcError) as refused:
        stub.RedeemPoints(signed)
    assert _refusal(refused.value)[:2] == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_NOT_ALLOWED")
