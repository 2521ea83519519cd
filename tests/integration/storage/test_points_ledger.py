"""The carbon points ledger through the services, on the fake, SQLite and
PostgreSQL: accepted personal claims earn points under the daily cap,
redemptions are idempotent and never take a balance below zero, a person a
partner never reported is unknown to it, awards expire, and every entry is
in the audit log."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.points import EntryKind, PointsRule, PointsRules, add_months
from hub.errors import FailedPrecondition, InvalidRequest, NotFound
from hub.services.ingestion import IngestionService
from hub.services.points import PointsService, reverse_points
from hub.services.review import ReviewService
from hub.services.unit_of_work import UnitOfWorkFactory
from hub.standard import Standard, default_standards_dir, load_standard
from hub.standard.points import load_points_rules
from tests.unit.services.builders import PERSON_A, PERSON_B
from tests.unit.services.test_person_travel_ingestion import gd_day, gd_trip

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def standard() -> Standard:
    return load_standard(default_standards_dir())


class _Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _rules(standard: Standard, daily_cap: int = 20, months: int = 120) -> PointsRules:
    loaded = load_points_rules(default_standards_dir(), standard)
    rules = dict(loaded.rules)
    for key in [k for k in rules if k[0] == "CN-GD"]:
        rules[key] = replace(rules[key], daily_cap=daily_cap, validity_months=months)
    return PointsRules(rules, loaded.default_platforms)


def _events(uow_factory: UnitOfWorkFactory) -> list[tuple[str | None, str | None]]:
    with uow_factory() as uow:
        return [(e.subject_kind, e.event) for e in uow.audit.rows(0, 1000)]


def test_accepted_trips_earn_points_under_the_daily_cap(
    uow_factory: UnitOfWorkFactory, standard: Standard
) -> None:
    clock = _Clock()
    ingestion = IngestionService(uow_factory, standard, clock, points=_rules(standard, 60))
    points = PointsService(uow_factory, clock)
    trips = [
        gd_trip("T1", "GD-METRO", "08:00", "08:30"),
        gd_trip("T2", "GD-METRO", "09:00", "09:30"),
        gd_trip("T3", "GD-BUS", "10:00", "10:30"),
        gd_trip("T4", "GD-METRO", "11:00", "11:30", person_pseudonym=PERSON_B),
    ]
    verdicts = ingestion.submit("CN-GD", trips)
    assert [v.decision for v in verdicts] == [Decision.ACCEPTED] * 4
    credited = [v.credited_tco2e for v in verdicts]
    assert all(c is not None and c > 0 for c in credited)
    rule = PointsRule("CN-GD", "SZ-TRANSIT-METRO", Decimal(100_000), 60, 120)
    expected_a = min(60, rule.points_for(credited[0] or Decimal(0)))
    expected_a += min(60 - expected_a, rule.points_for(credited[1] or Decimal(0)))
    expected_a += min(60, rule.points_for(credited[2] or Decimal(0)))  # another methodology
    assert points.balance("CN-GD", PERSON_A) == expected_a
    assert points.balances(PERSON_A) == {"CN-GD": expected_a}
    history = points.history(PERSON_A)
    assert {e.kind for e in history} == {EntryKind.AWARD}
    assert all(e.platform == "GD-PHCER" for e in history)  # the default platform
    # An exact resubmission earns nothing new.
    ingestion.submit("CN-GD", trips[:1])
    assert points.balance("CN-GD", PERSON_A) == expected_a


def test_redemptions_are_idempotent_and_never_below_zero(
    uow_factory: UnitOfWorkFactory, standard: Standard
) -> None:
    clock = _Clock()
    ingestion = IngestionService(uow_factory, standard, clock, points=_rules(standard))
    points = PointsService(uow_factory, clock)
    ingestion.submit("CN-GD", [gd_trip("T1", "GD-METRO", "08:00", "08:30")])
    balance = points.balance("CN-GD", PERSON_A)
    assert balance > 1
    first = points.redeem("CN-GD", PERSON_A, "R-1", 1)
    assert (first.balance, first.repeated) == (balance - 1, False)
    again = points.redeem("CN-GD", PERSON_A, "R-1", 1)
    assert (again.balance, again.repeated) == (balance - 1, True)
    with pytest.raises(FailedPrecondition) as conflict:
        points.redeem("CN-GD", PERSON_A, "R-1", 2)
    assert conflict.value.code == "REDEMPTION_CONFLICT"
    with pytest.raises(FailedPrecondition) as short:
        points.redeem("CN-GD", PERSON_A, "R-2", balance)
    assert short.value.code == "POINTS_INSUFFICIENT"
    with pytest.raises(InvalidRequest):
        points.redeem("CN-GD", PERSON_A, "R-3", 0)
    assert points.balance("CN-GD", PERSON_A) == balance - 1
    kinds = [e for e in _events(uow_factory) if e[0] == "points"]
    # The award at ingestion is told in the claim's ACCEPTED event (docs/points.md).
    assert kinds == [("points", "POINTS_REDEEMED")]
    with uow_factory() as uow:
        (accepted,) = [r for r in uow.audit.rows(0, 1000) if r.subject_kind == "claim"]
    assert accepted.event == "ACCEPTED" and accepted.details is not None
    assert accepted.details["points"] == str(balance)


def test_each_claims_event_tells_its_award_as_the_ledger_keeps_it(
    uow_factory: UnitOfWorkFactory, standard: Standard
) -> None:
    # The first trip fills most of the day's cap, the second is cut by it.
    rule = _rules(standard).rule("CN-GD", "SZ-TRANSIT-METRO")
    assert rule is not None
    clock = _Clock()
    first = IngestionService(uow_factory, standard, clock, points=_rules(standard))
    (probe,) = first.submit(
        "CN-GD", [gd_trip("T0", "GD-METRO", "06:00", "06:30", person_pseudonym=PERSON_B)]
    )
    full = rule.points_for(probe.credited_tco2e or Decimal(0))
    assert full > 2
    ingestion = IngestionService(
        uow_factory, standard, clock, points=_rules(standard, daily_cap=full + 1, months=7)
    )
    ingestion.submit(
        "CN-GD",
        [gd_trip("T1", "GD-METRO", "08:00", "08:30"), gd_trip("T2", "GD-METRO", "09:00", "09:30")],
    )
    awards = {e.claim_id: e for e in PointsService(uow_factory, clock).history(PERSON_A)}
    with uow_factory() as uow:
        events = {
            r.subject_id: r
            for r in uow.audit.rows(0, 1000)
            if r.subject_kind == "claim" and r.subject_id in awards
        }
    assert len(events) == 2
    told = {}
    for claim_id, event in events.items():
        award, details = awards[claim_id], event.details
        assert details is not None and event.at is not None
        assert details["points"] == str(award.points)
        assert details["points_platform"] == "GD-PHCER"
        # The expiry is the event's own instant plus the rule's months, to the microsecond.
        assert add_months(event.at, int(details["points_months"])) == award.expires_at
        told[award.points] = details.get("points_uncapped")
    # Uncapped: no such key; cut by the cap: what the rule gave before it.
    assert told == {full: None, 1: str(full)}


def test_a_partner_cannot_probe_a_person_it_never_reported(
    uow_factory: UnitOfWorkFactory, standard: Standard
) -> None:
    clock = _Clock()
    ingestion = IngestionService(uow_factory, standard, clock, points=_rules(standard))
    points = PointsService(uow_factory, clock)
    ingestion.submit("CN-GD", [gd_trip("T1", "GD-METRO", "08:00", "08:30")])
    for partner, person in (("CN-HK", PERSON_A), ("CN-GD", PERSON_B)):
        with pytest.raises(NotFound) as unknown:
            points.balance(partner, person)
        assert unknown.value.code == "PERSON_NOT_REPORTED"
        assert PERSON_A not in unknown.value.message
    with pytest.raises(NotFound):
        points.redeem("CN-HK", PERSON_A, "R-1", 1)


def test_awards_expire_after_their_validity_leaving_what_was_redeemed(
    uow_factory: UnitOfWorkFactory, standard: Standard
) -> None:
    clock = _Clock()
    ingestion = IngestionService(uow_factory, standard, clock, points=_rules(standard, months=1))
    points = PointsService(uow_factory, clock)
    ingestion.submit("CN-GD", [gd_trip("T1", "GD-METRO", "08:00", "08:30")])
    awarded = points.balance("CN-GD", PERSON_A)
    points.redeem("CN-GD", PERSON_A, "R-1", 1)
    assert points.expire_due() == 0  # not yet
    clock.now = NOW + timedelta(days=31)
    assert points.expire_due() == 1
    assert points.expire_due() == 0  # once
    assert points.balance("CN-GD", PERSON_A) == 0
    expiry = [e for e in points.history(PERSON_A) if e.kind is EntryKind.EXPIRY]
    assert [e.points for e in expiry] == [awarded - 1]
    months = {(m.month, m.kind): m.points for m in points.months()}
    assert months[("2026-01", EntryKind.AWARD)] == awarded
    assert months[("2026-01", EntryKind.REDEMPTION)] == 1
    assert months[("2026-02", EntryKind.EXPIRY)] == awarded - 1


def test_a_redemption_cannot_spend_points_past_their_validity_before_any_sweep(
    uow_factory: UnitOfWorkFactory, standard: Standard
) -> None:
    # A hub without the periodic issuer never sweeps: the redemption itself
    # expires what is due first, in its own transaction.
    clock = _Clock()
    ingestion = IngestionService(uow_factory, standard, clock, points=_rules(standard, months=1))
    points = PointsService(uow_factory, clock)
    ingestion.submit("CN-GD", [gd_trip("T1", "GD-METRO", "08:00", "08:30")])
    awarded = points.balance("CN-GD", PERSON_A)
    points.redeem("CN-GD", PERSON_A, "R-1", 1)
    clock.now = NOW + timedelta(days=31)
    with pytest.raises(FailedPrecondition) as short:
        points.redeem("CN-GD", PERSON_A, "R-2", 1)
    assert short.value.code == "POINTS_INSUFFICIENT"
    assert short.value.details["balance"] == "0"
    # A refused redemption keeps nothing, the expiry it worked out included:
    # the sweep still finds the award due, once.
    assert points.balance("CN-GD", PERSON_A) == awarded - 1
    assert points.expire_due() == 1
    assert points.balance("CN-GD", PERSON_A) == 0
    # Points awarded after the expiry are spendable at once.
    later = gd_trip(
        "T2",
        "GD-METRO",
        "09:00",
        "09:30",
        period_start="2024-10-03 09:00:00",
        period_end="2024-10-03 09:30:00",
    )
    ingestion.submit("CN-GD", [later])
    fresh = points.balance("CN-GD", PERSON_A)
    assert fresh > 0
    assert points.redeem("CN-GD", PERSON_A, "R-3", fresh).balance == 0
    expired = [e.points for e in points.history(PERSON_A) if e.kind is EntryKind.EXPIRY]
    assert expired == [awarded - 1]


def test_a_held_day_earns_points_when_approved_and_a_withdrawn_claim_gives_them_back(
    uow_factory: UnitOfWorkFactory, standard: Standard
) -> None:
    clock = _Clock()
    rules = _rules(standard, daily_cap=100_000)
    ingestion = IngestionService(uow_factory, standard, clock, points=rules)
    review = ReviewService(uow_factory, clock, points=rules)
    points = PointsService(uow_factory, clock)
    # 200 pkm by bus and 200 by metro in one day: the second is HELD.
    verdicts = ingestion.submit(
        "CN-GD", [gd_day("D1", "GD-BUS", "200"), gd_day("D2", "GD-METRO", "200")]
    )
    assert [v.decision for v in verdicts] == [Decision.ACCEPTED, Decision.HELD]
    first = points.balance("CN-GD", PERSON_A)
    review.approve_claim("CN-GD", "D2", officer="li", comment="a long day, confirmed")
    second = points.balance("CN-GD", PERSON_A)
    assert second > first
    points.redeem("CN-GD", PERSON_A, "R-1", first)
    # The first day's claim is withdrawn: what is left of exactly its award
    # (nothing: the redemption took it first) comes back, never below zero.
    with uow_factory() as uow:
        events = reverse_points(uow, [verdicts[0].claim_id], "hub", clock.now, "voided")
        uow.events.append(events)
        uow.commit()
    assert events[0].details["unrecovered"] == str(first)
    assert points.balance("CN-GD", PERSON_A) == second - first
    with uow_factory() as uow:
        assert reverse_points(uow, [verdicts[0].claim_id], "hub", clock.now, "again") == []


def test_the_sweep_pages_through_persons_due_each_once_in_key_order(
    uow_factory: UnitOfWorkFactory, standard: Standard
) -> None:
    # Pseudonyms are kept as bytes: a page's bound must compare as the
    # stored key does, or a second page would start over (or skip).
    clock = _Clock()
    ingestion = IngestionService(uow_factory, standard, clock, points=_rules(standard, months=1))
    persons = [hashlib.sha256(b"person %d" % n).hexdigest() for n in range(5)]
    ingestion.submit(
        "CN-GD",
        [
            gd_trip(f"T{n}", "GD-METRO", "08:00", "08:30", person_pseudonym=person)
            for n, person in enumerate(persons)
        ],
    )
    now = NOW + timedelta(days=31)
    pages: list[list[tuple[str, str]]] = []
    after: tuple[str, str] | None = None
    with uow_factory() as uow:
        while (page := uow.points.expiring(now, 2, after)) and len(pages) < 10:
            pages.append(page)
            after = page[-1]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [key for page in pages for key in page] == [("CN-GD", p) for p in sorted(persons)]
