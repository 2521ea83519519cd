"""Where a claim's range locks can be found from the claim alone (hub.domain.locks).

The storage keeps no index on a lock's claim id (migration 0033): a claim's
locks are released at the (kind, key, lo)s ``range_lock_places`` gives, so
every range lock ``locks_for`` takes, whatever the rules, must start at one.
"""

from __future__ import annotations

import pytest

from carbonhub_contract.vocabulary.records import ClaimSubmission
from hub.domain.locks import (
    LockKind,
    LockRules,
    OriginBlock,
    locks_for,
    range_lock_keys,
    range_lock_places,
)
from hub.standard import Standard
from tests.unit.domain.domain_builders import PERSON, gd_bus_claim, gd_pv_claim
from tests.unit.domain.test_person_travel import hk_fit, normalised, trip

RULES = [
    LockRules(),
    LockRules(mobility=True),
    LockRules(site_basis=True),
    LockRules(site_basis=True, shared_site=True),
]

CLAIMS = {
    "timed trip": trip(),
    "trip naming a station": trip(site_id="STATION-7"),
    "trip with a padded pseudonym": trip(person_pseudonym=f" {PERSON} "),
    "daily bus aggregate": gd_bus_claim(period_start="2024-10-02", period_end="2024-10-02"),
    "recycling drop with material": trip(material="PET"),
    "site without project": hk_fit(),
    "project claim": gd_pv_claim(),
    "project claim naming its site": gd_pv_claim(site_id="PV-SITE-1"),
}


@pytest.mark.parametrize("rules", RULES, ids=repr)
@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_every_range_lock_taken_starts_at_a_place_the_claim_gives(
    standard: Standard, name: str, rules: LockRules
) -> None:
    claim = CLAIMS[name]
    norm = normalised(standard, claim)
    origin = OriginBlock("GDPH-4401-PV-2023-0007-2024", 1, 10)
    taken = {
        (lock.kind, lock.key, lock.lo)
        for lock in locks_for(claim, norm, origin, rules)
        if lock.kind not in (LockKind.CONTENT, LockKind.ORIGIN_SERIAL)
    }
    assert taken
    assert taken <= set(range_lock_places(claim, norm))


def test_a_trip_is_found_under_its_person_and_its_person_and_methodology(
    standard: Standard,
) -> None:
    claim = trip(material="PET")
    keys = range_lock_keys(claim, normalised(standard, claim).methodology)
    assert keys == [
        (LockKind.PERSON_PERIOD, f"{PERSON}|SZ-TRANSIT-BUS|PET"),
        (LockKind.PERSON_TRAVEL, PERSON),
    ]


def test_a_project_claim_is_found_under_its_project_not_its_site(standard: Standard) -> None:
    claim = gd_pv_claim(site_id="PV-SITE-1")
    assert range_lock_keys(claim, normalised(standard, claim).methodology) == [
        (LockKind.PROJECT_PERIOD, f"{claim.partner}|project|{claim.project_id}")
    ]


def test_a_claim_naming_no_project_site_or_person_has_no_range_lock_key() -> None:
    bare = ClaimSubmission(
        partner="CN-GD",
        delivery_id="D-1",
        record_id="R-1",
        partner_methodology="GD-BUS",
        period_start="2024-10-02",
        period_end="2024-10-02",
        time_zone="Asia/Shanghai",
        activity_quantity="1",
        activity_unit="km",
    )
    assert range_lock_keys(bare, "SZ-TRANSIT-BUS") == []
