"""In-memory PointsRepository over the fake store (tests.fakes): entries in
write order; the same rules the database keeps (one award per claim, one
reversal or expiry per award, one redemption id per partner, no negative
balance) raise ConcurrentWriteConflict as the database's refusal would."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from hub.domain.points import Award, EntryKind, PointsEntry, earliest_open_expiry
from hub.services.points_port import (
    CapKey,
    CreditedClaim,
    LedgerPointsEntry,
    PersonKey,
    PointsMonth,
)
from hub.services.unit_of_work import ConcurrentWriteConflict
from hub.storage.serialisation import verdict_from_json


class FakePointsRepository:
    """``state`` returns the unit of work's store; ``write`` journals an operation on it."""

    def __init__(self, state: Callable[[], Any], write: Callable[[Callable[[Any], None]], None]):
        self._state = state
        self._write = write

    def _all(self) -> list[LedgerPointsEntry]:
        return list(self._state().points)

    def lock_persons(self, persons: Collection[PersonKey]) -> None:
        return None  # one fake store: units of work conflict at commit instead

    def awarded_on(self, keys: Collection[CapKey]) -> dict[CapKey, int]:
        wanted, found = set(keys), dict[CapKey, int]()
        for e in self._all():
            if e.kind is EntryKind.AWARD and e.methodology and e.day:
                key = (e.partner, e.person, e.methodology, e.day)
                if key in wanted:
                    found[key] = found.get(key, 0) + e.points
        return found

    def awarded_claims(self, claim_ids: Collection[str]) -> set[str]:
        wanted = set(claim_ids)
        return {
            e.claim_id
            for e in self._all()
            if e.kind is EntryKind.AWARD and e.claim_id is not None and e.claim_id in wanted
        }

    def award_of(self, claim_id: str) -> LedgerPointsEntry | None:
        return next(
            (e for e in self._all() if e.kind is EntryKind.AWARD and e.claim_id == claim_id), None
        )

    def entries(self, partner: str, person: str) -> list[LedgerPointsEntry]:
        return [e for e in self._all() if (e.partner, e.person) == (partner, person)]

    def persons(self, person: str) -> list[str]:
        return sorted({e.partner for e in self._all() if e.person == person})

    def reported(self, partner: str, person: str) -> bool:
        return any(
            row.record.submission.partner == partner
            and (row.record.submission.person_pseudonym or "").strip() == person
            for row in self._state().claims.values()
        )

    def credited_claims(self, claim_ids: Collection[str]) -> list[CreditedClaim]:
        found: list[CreditedClaim] = []
        for claim_id in claim_ids:
            row = self._state().claims.get(claim_id)
            if row is None:
                continue
            sub, normalised = row.record.submission, row.record.normalised
            found.append(
                CreditedClaim(
                    claim_id,
                    sub.partner,
                    (sub.person_pseudonym or "").strip() or None,
                    sub.platform,
                    normalised.methodology if normalised else None,
                    verdict_from_json(row.verdict_json).credited_tco2e,
                    normalised.period_start if normalised else None,
                    normalised.period_end if normalised else None,
                )
            )
        return found

    def balance(self, partner: str, person: str) -> int | None:
        mine = self.entries(partner, person)
        if not mine:
            return None
        return sum(e.points if e.kind is EntryKind.AWARD else -e.points for e in mine)

    def redemption(self, partner: str, redemption_id: str) -> LedgerPointsEntry | None:
        return next(
            (e for e in self._all() if e.partner == partner and e.redemption_id == redemption_id),
            None,
        )

    def add(self, entries: Sequence[LedgerPointsEntry]) -> None:
        new = list(entries)

        def operation(store: Any) -> None:
            keys = {(e.kind, e.claim_id) for e in store.points if e.claim_id}
            redemptions = {(e.partner, e.redemption_id) for e in store.points if e.redemption_id}
            balances: dict[PersonKey, int] = {}
            for e in [*store.points, *new]:
                sign = 1 if e.kind is EntryKind.AWARD else -1
                balances[(e.partner, e.person)] = (
                    balances.get((e.partner, e.person), 0) + sign * e.points
                )
            for e in new:
                if e.claim_id and (e.kind, e.claim_id) in keys:
                    raise ConcurrentWriteConflict(f"a second {e.kind} for claim {e.claim_id}")
                if e.redemption_id and (e.partner, e.redemption_id) in redemptions:
                    raise ConcurrentWriteConflict(f"redemption {e.redemption_id} again")
                keys.add((e.kind, e.claim_id))
                redemptions.add((e.partner, e.redemption_id))
            if any(b < 0 for b in balances.values()):
                raise ConcurrentWriteConflict("a points balance below zero")
            store.points.extend(new)

        self._write(operation)

    def add_awards(self, awards: Sequence[Award], occurred_at: datetime) -> None:
        self.add(
            [
                LedgerPointsEntry(
                    kind=EntryKind.AWARD,
                    partner=a.partner,
                    person=a.person,
                    points=a.points,
                    occurred_at=occurred_at,
                    platform=a.platform,
                    methodology=a.methodology,
                    claim_id=a.claim_id,
                    day=a.day,
                    expires_at=a.expires_at,
                )
                for a in awards
            ]
        )

    def expiring(
        self, now: datetime, limit: int, after: PersonKey | None = None
    ) -> list[PersonKey]:
        # The exact bound (the earliest open award's expiry), worked out from
        # the entries: the tightest the port allows, so set_next_expiry keeps
        # nothing. The database's early bounds are tested on SQLite and
        # PostgreSQL (tests/integration/storage/test_points_next_expiry.py).
        by_person: dict[PersonKey, list[PointsEntry]] = {}
        for e in self._all():
            by_person.setdefault((e.partner, e.person), []).append(
                PointsEntry(
                    e.kind, e.points, e.occurred_at, e.claim_id, e.redemption_id, e.expires_at
                )
            )
        found = sorted(
            pair
            for pair, history in by_person.items()
            if (after is None or pair > after)
            and (bound := earliest_open_expiry(history)) is not None
            and bound <= now
        )
        return found[:limit]

    def set_next_expiry(self, bounds: Mapping[PersonKey, datetime | None]) -> None:
        return None  # expiring works the exact bound out of the entries

    def months(self) -> list[PointsMonth]:
        totals: dict[tuple[str, str, EntryKind], tuple[int, int]] = {}
        for e in self._all():
            key = (e.partner, e.occurred_at.strftime("%Y-%m"), e.kind)
            points, count = totals.get(key, (0, 0))
            totals[key] = (points + e.points, count + 1)
        return [
            PointsMonth(partner, month, kind, points, count)
            for (partner, month, kind), (points, count) in sorted(totals.items())
        ]
