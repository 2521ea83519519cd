"""A site bound under a methodology's former id stays bound to the same programme.

Recycling outlets bound before the rename are stored as SZ-RECYCLE; a drop
there after it is assessed as HUB-INTERIM-RECYCLE. It must neither be refused
as a second programme (SITE_PROGRAMME_CONFLICT) nor ask storage to bind the
site again under another spelling: it carries the binding as stored.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.batch_decision import Candidate
from tests.unit.domain.domain_builders import hk_green_claim
from tests.unit.domain.test_batch_decision import (
    HK,
    RECYCLING,
    candidate,
    codes,
    decided,
    ledger,
    normalised,
    solar_fit,
)

NEW = "HUB-INTERIM-RECYCLE"
OLD = "SZ-RECYCLE"


def renamed_drop(
    record_id: str = "GRN-2410-000117", *, formerly: tuple[str, ...] = (OLD,)
) -> Candidate:
    start = datetime(2024, 10, 10, tzinfo=HK)
    sub = hk_green_claim(record_id=record_id, site_id="ST-0417")
    made = candidate(
        sub,
        normalised(NEW, start, start + timedelta(days=1), "2.7", "0.00243"),
        RECYCLING,
        site_binding=NEW,
    )
    return replace(made, assessment=replace(made.assessment, site_binding_formerly=formerly))


def test_a_site_bound_under_the_former_id_takes_the_renamed_methodology() -> None:
    (drop,) = decided([renamed_drop()], ledger(bindings={"ST-0417": OLD}))
    assert drop.decision is Decision.ACCEPTED and codes(drop) == []
    # The binding is handed to storage as it is stored: one programme, one row.
    assert drop.site_binding == OLD


def test_without_the_alias_the_old_binding_is_another_programme() -> None:
    (drop,) = decided([renamed_drop(formerly=())], ledger(bindings={"ST-0417": OLD}))
    assert codes(drop) == ["SITE_PROGRAMME_CONFLICT"]


def test_a_former_id_of_the_recycling_methodology_does_not_admit_another_programme() -> None:
    # ST-0417 is bound to PV: a recycling drop there stays refused whatever
    # its methodology was once called.
    (drop,) = decided([renamed_drop()], ledger(bindings={"ST-0417": "SZ-PV"}))
    assert codes(drop) == ["SITE_PROGRAMME_CONFLICT"]


def test_a_fresh_site_is_bound_under_the_current_id() -> None:
    (drop,) = decided([renamed_drop()])
    assert drop.decision is Decision.ACCEPTED and drop.site_binding == NEW
    fit, later = decided([solar_fit(), renamed_drop()])
    assert fit.decision is Decision.ACCEPTED and codes(later) == ["SITE_PROGRAMME_CONFLICT"]
