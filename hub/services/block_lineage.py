"""One block's story for the public (信息披露): from the partner's record to
the retirement, each step with its time.

The storage reads it in one go (hub.storage.block_lineage_queries); this
module holds what is shown and the rule of what a stranger may see: a
personal claim is counted, never listed (its record id belongs to a person's
trip), and no audit row's details are published beyond its event, time, seq
and hash (the hash is what a holder of a signed checkpoint can check).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hub.services.disclosure import BlockEntry, RetirementEntry

# A project's issuance batch lists its records up to this many; beyond, a count.
MAX_RECORDS_SHOWN = 50
MAX_SEARCH_FRAGMENT = 200


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """A partner record behind the block. ``record_id`` is None for a
    personal claim (counted, not shown)."""

    record_id: str | None
    received_at: datetime
    credited_tco2e: Decimal
    origin_serial: str | None  # cancelled at source, where the origin issued credits
    cancellation_id: str | None
    cancelled_at: datetime | None
    attested_at: datetime | None
    # A record whose monitoring period spans 31 December is issued in one
    # part per calendar year: ``credited_tco2e`` is this block's vintage's
    # part, and this its whole credited tonnes; None when issued whole.
    record_credited_tco2e: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AdjustmentStep:
    status: str
    attested_at: datetime


@dataclass(frozen=True, slots=True)
class AuditStep:
    """A signed-ledger row about one block of the family (hub.domain.audit_chain)."""

    seq: int
    block_id: str
    event: str
    at: datetime
    hash: str


@dataclass(frozen=True, slots=True)
class BlockFamily:
    """A block as stored with its parent and delivery; a split leaves SPLIT
    parents whose units live on in their children."""

    entry: BlockEntry
    parent_block_id: str | None
    delivered_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class BlockLineage:
    block: BlockFamily  # the block asked for
    original: BlockFamily  # the block as first issued (itself when never split)
    family: tuple[BlockFamily, ...]  # every block of the original's tree, by issued_at
    issuance_id: str | None
    credited_tco2e: Decimal | None  # the batch's records credited (issued floored, rest carried)
    claims: int  # partner records behind the issuance batch
    personal_claims: int
    records: tuple[SourceRecord, ...]  # at most MAX_RECORDS_SHOWN, personal ones hidden
    delivered_at: datetime | None  # the exchange's first acknowledgement of the original
    retirements: tuple[RetirementEntry, ...]  # every retirement of the family
    adjustment_ref: str | None
    adjustments: tuple[AdjustmentStep, ...]  # the reference's attested history, oldest first
    audit: tuple[AuditStep, ...]  # every ledger row of the family, by seq

    @property
    def hidden_records(self) -> int:
        return self.claims - len(self.records)


def search_fragment(text: str) -> str:
    """A serial search as typed: trimmed and upper-cased (serials are)."""
    return text.strip().upper()[:MAX_SEARCH_FRAGMENT]
