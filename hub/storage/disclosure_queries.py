"""The public disclosure's queries: SQLAlchemy Core, set-based, keyset-paged.

They run on their own engine whose sessions the database itself keeps
read-only (SQLite ``PRAGMA query_only``, PostgreSQL
``default_transaction_read_only``): nothing reached through disclosure can
write, whatever a query says. Totals are grouped by the database over the
ledger's own rows: issued = original blocks (a split block's children tile
it), retired = the retirements' blocks, cancelled = CANCELLED blocks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Engine,
    Executable,
    String,
    and_,
    case,
    cast,
    create_engine,
    event,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from hub.domain.audit_chain import Checkpoint
from hub.domain.blocks import BlockState
from hub.services.block_lineage import BlockLineage
from hub.services.disclosure import (
    BlockEntry,
    DisclosureFilter,
    DisclosureQueries,
    Listing,
    LoadedRegister,
    ProjectEntry,
    ProjectKey,
    ProjectTimeKey,
    RetirementEntry,
    TimeKey,
    TotalsDimension,
    TotalsEntry,
)
from hub.services.issuance_port import PoolBalance
from hub.storage.audit_repository import CHECKPOINT_COLUMNS, checkpoint_of
from hub.storage.audit_tables import AuditCheckpointRow
from hub.storage.block_lineage_queries import block_lineage, serials_like
from hub.storage.block_tables import BlockRow
from hub.storage.issuance_repository import pool_balances
from hub.storage.project_tables import ProjectRow
from hub.storage.register_tables import RegisterImportRow
from hub.storage.retirement_tables import RetirementRow

_UNITS = BlockRow.last_unit - BlockRow.first_unit + 1


def create_read_only_engine(url: str, fallback: Engine) -> Engine:
    """An engine whose every session refuses writes. An in-memory SQLite
    database exists only on its one connection: it shares ``fallback``."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if fallback.pool.__class__ is StaticPool or parsed.database in (None, "", ":memory:"):
            return fallback
        engine = create_engine(parsed, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_read_only(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("PRAGMA query_only = ON")
            finally:
                cursor.close()

        return engine
    engine = create_engine(
        parsed.set(drivername="postgresql+psycopg"), pool_pre_ping=True, pool_size=4
    )

    @event.listens_for(engine, "connect")
    def _postgres_read_only(dbapi_connection: Any, _record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        finally:
            dbapi_connection.autocommit = autocommit

    return engine


def _start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _within(column: Any, where: DisclosureFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.since is not None:
        conditions.append(column >= _start(where.since))
    if where.until is not None:
        conditions.append(column < _start(where.until + timedelta(days=1)))
    return conditions


def _methodology_ids(methodology: str, former: Mapping[str, str]) -> list[str]:
    """Every id a methodology's blocks are stored under: its current id and
    its former ones (asked by either)."""
    current = former.get(methodology, methodology)
    return sorted({current, *(old for old, new in former.items() if new == current)})


def _current_methodology(former: Mapping[str, str]) -> ColumnElement[str]:
    """A block's methodology by its current id: blocks issued under a former
    id (their serial keeps it) are shown and grouped with their successor's."""
    if not former:
        return cast(BlockRow.methodology, String)
    return case(
        *(
            (BlockRow.methodology == old, literal(new, String))
            for old, new in sorted(former.items())
        ),
        else_=BlockRow.methodology,
    )


def _block_filters(where: DisclosureFilter, former: Mapping[str, str]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.partner is not None:
        conditions.append(BlockRow.partner == where.partner)
    if where.methodology is not None:
        conditions.append(BlockRow.methodology.in_(_methodology_ids(where.methodology, former)))
    if where.vintage is not None:
        conditions.append(BlockRow.vintage == where.vintage)
    return conditions


def _after(
    instant: Any, identity: Any, after: TimeKey | None, newest_first: bool
) -> list[ColumnElement[bool]]:
    if after is None:
        return []
    at, last = after
    if newest_first:
        return [or_(instant < at, and_(instant == at, identity < last))]
    return [or_(instant > at, and_(instant == at, identity > last))]


def _time_order(instant: Any, identity: Any, newest_first: bool) -> tuple[Any, Any]:
    if newest_first:
        return instant.desc(), identity.desc()
    return instant, identity


def _project_after(after: ProjectTimeKey, newest_first: bool) -> ColumnElement[bool]:
    # Spelled out rather than a row value: the UTC instant binds through its column type.
    at, partner, project_id = after
    if newest_first:
        return or_(
            ProjectRow.updated_at < at,
            and_(
                ProjectRow.updated_at == at,
                or_(
                    ProjectRow.partner < partner,
                    and_(ProjectRow.partner == partner, ProjectRow.project_id < project_id),
                ),
            ),
        )
    return or_(
        ProjectRow.updated_at > at,
        and_(
            ProjectRow.updated_at == at,
            or_(
                ProjectRow.partner > partner,
                and_(ProjectRow.partner == partner, ProjectRow.project_id > project_id),
            ),
        ),
    )


def _block_state(where: DisclosureFilter) -> list[ColumnElement[bool]]:
    if where.state is not None:
        return [BlockRow.state == where.state]
    return [BlockRow.state != str(BlockState.SPLIT)]


def _project_filters(where: DisclosureFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.partner is not None:
        conditions.append(ProjectRow.partner == where.partner)
    if where.methodology is not None:
        conditions.append(ProjectRow.partner_methodology == where.methodology)
    if where.state is not None:
        conditions.append(ProjectRow.review_state == where.state)
    return conditions


_PROJECT_COLUMNS = (
    ProjectRow.partner,
    ProjectRow.project_id,
    ProjectRow.name,
    ProjectRow.partner_methodology,
    ProjectRow.region_code,
    ProjectRow.size_value,
    ProjectRow.size_unit,
    ProjectRow.crediting_start,
    ProjectRow.crediting_end,
    ProjectRow.status,
    ProjectRow.review_state,
    ProjectRow.updated_at,
)


class SqlAlchemyDisclosureQueries:
    """Implements hub.services.disclosure.DisclosureQueries."""

    def __init__(
        self, engine: Engine, former_methodologies: Mapping[str, str] | None = None
    ) -> None:
        self._engine = engine
        # Former methodology id -> current id (Standard.former_methodology_ids).
        self._former: Mapping[str, str] = dict(former_methodologies or {})
        self._methodology = _current_methodology(self._former)

    def _all(self, statement: Executable) -> Sequence[Any]:
        with self._engine.connect() as connection:
            return connection.execute(statement).all()

    def _month(self, column: Any) -> ColumnElement[str]:
        if self._engine.dialect.name == "postgresql":
            return func.to_char(func.timezone("UTC", column), "YYYY-MM", type_=String)
        # SQLite keeps UTC instants as ISO text: the month is its first seven characters.
        return func.substr(column, 1, 7, type_=String)

    def projects(
        self, where: DisclosureFilter, after: ProjectKey | None, limit: int
    ) -> list[ProjectEntry]:
        statement = select(*_PROJECT_COLUMNS).where(*_project_filters(where))
        if after is not None:
            partner, project_id = after
            statement = statement.where(
                or_(
                    ProjectRow.partner > partner,
                    and_(ProjectRow.partner == partner, ProjectRow.project_id > project_id),
                )
            )
        statement = statement.order_by(ProjectRow.partner, ProjectRow.project_id).limit(limit)
        return [ProjectEntry(*row) for row in self._all(statement)]

    def projects_by_time(
        self, where: DisclosureFilter, after: ProjectTimeKey | None, limit: int
    ) -> list[ProjectEntry]:
        statement = select(*_PROJECT_COLUMNS).where(*_project_filters(where))
        if after is not None:
            statement = statement.where(_project_after(after, where.newest_first))
        columns = (ProjectRow.updated_at, ProjectRow.partner, ProjectRow.project_id)
        if where.newest_first:
            statement = statement.order_by(*(c.desc() for c in columns))
        else:
            statement = statement.order_by(*columns)
        return [ProjectEntry(*row) for row in self._all(statement.limit(limit))]

    def blocks(
        self, where: DisclosureFilter, after: TimeKey | None, limit: int
    ) -> list[BlockEntry]:
        statement = select(
            BlockRow.block_id,
            BlockRow.serial,
            BlockRow.partner,
            BlockRow.origin,
            self._methodology.label("methodology"),
            BlockRow.vintage,
            BlockRow.project,
            BlockRow.first_unit,
            BlockRow.last_unit,
            BlockRow.state,
            BlockRow.adjustment_status,
            BlockRow.issued_at,
        ).where(
            *_block_filters(where, self._former),
            *_within(BlockRow.issued_at, where),
            *_after(BlockRow.issued_at, BlockRow.block_id, after, where.newest_first),
            *_block_state(where),
        )
        statement = statement.order_by(
            *_time_order(BlockRow.issued_at, BlockRow.block_id, where.newest_first)
        ).limit(limit)
        return [BlockEntry(*row) for row in self._all(statement)]

    def retirements(
        self, where: DisclosureFilter, after: TimeKey | None, limit: int
    ) -> list[RetirementEntry]:
        newest = where.newest_first
        statement = (
            select(
                RetirementRow.retirement_id,
                BlockRow.block_id,
                BlockRow.serial,
                BlockRow.partner,
                self._methodology.label("methodology"),
                BlockRow.vintage,
                _UNITS.label("units"),
                RetirementRow.request,
                RetirementRow.retired_at,
            )
            .select_from(RetirementRow)
            .join(BlockRow, BlockRow.block_id == RetirementRow.retired_block_id)
            .where(
                *_block_filters(where, self._former),
                *_within(RetirementRow.retired_at, where),
                *_after(
                    RetirementRow.retired_at, RetirementRow.retirement_id, after, where.newest_first
                ),
            )
            .order_by(*_time_order(RetirementRow.retired_at, RetirementRow.retirement_id, newest))
            .limit(limit)
        )
        entries: list[RetirementEntry] = []
        for row in self._all(statement):
            request = json.loads(row.request)
            entries.append(
                RetirementEntry(
                    retirement_id=row.retirement_id,
                    block_id=row.block_id,
                    serial=row.serial,
                    partner=row.partner,
                    methodology=row.methodology,
                    vintage=row.vintage,
                    units=int(row.units),
                    purpose=str(request["purpose"]),
                    beneficiary=str(request["beneficiary"]),
                    retired_at=row.retired_at,
                )
            )
        return entries

    def _figures(self, by: TotalsDimension | None, where: DisclosureFilter) -> Any:
        """One row per figure source: (key, issued, retired, cancelled)."""

        def key(instant: Any) -> ColumnElement[str]:
            if by is TotalsDimension.PARTNER:
                return cast(BlockRow.partner, String)
            if by is TotalsDimension.METHODOLOGY:
                return self._methodology
            if by is TotalsDimension.VINTAGE:
                return cast(BlockRow.vintage, String)
            if by is TotalsDimension.MONTH:
                return self._month(instant)
            return literal("", String)

        zero = literal(0, BigInteger)
        units = cast(_UNITS, BigInteger)
        issued = select(
            key(BlockRow.issued_at).label("key"),
            units.label("issued"),
            zero.label("retired"),
            zero.label("cancelled"),
        ).where(
            BlockRow.parent_block_id.is_(None),
            *_block_filters(where, self._former),
            *_within(BlockRow.issued_at, where),
        )
        retired = (
            select(
                key(RetirementRow.retired_at).label("key"),
                zero.label("issued"),
                units.label("retired"),
                zero.label("cancelled"),
            )
            .select_from(RetirementRow)
            .join(BlockRow, BlockRow.block_id == RetirementRow.retired_block_id)
            .where(*_block_filters(where, self._former), *_within(RetirementRow.retired_at, where))
        )
        cancelled = select(
            key(BlockRow.updated_at).label("key"),
            zero.label("issued"),
            zero.label("retired"),
            units.label("cancelled"),
        ).where(
            BlockRow.state == str(BlockState.CANCELLED),
            *_block_filters(where, self._former),
            *_within(BlockRow.updated_at, where),
        )
        return union_all(issued, retired, cancelled).subquery("figures")

    def totals(
        self, by: TotalsDimension, where: DisclosureFilter, after: str | None, limit: int
    ) -> list[TotalsEntry]:
        figures = self._figures(by, where)
        statement = select(
            figures.c.key,
            func.sum(figures.c.issued),
            func.sum(figures.c.retired),
            func.sum(figures.c.cancelled),
        ).group_by(figures.c.key)
        if after is not None:
            statement = statement.where(figures.c.key > after)
        statement = statement.order_by(figures.c.key).limit(limit)
        return [TotalsEntry(str(k), int(i), int(r), int(c)) for k, i, r, c in self._all(statement)]

    def overall(self, where: DisclosureFilter) -> TotalsEntry:
        figures = self._figures(None, where)
        statement = select(
            func.coalesce(func.sum(figures.c.issued), 0),
            func.coalesce(func.sum(figures.c.retired), 0),
            func.coalesce(func.sum(figures.c.cancelled), 0),
        )
        ((issued, retired, cancelled),) = self._all(statement)
        return TotalsEntry("", int(issued), int(retired), int(cancelled))

    def checkpoints(self, after: int | None, limit: int) -> list[Checkpoint]:
        statement = select(*CHECKPOINT_COLUMNS)
        if after is not None:
            statement = statement.where(AuditCheckpointRow.seq > after)
        statement = statement.order_by(AuditCheckpointRow.seq).limit(limit)
        return [checkpoint_of(row) for row in self._all(statement)]

    def latest_checkpoint(self) -> Checkpoint | None:
        statement = select(*CHECKPOINT_COLUMNS).order_by(AuditCheckpointRow.seq.desc()).limit(1)
        rows = self._all(statement)
        return checkpoint_of(rows[0]) if rows else None

    def count(self, listing: Listing, where: DisclosureFilter) -> int:
        conditions: list[ColumnElement[bool]]
        if listing is Listing.PROJECTS:
            statement = select(func.count()).select_from(ProjectRow)
            conditions = _project_filters(where)
        elif listing is Listing.BLOCKS:
            statement = select(func.count()).select_from(BlockRow)
            conditions = [
                *_block_filters(where, self._former),
                *_within(BlockRow.issued_at, where),
                *_block_state(where),
            ]
        else:
            statement = (
                select(func.count())
                .select_from(RetirementRow)
                .join(BlockRow, BlockRow.block_id == RetirementRow.retired_block_id)
            )
            conditions = [
                *_block_filters(where, self._former),
                *_within(RetirementRow.retired_at, where),
            ]
        ((found,),) = self._all(statement.where(*conditions))
        return int(found)

    def lineage(self, serial: str) -> BlockLineage | None:
        with self._engine.connect() as connection:
            return block_lineage(connection, serial)

    def serials_like(self, fragment: str, limit: int) -> list[BlockEntry]:
        with self._engine.connect() as connection:
            return serials_like(connection, fragment, limit)

    def registers(self) -> list[LoadedRegister]:
        # Never the actor (a person of the bureau) nor the file's name.
        r = RegisterImportRow
        statement = select(r.kind, r.version, r.imported_at, r.sha256, r.entries).order_by(
            r.kind, r.version
        )
        return [
            LoadedRegister(row.kind, row.version, row.imported_at, row.sha256, row.entries)
            for row in self._all(statement)
        ]

    def pools(self, partner: str | None, vintage: int | None) -> list[PoolBalance]:
        # The pools' figures as the issuer keeps them: carry rows and issuance
        # records, never a claim's person.
        with self._engine.connect() as connection:
            found = pool_balances(connection, partner, vintage)
        current = self._former
        return [
            replace(p, key=replace(p.key, methodology=current[p.key.methodology]))
            if p.key.methodology in current
            else p
            for p in found
        ]

    def current_methodology_id(self, methodology: str) -> str:
        return self._former.get(methodology, methodology)


def _conforms(queries: SqlAlchemyDisclosureQueries) -> DisclosureQueries:
    """Static proof (checked by mypy) that the queries satisfy the service port."""
    return queries
