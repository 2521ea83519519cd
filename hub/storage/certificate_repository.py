"""Carbon-neutrality claims and certificates in the database.

``SqlAlchemyCertificateRepository`` implements
hub.services.certificate_port.CertificateRepository inside a unit of work;
``SqlAlchemyCertificateQueries`` implements CertificateQueries for the
public, on its own (read-only) engine.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Engine, and_, insert, or_, select, update

from hub.domain.neutrality import (
    Certificate,
    CertifiedRetirement,
    certificate_from_json,
    certificate_to_json,
    claim_from_json,
    claim_to_json,
)
from hub.domain.serial_blocks import parse_serial
from hub.services.certificate_port import BlockStanding, ClaimRecord
from hub.storage.block_tables import BlockRow
from hub.storage.certificate_tables import CertificateRow, ClaimRetirementRow, NeutralityClaimRow
from hub.storage.outbox_tables import OutboxRow
from hub.storage.serialisation import dumps
from hub.storage.transaction import Transaction, chunks

__all__ = ["SqlAlchemyCertificateQueries", "SqlAlchemyCertificateRepository"]

_CANCELLED = "CANCELLED"  # hub.services.outbox_port.OutboxKind.CANCELLED


def _certified(serial: str, retirement_id: str, units: int, at: datetime) -> CertifiedRetirement:
    series = parse_serial(serial).series
    return CertifiedRetirement(
        retirement_id=retirement_id,
        serial=serial,
        origin=series.origin,
        methodology=series.methodology,
        vintage=series.vintage,
        project=series.project,
        units=units,
        retired_at=at,
    )


class SqlAlchemyCertificateRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def claim(self, claim_id: str) -> ClaimRecord | None:
        row = self._tx.connection.execute(
            select(
                NeutralityClaimRow.claim,
                NeutralityClaimRow.purpose,
                NeutralityClaimRow.claim_digest,
                NeutralityClaimRow.retired_units,
                NeutralityClaimRow.version,
            ).where(NeutralityClaimRow.claim_id == claim_id)
        ).one_or_none()
        if row is None:
            return None
        claim_json, purpose, digest, retired, version = row
        return ClaimRecord(
            claim_from_json(json.loads(claim_json)), purpose, digest, retired, version
        )

    def save_claim(self, record: ClaimRecord, at: datetime) -> None:
        claim = record.claim
        with self._tx.writing() as connection:
            if record.version == 1:
                connection.execute(
                    insert(NeutralityClaimRow).values(
                        claim_id=claim.claim_id,
                        purpose=record.purpose,
                        claim=dumps(claim_to_json(claim)),
                        claim_digest=record.digest,
                        total_units=claim.total_units,
                        retired_units=record.retired_units,
                        version=1,
                        created_at=at,
                    )
                )
                return
            result = connection.execute(
                update(NeutralityClaimRow)
                .where(
                    NeutralityClaimRow.claim_id == claim.claim_id,
                    NeutralityClaimRow.version == record.version - 1,
                )
                .values(retired_units=record.retired_units, version=record.version)
            )
            self._tx.require_rows(result, 1, f"claim {claim.claim_id} changed meanwhile")

    def add_retirement(
        self, claim_id: str, retired_block_id: str, retirement: CertifiedRetirement
    ) -> None:
        with self._tx.writing() as connection:
            connection.execute(
                insert(ClaimRetirementRow).values(
                    retirement_id=retirement.retirement_id,
                    claim_id=claim_id,
                    retired_block_id=retired_block_id,
                    serial=retirement.serial,
                    units=retirement.units,
                    retired_at=retirement.retired_at,
                )
            )

    def retirements(self, claim_id: str) -> list[CertifiedRetirement]:
        rows = self._tx.connection.execute(
            select(
                ClaimRetirementRow.serial,
                ClaimRetirementRow.retirement_id,
                ClaimRetirementRow.units,
                ClaimRetirementRow.retired_at,
            ).where(ClaimRetirementRow.claim_id == claim_id)
        )
        return [_certified(*row) for row in rows]

    def add_certificate(self, claim_id: str, certificate: Certificate) -> None:
        with self._tx.writing() as connection:
            connection.execute(
                insert(CertificateRow).values(
                    certificate_id=certificate.certificate_id,
                    claim_id=claim_id,
                    statement=dumps(certificate_to_json(certificate)),
                    issued_at=certificate.issued_at,
                )
            )

    def certificate_of_claim(self, claim_id: str) -> str | None:
        found: str | None = self._tx.connection.execute(
            select(CertificateRow.certificate_id).where(CertificateRow.claim_id == claim_id)
        ).scalar_one_or_none()
        return found


class SqlAlchemyCertificateQueries:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def certificate(self, certificate_id: str) -> Certificate | None:
        with self._engine.connect() as connection:
            statement = connection.execute(
                select(CertificateRow.statement).where(
                    CertificateRow.certificate_id == certificate_id
                )
            ).scalar_one_or_none()
        return None if statement is None else certificate_from_json(json.loads(statement))

    def certificates(self, after: str | None, limit: int) -> list[Certificate]:
        query = select(CertificateRow.statement)
        with self._engine.connect() as connection:
            if after is not None:
                last = connection.execute(
                    select(CertificateRow.issued_at).where(CertificateRow.certificate_id == after)
                ).scalar_one_or_none()
                if last is None:
                    return []
                query = query.where(
                    or_(
                        CertificateRow.issued_at < last,
                        and_(
                            CertificateRow.issued_at == last,
                            CertificateRow.certificate_id < after,
                        ),
                    )
                )
            rows = connection.execute(
                query.order_by(
                    CertificateRow.issued_at.desc(), CertificateRow.certificate_id.desc()
                ).limit(limit)
            ).scalars()
            return [certificate_from_json(json.loads(text)) for text in rows]

    def standings(self, serials: Collection[str]) -> dict[str, BlockStanding]:
        found: dict[str, BlockStanding] = {}
        with self._engine.connect() as connection:
            for chunk in chunks(sorted(set(serials))):
                rows = connection.execute(
                    select(BlockRow.serial, BlockRow.state, OutboxRow.reason)
                    .outerjoin(
                        OutboxRow,
                        and_(OutboxRow.block_id == BlockRow.block_id, OutboxRow.kind == _CANCELLED),
                    )
                    .where(BlockRow.serial.in_(chunk))
                )
                for serial, state, reason in rows:
                    found[serial] = BlockStanding(state, reason or "")
        return found
