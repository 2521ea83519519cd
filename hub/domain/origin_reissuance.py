"""Origin re-issuance: a reduction Shenzhen issued as 未签发 (not issued at
its origin) that the origin registry issued afterwards, e.g. Guangdong
issuing a PHCER for it. Both registries would then count one reduction, so a
partner reconciliation that finds one freezes the Shenzhen blocks issued
from the record (not routable, not retirable) until a bureau officer
resolves the discrepancy, with one ORIGIN_REISSUED discrepancy per block.

The record's claim not issued yet (accepted or held, its issuance PENDING)
is held too, with CLAIM_ORIGIN_REISSUED naming what the origin issued, and
one ORIGIN_REISSUED discrepancy without a block (hub value empty: nothing
issued in Shenzhen yet); resolving that discrepancy releases the claim to
what its other checks decide."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from carbonhub_contract.vocabulary.holdings import Holding
from carbonhub_contract.vocabulary.records import OriginStatus
from hub.domain.blocks import MOVABLE_STATES, Block
from hub.domain.checks import CheckResult, fire
from hub.domain.reconciliation import Discrepancy, DiscrepancyKind, Phase

REISSUED_CHECK = "CLAIM_ORIGIN_REISSUED"


def reissued_records(hub: Sequence[Holding], counterpart: Sequence[Holding]) -> dict[str, str]:
    """Record id -> what the origin now shows (its serial, else its state), for
    each record the hub holds as NOT_ISSUED without a serial that the origin
    lists with a serial or as issued or cancelled there."""
    ours: dict[str, list[Holding]] = {}
    for holding in hub:
        ours.setdefault(holding.subject_id, []).append(holding)
    found: dict[str, str] = {}
    for theirs in counterpart:
        held = ours.get(theirs.subject_id, [])
        if len(held) != 1 or held[0].state != str(OriginStatus.NOT_ISSUED) or held[0].serial:
            continue  # the hub knew of origin credits, or the record is ambiguous
        if theirs.serial or theirs.state != str(OriginStatus.NOT_ISSUED):
            found[theirs.subject_id] = theirs.serial or theirs.state
    return found


@dataclass(frozen=True, slots=True)
class ReissuedBlock:
    discrepancy: Discrepancy
    block_id: str | None  # the block to freeze; None when it cannot move any more


def reissued_blocks(
    reissued: Mapping[str, str], blocks_of_record: Mapping[str, Iterable[Block]]
) -> list[ReissuedBlock]:
    """One ORIGIN_REISSUED discrepancy per Shenzhen block issued from a
    re-issued record, sorted by record and serial; a retired or cancelled
    block is named but cannot be frozen (it is reported for disclosure)."""
    out: list[ReissuedBlock] = []
    for record_id in sorted(reissued):
        for block in sorted(blocks_of_record.get(record_id, ()), key=lambda b: b.serial):
            out.append(
                ReissuedBlock(
                    Discrepancy(
                        Phase.UNIT_BLOCKS,
                        DiscrepancyKind.ORIGIN_REISSUED,
                        record_id,
                        block.serial,
                        reissued[record_id],
                    ),
                    block.block_id if block.state in MOVABLE_STATES else None,
                )
            )
    return out


def reissued_check(record_id: str, origin: str) -> CheckResult:
    """The check holding the unissued claim of ``record_id``, which the origin
    issued as ``origin`` (its serial, else its state)."""
    return fire(REISSUED_CHECK, record_id=record_id, origin_serial=origin, field="origin_serial")


def unissued_discrepancy(record_id: str, origin: str) -> Discrepancy:
    """The ORIGIN_REISSUED discrepancy of a record whose claim is held before
    any Shenzhen block was issued from it (hub value empty)."""
    return Discrepancy(Phase.UNIT_BLOCKS, DiscrepancyKind.ORIGIN_REISSUED, record_id, "", origin)


def holds_unissued(discrepancy: Discrepancy, block_id: str | None) -> bool:
    """The discrepancy is the one holding a record's unissued claim."""
    return (
        discrepancy.kind is DiscrepancyKind.ORIGIN_REISSUED
        and block_id is None
        and discrepancy.hub_value == ""
    )
