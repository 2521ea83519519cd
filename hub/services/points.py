"""The carbon points ledger's services: award, reverse, redeem, expire, read.

Awards and reversals run inside the unit of work that credits or withdraws
a claim (ingestion, review, voiding), through ``award_points`` and
``reverse_points``; redemptions, balances, history and expiry are
PointsService's own units of work. Every entry is an audit event (subject
``points``), hash-chained with the rest of the log.

Each writer first takes the persons' points locks (PointsRepository.
lock_persons), then reads what it decides on: two hub processes writing the
points of one person decide one after the other, and the database's
constraints (one award per claim, one redemption per id, no negative
balance) refuse anything that got past a mistake.

Points never become units: nothing here touches pools, carried remainders
or blocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from operator import itemgetter

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.mobility import DAY_ZONE, day_span
from hub.domain.points import (
    Award,
    Credit,
    EntryKind,
    PointsEntry,
    PointsRules,
    RedemptionVerdict,
    awards_for,
    days_covered,
    due_expiries,
    earliest_open_expiry,
    redeem,
    reversal_of,
)
from hub.domain.points_statement import PointsStatement, points_statement
from hub.domain.signed_payloads import SignedRecord
from hub.errors import FailedPrecondition, InvalidRequest, NotFound
from hub.services.audit_port import LedgerEvent
from hub.services.claim_port import NewClaimRecord
from hub.services.clock import Clock
from hub.services.points_port import LedgerPointsEntry, PersonKey, PointsMonth
from hub.services.signed_writes import UnsignedOnly, WriteAuthenticator, refuse_signed
from hub.services.transactions import run_in_transaction
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "POINTS_SUBJECT",
    "PointsService",
    "Redemption",
    "award_details",
    "award_points",
    "credits_of",
    "credits_of_claims",
    "record_awards",
    "reverse_points",
]

# A credit's (partner, person) and its daily cap's key (partner, person,
# methodology, day), read from the named tuple in one C call each.
_PERSON = itemgetter(*(Credit._fields.index(f) for f in ("partner", "person")))
_CAP_KEY = itemgetter(
    *(Credit._fields.index(f) for f in ("partner", "person", "methodology", "day"))
)

POINTS_SUBJECT = "points"
HUB_ACTOR = "hub"
EXPIRY_BATCH = 500
REDEMPTION_ID_MAX = 128  # the audit subject is "<partner>|<id>", at most 200 characters


def credits_of(records: Iterable[NewClaimRecord], rules: PointsRules) -> list[Credit]:
    """The ACCEPTED personal claims among ``records`` that a rule gives points."""
    credits: list[Credit] = []
    append = credits.append
    accepted = Decision.ACCEPTED
    # Per batch: whether (partner, methodology) has a rule, and each UTC
    # period's Shenzhen day and days (a delivery's daily aggregates share a
    # few periods; day_span keeps them across batches, this skips its call).
    ruled: dict[tuple[str, str], bool] = {}
    spans: dict[tuple[datetime, datetime], tuple[date, int]] = {}
    for r in records:
        verdict = r.verdict
        normalised = r.normalised
        if verdict.decision is not accepted or normalised is None:
            continue
        credited = verdict.credited_tco2e
        if not credited:
            continue
        submission = r.submission
        person = (submission.person_pseudonym or "").strip()
        if not person:
            continue
        partner, methodology = submission.partner, normalised.methodology
        has_rule = ruled.get((partner, methodology))
        if has_rule is None:
            has_rule = ruled[(partner, methodology)] = rules.rule(partner, methodology) is not None
        if not has_rule:
            continue
        start, end = normalised.period_start, normalised.period_end
        utc = start.tzinfo is UTC and end.tzinfo is UTC
        span = spans.get((start, end)) if utc else None
        if span is None:
            span = _day_and_days(start, end)
            if utc:
                # Only UTC: equal datetimes of a zone with a repeated hour
                # may be different instants, never two in UTC.
                spans[(start, end)] = span
        append(
            Credit(
                verdict.claim_id,
                partner,
                person,
                submission.platform or rules.default_platforms.get(partner),
                methodology,
                credited,
                *span,
            )
        )
    return credits


def _day_and_days(start: datetime, end: datetime) -> tuple[date, int]:
    """The Shenzhen day a period's cap counts against, and the days it covers."""
    if end > start:
        # Shenzhen days by period, shared by the batch's claims of one day.
        first, last = day_span(start, end)
        return first, (last - first).days + 1
    local = start.astimezone(DAY_ZONE)
    return local.date(), days_covered(local, end, DAY_ZONE)


def record_awards(
    uow: UnitOfWork,
    rules: PointsRules,
    credits: Sequence[Credit],
    now: datetime,
    *,
    created_here: bool = False,
) -> list[Award]:
    """Record the awards of ``credits`` (a claim awarded before gets none);
    the awards recorded, for the caller's audit events.

    ``created_here``: the credits' claims were created in this unit of work,
    so none can have been awarded before and the ledger is not asked (the
    unique award per claim still refuses a second one)."""
    if not credits or not rules:
        return []
    uow.points.lock_persons(set(map(_PERSON, credits)))
    if created_here:
        fresh = list(credits)
    else:
        already = uow.points.awarded_claims([c.claim_id for c in credits])
        fresh = [c for c in credits if c.claim_id not in already]
    before = uow.points.awarded_on(set(map(_CAP_KEY, fresh)))
    awards = awards_for(fresh, rules, before, now)
    uow.points.add_awards(awards, now)
    return awards


def award_details(awards: Sequence[Award], rules: PointsRules) -> dict[str, dict[str, str]]:
    """By claim id, the keys an award made at ingestion adds to its claim's
    decision event (ACCEPTED): the award in the claim's own event,
    hash-chained with it, instead of an event of its own (docs/points.md,
    "In the audit log"). Its person, methodology and day are the claim's own
    (its content, which the event's content_digest fixes); what the rule and
    the cap made of it is told here, and nothing the event already fixes:
    ``points_uncapped`` only where the daily cap cut the award, and the
    validity in months (``points_months``) instead of the expiry instant,
    which is the event's own ``at`` plus those months (add_months), exactly
    the ledger's ``expires_at``. Each byte of an event is encoded and hashed
    again as it is appended, checkpointed and taken into the transparency
    log (docs/ingestion-profile.md, "Fifteenth round")."""
    # A batch's awards share a few rules: each validity spelled once.
    months: dict[tuple[str, str], str] = {}
    details: dict[str, dict[str, str]] = {}
    for claim_id, partner, _, platform, methodology, points, _, _, uncapped in awards:
        validity = months.get((partner, methodology))
        if validity is None:
            rule = rules.rule(partner, methodology)
            if rule is None:  # awards_for made none without a rule
                raise ValueError(f"no points rule of {partner} for {methodology}")
            validity = months[(partner, methodology)] = str(rule.validity_months)
        told = {"points": str(points), "points_platform": platform or "", "points_months": validity}
        if uncapped != points:
            told["points_uncapped"] = str(uncapped)
        details[claim_id] = told
    return details


def award_points(
    uow: UnitOfWork, rules: PointsRules, credits: Sequence[Credit], actor: str, now: datetime
) -> list[LedgerEvent]:
    """Record the awards of ``credits`` (a claim awarded before gets none);
    one POINTS_AWARDED audit event each, to append with the unit of work's others."""
    return [
        LedgerEvent(
            POINTS_SUBJECT,
            a.claim_id,
            "POINTS_AWARDED",
            actor,
            now,
            {
                "partner": a.partner,
                "person": a.person,
                "platform": a.platform or "",
                "methodology": a.methodology,
                "points": str(a.points),
                "uncapped": str(a.uncapped),
                "day": a.day.isoformat(),
                "expires_at": a.expires_at.isoformat(),
            },
        )
        for a in record_awards(uow, rules, credits, now)
    ]


def _domain(entries: Sequence[LedgerPointsEntry]) -> list[PointsEntry]:
    return [
        PointsEntry(e.kind, e.points, e.occurred_at, e.claim_id, e.redemption_id, e.expires_at)
        for e in entries
    ]


def reverse_points(
    uow: UnitOfWork, claim_ids: Iterable[str], actor: str, now: datetime, why: str
) -> list[LedgerEvent]:
    """Take back the awards of claims rejected or voided after they earned
    points: what is left of exactly each award (the part already redeemed
    cannot be taken back from the person: the event says how much)."""
    events: list[LedgerEvent] = []
    awards = [a for a in (uow.points.award_of(c) for c in claim_ids) if a is not None]
    if not awards:
        return events
    uow.points.lock_persons({(a.partner, a.person) for a in awards})
    for award in awards:
        assert award.claim_id is not None  # an award is named by its claim
        entries = _domain(uow.points.entries(award.partner, award.person))
        points = reversal_of(entries, award.claim_id)
        if points is None:
            continue
        uow.points.add(
            [
                LedgerPointsEntry(
                    kind=EntryKind.REVERSAL,
                    partner=award.partner,
                    person=award.person,
                    points=points,
                    occurred_at=now,
                    platform=award.platform,
                    methodology=award.methodology,
                    claim_id=award.claim_id,
                )
            ]
        )
        events.append(
            LedgerEvent(
                POINTS_SUBJECT,
                award.claim_id,
                "POINTS_REVERSED",
                actor,
                now,
                {
                    "partner": award.partner,
                    "person": award.person,
                    "awarded": str(award.points),
                    "points": str(points),
                    "unrecovered": str(award.points - points),
                    "reason": why,
                },
            )
        )
    return events


@dataclass(frozen=True, slots=True)
class Redemption:
    partner: str
    person: str
    redemption_id: str
    points: int
    balance: int  # after the redemption
    repeated: bool  # the same redemption again: nothing new was recorded


class PointsService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        *,
        write_retries: int = 8,
        authenticate: WriteAuthenticator | UnsignedOnly | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._retries = write_retries
        self._authenticate = authenticate or refuse_signed

    def check_signature(
        self, payload_type: str, payload: bytes, key_id: str, signature: bytes
    ) -> None:
        """Verify a signed redemption's bytes before they are parsed."""
        self._authenticate.check_signature(
            self._uow_factory, payload_type, payload, key_id, signature
        )

    def redeem(
        self,
        partner: str,
        person: str,
        redemption_id: str,
        points: int,
        *,
        purpose: str = "",
        redeemed_at: datetime | None = None,
        signed: SignedRecord | None = None,
    ) -> Redemption:
        """Deregister ``points`` of ``person`` with ``partner``, once per
        ``redemption_id``: the same request again answers the same.

        ``signed``: the partner's signed redemption, checked (key, sequence)
        first in the transaction and kept last with the entry; the same
        redemption sent again under a new sequence is recorded as a signed
        write too (it used its number), but deregisters nothing more. A
        refused redemption keeps nothing and consumes no sequence number.
        ``purpose`` and ``redeemed_at`` (the partner's own time) go into the
        audit event."""
        person, redemption_id = person.strip(), redemption_id.strip()
        if not redemption_id or len(redemption_id) > REDEMPTION_ID_MAX:
            raise InvalidRequest(
                "REDEMPTION_ID_INVALID",
                f"a redemption id has 1 to {REDEMPTION_ID_MAX} characters",
                {"max": str(REDEMPTION_ID_MAX)},
            )
        if points <= 0:
            raise InvalidRequest(
                "POINTS_NOT_POSITIVE", "a redemption takes a positive number of points"
            )

        def work(uow: UnitOfWork) -> Redemption:
            now = self._clock()
            self._authenticate(uow, signed, now)
            uow.points.lock_persons({(partner, person)})
            # Points past their validity are gone before any is deregistered,
            # whether or not a periodic sweep has run since they expired (a
            # hub without the periodic issuer never sweeps).
            _expire_persons(uow, [(partner, person)], now, sweeping=False)
            earlier = uow.points.redemption(partner, redemption_id)
            balance = self._known_balance(uow, partner, person)
            outcome = redeem(
                balance,
                points,
                person,
                (earlier.person, earlier.points) if earlier is not None else None,
            )
            details = {"redemption_id": redemption_id, "points": str(points)}
            if outcome.verdict is RedemptionVerdict.ALREADY_REDEEMED:
                self._authenticate.keep(uow, signed, now)
                return Redemption(partner, person, redemption_id, points, balance, True)
            if outcome.verdict is RedemptionVerdict.CONFLICT:
                raise FailedPrecondition(
                    "REDEMPTION_CONFLICT",
                    f"redemption {redemption_id} was recorded for another person or amount",
                    details,
                )
            if outcome.verdict is RedemptionVerdict.INSUFFICIENT:
                raise FailedPrecondition(
                    "POINTS_INSUFFICIENT",
                    f"the person has {balance} points, fewer than {points}",
                    {**details, "balance": str(balance)},
                )
            uow.points.add(
                [
                    LedgerPointsEntry(
                        kind=EntryKind.REDEMPTION,
                        partner=partner,
                        person=person,
                        points=points,
                        occurred_at=now,
                        redemption_id=redemption_id,
                    )
                ]
            )
            uow.events.append(
                [
                    LedgerEvent(
                        POINTS_SUBJECT,
                        f"{partner}|{redemption_id}",
                        "POINTS_REDEEMED",
                        partner,
                        now,
                        {
                            **details,
                            "person": person,
                            "balance": str(outcome.balance),
                            **({"purpose": purpose} if purpose else {}),
                            **({"redeemed_at": redeemed_at.isoformat()} if redeemed_at else {}),
                            **({"sequence": str(signed.sequence)} if signed else {}),
                        },
                    )
                ]
            )
            self._authenticate.keep(uow, signed, now)
            return Redemption(partner, person, redemption_id, points, outcome.balance, False)

        return run_in_transaction(
            self._uow_factory, work, retries=self._retries, what="points redemption"
        )

    def balance(self, partner: str, person: str) -> int:
        """The person's points with ``partner``; PERSON_NOT_REPORTED when
        ``partner`` never reported the person (whether another partner did
        is not told)."""
        with self._uow_factory() as uow:
            return self._known_balance(uow, partner, person.strip())

    def statement(self, partner: str, person: str) -> PointsStatement:
        """The person's points with ``partner`` summed up; PERSON_NOT_REPORTED
        as for ``balance``."""
        person = person.strip()
        with self._uow_factory() as uow:
            self._known_balance(uow, partner, person)
            return points_statement(_domain(uow.points.entries(partner, person)))

    @staticmethod
    def _known_balance(uow: UnitOfWork, partner: str, person: str) -> int:
        balance = uow.points.balance(partner, person)
        if balance is not None:
            return balance
        if person and uow.points.reported(partner, person):
            return 0
        raise NotFound(
            "PERSON_NOT_REPORTED",
            "no person with this pseudonym was reported by the partner",
            {"partner": partner},
        )

    def history(self, person: str, partner: str | None = None) -> list[LedgerPointsEntry]:
        """Every entry of ``person`` (with one partner, or all), in order."""
        person = person.strip()
        with self._uow_factory() as uow:
            partners = [partner] if partner else uow.points.persons(person)
            return [e for p in partners for e in uow.points.entries(p, person)]

    def balances(self, person: str) -> dict[str, int]:
        """The person's balance with each partner that ever gave them points."""
        person = person.strip()
        with self._uow_factory() as uow:
            return {p: uow.points.balance(p, person) or 0 for p in uow.points.persons(person)}

    def months(self) -> list[PointsMonth]:
        with self._uow_factory() as uow:
            return uow.points.months()

    def expire_due(self) -> int:
        """Expire the unredeemed part of every award past its validity; the
        number of awards closed. Safe to run in several processes at once."""
        closed = 0
        after: PersonKey | None = None
        while True:
            # One pass over the persons' bounds in key order: each batch starts
            # after the last person of the one before (a person with nothing
            # due, whose bound was early, no longer ends the sweep).
            done, after = run_in_transaction(
                self._uow_factory,
                partial(self._expire_batch, after=after),
                retries=self._retries,
                what="points expiry",
            )
            closed += done
            if after is None:
                return closed

    def _expire_batch(
        self, uow: UnitOfWork, after: PersonKey | None
    ) -> tuple[int, PersonKey | None]:
        """Expire what is due of the next persons whose bound has come; the
        awards closed and the last person looked at (None: no one left)."""
        now = self._clock()
        persons = uow.points.expiring(now, EXPIRY_BATCH, after)
        if not persons:
            return 0, None
        uow.points.lock_persons(persons)
        return _expire_persons(uow, persons, now), persons[-1]


def _expire_persons(
    uow: UnitOfWork, persons: Sequence[PersonKey], now: datetime, *, sweeping: bool = True
) -> int:
    """Expire the due awards of ``persons`` (whose points locks the caller
    holds) and store each one's bound; the awards closed. Not ``sweeping``
    (a redemption): a bound is stored only where something expired; one
    with nothing due is still no later than any open award."""
    entries: list[LedgerPointsEntry] = []
    events: list[LedgerEvent] = []
    bounds: dict[PersonKey, datetime | None] = {}
    for partner, person in persons:
        # Read under the person's lock: an award committed before it is
        # here; one waiting for it lowers the bound stored below after.
        history = _domain(uow.points.entries(partner, person))
        due = due_expiries(history, now)
        for claim_id, points in due:
            entries.append(
                LedgerPointsEntry(
                    kind=EntryKind.EXPIRY,
                    partner=partner,
                    person=person,
                    points=points,
                    occurred_at=now,
                    claim_id=claim_id,
                )
            )
            events.append(
                LedgerEvent(
                    POINTS_SUBJECT,
                    claim_id,
                    "POINTS_EXPIRED",
                    HUB_ACTOR,
                    now,
                    {"partner": partner, "person": person, "points": str(points)},
                )
            )
        # The bound is the earliest award left open: never later than any.
        if due or sweeping:
            bounds[(partner, person)] = earliest_open_expiry(history, [c for c, _ in due])
    uow.points.add(entries)
    uow.points.set_next_expiry(bounds)
    uow.events.append(events)
    return len(entries)


def credits_of_claims(
    uow: UnitOfWork, rules: PointsRules, claim_ids: Iterable[str]
) -> list[Credit]:
    """The stored personal claims among ``claim_ids`` that a rule gives points
    (a HELD claim a reviewer approves, credited as the hub credited it)."""
    credits: list[Credit] = []
    for c in uow.points.credited_claims(list(claim_ids)):
        if (
            c.person is None
            or c.methodology is None
            or not c.credited_tco2e
            or c.period_start is None
            or c.period_end is None
            or rules.rule(c.partner, c.methodology) is None
        ):
            continue
        credits.append(
            Credit(
                claim_id=c.claim_id,
                partner=c.partner,
                person=c.person,
                platform=c.platform or rules.default_platforms.get(c.partner),
                methodology=c.methodology,
                credited_tco2e=c.credited_tco2e,
                day=c.period_start.astimezone(DAY_ZONE).date(),
                days=days_covered(c.period_start, c.period_end, DAY_ZONE),
            )
        )
    return credits
