"""Partners' attestations in the database (hub.services.attestation_port).

A cancellation at source is unique per claim, per (partner, cancellation
id) and per origin serial; when it cancels only part of the claim's origin
block, the claim's ORIGIN_SERIAL lock shrinks to that part in the same
transaction. An accounting adjustment's (inventory exclusion's) attestations
are appended; the latest is its status. Whoever attests, issues or sweeps
under a reference first takes its advisory lock (``lock_exclusions``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection

from sqlalchemy import ColumnElement, delete, insert, select, text, tuple_

from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.domain.attestations import AdjustmentAttestation, SourceCancellation
from hub.domain.locks import LockKind
from hub.storage.attestation_tables import AdjustmentAttestationRow, SourceCancellationRow
from hub.storage.claim_tables import ClaimLockRow
from hub.storage.transaction import Transaction, chunks

__all__ = ["SqlAlchemyAttestationRepository", "exclusion_lock_id"]

# One statement for all the pairs, taking the locks in ascending order (the
# sorted subquery feeds the outer call row by row in that order).
_ADVISORY_LOCKS = text(
    "SELECT count(pg_advisory_xact_lock(id)) FROM"
    " (SELECT id FROM unnest(CAST(:ids AS bigint[])) AS t (id) ORDER BY id) AS s"
)


def exclusion_lock_id(partner: str, reference: str) -> int:
    """The 64-bit advisory lock id of a partner's inventory exclusion reference
    (PostgreSQL). A hash: two references sharing one id only wait needlessly."""
    key = f"carbon-hub/inventory-exclusion/{partner}/{reference}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big", signed=True)


_CANCELLATION_COLUMNS = (
    SourceCancellationRow.partner,
    SourceCancellationRow.claim_id,
    SourceCancellationRow.origin_serial,
    SourceCancellationRow.cancellation_id,
    SourceCancellationRow.note,
    SourceCancellationRow.cancelled_at,
    SourceCancellationRow.attested_at,
)


class SqlAlchemyAttestationRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def _cancellation(self, *where: ColumnElement[bool]) -> SourceCancellation | None:
        row = self._tx.connection.execute(
            select(*_CANCELLATION_COLUMNS).where(*where)
        ).one_or_none()
        if row is None:
            return None
        return SourceCancellation(
            partner=row.partner,
            claim_id=row.claim_id,
            origin_serial=row.origin_serial,
            cancellation_id=row.cancellation_id,
            note=row.note,
            cancelled_at=row.cancelled_at,
            attested_at=row.attested_at,
        )

    def source_cancellation_for_claim(self, claim_id: str) -> SourceCancellation | None:
        return self._cancellation(SourceCancellationRow.claim_id == claim_id)

    def source_cancellation_by_id(
        self, partner: str, cancellation_id: str
    ) -> SourceCancellation | None:
        return self._cancellation(
            SourceCancellationRow.partner == partner,
            SourceCancellationRow.cancellation_id == cancellation_id,
        )

    def add_source_cancellation(self, attestation: SourceCancellation) -> None:
        # Primary key on claim_id, unique (partner, cancellation_id) and origin_serial.
        with self._tx.writing() as connection:
            connection.execute(
                insert(SourceCancellationRow),
                [
                    {
                        "partner": attestation.partner,
                        "claim_id": attestation.claim_id,
                        "origin_serial": attestation.origin_serial,
                        "cancellation_id": attestation.cancellation_id,
                        "note": attestation.note,
                        "cancelled_at": attestation.cancelled_at,
                        "attested_at": attestation.attested_at,
                    }
                ],
            )
            part = attestation.cancelled
            if part is not None:
                # The origin keeps the rest of its block: the claim's lock shrinks
                # to the cancelled part (locks are immutable: delete, then insert;
                # a part of the claim's own range overlaps no other lock).
                origin = ClaimLockRow.kind == str(LockKind.ORIGIN_SERIAL)
                connection.execute(
                    delete(ClaimLockRow).where(
                        ClaimLockRow.claim_id == attestation.claim_id, origin
                    )
                )
                connection.execute(
                    insert(ClaimLockRow),
                    [
                        {
                            "claim_id": attestation.claim_id,
                            "kind": str(LockKind.ORIGIN_SERIAL),
                            "key": part.series,
                            "lo": part.first,
                            "hi": part.last,
                        }
                    ],
                )

    def adjustment_status(self, partner: str, reference: str) -> AdjustmentStatus | None:
        status = self._tx.connection.execute(
            select(AdjustmentAttestationRow.status)
            .where(
                AdjustmentAttestationRow.partner == partner,
                AdjustmentAttestationRow.reference == reference,
            )
            .order_by(AdjustmentAttestationRow.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        return None if status is None else AdjustmentStatus(status)

    def adjustment_statuses(
        self, references: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], AdjustmentStatus]:
        latest: dict[tuple[str, str], AdjustmentStatus] = {}
        pairs = tuple_(AdjustmentAttestationRow.partner, AdjustmentAttestationRow.reference)
        for chunk in chunks(sorted(set(references))):
            # Each pair's history replayed in append order: the last row wins.
            for partner, reference, status in self._tx.connection.execute(
                select(
                    AdjustmentAttestationRow.partner,
                    AdjustmentAttestationRow.reference,
                    AdjustmentAttestationRow.status,
                )
                .where(pairs.in_(list(chunk)))
                .order_by(AdjustmentAttestationRow.id)
            ):
                latest[(partner, reference)] = AdjustmentStatus(status)
        return latest

    def add_adjustment(self, attestation: AdjustmentAttestation) -> None:
        with self._tx.writing() as connection:
            connection.execute(
                insert(AdjustmentAttestationRow),
                [
                    {
                        "partner": attestation.partner,
                        "reference": attestation.reference,
                        "status": str(attestation.status),
                        "attested_at": attestation.attested_at,
                        "note": attestation.note,
                        "quantity": attestation.quantity,
                        "vintage": attestation.vintage,
                    }
                ],
            )

    def adjustment_history(self, partner: str, reference: str) -> list[AdjustmentAttestation]:
        rows = self._tx.connection.execute(
            select(AdjustmentAttestationRow)
            .where(
                AdjustmentAttestationRow.partner == partner,
                AdjustmentAttestationRow.reference == reference,
            )
            .order_by(AdjustmentAttestationRow.id)
        )
        return [
            AdjustmentAttestation(
                partner=row.partner,
                reference=row.reference,
                status=AdjustmentStatus(row.status),
                attested_at=row.attested_at,
                note=row.note,
                quantity=row.quantity,
                vintage=row.vintage,
            )
            for row in rows
        ]

    def adjustments_of(self, partner: str) -> dict[str, AdjustmentStatus]:
        """Each reference's latest status (the history is replayed in append order)."""
        latest: dict[str, AdjustmentStatus] = {}
        for reference, status in self._tx.connection.execute(
            select(AdjustmentAttestationRow.reference, AdjustmentAttestationRow.status)
            .where(AdjustmentAttestationRow.partner == partner)
            .order_by(AdjustmentAttestationRow.id)
        ):
            latest[reference] = AdjustmentStatus(status)
        return latest

    def lock_exclusions(self, references: Collection[tuple[str, str]]) -> None:
        if not references or self._tx.dialect != "postgresql":
            return  # SQLite: BEGIN IMMEDIATE serialises every writer already
        ids = sorted({exclusion_lock_id(partner, ref) for partner, ref in references})
        with self._tx.writing() as connection:
            connection.execute(_ADVISORY_LOCKS, {"ids": ids}).scalar_one()
