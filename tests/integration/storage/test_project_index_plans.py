"""The claims' (partner, project_id) index holds project claims only (0038)
and their (partner, adjustment_ref) index adjusted claims only (0040, in
place of (partner, decision)),
and every read of a named project's claims probes it on SQLite: a review's
or hold's claims of a project, a register's list of projects (which read
every claim, as a row value IN a list of pairs, before 0038). Migration
0038 both ways on SQLite and PostgreSQL: personal claims leave the index
and come back with the downgrade. The claims waiting under an adjustment
are probed in theirs, not read among every pending claim."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, event, text

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.issuance import IssuanceState
from hub.storage.database import alembic_config, create_engine_for, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.index_definitions import index_definition
from tests.integration.storage.records import record

INDEX = "ix_claims_partner_project_id"
PERSONAL, PROJECTS = 3_000, 40


def _fill(engine: Engine) -> None:
    """PERSONAL personal claims (no project) and ten claims of each of
    PROJECTS projects, P0 ..., all ACCEPTED, stored by the hub's repository."""
    records = []
    for n in range(PERSONAL + 10 * PROJECTS):
        new = record(f"C{n:08d}")
        project = None if n < PERSONAL else f"P{(n - PERSONAL) % PROJECTS}"
        records.append(replace(new, submission=replace(new.submission, project_id=project)))
    with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
        uow.claims.add(records)
        uow.commit()


def _plans(engine: Engine, executed: list[tuple[str, Any]]) -> list[str]:
    with engine.connect() as connection:
        return [
            " | ".join(
                str(row[-1])
                for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)
            )
            for sql, parameters in executed
            if sql.lstrip().upper().startswith("SELECT") and "FROM claims" in sql
        ]


def test_a_projects_claims_are_read_through_the_partial_index(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    migrate(url)
    engine = create_engine_for(url)
    executed: list[tuple[str, Any]] = []
    try:
        _fill(engine)
        with engine.connect() as connection:
            entries = connection.execute(
                text(f"SELECT count(*) FROM claims INDEXED BY {INDEX} WHERE project_id IS NOT NULL")
            ).scalar_one()
        assert entries == 10 * PROJECTS  # personal claims have none

        @event.listens_for(engine, "before_cursor_execute")
        def _keep(_c: Any, _k: Any, statement: str, parameters: Any, *_: Any) -> None:
            executed.append((statement, parameters))

        factory = SqlAlchemyUnitOfWorkFactory(engine)
        with factory() as uow:
            views = uow.claims.of_project("CN-GD", "P7", [Decision.ACCEPTED])
            recorded = uow.registers.recorded_claims([], [], [("CN-GD", "P3"), ("CN-GD", "P9")])
        event.remove(engine, "before_cursor_execute", _keep)
        plans = _plans(engine, executed)
    finally:
        engine.dispose()

    assert len(views) == 10
    assert {(c.project_id, c.partner) for c in recorded} == {("P3", "CN-GD"), ("P9", "CN-GD")}
    assert len(recorded) == 20
    assert plans, executed
    for plan in plans:
        assert f"USING INDEX {INDEX} (partner=? AND project_id=?)" in plan, plan
        assert "SCAN claims" not in plan, plan


def _partial(engine: Engine) -> bool:
    """Whether the project index is partial (holds project claims only)."""
    return "project_id IS NOT NULL" in (index_definition(engine, INDEX) or "")


ADJUSTMENT, BY_DECISION = "ix_claims_partner_adjustment_ref", "ix_claims_partner_decision"


def _indexes(engine: Engine) -> dict[str, bool | None]:
    """Of the adjustment and decision indexes: partial, whole, or absent (None)."""
    found: dict[str, bool | None] = {}
    for name in (ADJUSTMENT, BY_DECISION):
        definition = index_definition(engine, name)
        found[name] = None if definition is None else "WHERE" in definition
    return found


def _of_project(engine: Engine) -> int:
    with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
        return len(uow.claims.of_project("CN-GD", "P7", [Decision.ACCEPTED]))


def test_the_migration_takes_personal_claims_out_of_the_index_and_back(
    database_url: str,
) -> None:
    config = alembic_config(url=database_url)
    migrate(database_url)
    engine = create_engine_for(database_url)
    try:
        _fill(engine)
        assert _partial(engine) and _of_project(engine) == 10
        assert _indexes(engine) == {ADJUSTMENT: True, BY_DECISION: None}
        command.downgrade(config, "0039_points_person_prefix")
        assert _indexes(engine) == {ADJUSTMENT: None, BY_DECISION: False}
        command.downgrade(config, "0037_events_by_seq")
        # Read by the hub at head only: its reads name tables of later
        # migrations (claim_contexts, 0045).
        assert not _partial(engine)
        command.upgrade(config, "head")
        assert _partial(engine) and _of_project(engine) == 10
        assert _indexes(engine) == {ADJUSTMENT: True, BY_DECISION: None}
    finally:
        engine.dispose()


def test_the_claims_waiting_under_an_adjustment_are_read_through_its_index(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    migrate(url)
    engine = create_engine_for(url)
    executed: list[tuple[str, Any]] = []
    records = []
    for n in range(PERSONAL + 40):
        new = record(f"C{n:08d}")
        reference = None if n < PERSONAL else f"ADJ-{n % 4}"
        records.append(
            replace(
                new,
                submission=replace(new.submission, adjustment_ref=reference),
                issuance=IssuanceState.PENDING,
            )
        )
    try:
        with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
            uow.claims.add(records)
            uow.commit()

        @event.listens_for(engine, "before_cursor_execute")
        def _keep(_c: Any, _k: Any, statement: str, parameters: Any, *_: Any) -> None:
            executed.append((statement, parameters))

        with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
            waiting = uow.claims.waiting_under_exclusion("CN-GD", "ADJ-2")
        event.remove(engine, "before_cursor_execute", _keep)
        plans = _plans(engine, executed)
    finally:
        engine.dispose()
    assert sorted(view.record_id for view in waiting) == [
        f"C{n:08d}" for n in range(PERSONAL, PERSONAL + 40) if n % 4 == 2
    ]
    assert plans, executed
    for plan in plans:
        assert "USING INDEX ix_claims_partner_adjustment_ref (partner=? AND adjustment_ref=?)" in (
            plan
        ), plan
