"""The carbon points ledger in the database (hub.services.points_port).

Implements PointsRepository over hub.storage.points_tables. Entries are
inserted, never updated; every insert moves the persons' balance rows in the
same transaction, each by one upsert, and the balance CHECK refuses a
negative balance whatever a caller decided. The daily cap sums a person's
AWARD entries of the day, found by (partner, person, day) (migration 0023).
An award's upsert also keeps its person's expiry bound (``next_expiry``,
migration 0022): the expiry sweep reads the bounds, not an index of every
award's expiry. Writers serialise per person with
``lock_persons`` (PostgreSQL advisory transaction locks, in one order, as
hub.storage.mobility_repository does for travel).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    bindparam,
    case,
    func,
    literal,
    select,
    text,
    tuple_,
    update,
)

from hub.domain.points import Award, EntryKind
from hub.services.points_port import (
    CapKey,
    CreditedClaim,
    LedgerPointsEntry,
    PersonKey,
    PointsMonth,
)
from hub.storage.claim_bulk import (
    bulk_add_keeping_earliest,
    bulk_insert_values,
)
from hub.storage.claim_tables import ClaimRow
from hub.storage.hex_digest_column import HexDigest
from hub.storage.instant_column import CompactInstant, sqlite_month
from hub.storage.person_prefix import person_prefix
from hub.storage.planner_hints import unindexed
from hub.storage.points_tables import PERSON_PREFIX, PointsBalanceRow, PointsEntryRow
from hub.storage.reported_persons import was_reported
from hub.storage.transaction import Transaction, chunks

__all__ = ["SqlAlchemyPointsRepository", "points_lock_id"]

_ADVISORY_LOCKS = text(
    "SELECT count(pg_advisory_xact_lock(id)) FROM"
    " (SELECT id FROM unnest(CAST(:ids AS bigint[])) AS t (id) ORDER BY id) AS s"
)
_E = PointsEntryRow
_B = PointsBalanceRow
# Of a CapKey (partner, person, methodology, day).
_PAIR = itemgetter(0, 1)
_DAY = itemgetter(3)


def points_lock_id(partner: str, person: str) -> int:
    """The 64-bit advisory lock id of a person's points with a partner."""
    digest = hashlib.sha256(
        b"carbon-hub/points/" + partner.encode("utf-8") + b"\x00" + person.encode("utf-8")
    ).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _entry(r: Any) -> LedgerPointsEntry:
    """An entry from a row of _COLUMNS."""
    return LedgerPointsEntry(
        kind=EntryKind(r.kind),
        partner=r.partner,
        person=r.person,
        points=int(r.points),
        occurred_at=r.occurred_at,
        platform=r.platform,
        methodology=r.methodology,
        claim_id=r.claim_id,
        redemption_id=r.redemption_id,
        day=r.day,
        expires_at=r.expires_at,
    )


_COLUMNS = (
    _E.kind,
    _E.partner,
    _E.person,
    _E.points,
    _E.occurred_at,
    _E.platform,
    _E.methodology,
    _E.claim_id,
    _E.redemption_id,
    _E.day,
    _E.expires_at,
)


# The columns of an entry row and a balance upsert, in the order _write's
# tuples give them.
_ENTRY_COLUMNS = (
    "kind",
    "partner",
    "person",
    "platform",
    "methodology",
    "claim_id",
    "redemption_id",
    "points",
    "day",
    "occurred_at",
    "expires_at",
)
_BALANCE_COLUMNS = ("partner", "person", "balance", "next_expiry")
# The whole person, compared after the index's prefix, unindexed: SQLite
# would otherwise put the constant of ``person = ?`` (and of a one-value IN)
# into the prefix's ``substr(person, ...)`` too, which then no longer matches
# the index's expression, and read every entry (hub.storage.planner_hints).
_EXACT_PERSON = unindexed(_E.person)
# What a partner's persons were awarded on days, per methodology: their
# AWARD entries by (partner, person, day), built once (SQLAlchemy then finds
# its compiled form by the statement's cache key each batch).
_AWARDED_ON = (
    select(_E.person, _E.day, _E.methodology, func.sum(_E.points))
    .where(
        # The index's key (ix_points_entries_person_prefix_day), then the exact terms.
        PERSON_PREFIX.in_(bindparam("prefixes", expanding=True)),
        _E.day.in_(bindparam("days", expanding=True)),
        _E.partner == bindparam("partner"),
        _EXACT_PERSON.in_(bindparam("persons", expanding=True)),
        # Not every award in the (kind, claim_id) key (hub.storage.planner_hints).
        unindexed(_E.kind) == str(EntryKind.AWARD),
    )
    .group_by(_E.person, _E.day, _E.methodology)
)


# A person's bound set by the sweep (under the person's lock, from their
# open awards) ...
_BOUND = bindparam("e", type_=CompactInstant())
_SET_NEXT_EXPIRY = (
    update(_B)
    .where(_B.partner == bindparam("p"), _B.person == bindparam("q"))
    .values(next_expiry=_BOUND)
)
# ... or kept the earlier of it and an award's expiry ``e`` (never NULL here).
_KEEP_EARLIER = (
    update(_B)
    .where(_B.partner == bindparam("p"), _B.person == bindparam("q"))
    .values(next_expiry=case((_B.next_expiry <= _BOUND, _B.next_expiry), else_=_BOUND))
)


class SqlAlchemyPointsRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def lock_persons(self, persons: Collection[PersonKey]) -> None:
        if not persons or self._tx.dialect != "postgresql":
            return  # SQLite: BEGIN IMMEDIATE serialises writers already
        ids = sorted({points_lock_id(partner, person) for partner, person in persons})
        with self._tx.writing() as connection:
            connection.execute(_ADVISORY_LOCKS, {"ids": ids}).scalar_one()

    def awarded_on(self, keys: Collection[CapKey]) -> dict[CapKey, int]:
        # The awards by key (partner, person, day): a look-up costs the
        # batch's persons and days and their awards on those days, not every
        # entry of each person, ever (ix_points_entries_person_prefix_day).
        wanted = set(keys)
        found: dict[CapKey, int] = {}
        by_partner: dict[str, set[str]] = defaultdict(set)
        # A batch's keys are a few persons' few days: the (partner, person)
        # pairs and the days are picked out in C, the pairs looped over.
        for partner, person in set(map(_PAIR, wanted)):
            by_partner[partner].add(person)
        days = sorted(set(map(_DAY, wanted)))
        for partner, persons in sorted(by_partner.items()):
            for chunk in chunks(sorted(persons)):
                rows = self._tx.connection.execute(
                    _AWARDED_ON,
                    {
                        "partner": partner,
                        "persons": chunk,
                        "prefixes": sorted({person_prefix(person) for person in chunk}),
                        "days": days,
                    },
                )
                for person, day, methodology, awarded in rows:
                    key = (partner, person, methodology, day)
                    if key in wanted:
                        found[key] = int(awarded)
        return found

    def awarded_claims(self, claim_ids: Collection[str]) -> set[str]:
        found: set[str] = set()
        for chunk in chunks(sorted(set(claim_ids))):
            found.update(
                claim_id
                for claim_id in self._tx.connection.execute(
                    select(_E.claim_id).where(
                        _E.kind == str(EntryKind.AWARD), _E.claim_id.in_(chunk)
                    )
                ).scalars()
                if claim_id is not None
            )
        return found

    def award_of(self, claim_id: str) -> LedgerPointsEntry | None:
        row = self._tx.connection.execute(
            select(*_COLUMNS).where(_E.kind == str(EntryKind.AWARD), _E.claim_id == claim_id)
        ).first()
        return _entry(row) if row is not None else None

    def entries(self, partner: str, person: str) -> list[LedgerPointsEntry]:
        rows = self._tx.connection.execute(
            select(*_COLUMNS)
            .where(
                literal(person_prefix(person)) == PERSON_PREFIX,
                _E.partner == partner,
                literal(person, HexDigest) == _EXACT_PERSON,
            )
            .order_by(_E.id)
        )
        return [_entry(row) for row in rows]

    def persons(self, person: str) -> list[str]:
        return list(
            self._tx.connection.execute(
                select(PointsBalanceRow.partner)
                .where(PointsBalanceRow.person == person)
                .order_by(PointsBalanceRow.partner)
            ).scalars()
        )

    def reported(self, partner: str, person: str) -> bool:
        # One row per (partner, person) since 0035 (hub.storage.reported_persons).
        return was_reported(self._tx.connection, partner, person)

    def credited_claims(self, claim_ids: Collection[str]) -> list[CreditedClaim]:
        found: list[CreditedClaim] = []
        for chunk in chunks(sorted(set(claim_ids))):
            rows = self._tx.connection.execute(
                select(
                    ClaimRow.claim_id,
                    ClaimRow.partner,
                    ClaimRow.person_pseudonym,
                    ClaimRow.platform,
                    ClaimRow.methodology,
                    ClaimRow.credited_tco2e,
                    ClaimRow.period_start,
                    ClaimRow.period_end,
                ).where(ClaimRow.claim_id.in_(chunk))
            )
            found.extend(
                CreditedClaim(c, p, (q or "").strip() or None, pl, m, t, s, e)
                for c, p, q, pl, m, t, s, e in rows
            )
        return found

    def balance(self, partner: str, person: str) -> int | None:
        value = self._tx.connection.execute(
            select(PointsBalanceRow.balance).where(
                PointsBalanceRow.partner == partner, PointsBalanceRow.person == person
            )
        ).scalar_one_or_none()
        return None if value is None else int(value)

    def redemption(self, partner: str, redemption_id: str) -> LedgerPointsEntry | None:
        row = self._tx.connection.execute(
            select(*_COLUMNS).where(_E.partner == partner, _E.redemption_id == redemption_id)
        ).first()
        return _entry(row) if row is not None else None

    def add(self, entries: Sequence[LedgerPointsEntry]) -> None:
        # Reversals, redemptions and expiries (awards come through add_awards
        # at ingestion and review, which is the hot path; this takes any kind).
        if not entries:
            return
        deltas: dict[PersonKey, int] = defaultdict(int)
        soonest: dict[PersonKey, datetime] = {}
        for e in entries:
            sign = 1 if e.kind is EntryKind.AWARD else -1
            pair = (e.partner, e.person)
            deltas[pair] += sign * e.points
            if e.kind is EntryKind.AWARD and e.expires_at is not None:
                known = soonest.get(pair)
                if known is None or e.expires_at < known:
                    soonest[pair] = e.expires_at
        rows = [
            (
                str(e.kind),
                e.partner,
                e.person,
                e.platform,
                e.methodology,
                e.claim_id,
                e.redemption_id,
                e.points,
                e.day,
                e.occurred_at,
                e.expires_at,
            )
            for e in entries
        ]
        self._write(rows, deltas, soonest)

    def add_awards(self, awards: Sequence[Award], occurred_at: datetime) -> None:
        if not awards:
            return
        # As ``add`` of the awards' entries, each row a tuple straight from
        # its award (docs/ingestion-profile.md, sixth and eleventh rounds).
        deltas: dict[PersonKey, int] = defaultdict(int)
        # Each person's earliest expiry in the batch (the balance's bound).
        soonest: dict[PersonKey, datetime] = {}
        rows: list[tuple[Any, ...]] = []
        append = rows.append
        kind = str(EntryKind.AWARD)
        for claim_id, partner, person, platform, methodology, points, day, expires, _ in awards:
            pair = (partner, person)
            deltas[pair] += points
            # A batch's awards share their expiry instants (awards_for): mostly
            # the same object, compared by identity before by value.
            known = soonest.get(pair)
            if known is None or (known is not expires and expires < known):
                soonest[pair] = expires
            append(
                (
                    kind,
                    partner,
                    person,
                    platform,
                    methodology,
                    claim_id,
                    None,
                    points,
                    day,
                    occurred_at,
                    expires,
                )
            )
        self._write(rows, deltas, soonest)

    def _write(
        self,
        rows: list[tuple[Any, ...]],
        deltas: dict[PersonKey, int],
        soonest: dict[PersonKey, datetime],
    ) -> None:
        # ``rows``: in _ENTRY_COLUMNS' order. ``soonest``: per person, the
        # earliest expiry of the awards among them; the balance row keeps the
        # earlier of it and its stored bound, so the bound is never later than
        # an open award's expiry (points_tables.PointsBalanceRow.next_expiry).
        # An award adds (or opens the person's row); a redemption, reversal or
        # expiry takes from the row that its award opened. Apart because the
        # database checks a row's CHECK before it looks for a conflicting key.
        # PostgreSQL: rows in key order, so two writers never deadlock on them.
        # SQLite serialises writers whole (BEGIN IMMEDIATE): the order is free,
        # and sorting a batch's keys cost about a microsecond per award.
        ordered = sorted if self._tx.dialect == "postgresql" else list
        balances = ordered(deltas.items())
        bound = soonest.get
        adding = [(k[0], k[1], d, bound(k)) for k, d in balances if d >= 0]
        taking = [{"p": p, "q": q, "d": d} for (p, q), d in balances if d < 0]
        # An award among entries that take more than it adds (not the
        # ingestion path, which only adds): its bound is kept all the same.
        earlier = [
            {"p": p, "q": q, "e": bound((p, q))}
            for (p, q), d in balances
            if d < 0 and bound((p, q)) is not None
        ]
        with self._tx.writing() as connection:
            bulk_insert_values(connection, PointsEntryRow, _ENTRY_COLUMNS, rows)
            # One upsert or update per row; the balance CHECK refuses a
            # balance below zero.
            bulk_add_keeping_earliest(
                connection, PointsBalanceRow, "balance", "next_expiry", _BALANCE_COLUMNS, adding
            )
            if taking:
                result = connection.execute(
                    update(PointsBalanceRow)
                    .where(
                        PointsBalanceRow.partner == bindparam("p"),
                        PointsBalanceRow.person == bindparam("q"),
                    )
                    .values(balance=PointsBalanceRow.balance + bindparam("d")),
                    taking,
                )
                self._tx.require_rows(result, len(taking), "a balance taken from is not stored")
            if earlier:
                connection.execute(_KEEP_EARLIER, earlier)

    def expiring(
        self, now: datetime, limit: int, after: PersonKey | None = None
    ) -> list[PersonKey]:
        # The balances whose bound has come, in key order from ``after``: a
        # scan of points_balances by its primary key (each batch of a sweep
        # starts where the last stopped, so a sweep reads the table once).
        # No index on next_expiry: SQLite rewrites an index entry on every
        # upsert whose SET names the column, changed or not, about 9 to 12 k
        # instructions per balance upsert, more than the expires_at index
        # entry an award wrote before; the scan costs about 30 ms per sweep
        # at 100,000 persons, 350 ms at 1,000,000 (docs/ingestion-profile.md,
        # thirteenth round). The bound may be early: the sweep then finds
        # nothing due for the person and sets the bound right.
        query = select(_B.partner, _B.person).where(_B.next_expiry <= now)
        if after is not None:
            # Typed bounds: the person column keeps its stored form (bytes),
            # and an untyped text bound would compare with it as text.
            partner, person = after
            bound = tuple_(literal(partner, _B.partner.type), literal(person, _B.person.type))
            query = query.where(tuple_(_B.partner, _B.person) > bound)
        rows = self._tx.connection.execute(query.order_by(_B.partner, _B.person).limit(limit))
        return [(partner, person) for partner, person in rows]

    def set_next_expiry(self, bounds: Mapping[PersonKey, datetime | None]) -> None:
        if not bounds:
            return
        ordered = sorted if self._tx.dialect == "postgresql" else list
        with self._tx.writing() as connection:
            connection.execute(
                _SET_NEXT_EXPIRY,
                [{"p": p, "q": q, "e": e} for (p, q), e in ordered(bounds.items())],
            )

    def months(self) -> list[PointsMonth]:
        month: ColumnElement[str]
        if self._tx.dialect == "postgresql":
            month = func.to_char(func.timezone("UTC", _E.occurred_at), "YYYY-MM")
        else:
            month = sqlite_month(_E.occurred_at)
        rows = self._tx.connection.execute(
            select(_E.partner, month.label("month"), _E.kind, func.sum(_E.points), func.count())
            .group_by(_E.partner, month, _E.kind)
            .order_by(_E.partner, month, _E.kind)
        )
        return [
            PointsMonth(partner, str(m), EntryKind(kind), int(points), int(count))
            for partner, m, kind, points, count in rows
        ]
