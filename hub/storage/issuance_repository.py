"""The issuance tables: carry accounts (projects, sites, platform pools),
serial series counters, issuance records and the claims each issued.

See hub.services.issuance for the rules these rows enforce with several hub
processes on one database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Update,
    cast,
    func,
    insert,
    select,
    tuple_,
    update,
)

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.blocks import LIVE_STATES, BlockState
from hub.domain.inventory_exclusions import Coverage
from hub.domain.issuance import POOL, AccountKey, IssuanceState
from hub.domain.serial_blocks import SerialRange, Series
from hub.services.issuance_port import (
    CarryAccount,
    ClaimIssuance,
    IssuanceRecord,
    IssuanceTotals,
    IssuedPart,
    PoolBalance,
)
from hub.storage.block_tables import BlockRow
from hub.storage.claim_tables import ClaimRow
from hub.storage.issuance_tables import (
    NO_ADJUSTMENT,
    CarryAccountRow,
    ClaimIssuanceRow,
    IssuanceRow,
    SerialSeriesRow,
)
from hub.storage.planner_hints import unindexed
from hub.storage.transaction import Transaction, chunks

# --- issuance -----------------------------------------------------------------


def _account_columns(key: AccountKey) -> tuple[str, str, int, str, str]:
    return (
        key.partner,
        key.methodology,
        key.vintage,
        key.account,
        key.adjustment_ref or NO_ADJUSTMENT,
    )


class SqlAlchemyIssuanceRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction
        self._pools = PoolQueries(transaction)

    def overfull(self, limit: int) -> list[CarryAccount]:
        return self._pools.overfull(limit)

    def pools(self, partner: str | None, vintage: int | None) -> list[PoolBalance]:
        return self._pools.pools(partner, vintage)

    def carried(self, keys: Collection[AccountKey]) -> dict[AccountKey, CarryAccount]:
        by_columns = {_account_columns(key): key for key in keys}
        found: dict[AccountKey, CarryAccount] = {}
        connection = self._tx.connection
        key_columns = tuple_(
            CarryAccountRow.partner,
            CarryAccountRow.methodology,
            CarryAccountRow.vintage,
            CarryAccountRow.account,
            CarryAccountRow.adjustment_ref,
        )
        for chunk in chunks(sorted(by_columns)):
            for partner, methodology, vintage, account, ref, carried, version in connection.execute(
                select(
                    CarryAccountRow.partner,
                    CarryAccountRow.methodology,
                    CarryAccountRow.vintage,
                    CarryAccountRow.account,
                    CarryAccountRow.adjustment_ref,
                    CarryAccountRow.carried,
                    CarryAccountRow.version,
                ).where(key_columns.in_(list(chunk)))
            ):
                key = by_columns[(partner, methodology, vintage, account, ref)]
                found[key] = CarryAccount(key=key, carried=carried, version=version)
        return found

    def save_carry(self, accounts: Sequence[CarryAccount]) -> None:
        inserts = []
        updates = []
        for account in accounts:
            if account.version == 1:
                inserts.append(account)
            elif account.version > 1:
                updates.append(account)
            else:
                raise self._tx.conflict(
                    f"carry account {account.key} saved with version {account.version}"
                )
        with self._tx.writing() as connection:
            for chunk in chunks(inserts):
                connection.execute(
                    insert(CarryAccountRow),
                    [
                        dict(
                            zip(
                                ("partner", "methodology", "vintage", "account", "adjustment_ref"),
                                _account_columns(account.key),
                                strict=True,
                            ),
                            carried=account.carried,
                            version=1,
                        )
                        for account in chunk
                    ],
                )
            for account in updates:
                partner, methodology, vintage, name, ref = _account_columns(account.key)
                result = connection.execute(
                    update(CarryAccountRow)
                    .where(
                        CarryAccountRow.partner == partner,
                        CarryAccountRow.methodology == methodology,
                        CarryAccountRow.vintage == vintage,
                        CarryAccountRow.account == name,
                        CarryAccountRow.adjustment_ref == ref,
                        CarryAccountRow.version == account.version - 1,
                    )
                    .values(carried=account.carried, version=account.version)
                )
                self._tx.require_rows(
                    result,
                    1,
                    f"carry account {account.key} is not at version {account.version - 1}",
                )

    def reserve_units(self, series: Series, units: int) -> SerialRange:
        if units < 1:
            raise ValueError(f"cannot reserve {units} units")
        key = series.key
        with self._tx.writing() as connection:
            seen = connection.execute(
                select(SerialSeriesRow.next_unit).where(SerialSeriesRow.series == key)
            ).scalar_one_or_none()
            if seen is None:
                # A concurrent first reservation of the series collides on the
                # primary key (PostgreSQL waits for the other transaction).
                connection.execute(
                    insert(SerialSeriesRow), [{"series": key, "next_unit": units + 1}]
                )
                first = 1
            else:
                # Conditional on the value read: on PostgreSQL a concurrent
                # reservation holds the row until it commits, after which this
                # update no longer matches (READ COMMITTED re-reads the row).
                result = connection.execute(
                    update(SerialSeriesRow)
                    .where(SerialSeriesRow.series == key, SerialSeriesRow.next_unit == seen)
                    .values(next_unit=seen + units)
                )
                self._tx.require_rows(result, 1, f"units of {key} reserved concurrently")
                first = int(seen)
        return SerialRange(series, first, first + units - 1)

    def record(self, issuances: Sequence[IssuanceRecord]) -> None:
        if not issuances:
            return
        issuance_rows: list[dict[str, Any]] = [
            {
                "issuance_id": record.issuance_id,
                "partner": record.key.partner,
                "methodology": record.key.methodology,
                "vintage": record.key.vintage,
                "account": record.key.account,
                "adjustment_ref": record.key.adjustment_ref,
                "carried_before": record.carried_before,
                "units": record.units,
                "carried_after": record.carried_after,
                "block_id": record.block_id,
                "issued_at": record.issued_at,
            }
            for record in issuances
        ]
        claim_rows: list[dict[str, Any]] = [
            {
                "claim_id": claim_id,
                "vintage": record.key.vintage,
                "issuance_id": record.issuance_id,
                "credited_tco2e": credited,
            }
            for record in issuances
            for claim_id, credited in record.claims
        ]
        issued: list[str] = sorted(
            {claim_id for record in issuances for claim_id, _ in record.claims}
        )
        with self._tx.writing() as connection:
            for chunk in chunks(issuance_rows):
                connection.execute(insert(IssuanceRow), list(chunk))
            # The primary key on (claim_id, vintage): a claim (or one of its
            # vintage parts) issued by anyone else refuses this.
            for chunk in chunks(claim_rows):
                connection.execute(insert(ClaimIssuanceRow), list(chunk))
            for ids in chunks(issued):
                result = connection.execute(mark_issued(ids))
                self._tx.require_rows(
                    result, len(ids), "a claim is no longer PENDING (or not ACCEPTED)"
                )

    def coverage(self, partner: str, reference: str) -> Coverage:
        units = 0
        vintages: set[int] = set()
        # Integer sums: exact in SQL on both databases.
        for vintage, total in self._tx.connection.execute(
            select(BlockRow.vintage, func.sum(BlockRow.last_unit - BlockRow.first_unit + 1))
            .where(
                BlockRow.partner == partner,
                BlockRow.adjustment_ref == reference,
                BlockRow.state.in_(sorted(str(state) for state in LIVE_STATES)),
            )
            .group_by(BlockRow.vintage)
        ):
            units += int(total)
            vintages.add(int(vintage))
        return Coverage(units, frozenset(vintages))

    def totals(self, partner: str) -> IssuanceTotals:
        connection = self._tx.connection
        issued: set[str] = set()
        credited = Decimal(0)
        # Sums of exact decimals in Python: SQLite stores them as text and its
        # SUM would go through floats. A claim issued in vintage parts counts once.
        for claim_id, amount in connection.execute(
            select(ClaimIssuanceRow.claim_id, ClaimIssuanceRow.credited_tco2e)
            .join(IssuanceRow, IssuanceRow.issuance_id == ClaimIssuanceRow.issuance_id)
            .where(IssuanceRow.partner == partner)
        ):
            issued.add(claim_id)
            credited += amount
        claims_issued = len(issued)
        units = connection.execute(
            select(func.coalesce(func.sum(IssuanceRow.units), 0)).where(
                IssuanceRow.partner == partner
            )
        ).scalar_one()
        carried = Decimal(0)
        for (amount,) in connection.execute(
            select(CarryAccountRow.carried).where(CarryAccountRow.partner == partner)
        ):
            carried += amount
        return IssuanceTotals(
            claims_issued=claims_issued,
            units_issued=int(units),
            carried_tco2e=carried,
            credited_issued_tco2e=credited,
        )

    def of_claims(self, claim_ids: Collection[str]) -> dict[str, ClaimIssuance]:
        connection = self._tx.connection
        rows: list[tuple[str, int, Decimal, str, Decimal, str | None]] = []
        for chunk in chunks(sorted(set(claim_ids))):
            rows.extend(
                connection.execute(
                    select(
                        ClaimIssuanceRow.claim_id,
                        ClaimIssuanceRow.vintage,
                        ClaimIssuanceRow.credited_tco2e,
                        IssuanceRow.issuance_id,
                        IssuanceRow.carried_after,
                        IssuanceRow.block_id,
                    )
                    .join(IssuanceRow, IssuanceRow.issuance_id == ClaimIssuanceRow.issuance_id)
                    .where(ClaimIssuanceRow.claim_id.in_(chunk))
                )
            )
        serials = _live_serials(self._tx, {block_id for *_, block_id in rows if block_id})
        parts: dict[str, list[IssuedPart]] = defaultdict(list)
        for claim_id, vintage, credited, issuance_id, carried_after, block_id in sorted(rows):
            parts[claim_id].append(
                IssuedPart(
                    vintage=vintage,
                    credited_tco2e=credited,
                    issuance_id=issuance_id,
                    block_serials=serials.get(block_id, ()) if block_id else (),
                    carried_after=carried_after,
                )
            )
        return {
            claim_id: ClaimIssuance(
                issuance_id=issued[-1].issuance_id,
                block_serials=tuple(s for part in issued for s in part.block_serials),
                carried_after=issued[-1].carried_after,
                parts=tuple(issued),
            )
            for claim_id, issued in parts.items()
        }


def mark_issued(claim_ids: Sequence[str]) -> Update:
    """Claims PENDING → ISSUED, only those still PENDING and ACCEPTED."""
    return (
        update(ClaimRow)
        .where(
            ClaimRow.claim_id.in_(claim_ids),
            # Unindexed so that SQLite looks the claims up by their primary key:
            # on the bare columns its planner (no statistics) picks the
            # (decision, issuance, received_at) index and reads every pending
            # claim for each chunk, which made issuing a large ledger quadratic
            # (hub.storage.planner_hints).
            unindexed(ClaimRow.issuance) == str(IssuanceState.PENDING),
            unindexed(ClaimRow.decision) == str(Decision.ACCEPTED),
        )
        .values(issuance=str(IssuanceState.ISSUED))
    )


def _live_serials(tx: Transaction, roots: set[str]) -> dict[str, tuple[str, ...]]:
    """root block id -> the serials of the root, or once split, of its live
    descendants, in unit order."""
    connection = tx.connection
    root_of: dict[str, str] = {}
    live: dict[str, list[tuple[int, str]]] = defaultdict(list)
    frontier: list[str] = []
    for chunk in chunks(sorted(roots)):
        for block_id, serial, state, first in connection.execute(
            select(BlockRow.block_id, BlockRow.serial, BlockRow.state, BlockRow.first_unit).where(
                BlockRow.block_id.in_(chunk)
            )
        ):
            root_of[block_id] = block_id
            if state == BlockState.SPLIT:
                frontier.append(block_id)
            else:
                live[block_id].append((first, serial))
    while frontier:
        parents, frontier = frontier, []
        for chunk in chunks(parents):
            for block_id, parent, serial, state, first in connection.execute(
                select(
                    BlockRow.block_id,
                    BlockRow.parent_block_id,
                    BlockRow.serial,
                    BlockRow.state,
                    BlockRow.first_unit,
                ).where(BlockRow.parent_block_id.in_(chunk))
            ):
                root = root_of[block_id] = root_of[str(parent)]
                if state == BlockState.SPLIT:
                    frontier.append(block_id)
                else:
                    live[root].append((first, serial))
    return {root: tuple(serial for _, serial in sorted(found)) for root, found in live.items()}


def _pool_order(key: AccountKey) -> tuple[str, str, str, int, str]:
    return (key.partner, key.account, key.methodology, key.vintage, key.adjustment_ref or "")


def _key_of(
    partner: str, methodology: str, vintage: int, account: str, ref: str | None
) -> AccountKey:
    return AccountKey(partner, methodology, vintage, account, ref or None)


class PoolQueries:
    """The pools' balances and the accounts carrying whole tonnes."""

    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def overfull(self, limit: int) -> list[CarryAccount]:
        # Few rows ever match (only pools that took over their people's
        # remainders, migration 0007).
        found: list[CarryAccount] = []
        for row in self._tx.connection.execute(
            select(
                CarryAccountRow.partner,
                CarryAccountRow.methodology,
                CarryAccountRow.vintage,
                CarryAccountRow.account,
                CarryAccountRow.adjustment_ref,
                CarryAccountRow.carried,
                CarryAccountRow.version,
            )
            # Approximate as floats to skip the many rows far below a tonne
            # (SQLite keeps exact decimals as text); exact in Python below.
            .where(
                CarryAccountRow.account.like(f"{POOL}:%"),
                cast(CarryAccountRow.carried, Float) >= 0.99,
            )
            .order_by(
                CarryAccountRow.partner,
                CarryAccountRow.methodology,
                CarryAccountRow.vintage,
                CarryAccountRow.account,
                CarryAccountRow.adjustment_ref,
            )
        ):
            if row.carried >= 1:
                key = _key_of(
                    row.partner, row.methodology, row.vintage, row.account, row.adjustment_ref
                )
                found.append(CarryAccount(key, row.carried, row.version))
                if len(found) >= limit:
                    break
        return found

    def pools(self, partner: str | None, vintage: int | None) -> list[PoolBalance]:
        return pool_balances(self._tx.connection, partner, vintage)


def pool_balances(
    connection: Connection, partner: str | None, vintage: int | None
) -> list[PoolBalance]:
    """Every pool ("pool:<platform>" account) of ``partner`` and ``vintage``
    (None: all): its claims' credited tonnes, units issued, what it carries."""
    carry_where: list[ColumnElement[bool]] = [CarryAccountRow.account.like(f"{POOL}:%")]
    issuance_where: list[ColumnElement[bool]] = [IssuanceRow.account.like(f"{POOL}:%")]
    if partner is not None:
        carry_where.append(CarryAccountRow.partner == partner)
        issuance_where.append(IssuanceRow.partner == partner)
    if vintage is not None:
        carry_where.append(CarryAccountRow.vintage == vintage)
        issuance_where.append(IssuanceRow.vintage == vintage)
    carried: dict[AccountKey, Decimal] = {}
    for p, m, v, account, ref, amount in connection.execute(
        select(
            CarryAccountRow.partner,
            CarryAccountRow.methodology,
            CarryAccountRow.vintage,
            CarryAccountRow.account,
            CarryAccountRow.adjustment_ref,
            CarryAccountRow.carried,
        ).where(*carry_where)
    ):
        carried[_key_of(p, m, v, account, ref)] = amount
    units: dict[AccountKey, int] = defaultdict(int)
    for row in connection.execute(
        select(
            IssuanceRow.partner,
            IssuanceRow.methodology,
            IssuanceRow.vintage,
            IssuanceRow.account,
            IssuanceRow.adjustment_ref,
            func.sum(IssuanceRow.units),
        )
        .where(*issuance_where)
        .group_by(
            IssuanceRow.partner,
            IssuanceRow.methodology,
            IssuanceRow.vintage,
            IssuanceRow.account,
            IssuanceRow.adjustment_ref,
        )
    ):
        units[_key_of(*row[:5])] += int(row[5] or 0)
    claims: dict[AccountKey, int] = defaultdict(int)
    credited: dict[AccountKey, Decimal] = defaultdict(Decimal)
    # Exact decimals summed in Python (SQLite's SUM goes through floats).
    for claim_row in connection.execute(
        select(
            IssuanceRow.partner,
            IssuanceRow.methodology,
            IssuanceRow.vintage,
            IssuanceRow.account,
            IssuanceRow.adjustment_ref,
            ClaimIssuanceRow.credited_tco2e,
        )
        .join(IssuanceRow, IssuanceRow.issuance_id == ClaimIssuanceRow.issuance_id)
        .where(*issuance_where)
    ):
        key = _key_of(*claim_row[:5])
        claims[key] += 1
        credited[key] += claim_row[5]
    keys = set(carried) | set(units) | set(claims)
    return [
        PoolBalance(
            key=key,
            claims=claims.get(key, 0),
            credited_tco2e=credited.get(key, Decimal(0)),
            units=units.get(key, 0),
            carried_tco2e=carried.get(key, Decimal(0)),
        )
        for key in sorted(keys, key=_pool_order)
    ]
