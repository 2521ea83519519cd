"""A partner's proofs from the transparency log (docs/transparency-log.md,
"A partner over gRPC"): the inclusion proof of its own claim's decision
event, and consistency proofs between signed tree heads.

The public HTTP routes answer anyone about any event; a partner reaches the
hub over gRPC with its certificate, and there it may ask only about its own
claims. A claim of another partner is refused exactly as a claim nobody sent
(the same code, message and details), so the answer never tells a partner
that a claim id exists elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hub.domain.tree_head import TreeHead
from hub.errors import InvalidRequest, NotFound
from hub.services.transparency import ConsistencyAnswer, InclusionAnswer
from hub.services.unit_of_work import UnitOfWorkFactory

__all__ = ["ClaimInclusion", "PartnerProofs", "ProofLog"]


class ProofLog(Protocol):
    """What this needs of hub.services.transparency.TransparencyLog."""

    def latest(self) -> TreeHead: ...

    def inclusion(
        self, *, seq: int | None = None, claim_id: str | None = None, tree_size: int | None = None
    ) -> InclusionAnswer: ...

    def consistency(self, first: int, second: int) -> ConsistencyAnswer: ...


@dataclass(frozen=True, slots=True)
class ClaimInclusion:
    claim_id: str
    proof: InclusionAnswer


def _unknown(claim: str) -> NotFound:
    # Word for word what TransparencyLog.inclusion answers for a claim id no
    # event names: the two refusals must not be told apart.
    return NotFound(
        "TRANSPARENCY_EVENT_UNKNOWN", "no audit event names that claim", {"claim": claim[:200]}
    )


class PartnerProofs:
    def __init__(self, uow_factory: UnitOfWorkFactory, log: ProofLog) -> None:
        self._uow_factory = uow_factory
        self._log = log

    def _own_claim(self, partner: str, claim_id: str | None, record_id: str | None) -> str:
        """The id of ``partner``'s claim named by its id or its record id."""
        if (claim_id is None) == (record_id is None):
            raise InvalidRequest(
                "TRANSPARENCY_RANGE_INVALID", "name the claim by claim_id or by record_id, not both"
            )
        with self._uow_factory() as uow:
            if record_id is not None:
                stored = uow.claims.get_by_record_ids(partner, [record_id]).get(record_id)
            else:
                stored = uow.claims.get_by_claim_id(str(claim_id))
        if stored is None or stored.partner != partner:
            if record_id is not None:
                raise NotFound(
                    "TRANSPARENCY_EVENT_UNKNOWN",
                    "no audit event names that claim",
                    {"record_id": record_id[:200]},
                )
            raise _unknown(str(claim_id))
        return stored.claim_id

    def inclusion(
        self,
        partner: str,
        *,
        claim_id: str | None = None,
        record_id: str | None = None,
        tree_size: int | None = None,
    ) -> ClaimInclusion:
        """The inclusion proof of the decision event of ``partner``'s claim, with
        its bytes, in the signed tree head of ``tree_size`` (default the latest)."""
        claim = self._own_claim(partner, claim_id, record_id)
        return ClaimInclusion(claim, self._log.inclusion(claim_id=claim, tree_size=tree_size))

    def consistency(self, first: int, second: int | None) -> ConsistencyAnswer:
        """The consistency proof from the tree head of ``first`` to that of
        ``second`` (None: the latest). Tree heads are public: any partner asks."""
        if second is None:
            second = self._log.latest().tree_size
        return self._log.consistency(first, second)
