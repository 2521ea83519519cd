"""External registers' lists in the database (hub.services.register_port).

``recorded_claims`` reads the claims tables too: which recorded claims a
newly loaded list may meet is the register's question (the same keys its
entries are indexed by), asked once per import.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, insert, or_, select, text

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.locks import LockKind
from hub.domain.reconciliation import DiscrepancyKind
from hub.domain.registers import (
    ListedEntry,
    RegisterEntry,
    RegisterKind,
    SerialRange,
    parse_serial_range,
)
from hub.services.register_port import RecordedClaim, RegisterRepository, RegisterVersion
from hub.storage.claim_tables import ClaimLockRow, ClaimRow
from hub.storage.lock_key_column import lock_key_upper
from hub.storage.planner_hints import unindexed
from hub.storage.reconciliation_tables import DiscrepancyRow
from hub.storage.register_tables import RegisterEntryKeyRow, RegisterEntryRow, RegisterImportRow
from hub.storage.transaction import Transaction, chunks

__all__ = ["SqlAlchemyRegisterRepository"]

_I, _E, _K = RegisterImportRow, RegisterEntryRow, RegisterEntryKeyRow
# The one advisory lock over every register's lists (PostgreSQL): taken
# exclusively by an import, shared by each delivery that reads the lists.
LISTS_LOCK_ID = int.from_bytes(
    hashlib.sha256(b"carbon-hub/register-lists").digest()[:8], "big", signed=True
)
_LOCK = text("SELECT pg_advisory_xact_lock(:id)")
_LOCK_SHARED = text("SELECT pg_advisory_xact_lock_shared(:id)")
_RECORDED = (str(Decision.ACCEPTED), str(Decision.HELD))
_SERIALS_PER_QUERY = 100
# (partner, project id) pairs per statement, as the serial ranges: two terms each.
_PROJECTS_PER_QUERY = 100


class SqlAlchemyRegisterRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def add_version(
        self,
        version: RegisterVersion,
        entries: Sequence[tuple[RegisterEntry, Collection[str]]],
    ) -> None:
        with self._tx.writing() as connection:
            connection.execute(
                insert(_I),
                [
                    {
                        "import_id": version.import_id,
                        "kind": str(version.kind),
                        "version": version.version,
                        "file_name": version.file_name,
                        "sha256": version.sha256,
                        "entries": version.entries,
                        "imported_at": version.imported_at,
                        "actor": version.actor,
                    }
                ],
            )
            rows = [
                {
                    "import_id": version.import_id,
                    "entry_id": e.entry_id,
                    "name": e.name,
                    "family": e.family,
                    "latitude": _text(e.latitude),
                    "longitude": _text(e.longitude),
                    "size": _text(e.size),
                    "size_unit": e.size_unit,
                    "region_code": e.region_code,
                    "asset_id": e.asset_id,
                    "period_start": e.period_start.isoformat() if e.period_start else "",
                    "period_end": e.period_end.isoformat() if e.period_end else "",
                    "serial_range": str(e.serials) if e.serials is not None else "",
                }
                for e, _ in entries
            ]
            keys = [
                {"import_id": version.import_id, "entry_id": e.entry_id, "index_key": key}
                for e, entry_keys in entries
                for key in sorted(set(entry_keys))
            ]
            for chunk in chunks(rows):
                connection.execute(insert(_E), list(chunk))
            for chunk in chunks(keys):
                connection.execute(insert(_K), list(chunk))

    def lock_lists(self, *, exclusive: bool) -> None:
        if self._tx.dialect != "postgresql":
            return  # SQLite: BEGIN IMMEDIATE serialises writers already
        with self._tx.writing() as connection:
            connection.execute(_LOCK if exclusive else _LOCK_SHARED, {"id": LISTS_LOCK_ID})

    def recorded_claims(
        self,
        asset_ids: Collection[str],
        serials: Collection[SerialRange],
        projects: Collection[tuple[str, str]],
    ) -> list[RecordedClaim]:
        found: dict[str, RecordedClaim] = {}
        ids = sorted(set(asset_ids))
        for chunk in chunks(ids):
            # lower() folds ASCII on both databases; the domain rule then
            # compares the ids again, folded as the matching folds them.
            self._read_claims(
                found,
                or_(
                    func.lower(func.trim(ClaimRow.project_id)).in_(chunk),
                    func.lower(func.trim(ClaimRow.site_id)).in_(chunk),
                ),
            )
        ranges = sorted(set(serials), key=lambda r: (r.series, r.first, r.last))
        # The series as text, upper-cased (keys are kept as bytes: lock_key_column).
        series = lock_key_upper(ClaimLockRow.key, self._tx.dialect)
        for part in chunks(ranges, _SERIALS_PER_QUERY):
            overlapping = or_(
                *(
                    and_(
                        series == r.series,
                        ClaimLockRow.lo <= r.last,
                        ClaimLockRow.hi >= r.first,
                    )
                    for r in part
                )
            )
            holders = select(ClaimLockRow.claim_id).where(
                ClaimLockRow.kind == str(LockKind.ORIGIN_SERIAL), overlapping
            )
            self._read_claims(found, ClaimRow.claim_id.in_(holders))
        for pairs in chunks(sorted(set(projects)), _PROJECTS_PER_QUERY):
            # A probe of the (partner, project_id) index a pair: SQLite
            # scanned every claim for a row value IN a list of pairs.
            self._read_claims(
                found,
                or_(
                    *(
                        and_(ClaimRow.partner == partner, ClaimRow.project_id == project_id)
                        for partner, project_id in pairs
                    )
                ),
            )
        return [found[claim_id] for claim_id in sorted(found)]

    def _read_claims(self, found: dict[str, RecordedClaim], where: ColumnElement[bool]) -> None:
        statement = select(
            ClaimRow.claim_id,
            ClaimRow.partner,
            ClaimRow.project_id,
            ClaimRow.site_id,
            ClaimRow.period_start,
            ClaimRow.period_end,
            # SQLite reads the few claims ``where`` names by key, not every
            # recorded claim in the (decision, ...) index (hub.storage.planner_hints).
        ).where(unindexed(ClaimRow.decision).in_(_RECORDED), where)
        for r in self._tx.connection.execute(statement):
            found[r.claim_id] = RecordedClaim(
                r.claim_id, r.partner, r.project_id, r.site_id, r.period_start, r.period_end
            )

    def reported(self, subjects: Collection[str]) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for chunk in chunks(sorted(set(subjects))):
            statement = select(DiscrepancyRow.subject_id, DiscrepancyRow.counterpart_value).where(
                DiscrepancyRow.kind == str(DiscrepancyKind.EXTERNAL_REGISTER),
                DiscrepancyRow.subject_id.in_(chunk),
            )
            found.update(
                (r.subject_id, r.counterpart_value) for r in self._tx.connection.execute(statement)
            )
        return found

    def versions(self, kind: RegisterKind | None = None) -> list[RegisterVersion]:
        statement = select(_I).order_by(_I.kind, _I.version)
        if kind is not None:
            statement = statement.where(_I.kind == str(kind))
        return [
            RegisterVersion(
                RegisterKind(r.kind),
                r.version,
                r.import_id,
                r.file_name,
                r.sha256,
                r.entries,
                r.imported_at,
                r.actor,
            )
            for r in self._tx.connection.execute(statement)
        ]

    def current(self, keys: Collection[str]) -> list[ListedEntry]:
        latest = select(_I.kind, func.max(_I.version).label("version")).group_by(_I.kind).subquery()
        found: dict[tuple[str, str], ListedEntry] = {}
        for chunk in chunks(sorted(set(keys))):
            statement = (
                select(_I.kind, _I.version, _I.imported_at, _E)
                .join(latest, (latest.c.kind == _I.kind) & (latest.c.version == _I.version))
                .join(_E, _E.import_id == _I.import_id)
                .join(_K, (_K.import_id == _E.import_id) & (_K.entry_id == _E.entry_id))
                .where(_K.index_key.in_(chunk))
            )
            for r in self._tx.connection.execute(statement):
                entry = RegisterEntry(
                    r.entry_id,
                    r.name,
                    r.family,
                    _decimal(r.latitude),
                    _decimal(r.longitude),
                    _decimal(r.size),
                    r.size_unit,
                    r.region_code,
                    r.asset_id,
                    date.fromisoformat(r.period_start) if r.period_start else None,
                    date.fromisoformat(r.period_end) if r.period_end else None,
                    parse_serial_range(r.serial_range) if r.serial_range else None,
                )
                found[(r.kind, r.entry_id)] = ListedEntry(
                    RegisterKind(r.kind), r.version, r.imported_at.isoformat(), entry
                )
        return [found[key] for key in sorted(found)]


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _conforms(repository: SqlAlchemyRegisterRepository) -> RegisterRepository:
    """Static proof (checked by mypy) that the repository satisfies the service port."""
    return repository
