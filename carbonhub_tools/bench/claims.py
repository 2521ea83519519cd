"""Realistic claims for the ingestion benchmark, deterministic for a seed.

A provincial platform (Guangdong, partner CN-GD) reports daily metro, bus
and bike aggregates per pseudonymous person, day after day for everyone,
plus daily output of registered rooftop PV projects. Deliveries carry the
usual faults, each a fixed share of the stream:

* an exact resubmission of a record already sent (answered with the
  original verdict, nothing new recorded);
* the same reduction under a new record id (DUPLICATE_CONTENT);
* a weekly aggregate overlapping days already claimed (PERSON_PERIOD_OVERLAP);
* a record id re-sent with changed content (DUPLICATE_RECORD_CHANGED);
* a malformed row (a unit the methodology does not take).

Every claim belongs to a *group*: a person, or a PV project. Claims that can
collide (duplicates, overlaps) always share a group, so a stream split by
group over several clients is decided the same whatever the interleaving of
the clients: the benchmark's verdicts can be compared with an in-process run.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

from carbonhub_contract.vocabulary.records import (
    ClaimSubmission,
    PartnerProjectStatus,
    ProjectSubmission,
)

PARTNER = "CN-GD"
TIME_ZONE = "Asia/Shanghai"
FIRST_DAY = date(2024, 1, 1)
# Shares of the stream, per claim (the rest: fresh daily aggregates).
RESUBMITTED = 0.03
SAME_CONTENT_NEW_ID = 0.02
OVERLAPPING_PERIOD = 0.02
CHANGED_RECORD = 0.01
MALFORMED = 0.01
PV_SHARE = 0.03
# PV projects report one day each; a project has at most this many days.
PV_DAYS_PER_PROJECT = 540
# Delay, in claims, between a record and its faulty echo.
ECHO_DELAY = 97

_MODES = (
    ("GD-METRO", "pkm", 4.0, 60.0),
    ("GD-BUS", "pkm", 2.0, 30.0),
    ("GD-BIKE", "km", 1.0, 15.0),
)


@dataclass(frozen=True, slots=True)
class BenchClaim:
    """A claim and the group (person or project) whose claims can collide."""

    group: str
    submission: ClaimSubmission


def pseudonym(namespace: str, person: int) -> str:
    return hashlib.sha256(f"{namespace}:person:{person}".encode()).hexdigest()


def pv_projects(count: int, namespace: str = "bench") -> list[ProjectSubmission]:
    """``count`` registered rooftop PV projects in Guangzhou."""
    tag = hashlib.sha256(namespace.encode()).hexdigest()[:4].upper()
    return [
        ProjectSubmission(
            partner=PARTNER,
            project_id=f"4401-PV-B{tag}-{k:05d}",
            name=f"广州市屋顶分布式光伏项目 {namespace} {k}",
            owner_name="广州科城新能源有限公司",
            owner_credit_code="91440112MA5CKM3B58",
            partner_methodology="GD-PV",
            region_code="440100",
            # Distinct assets: another location and size each (the hub holds a
            # second registration of one asset for review).
            longitude=f"{113.2 + (k % 40) * 0.02:.4f}",
            latitude=f"{22.9 + (k // 40) * 0.02:.4f}",
            size_value=str(300 + k),
            size_unit="kW",
            crediting_start="2023-03-01",
            crediting_end="2033-02-28",
            status=PartnerProjectStatus.REGISTERED,
        )
        for k in range(count)
    ]


def pv_project_count(claims: int) -> int:
    return max(1, -(-int(claims * PV_SHARE * 1.2) // PV_DAYS_PER_PROJECT))


def people_for(claims: int) -> int:
    """About thirty days of three modes per person."""
    return max(20, min(500_000, claims // 90))


def _day(index: int) -> str:
    return (FIRST_DAY + timedelta(days=index)).isoformat()


class ClaimStream:
    """The claims of one benchmark run, in delivery order."""

    def __init__(
        self,
        claims: int,
        *,
        seed: int = 6,
        namespace: str = "bench",
        personal_only: bool = False,
        people: int | None = None,
    ) -> None:
        self.total = claims
        self.namespace = namespace
        # One delivery per run: on the wire the delivery id is the envelope's.
        self.delivery_id = f"GD-BENCH-{namespace.upper()}"
        # Personal only: every claim a person's, pooled at issuance per platform.
        self._pv_share = 0.0 if personal_only else PV_SHARE
        count = 0 if personal_only else pv_project_count(claims)
        self.projects = pv_projects(count, namespace)
        # A province's day: many people, a few rides each (``people`` sets how many).
        self._people = people if people is not None else people_for(claims)
        self.people = self._people
        self._random = random.Random(seed)

    def __iter__(self) -> Iterator[BenchClaim]:
        rng = self._random
        emitted = 0
        echoes: list[tuple[int, BenchClaim]] = []
        serial = 0
        personal = 0
        pv = 0
        while emitted < self.total:
            if echoes and echoes[0][0] <= emitted:
                yield echoes.pop(0)[1]
                emitted += 1
                continue
            serial += 1
            if rng.random() < self._pv_share:
                original = self._pv(pv, serial)
                pv += 1
            else:
                original = self._personal(personal, serial, rng)
                personal += 1
            yield original
            emitted += 1
            echo = self._echo(original, serial, rng)
            if echo is not None:
                echoes.append((emitted + ECHO_DELAY, echo))

    def _record_id(self, serial: int, suffix: str = "") -> str:
        return f"GD{self.namespace.upper()}{serial:09d}{suffix}"

    def _personal(self, index: int, serial: int, rng: random.Random) -> BenchClaim:
        per_day = self._people * len(_MODES)
        day, rest = divmod(index, per_day)
        person, mode = divmod(rest, len(_MODES))
        methodology, unit, low, high = _MODES[mode]
        group = pseudonym(self.namespace, person)
        quantity = f"{rng.uniform(low, high):.1f}"
        return BenchClaim(
            group,
            ClaimSubmission(
                partner=PARTNER,
                delivery_id=self.delivery_id,
                record_id=self._record_id(serial),
                partner_methodology=methodology,
                period_start=_day(day),
                period_end=_day(day),
                time_zone=TIME_ZONE,
                activity_quantity=quantity,
                activity_unit=unit,
                person_pseudonym=group,
                region_code="440300",
            ),
        )

    def _pv(self, index: int, serial: int) -> BenchClaim:
        project_index, day = divmod(index, PV_DAYS_PER_PROJECT)
        project = self.projects[project_index % len(self.projects)]
        return BenchClaim(
            project.project_id,
            ClaimSubmission(
                partner=PARTNER,
                delivery_id=self.delivery_id,
                record_id=self._record_id(serial),
                partner_methodology="GD-PV",
                period_start=_day(day + 90),
                period_end=_day(day + 90),
                time_zone=TIME_ZONE,
                activity_quantity=str(1200 + (serial * 37) % 600),
                activity_unit="kWh",
                project_id=project.project_id,
                region_code=project.region_code,
            ),
        )

    def _echo(self, original: BenchClaim, serial: int, rng: random.Random) -> BenchClaim | None:
        roll = rng.random()
        sub = original.submission
        if roll < RESUBMITTED:
            return original
        roll -= RESUBMITTED
        if roll < SAME_CONTENT_NEW_ID:
            return replace(
                original, submission=replace(sub, record_id=self._record_id(serial, "C"))
            )
        roll -= SAME_CONTENT_NEW_ID
        if roll < OVERLAPPING_PERIOD:
            end = date.fromisoformat(sub.period_start) + timedelta(days=6)
            weekly = replace(
                sub,
                record_id=self._record_id(serial, "W"),
                period_end=end.isoformat(),
                activity_quantity=str(round(float(sub.activity_quantity) * 7, 1)),
            )
            return replace(original, submission=weekly)
        roll -= OVERLAPPING_PERIOD
        if roll < CHANGED_RECORD:
            changed = replace(sub, activity_quantity=f"{float(sub.activity_quantity) + 1:.1f}")
            return replace(original, submission=changed)
        roll -= CHANGED_RECORD
        if roll < MALFORMED:
            wrong = replace(sub, record_id=self._record_id(serial, "M"), activity_unit="kWh")
            if sub.project_id:
                wrong = replace(wrong, activity_unit="pkm")
            return replace(original, submission=wrong)
        return None


def preload_stream(claims: int, *, namespace: str = "preload") -> Iterator[ClaimSubmission]:
    """``claims`` distinct, valid daily aggregates of people no benchmark claim names."""
    people = max(1000, claims // 300)
    for index in range(claims):
        day, rest = divmod(index, people * len(_MODES))
        person, mode = divmod(rest, len(_MODES))
        methodology, unit, _, _ = _MODES[mode]
        yield ClaimSubmission(
            partner=PARTNER,
            delivery_id=f"PRELOAD-{day}",
            record_id=f"GDPRE{index:010d}",
            partner_methodology=methodology,
            period_start=_day(day),
            period_end=_day(day),
            time_zone=TIME_ZONE,
            activity_quantity=f"{5 + index % 40}.5",
            activity_unit=unit,
            person_pseudonym=pseudonym(namespace, person),
            region_code="440300",
        )
