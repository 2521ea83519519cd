"""Retirements in the database (hub.services.retirement_port).

Where a retirement is recorded: one row per retirement id (the primary key
refuses a second), with the request as the exchange sent it, and each ETS
entity's offset usage per compliance year, a versioned row updated
conditionally. The block's own move to RETIRED is hub.storage.block_repository's.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update

from hub.domain.retirements import Retirement, RetirementPurpose, RetirementRequest
from hub.services.retirement_port import OffsetUsage
from hub.storage.retirement_tables import OffsetUsageRow, RetirementRow
from hub.storage.serialisation import dumps
from hub.storage.transaction import Transaction, chunks

__all__ = ["SqlAlchemyRetirementRepository"]


def _request_to_json(request: RetirementRequest) -> str:
    return dumps(
        {
            "retirement_id": request.retirement_id,
            "block_id": request.block_id,
            "units": request.units,
            "purpose": str(request.purpose),
            "beneficiary": request.beneficiary,
            "compliance_entity": request.compliance_entity,
            "compliance_year": request.compliance_year,
            "verified_emissions_tco2e": (
                None
                if request.verified_emissions_tco2e is None
                else str(request.verified_emissions_tco2e)
            ),
            "event_name": request.event_name,
            "note": request.note,
        }
    )


def _request_from_json(text: str) -> RetirementRequest:
    data = json.loads(text)
    emissions = data["verified_emissions_tco2e"]
    return RetirementRequest(
        retirement_id=data["retirement_id"],
        block_id=data["block_id"],
        units=data["units"],
        purpose=RetirementPurpose(data["purpose"]),
        beneficiary=data["beneficiary"],
        compliance_entity=data["compliance_entity"],
        compliance_year=data["compliance_year"],
        verified_emissions_tco2e=None if emissions is None else Decimal(emissions),
        event_name=data["event_name"],
        note=data["note"],
    )


_RETIREMENT_COLUMNS = (
    RetirementRow.retirement_id,
    RetirementRow.request_digest,
    RetirementRow.request,
    RetirementRow.retired_block_id,
    RetirementRow.remainder_block_id,
    RetirementRow.retired_at,
)


def _retirement_from_row(row: Any) -> Retirement:
    return Retirement(
        retirement_id=row.retirement_id,
        request_digest=row.request_digest,
        request=_request_from_json(row.request),
        retired_block_id=row.retired_block_id,
        remainder_block_id=row.remainder_block_id,
        retired_at=row.retired_at,
    )


class SqlAlchemyRetirementRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def get(self, retirement_id: str) -> Retirement | None:
        row = self._tx.connection.execute(
            select(*_RETIREMENT_COLUMNS).where(RetirementRow.retirement_id == retirement_id)
        ).one_or_none()
        return None if row is None else _retirement_from_row(row)

    def add(self, retirement: Retirement) -> None:
        with self._tx.writing() as connection:
            connection.execute(
                insert(RetirementRow),
                [
                    {
                        "retirement_id": retirement.retirement_id,
                        "request_digest": retirement.request_digest,
                        "request": _request_to_json(retirement.request),
                        "retired_block_id": retirement.retired_block_id,
                        "remainder_block_id": retirement.remainder_block_id,
                        "retired_at": retirement.retired_at,
                    }
                ],
            )

    def offset_usage(self, entity: str, year: int) -> OffsetUsage:
        row = self._tx.connection.execute(
            select(OffsetUsageRow.units_by_origin, OffsetUsageRow.version).where(
                OffsetUsageRow.entity == entity, OffsetUsageRow.year == year
            )
        ).one_or_none()
        if row is None:
            return OffsetUsage(entity=entity, year=year, units_by_origin={}, version=0)
        units = {str(origin): int(n) for origin, n in json.loads(row.units_by_origin).items()}
        return OffsetUsage(entity=entity, year=year, units_by_origin=units, version=row.version)

    def save_offset_usage(self, usage: OffsetUsage) -> None:
        units = dumps({str(origin): int(n) for origin, n in usage.units_by_origin.items()})
        if usage.version < 1:
            raise self._tx.conflict(f"offset usage saved with version {usage.version}")
        with self._tx.writing() as connection:
            if usage.version == 1:
                connection.execute(
                    insert(OffsetUsageRow),
                    [
                        {
                            "entity": usage.entity,
                            "year": usage.year,
                            "units_by_origin": units,
                            "version": 1,
                        }
                    ],
                )
                return
            result = connection.execute(
                update(OffsetUsageRow)
                .where(
                    OffsetUsageRow.entity == usage.entity,
                    OffsetUsageRow.year == usage.year,
                    OffsetUsageRow.version == usage.version - 1,
                )
                .values(units_by_origin=units, version=usage.version)
            )
            self._tx.require_rows(
                result,
                1,
                f"offset usage of {usage.entity}/{usage.year} is not at version "
                f"{usage.version - 1}",
            )

    def for_blocks(self, block_ids: Collection[str]) -> dict[str, list[Retirement]]:
        """Each block's retirements oldest first (then by retirement id)."""
        found: dict[str, list[Retirement]] = defaultdict(list)
        connection = self._tx.connection
        for chunk in chunks(sorted(set(block_ids))):
            for row in connection.execute(
                select(*_RETIREMENT_COLUMNS)
                .where(RetirementRow.retired_block_id.in_(chunk))
                .order_by(RetirementRow.retired_at, RetirementRow.retirement_id)
            ):
                found[row.retired_block_id].append(_retirement_from_row(row))
        return dict(found)
