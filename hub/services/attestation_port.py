"""The storage port of partners' attestations (hub.storage.attestation_repository).

Cancellation at source of an origin serial (unique per claim, per
cancellation id and per origin serial) and the history of an accounting
adjustment's (inventory exclusion's) attested status.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.attestations import AdjustmentAttestation, SourceCancellation


class AttestationRepository(Protocol):
    def source_cancellation_for_claim(self, claim_id: str) -> SourceCancellation | None: ...

    def source_cancellation_by_id(
        self, partner: str, cancellation_id: str
    ) -> SourceCancellation | None: ...

    def add_source_cancellation(self, attestation: SourceCancellation) -> None:
        """Unique per claim, per (partner, cancellation id) and per origin serial:
        a second one raises ConcurrentWriteConflict."""
        ...

    def adjustment_status(self, partner: str, reference: str) -> AdjustmentStatus | None:
        """The latest attested status of a reference; None when never attested."""
        ...

    def adjustment_statuses(
        self, references: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], AdjustmentStatus]:
        """The latest attested status of each (partner, reference) pair, read
        together; a pair never attested is absent."""
        ...

    def add_adjustment(self, attestation: AdjustmentAttestation) -> None:
        """Append to the reference's history; the latest becomes its status."""
        ...

    def adjustment_history(self, partner: str, reference: str) -> list[AdjustmentAttestation]:
        """The reference's attestations in the order they were recorded."""
        ...

    def adjustments_of(self, partner: str) -> dict[str, AdjustmentStatus]: ...

    def lock_exclusions(self, references: Collection[tuple[str, str]]) -> None:
        """Make other transactions that attest, issue or sweep under these
        (partner, reference) pairs wait until this one ends, so what is read
        of them next stays true until it commits (PostgreSQL: an advisory
        transaction lock per pair, taken in one order; SQLite: BEGIN IMMEDIATE
        serialises writers anyway). Take it before reading the references."""
        ...
