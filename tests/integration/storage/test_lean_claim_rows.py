"""Lean claim rows on each database: shared traces and check lists stored once,
every claim reading back its own verdict (migration 0018)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine, text

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.checks import fire
from hub.domain.issuance import IssuanceState
from hub.services.claim_port import VerdictChange
from hub.storage.serialisation import verdict_to_json
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.records import record


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_shared_parts_are_stored_once_and_every_claim_reads_back_its_own(engine: Engine) -> None:
    factory = SqlAlchemyUnitOfWorkFactory(engine)
    records = [record(f"R-{index}") for index in range(5)]
    # One claim of the batch fired a check of its own: it stays in its body.
    odd = replace(
        records[4].verdict,
        checks=(fire("FACTOR_PROVISIONAL", factor="only-mine", region="CN-SZ"),),
    )
    records[4] = replace(records[4], verdict=odd)
    with factory() as uow:
        uow.claims.add(records)
        uow.commit()
    # A second batch with the same trace and checks adds no shared row.
    with factory() as uow:
        uow.claims.add([record("R-5"), record("R-6")])
        uow.commit()
    assert _count(engine, "claim_traces") == 1
    assert _count(engine, "claim_check_lists") == 1
    with factory() as uow:
        stored = uow.claims.get_by_record_ids("CN-GD", [r.verdict.record_id for r in records])
    for original in records:
        back = stored[original.verdict.record_id].verdict
        assert verdict_to_json(back) == verdict_to_json(original.verdict)

    # A changed decision keeps the claim's own checks; its neighbours keep theirs.
    held = records[0].verdict
    check = fire("PROJECT_NOT_ACTIVE", project_id="P-1", status="SUSPENDED")
    new = replace(held, decision=Decision.HELD, checks=(*held.checks, check))
    with factory() as uow:
        uow.claims.change_verdicts(
            [
                VerdictChange(
                    claim_id=held.claim_id,
                    expected_decision=Decision.ACCEPTED,
                    expected_issuance=None,
                    verdict=new,
                    issuance=IssuanceState.PENDING,
                    hold_reason="PROJECT_NOT_ACTIVE",
                )
            ]
        )
        uow.commit()
    with factory() as uow:
        view = uow.claims.ledger_view(held.claim_id)
        neighbour = uow.claims.get_by_claim_id(records[1].verdict.claim_id)
    assert view is not None and verdict_to_json(view.verdict) == verdict_to_json(new)
    assert neighbour is not None
    assert verdict_to_json(neighbour.verdict) == verdict_to_json(records[1].verdict)
