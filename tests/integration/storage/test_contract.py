"""The storage contract, on the in-memory fake, SQLite and PostgreSQL alike."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest

from carbonhub_contract.vocabulary.records import Decision, PartnerProjectStatus
from hub.domain.locks import LockKind
from hub.domain.projects import Project
from hub.services.claim_port import LockConflict, RefusedResubmission
from hub.services.unit_of_work import ConcurrentWriteConflict, UnitOfWorkFactory
from hub.storage import claim_locks as storage_uow
from hub.storage.serialisation import verdict_to_json
from tests.integration.storage.records import RECEIVED, lock, record, submission


def _store(factory: UnitOfWorkFactory, *records: object) -> None:
    with factory() as uow:
        uow.claims.add(list(records))  # type: ignore[arg-type]
        uow.commit()


def test_added_claims_read_back_by_record_and_claim_id(uow_factory: UnitOfWorkFactory) -> None:
    first, second = record("R-1", [lock("p1", 0, 9)]), record("R-2")
    _store(uow_factory, first, second)
    with uow_factory() as uow:
        found = uow.claims.get_by_record_ids("CN-GD", ["R-1", "R-2", "R-missing"])
        assert set(found) == {"R-1", "R-2"}
        stored = found["R-1"]
        assert stored.claim_id == first.verdict.claim_id
        assert stored.content_digest == first.content_digest
        assert stored.verdict == first.verdict
        assert uow.claims.get_by_record_ids("CN-HK", ["R-1"]) == {}
        by_id = uow.claims.get_by_claim_id(second.verdict.claim_id)
        assert by_id is not None and by_id.record_id == "R-2" and by_id.partner == "CN-GD"
        assert uow.claims.get_by_claim_id("no-such-claim") is None


def test_resubmission_gets_the_original_verdict_exactly(uow_factory: UnitOfWorkFactory) -> None:
    original = record("R-1", [lock("p1", 0, 9)])
    _store(uow_factory, original)
    with uow_factory() as uow:
        stored = uow.claims.get_by_record_ids("CN-GD", {"R-1"})["R-1"].verdict
    assert stored == original.verdict
    assert verdict_to_json(stored) == verdict_to_json(original.verdict)
    assert stored.checks == original.verdict.checks
    assert stored.trace == original.verdict.trace


@pytest.mark.parametrize(
    "value",
    ["6.707500", "0.1", "1E+3", "-0.000", "123456789012345678901234567890.123456789012345678"],
)
def test_decimals_come_back_exactly(uow_factory: UnitOfWorkFactory, value: str) -> None:
    original = record("R-1", credited=Decimal(value))
    _store(uow_factory, original)
    with uow_factory() as uow:
        credited = uow.claims.get_by_record_ids("CN-GD", ["R-1"])["R-1"].verdict.credited_tco2e
    assert credited is not None
    assert str(credited) == value
    assert credited.as_tuple() == Decimal(value).as_tuple()


def test_nothing_is_visible_before_commit(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.claims.add([record("R-1", [lock("p1", 0, 9)])])
    with uow_factory() as uow:
        assert uow.claims.get_by_record_ids("CN-GD", ["R-1"]) == {}
        assert uow.claims.find_lock_conflicts([lock("p1", 0, 9)]) == []
        uow.claims.add([record("R-1", [lock("p1", 0, 9)])])
        uow.rollback()
        assert uow.claims.get_by_record_ids("CN-GD", ["R-1"]) == {}
    with uow_factory() as uow:
        uow.claims.add([record("R-1", [lock("p1", 0, 9)])])
        uow.commit()
    with uow_factory() as uow:
        assert set(uow.claims.get_by_record_ids("CN-GD", ["R-1"])) == {"R-1"}


def test_overlapping_lock_is_refused_and_the_batch_rolled_back(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _store(uow_factory, record("R-1", [lock("p1", 100, 199)]))
    with uow_factory() as uow:
        uow.claims.add([record("R-2", [lock("p2", 0, 9)])])
        with pytest.raises(ConcurrentWriteConflict):
            uow.claims.add([record("R-3", [lock("p1", 199, 250)])])
    with uow_factory() as uow:
        assert set(uow.claims.get_by_record_ids("CN-GD", ["R-1", "R-2", "R-3"])) == {"R-1"}


def test_overlap_inside_one_batch_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.claims.add([record("R-1", [lock("p1", 0, 10)]), record("R-2", [lock("p1", 10, 20)])])
    with uow_factory() as uow:
        assert uow.claims.get_by_record_ids("CN-GD", ["R-1", "R-2"]) == {}


def test_adjacent_ranges_other_keys_and_other_kinds_are_allowed(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _store(
        uow_factory,
        record("R-1", [lock("p1", 0, 9)]),
        record("R-2", [lock("p1", 10, 19)]),  # adjacent
        record("R-3", [lock("p2", 0, 19)]),  # other key
        record("R-4", [lock("p1", 0, 19, LockKind.PERSON_PERIOD)]),  # other kind
    )
    with uow_factory() as uow:
        assert len(uow.claims.get_by_record_ids("CN-GD", ["R-1", "R-2", "R-3", "R-4"])) == 4


def test_duplicate_record_id_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    _store(uow_factory, record("R-1"))
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.claims.add([record("R-1")])
    _store(uow_factory, record("R-1", partner="CN-HK"))  # another partner's R-1 is another record
    with uow_factory() as uow:
        assert set(uow.claims.get_by_record_ids("CN-HK", ["R-1"])) == {"R-1"}


def test_find_lock_conflicts_is_set_based_and_exact(uow_factory: UnitOfWorkFactory) -> None:
    a = record("R-A", [lock("p1", 0, 99), lock("c", 0, 0, LockKind.CONTENT)])
    b = record("R-B", [lock("p1", 100, 199)])
    c = record("R-C", [lock("p1", 300, 399)])
    d = record("R-D", [lock("p2", 0, 1000)], partner="CN-HK")
    _store(uow_factory, a, b, c)
    _store(uow_factory, d)
    inside = lock("p1", 40, 60)  # within A only: found through A's start before it
    spanning = lock("p1", 50, 350)  # A (predecessor), B and C
    gap = lock("p1", 200, 299)  # between B and C: nothing
    other_kind = lock("p1", 0, 1000, LockKind.ORIGIN_SERIAL)
    content = lock("c", 0, 0, LockKind.CONTENT)
    hk = lock("p2", 1000, 2000)  # touches D's last second
    with uow_factory() as uow:
        conflicts = uow.claims.find_lock_conflicts(
            [inside, spanning, gap, other_kind, content, hk, inside]
        )
    ids = {r.verdict.record_id: r.verdict.claim_id for r in (a, b, c, d)}
    assert conflicts == [
        LockConflict(inside, ids["R-A"], "CN-GD", "R-A"),
        LockConflict(spanning, ids["R-A"], "CN-GD", "R-A"),
        LockConflict(spanning, ids["R-B"], "CN-GD", "R-B"),
        LockConflict(spanning, ids["R-C"], "CN-GD", "R-C"),
        LockConflict(content, ids["R-A"], "CN-GD", "R-A"),
        LockConflict(hk, ids["R-D"], "CN-HK", "R-D"),
    ]


def test_large_batches_cross_chunk_boundaries(
    uow_factory: UnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage_uow, "POSTGRESQL_LOCK_CHUNK", 100)
    records = [record(f"R-{i:04}", [lock(f"k{i % 7}", i * 10, i * 10 + 9)]) for i in range(1203)]
    _store(uow_factory, *records)
    with uow_factory() as uow:
        found = uow.claims.get_by_record_ids("CN-GD", [f"R-{i:04}" for i in range(1300)])
        assert len(found) == 1203
        wanted = [lock(f"k{i % 7}", i * 10 + 5, i * 10 + 5) for i in range(1300)]
        conflicts = uow.claims.find_lock_conflicts(wanted)
    assert [c.held_by_record_id for c in conflicts] == [f"R-{i:04}" for i in range(1203)]


def test_site_bindings(uow_factory: UnitOfWorkFactory) -> None:
    _store(uow_factory, record("R-1", site_id="S-1", site_binding="SZ-PV"))
    _store(uow_factory, record("R-2", site_id="S-1", site_binding="SZ-PV"))  # same programme: fine
    with uow_factory() as uow:
        assert uow.claims.site_bindings("CN-GD", ["S-1", "S-2"]) == {"S-1": "SZ-PV"}
        assert uow.claims.site_bindings("CN-HK", ["S-1"]) == {}
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.claims.add([record("R-3", site_id="S-1", site_binding="SZ-EV-CHARGING")])
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.claims.add(
            [
                record("R-4", site_id="S-9", site_binding="SZ-PV"),
                record("R-5", site_id="S-9", site_binding="SZ-EV-CHARGING"),
            ]
        )
    with uow_factory() as uow:
        assert uow.claims.get_by_record_ids("CN-GD", ["R-3", "R-4", "R-5"]) == {}
        assert uow.claims.site_bindings("CN-GD", ["S-9"]) == {}


def test_count_by_decision(uow_factory: UnitOfWorkFactory) -> None:
    _store(
        uow_factory,
        record("R-1"),
        record("R-2"),
        record("R-3", decision=Decision.HELD),
        record("R-4", partner="CN-HK", decision=Decision.REJECTED),
    )
    with uow_factory() as uow:
        assert uow.claims.count_by_decision("CN-GD") == {"ACCEPTED": 2, "REJECTED": 0, "HELD": 1}
        assert uow.claims.count_by_decision("CN-MO") == {"ACCEPTED": 0, "REJECTED": 0, "HELD": 0}


def test_refused_resubmissions_are_kept(uow_factory: UnitOfWorkFactory) -> None:
    original = record("R-1")
    _store(uow_factory, original)
    changed = submission("R-1", quantity="99")
    refusal = RefusedResubmission(
        changed, original.verdict.claim_id, changed.content_digest(), RECEIVED
    )
    with uow_factory() as uow:
        uow.claims.add_refused([refusal, refusal])
        uow.commit()
    with uow_factory() as uow, pytest.raises(ConcurrentWriteConflict):
        uow.claims.add_refused([dataclasses.replace(refusal, original_claim_id="unknown")])


def _project(**changes: object) -> Project:
    project = Project(
        partner="CN-GD",
        project_id="GD-PV-0007",
        name="东莞 屋顶光伏 7 号",
        owner_name="东莞某制造有限公司",
        owner_credit_code="91441900MA4UJ0XX0X",
        partner_methodology="GD-PV-01",
        region_code="441900",
        longitude="113.7518",
        latitude="23.0207",
        size_value="350.5",
        size_unit="kW",
        crediting_start=date(2023, 1, 1),
        crediting_end=date(2032, 12, 31),
        status=PartnerProjectStatus.REGISTERED,
    )
    return dataclasses.replace(project, **changes)  # type: ignore[arg-type]


def test_projects_upsert_and_get_many(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.projects.upsert(_project()) is True
        assert uow.projects.upsert(_project(project_id="GD-PV-0008")) is True
        uow.commit()
    with uow_factory() as uow:
        assert uow.projects.upsert(_project()) is False
        assert uow.projects.upsert(_project(status=PartnerProjectStatus.SUSPENDED)) is True
        uow.commit()
    with uow_factory() as uow:
        found = uow.projects.get_many("CN-GD", ["GD-PV-0007", "GD-PV-0008", "GD-PV-0009"])
        assert set(found) == {"GD-PV-0007", "GD-PV-0008"}
        assert found["GD-PV-0007"] == _project(status=PartnerProjectStatus.SUSPENDED)
        assert uow.projects.get_many("CN-HK", ["GD-PV-0007"]) == {}
