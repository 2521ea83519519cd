"""The claims a drill sends, generated from a seed, with what the ledger must make of them.

Race traffic is built from *unique reductions*: one person's trips of one
mode on one day, or one block of origin serials. Every reduction is sent
one or more times, by any of the partners: the same content again, other
quantities, a period reaching into the next or previous day, an origin
block shifted by a few units. All claims of one reduction collide with one
another and with no other reduction's, so whatever the interleaving exactly
one of them may be accepted. Some claims are also sent again unchanged
(same partner and record id, in a later envelope): exact resubmissions,
answered with the original verdict.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from hub.domain.credit_codes import check_character

PERSONAL_METHODOLOGIES = ("GD-METRO", "GD-BUS", "GD-BIKE")
ORIGIN_SERIES = "GDPH-P-2024"
FIRST_DAY = date(2024, 1, 2)
DAYS_APART = 4  # a person's reductions of one mode: a two-day period never reaches the next
SERIAL_SPACING = 10  # origin blocks of one reduction stay within +-3 units of its centre
_CREDIT_BODY = "91440112MA59C1234"
PROJECT_CREDIT_CODE = _CREDIT_BODY + check_character(_CREDIT_BODY)  # a valid USCC


def pseudonym(label: str) -> str:
    return hashlib.sha256(f"drill-{label}".encode()).hexdigest()


def _day(offset: int) -> str:
    return (FIRST_DAY + timedelta(days=offset)).isoformat()


@dataclass
class RaceTraffic:
    """Each partner's claims in sending order, and the reduction each claim is of."""

    streams: dict[str, list[pb.Claim]]
    reduction_of: dict[tuple[str, str], int]  # (partner, record_id) -> reduction
    reductions: int
    resubmissions: int
    kinds: dict[str, int] = field(default_factory=dict)  # how each duplicate was made

    @property
    def claims(self) -> int:
        return sum(len(s) for s in self.streams.values())


class _Numbering:
    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def record_id(self, partner: str) -> str:
        n = self._next.get(partner, 0) + 1
        self._next[partner] = n
        return f"{partner}-R{n:07d}"


def _personal(
    partner: str, record_id: str, person: str, methodology: str, start: str, end: str, qty: str
) -> pb.Claim:
    return pb.Claim(
        record_id=record_id,
        partner_methodology=methodology,
        period_start=start,
        period_end=end,
        time_zone="Asia/Shanghai",
        activity_quantity=qty,
        activity_unit="pkm",
        person_pseudonym=person,
    )


def _origin(record_id: str, person: str, first: int, last: int, reported: str) -> pb.Claim:
    return pb.Claim(
        record_id=record_id,
        partner_methodology="GD-BUS",
        period_start="2024-06-03",
        period_end="2024-06-03",
        time_zone="Asia/Shanghai",
        activity_quantity="12",
        activity_unit="pkm",
        person_pseudonym=person,
        reported_tco2e=reported,
        origin_status=pb.ORIGIN_STATUS_ISSUED,
        origin_serial=f"{ORIGIN_SERIES}-{first}-{last}",
    )


def race_traffic(
    claims: int,
    partners: Sequence[str],
    *,
    seed: int = 6,
    envelope: int = 500,
    resubmission_share: float = 0.01,
) -> RaceTraffic:
    """About ``claims`` claims over ``partners``' streams (see the module doc)."""
    rng = random.Random(seed)
    numbering = _Numbering()
    # Each claim gets a moment on a common clock (one tick per reduction); a
    # stream sends its claims in that order. A reduction's duplicates come a
    # little later (exponential delay, two envelopes' worth on average), from
    # any partner: some race the first claim, most arrive after it is decided.
    timed: dict[str, list[tuple[float, pb.Claim]]] = {p: [] for p in partners}
    reduction_of: dict[tuple[str, str], int] = {}
    kinds: dict[str, int] = {}
    mean_delay = 2.0 * envelope * len(partners) / 1.24
    fresh = max(1, round(claims * (1 - resubmission_share)))
    sent = 0
    reduction = 0
    personal = 0
    serial = 0
    while sent < fresh:
        members = rng.choices((1, 2, 3), weights=(82, 12, 6))[0]
        moments = [float(reduction)] + [
            reduction + rng.expovariate(1 / mean_delay) for _ in range(members - 1)
        ]
        if rng.random() < 0.75:
            person = pseudonym(f"person-{personal // 4}")
            methodology = PERSONAL_METHODOLOGIES[(personal // 4) % 3]
            offset = DAYS_APART * (personal % 4) + 16 * ((personal // 4) % 20)
            personal += 1
            day = _day(offset)
            qty = f"{rng.randint(5, 19)}.{rng.randint(0, 9)}"
            for m in range(members):
                partner = rng.choice(partners)
                record_id = numbering.record_id(partner)
                kind = "first" if m == 0 else rng.choice(("same", "requantified", "wider"))
                kinds[kind] = kinds.get(kind, 0) + 1
                if kind in ("first", "same"):
                    start, end, amount = day, day, qty
                elif kind == "requantified":
                    start, end, amount = day, day, f"{rng.randint(5, 19)}.{rng.randint(0, 9)}"
                else:
                    start, end = rng.choice(((day, _day(offset + 1)), (_day(offset - 1), day)))
                    amount = f"{rng.randint(20, 30)}"
                claim = _personal(partner, record_id, person, methodology, start, end, amount)
                timed[partner].append((moments[m], claim))
                reduction_of[(partner, record_id)] = reduction
        else:
            centre = SERIAL_SPACING * serial + 5
            serial += 1
            for m in range(members):
                partner = rng.choice(partners)
                record_id = numbering.record_id(partner)
                kind = "origin-block" if m == 0 else "overlapping-block"
                kinds[kind] = kinds.get(kind, 0) + 1
                first, last = centre - rng.randint(0, 3), centre + rng.randint(0, 3)
                person = pseudonym(f"serial-{reduction}-{m}")
                timed[partner].append((moments[m], _origin(record_id, person, first, last, "3")))
                reduction_of[(partner, record_id)] = reduction
        reduction += 1
        sent += members
    streams = {
        p: [claim for _, claim in sorted(items, key=lambda item: item[0])]
        for p, items in timed.items()
    }
    resubmissions = 0
    for partner, stream in streams.items():
        count = int(len(stream) * resubmission_share)
        if len(stream) <= envelope or count == 0:
            continue
        later: dict[int, list[pb.Claim]] = {}
        for i in rng.sample(range(len(stream) - envelope), min(count, len(stream) - envelope)):
            # At least one envelope later: an exact resubmission, not a duplicate in a batch.
            later.setdefault(rng.randint(i + envelope, len(stream)), []).append(stream[i])
            resubmissions += 1
        merged: list[pb.Claim] = []
        for position in range(len(stream) + 1):
            merged.extend(later.get(position, ()))
            if position < len(stream):
                merged.append(stream[position])
        streams[partner] = merged
    return RaceTraffic(streams, reduction_of, reduction, resubmissions, kinds)


def envelopes_of(
    partner: str, claims: Sequence[pb.Claim], size: int, delivery_id: str
) -> list[pb.ClaimEnvelope]:
    return [
        pb.ClaimEnvelope(partner=partner, delivery_id=delivery_id, claims=claims[k : k + size])
        for k in range(0, len(claims), size)
    ]


# -- project claims: what issuance turns into serial blocks ---------------------------


def drill_project(project_id: str) -> pb.Project:
    return pb.Project(
        project_id=project_id,
        name="屋顶分布式光伏项目",
        owner_name="广州科城新能源有限公司",
        owner_credit_code=PROJECT_CREDIT_CODE,
        partner_methodology="GD-PV",
        region_code="440100",
        # Distinct roofs: about 2 km apart, beyond the hub's same-asset distance
        # (standards/standard.yaml asset_matching), so none is held as a re-registration.
        longitude=f"{113.4526 + (int(project_id[-4:]) % 20) * 0.02:.4f}",
        latitude=f"{23.1703 + (int(project_id[-4:]) // 20) * 0.02:.4f}",
        size_value=str(300 + int(project_id[-4:])),
        size_unit="kW",
        crediting_start="2023-03-01",
        crediting_end="2033-02-28",
        status=pb.PROJECT_STATUS_REGISTERED,
    )


def project_ids(count: int) -> list[str]:
    return [f"4401-PV-2023-{n:04d}" for n in range(1, count + 1)]


def project_claims(project_ids: Sequence[str], months: int) -> list[pb.Claim]:
    """Monthly PV claims (disjoint periods), one reduction each."""
    claims: list[pb.Claim] = []
    periods = [(2023 + (m + 2) // 12, (m + 2) % 12 + 1) for m in range(months)]
    for project_id in project_ids:
        for year, month in periods:
            claims.append(
                pb.Claim(
                    record_id=f"{project_id}-{year}{month:02d}",
                    partner_methodology="GD-PV",
                    period_start=f"{year}-{month:02d}-01",
                    period_end=f"{year}-{month:02d}-28",
                    time_zone="Asia/Shanghai",
                    activity_quantity="9137.5",
                    activity_unit="kWh",
                    project_id=project_id,
                    region_code="440100",
                )
            )
    return claims
