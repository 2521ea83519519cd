"""Points in the ledger against the exchange rule applied to every credited claim.

The issue's figure after a bench of personal claims: the points awarded
equal, claim by claim, what standards/points.yaml gives every credited
claim, capped per person, methodology and Shenzhen day in the order the
claims were received. Read straight from the database (no hub process),
recomputed with the domain's own rule (hub.domain.points.awards_for), and
compared with the AWARD entries; the balances (points_balances) are
compared with the entries (the daily cap reads the AWARD entries themselves,
migration 0023).

A claim counts as credited when it is ACCEPTED now, or was and has been
withdrawn since (its award has a reversal). Claims accepted by a reviewer
after they were held are awarded when reviewed, not in the order received:
under a cap they may differ here, and are then listed as mismatches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, select, text

from hub.domain.mobility import DAY_ZONE
from hub.domain.points import CapKey, Credit, PointsRules, awards_for, days_covered
from hub.storage.claim_tables import ClaimRow
from hub.storage.hex_digest_column import digest_text
from hub.storage.points_tables import PointsEntryRow

__all__ = ["PointsCheck", "check_points"]

_BATCH = 5000
_CLAIMS = (
    select(
        ClaimRow.claim_id,
        ClaimRow.partner,
        ClaimRow.person_pseudonym,
        ClaimRow.methodology,
        ClaimRow.credited_tco2e,
        ClaimRow.period_start,
        ClaimRow.period_end,
        ClaimRow.decision,
        ClaimRow.received_at,
    )
    .where(ClaimRow.person_pseudonym.is_not(None))
    .order_by(ClaimRow.received_at, ClaimRow.claim_id)
)


@dataclass
class PointsCheck:
    """What was compared and every difference (claim ids, keys, persons)."""

    credited_claims: int = 0
    expected_points: int = 0
    ledger_points: int = 0
    awards: int = 0
    missing: list[str] = field(default_factory=list)  # expected, not in the ledger
    unexpected: list[str] = field(default_factory=list)  # in the ledger, not expected
    different: list[str] = field(default_factory=list)  # other points than expected
    balances_wrong: list[str] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return not (self.missing or self.unexpected or self.different or self.balances_wrong)

    def as_json(self, shown: int = 20) -> dict[str, Any]:
        return {
            "exact": self.exact,
            "credited_claims": self.credited_claims,
            "awards": self.awards,
            "expected_points": self.expected_points,
            "ledger_points": self.ledger_points,
            **{
                name: {"count": len(items), "first": items[:shown]}
                for name, items in (
                    ("missing", self.missing),
                    ("unexpected", self.unexpected),
                    ("different", self.different),
                    ("balances_wrong", self.balances_wrong),
                )
            },
        }


def check_points(engine: Engine, rules: PointsRules) -> PointsCheck:
    with engine.connect() as connection:
        return _check(connection, rules)


def _check(connection: Connection, rules: PointsRules) -> PointsCheck:
    report = PointsCheck()
    ledger: dict[str, int] = {}
    withdrawn: set[str] = set()
    entries_sum: dict[tuple[str, str], int] = defaultdict(int)
    entries = PointsEntryRow
    for kind, partner, person, claim_id, points in connection.execute(
        select(entries.kind, entries.partner, entries.person, entries.claim_id, entries.points)
    ):
        sign = 1 if kind == "AWARD" else -1
        entries_sum[(partner, person)] += sign * int(points)
        if claim_id is None:
            continue  # a redemption: in the balance only
        if kind == "AWARD":
            ledger[claim_id] = int(points)
        elif kind == "REVERSAL":
            withdrawn.add(claim_id)
    report.awards = len(ledger)
    report.ledger_points = sum(ledger.values())

    expected: dict[str, int] = {}
    so_far: dict[CapKey, int] = defaultdict(int)
    for credits, now in _credits(connection, rules, withdrawn, report):
        for award in awards_for(credits, rules, so_far, now):
            expected[award.claim_id] = award.points
            so_far[(award.partner, award.person, award.methodology, award.day)] += award.points
    report.expected_points = sum(expected.values())
    for claim_id, points in expected.items():
        found = ledger.get(claim_id)
        if found is None:
            report.missing.append(claim_id)
        elif found != points:
            report.different.append(claim_id)
    report.unexpected = sorted(set(ledger) - set(expected))

    for partner, stored, balance in connection.execute(
        text("SELECT partner, person, balance FROM points_balances")
    ):
        person = digest_text(stored)
        if entries_sum.pop((partner, person), 0) != int(balance):
            report.balances_wrong.append(f"{partner}|{person}")
    report.balances_wrong.extend(f"{p}|{q}" for (p, q), n in entries_sum.items() if n)
    return report


def _credits(
    connection: Connection, rules: PointsRules, withdrawn: set[str], report: PointsCheck
) -> Iterator[tuple[list[Credit], Any]]:
    """Credited claims with a rule, in the order received, in batches."""
    batch: list[Credit] = []
    now = None
    rows = connection.execution_options(stream_results=True, yield_per=_BATCH).execute(_CLAIMS)
    for claim_id, partner, person, methodology, credited, start, end, decision, received in rows:
        person = (person or "").strip()
        credited_now = decision == "ACCEPTED" or claim_id in withdrawn
        if not person or not credited_now or not credited or methodology is None:
            continue
        if start is None or end is None:
            continue
        if rules.rule(partner, methodology) is None:
            continue
        report.credited_claims += 1
        batch.append(
            Credit(
                claim_id=claim_id,
                partner=partner,
                person=person,
                platform=None,  # the platform does not change the points
                methodology=methodology,
                credited_tco2e=credited,
                day=start.astimezone(DAY_ZONE).date(),
                days=days_covered(start, end, DAY_ZONE),
            )
        )
        now = received
        if len(batch) >= _BATCH:
            yield batch, now
            batch = []
    if batch:
        yield batch, now
