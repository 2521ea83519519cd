"""hub.services.partner_proofs on in-memory storage: a partner's inclusion proof
is asked of the log for its own claim only (by claim or record id); another
partner's claim is refused word for word as an unknown one, before the log is
asked anything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from hub.domain.tree_head import TreeHead
from hub.errors import HubError, InvalidRequest
from hub.services.partner_proofs import PartnerProofs
from hub.services.transparency import ConsistencyAnswer, InclusionAnswer
from hub.standard import Standard

from .builders import PARTNER, pv
from .ledger_setup import Ledger, make_ledger

HEAD = TreeHead(9, "ab" * 32, datetime(2026, 1, 15, tzinfo=UTC), "ed25519:0000", b"s" * 64)


class RecordingLog:
    """Answers every question, and remembers which were asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, object, object]] = []

    def latest(self) -> TreeHead:
        return HEAD

    def inclusion(
        self, *, seq: int | None = None, claim_id: str | None = None, tree_size: int | None = None
    ) -> InclusionAnswer:
        self.asked.append(("inclusion", claim_id, tree_size))
        return InclusionAnswer(3, b"l" * 32, b"{}", [], HEAD)

    def consistency(self, first: int, second: int) -> ConsistencyAnswer:
        self.asked.append(("consistency", first, second))
        return ConsistencyAnswer(HEAD, HEAD, [])


@pytest.fixture
def ledger(standard: Standard) -> Ledger:
    return make_ledger(standard)


def _refusal(call: Callable[[], object]) -> tuple[str, str, dict[str, str]]:
    with pytest.raises(HubError) as raised:
        call()
    return raised.value.code, raised.value.message, dict(raised.value.details)


def test_a_partner_is_answered_for_its_own_claim_by_id_or_record(ledger: Ledger) -> None:
    (verdict,) = ledger.accept([pv("GD-1", "2024-01-01", "2024-01-31")])
    log = RecordingLog()
    proofs = PartnerProofs(ledger.uow_factory, log)
    by_id = proofs.inclusion(PARTNER, claim_id=verdict.claim_id, tree_size=5)
    by_record = proofs.inclusion(PARTNER, record_id="GD-1")
    assert by_id.claim_id == by_record.claim_id == verdict.claim_id
    assert log.asked == [
        ("inclusion", verdict.claim_id, 5),
        ("inclusion", verdict.claim_id, None),
    ]


def test_another_partners_claim_is_refused_as_an_unknown_one(ledger: Ledger) -> None:
    (verdict,) = ledger.accept([pv("GD-1", "2024-01-01", "2024-01-31")])
    log = RecordingLog()
    proofs = PartnerProofs(ledger.uow_factory, log)
    theirs = _refusal(lambda: proofs.inclusion("CN-HK", claim_id=verdict.claim_id))
    nobodys = _refusal(lambda: proofs.inclusion("CN-HK", claim_id="C-UNKNOWN"))
    assert (
        theirs[:2]
        == nobodys[:2]
        == ("TRANSPARENCY_EVENT_UNKNOWN", "no audit event names that claim")
    )
    assert theirs[2] == {"claim": verdict.claim_id}
    # A record id is the partner's own namespace: CN-HK has no GD-1.
    assert _refusal(lambda: proofs.inclusion("CN-HK", record_id="GD-1"))[0] == (
        "TRANSPARENCY_EVENT_UNKNOWN"
    )
    assert log.asked == []  # the log was never asked about it


def test_one_name_for_the_claim_and_consistency_to_the_latest(ledger: Ledger) -> None:
    log = RecordingLog()
    proofs = PartnerProofs(ledger.uow_factory, log)
    with pytest.raises(InvalidRequest) as neither:
        proofs.inclusion(PARTNER)
    assert neither.value.code == "TRANSPARENCY_RANGE_INVALID"
    with pytest.raises(InvalidRequest):
        proofs.inclusion(PARTNER, claim_id="C-1", record_id="GD-1")
    proofs.consistency(4, None)
    proofs.consistency(4, 7)
    assert log.asked == [("consistency", 4, 9), ("consistency", 4, 7)]
