"""Storage ports of carbon-neutrality claims and certificates.

``CertificateRepository`` writes inside the retirement's transaction (a unit
of work); ``CertificateQueries`` reads for the public (disclosure pages, the
API), on the read-only engine.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hub.domain.neutrality import Certificate, CertifiedRetirement, NeutralityClaim


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    claim: NeutralityClaim
    purpose: str
    digest: str  # hub.domain.neutrality.claim_digest
    retired_units: int
    version: int  # 0: never stored


class CertificateRepository(Protocol):
    def claim(self, claim_id: str) -> ClaimRecord | None: ...

    def save_claim(self, record: ClaimRecord, at: datetime) -> None:
        """Store with ``record.version``: 1 inserts, n > 1 updates the row at
        n - 1; anything else (a concurrent retirement of the same claim got
        there first) raises ConcurrentWriteConflict."""
        ...

    def add_retirement(
        self, claim_id: str, retired_block_id: str, retirement: CertifiedRetirement
    ) -> None: ...

    def retirements(self, claim_id: str) -> list[CertifiedRetirement]:
        """The claim's retirements with their blocks' series (origin, vintage ...)."""
        ...

    def add_certificate(self, claim_id: str, certificate: Certificate) -> None:
        """One per claim: a second raises ConcurrentWriteConflict."""
        ...

    def certificate_of_claim(self, claim_id: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class BlockStanding:
    state: str
    reason: str  # why the bureau cancelled it; empty otherwise


class CertificateQueries(Protocol):
    def certificate(self, certificate_id: str) -> Certificate | None: ...

    def certificates(self, after: str | None, limit: int) -> list[Certificate]:
        """Newest first; ``after`` is the last certificate id of the page before."""
        ...

    def standings(self, serials: Collection[str]) -> dict[str, BlockStanding]: ...
