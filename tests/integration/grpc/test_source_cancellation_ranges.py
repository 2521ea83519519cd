"""Cancellation at source of exactly what Shenzhen credits, over a real mTLS
hub on SQLite and PostgreSQL: the origin cancels a part of its block, keeps
the rest, and the hub's origin lock covers only the cancelled part."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from carbonhub_contract.error_details import error_info
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from hub.bootstrap import build_hub
from hub.services.attestation import AttestationService
from hub.settings import HubSettings
from tests.integration.grpc.ledger_helpers import (
    NOW,
    Running,
    pv_claim,
    register_gd_project,
    running_hub,
    submit,
)

SERIES = "GDPH-4401-PV-2023-0007-2024"
BLOCK = f"{SERIES}-000001-000010"  # ten origin units


@pytest.fixture
def hub(tmp_path: Path, database_url: str) -> Iterator[Running]:
    with running_hub(tmp_path, database_url) as running:
        register_gd_project(running.partner)
        yield running


def _claim(record_id: str, month: int, serial: str) -> pb.Claim:
    """Reported as the origin issued it (a tonne per unit of its block);
    Shenzhen's recomputation of 9,000 kWh credits less, 3.4821 tCO2e: four
    origin units to cancel."""
    first, last = serial.rsplit("-", 2)[1:]
    claim = pv_claim(record_id, month, int(last) - int(first) + 1, origin_serial=serial)
    claim.activity_quantity = "9000"
    return claim


def _awaiting(hub: Running, record_id: str, month: int, serial: str) -> pb.Verdict:
    (verdict,) = submit(hub.partner, _claim(record_id, month, serial))
    assert verdict.state == pb.CLAIM_STATE_AWAITING_SOURCE_CANCELLATION, verdict
    return verdict


def _cancel(
    claim_id: str, first: int, last: int, serial: str = BLOCK
) -> pb.SourceCancellationAttestation:
    return pb.SourceCancellationAttestation(
        partner="CN-GD",
        claim_id=claim_id,
        origin_serial=serial,
        cancellation_id=f"GDPH-CXL-{claim_id}",
        note=f"为深圳碳普惠互认枢纽申报 {claim_id} 注销",
        cancelled_at="2026-11-20T10:00:00+08:00",
        cancelled_first=first,
        cancelled_last=last,
    )


def test_the_origin_cancels_the_credited_units_and_the_rest_can_come_only_as_its_own_claim(
    hub: Running,
) -> None:
    verdict = _awaiting(hub, "R-3", 3, BLOCK)
    assert verdict.credited_tco2e == "3.482100"

    too_many = hub.partner.AttestSourceCancellation(_cancel(verdict.claim_id, 1, 10))
    assert not too_many.accepted
    assert {c.code for c in too_many.checks} == {"SOURCE_CANCELLATION_RANGE_EXCEEDS_CREDITED"}
    assert all(c.message_zh and c.message_en for c in too_many.checks)
    outside = hub.partner.AttestSourceCancellation(_cancel(verdict.claim_id, 8, 11))
    assert {c.code for c in outside.checks} == {"SOURCE_CANCELLATION_RANGE_OUTSIDE_BLOCK"}

    done = hub.partner.AttestSourceCancellation(_cancel(verdict.claim_id, 1, 4))
    assert done.accepted and not done.checks
    assert hub.partner.AttestSourceCancellation(_cancel(verdict.claim_id, 1, 4)).replay
    assert [b.units for b in hub.hub.issuance.issue_pending().blocks] == [3]

    # Units 5..10 stayed at the origin: a claim naming them is taken (and
    # waits for its own cancellation); one reaching into units 1..4 is not.
    rest = _awaiting(hub, "R-4", 4, f"{SERIES}-000005-000010")
    (overlap,) = submit(hub.partner, _claim("R-5", 5, f"{SERIES}-000004-000010"))
    assert overlap.decision == pb.DECISION_REJECTED
    assert "ORIGIN_SERIAL_OVERLAP" in {c.code for c in overlap.checks}
    second = hub.partner.AttestSourceCancellation(
        _cancel(rest.claim_id, 5, 8, f"{SERIES}-000005-000010")
    )
    assert second.accepted, second.checks


def test_a_unit_number_beyond_twelve_digits_is_refused_at_the_boundary(hub: Running) -> None:
    verdict = _awaiting(hub, "R-3", 3, BLOCK)
    with pytest.raises(grpc.RpcError) as refused:
        hub.partner.AttestSourceCancellation(_cancel(verdict.claim_id, 1, 10**12))
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    info = error_info(refused.value)
    assert info is not None and info.reason == "FIELD_OUT_OF_RANGE"


def test_two_hubs_taking_two_cancellations_of_one_claim_at_once_keep_exactly_one(
    hub: Running, tmp_path: Path, database_url: str
) -> None:
    verdict = _awaiting(hub, "R-3", 3, BLOCK)
    other = build_hub(
        HubSettings(
            data_dir=tmp_path / "second",
            database_url=database_url,
            grpc_port=0,
            issuance_interval=0,
            pki_dir=tmp_path / "pki",
        ),
        clock=lambda: NOW,
    )
    ranges = {"GDPH-CXL-A": (1, 4), "GDPH-CXL-B": (7, 10)}
    barrier = threading.Barrier(2)
    accepted: dict[str, bool] = {}

    def attest(attestations: AttestationService, cancellation_id: str) -> None:
        first, last = ranges[cancellation_id]
        barrier.wait()
        outcome = attestations.attest_source_cancellation(
            "CN-GD",
            verdict.claim_id,
            BLOCK,
            cancellation_id,
            f"为深圳碳普惠互认枢纽申报 {verdict.claim_id} 注销",
            None,
            cancelled_first=first,
            cancelled_last=last,
        )
        accepted[cancellation_id] = outcome.accepted

    try:
        threads = [
            threading.Thread(target=attest, args=(h.attestations, c))
            for h, c in ((hub.hub, "GDPH-CXL-A"), (other, "GDPH-CXL-B"))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        other.close()
    (won,) = [c for c, ok in accepted.items() if ok]
    (lost,) = [c for c, ok in accepted.items() if not ok]
    # The lost range is still the origin's: a claim naming it as its block is
    # taken; one naming the won range collides with the cancelled units.
    free = "{}-{:06d}-{:06d}".format(SERIES, *ranges[lost])
    taken = "{}-{:06d}-{:06d}".format(SERIES, *ranges[won])
    _awaiting(hub, "R-4", 4, free)
    (overlap,) = submit(hub.partner, _claim("R-5", 5, taken))
    assert "ORIGIN_SERIAL_OVERLAP" in {c.code for c in overlap.checks}
