"""What partners attest: cancellation at source, and inventory exclusions
(the wire's "accounting adjustments": hub.domain.inventory_exclusions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hub.domain.blocks import AdjustmentStatus


@dataclass(frozen=True, slots=True)
class SourceCancellation:
    """The origin registry cancelled a claim's whole origin block for the hub.

    Lock at source, then issue (like a bridge retiring at the source registry
    with the bridge's id in the retirement note): the note must name the hub
    claim id, the block must be the claim's whole origin block, and no other
    claim or cancellation may have used it.
    """

    partner: str
    claim_id: str
    origin_serial: str
    cancellation_id: str
    note: str
    cancelled_at: datetime
    attested_at: datetime


@dataclass(frozen=True, slots=True)
class AdjustmentAttestation:
    partner: str
    reference: str
    status: AdjustmentStatus  # COMMITTED, COMPLETED or REVOKED
    attested_at: datetime
    note: str = ""
    # What the exclusion covers (tCO2e, and the vintage); None on attestations
    # sent before the wire carried them, and on revocations.
    quantity: Decimal | None = None
    vintage: int | None = None
