"""A remainder carried under a methodology's former id is folded, not stranded.

The shipped standard files recycling as HUB-INTERIM-RECYCLE, ``formerly``
SZ-RECYCLE. A ledger whose pool carried 0.6 t under SZ-RECYCLE receives a
0.5 t claim under HUB-INTERIM-RECYCLE: the issuer folds the old carry into
the new account in the same transaction and issues one unit, carrying 0.1 t;
the old account shows 0, the pools list shows one pool, the fold is in the
signed audit log and the log verifies. On the fake, SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from pydantic import SecretStr

from hub.bootstrap import build_hub
from hub.domain.issuance import AccountKey
from hub.domain.serial_blocks import parse_serial
from hub.services.claim_port import NewClaimRecord
from hub.services.disclosure import DisclosureFilter
from hub.services.issuance import IssuanceService
from hub.services.issuance_port import CarryAccount, IssuanceRecord
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from hub.settings import HubSettings
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.ledger_records import claim, in_one, race

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
OLD = AccountKey("CN-HK", "SZ-RECYCLE", 2024, "pool:EPD", None)
NEW = dataclasses.replace(OLD, methodology="HUB-INTERIM-RECYCLE")
SUBJECT = "CN-HK|SZ-RECYCLE|2024|pool:EPD"


def _drop(record_id: str, methodology: str, credited: str) -> NewClaimRecord:
    """A recycling drop reported by EPD for one person, credited ``credited`` t."""
    base = claim(
        record_id,
        partner="CN-HK",
        project_id=None,
        person_pseudonym=f"PSN-{record_id}",
        credited=Decimal(credited),
    )
    submission = dataclasses.replace(base.submission, platform="EPD")
    return dataclasses.replace(
        base,
        submission=submission,
        content_digest=submission.content_digest(),
        verdict=dataclasses.replace(base.verdict, methodology=methodology),
    )


def _carried_before_the_rename(factory: UnitOfWorkFactory) -> None:
    """What the issuer did before the rename: a 0.6 t drop pooled under SZ-RECYCLE."""
    old = _drop("GRN-OLD", "SZ-RECYCLE", "0.600000")

    def issue(uow: UnitOfWork) -> None:
        uow.claims.add([old])
        record = IssuanceRecord(
            issuance_id=uuid.uuid4().hex,
            key=OLD,
            claims=((old.verdict.claim_id, Decimal("0.600000")),),
            carried_before=Decimal(0),
            units=0,
            carried_after=Decimal("0.600000"),
            block_id=None,
            issued_at=NOW,
        )
        uow.issuance.save_carry([CarryAccount(OLD, Decimal("0.600000"), 1)])
        uow.issuance.record([record])

    in_one(factory, issue)


def _carried(factory: UnitOfWorkFactory) -> dict[AccountKey, Decimal]:
    with factory() as uow:
        return {k: a.carried for k, a in uow.issuance.carried([OLD, NEW]).items()}


def test_the_old_carry_is_folded_into_the_new_account_and_issued(
    tmp_path: Path, database_url: str
) -> None:
    settings = HubSettings(
        data_dir=tmp_path,
        database_url=database_url,
        standards_dir=default_standards_dir(),
        pki_dir=tmp_path / "pki",
        insecure=True,
        session_secret=SecretStr("k" * 48),
    )
    hub = build_hub(settings, clock=lambda: NOW)
    engine = create_engine_for(database_url)
    try:
        factory = SqlAlchemyUnitOfWorkFactory(engine)
        _carried_before_the_rename(factory)
        new = _drop("GRN-NEW", "HUB-INTERIM-RECYCLE", "0.500000")
        in_one(factory, lambda uow: uow.claims.add([new]))

        run = hub.issuance.issue_pending()

        assert (run.claims, run.units) == (1, 1)
        (block,) = run.blocks
        assert parse_serial(block.serial).series.methodology == "HUB-INTERIM-RECYCLE"
        assert _carried(factory) == {OLD: Decimal(0), NEW: Decimal("0.1")}
        # Closing the vintage: one pool, every tonne accounted for.
        (pool,) = hub.issuance.pools("CN-HK", 2024)
        balance = pool.balance
        assert balance.key == NEW and pool.platform == "EPD"
        assert (balance.claims, balance.units) == (2, 1)
        assert (balance.credited_tco2e, balance.carried_tco2e) == (Decimal("1.1"), Decimal("0.1"))
        assert balance.taken_over_tco2e == 0
        # The public disclosure: one line, one pool (the two accounts are one).
        (line,) = hub.http_services().disclosure.pools(DisclosureFilter(partner="CN-HK"))
        assert (line.methodology, line.pools, line.issued_units) == ("HUB-INTERIM-RECYCLE", 1, 1)
        assert (line.credited_tco2e, line.carried_tco2e) == (Decimal("1.1"), Decimal("0.1"))
        # Asked by the former id, the same line.
        former = DisclosureFilter(partner="CN-HK", methodology="SZ-RECYCLE")
        assert hub.http_services().disclosure.pools(former) == [line]
        with factory() as uow:
            (folded,) = uow.events.for_subjects("carry", [SUBJECT])
            (issuance,) = uow.issuance.of_claims([new.verdict.claim_id]).values()
        assert folded.event == "FOLDED"
        assert dict(folded.details) == {
            "tco2e": "0.600000",
            "into_methodology": "HUB-INTERIM-RECYCLE",
            "issuance_id": issuance.issuance_id,
        }
        assert issuance.carried_after == Decimal("0.1")
        assert hub.audit.verify().ok
        # Nothing left to fold: a second run changes nothing.
        assert hub.issuance.issue_pending().claims == 0
        assert _carried(factory) == {OLD: Decimal(0), NEW: Decimal("0.1")}
    finally:
        engine.dispose()
        hub.close()


def test_two_issuers_at_once_fold_the_old_carry_once(uow_factory: UnitOfWorkFactory) -> None:
    """Two hub processes issue a drop each to the pool at once: the old carry
    is folded by one of them only (the other retries and finds it at 0)."""
    standard = load_standard(default_standards_dir())
    _carried_before_the_rename(uow_factory)
    drops = [
        _drop("GRN-A", "HUB-INTERIM-RECYCLE", "0.5"),
        _drop("GRN-B", "HUB-INTERIM-RECYCLE", "0.3"),
    ]
    in_one(uow_factory, lambda uow: uow.claims.add(drops))
    issuer = IssuanceService(uow_factory, standard, lambda: NOW, batch_size=1)

    # Each unit of work issues the oldest pending claim (batch of one) and
    # folds the old carry if it reads one. Where both read it at one version
    # (the fake, PostgreSQL) one is refused; SQLite serialises the two, the
    # second reading the carry already folded.
    outcomes = race(
        uow_factory,
        lambda uow: issuer._issue_batch(uow, size=1),
        lambda uow: issuer._issue_batch(uow, size=1),
    )
    assert "committed" in outcomes
    rest = issuer.issue_pending()

    assert rest.claims == outcomes.count("conflict")
    # 0.6 + 0.5 + 0.3 = 1.4: one unit and 0.4 carried, the 0.6 counted once.
    assert _carried(uow_factory) == {OLD: Decimal(0), NEW: Decimal("0.4")}
    (pool,) = issuer.pools("CN-HK", 2024)
    assert (pool.balance.claims, pool.balance.units) == (3, 1)
    assert pool.balance.credited_tco2e == Decimal("1.4")


def test_a_pool_over_a_tonne_under_the_old_id_is_issued_under_the_new_one(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """A pool that took over its people's remainders (migration 0007) before
    the rename carries whole tonnes under SZ-RECYCLE: the issuer's sweep issues
    them under HUB-INTERIM-RECYCLE, with no claim, and folds the rest."""
    in_one(
        uow_factory,
        lambda uow: uow.issuance.save_carry([CarryAccount(OLD, Decimal("2.250000"), 1)]),
    )
    issuer = IssuanceService(uow_factory, load_standard(default_standards_dir()), lambda: NOW)

    run = issuer.issue_pending()

    assert (run.accounts, run.claims, run.units) == (1, 0, 2)
    (block,) = run.blocks
    assert parse_serial(block.serial).series.methodology == "HUB-INTERIM-RECYCLE"
    assert _carried(uow_factory) == {OLD: Decimal(0), NEW: Decimal("0.25")}
    with uow_factory() as uow:
        assert uow.issuance.overfull(10) == []
