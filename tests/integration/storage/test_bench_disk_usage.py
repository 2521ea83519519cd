"""The bench's bytes per claim: every table and index of the ledger, as the database counts them."""

from __future__ import annotations

from sqlalchemy import Engine, text

from carbonhub_tools.bench.disk import disk_usage
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from tests.integration.storage.records import record


def _store(engine: Engine, count: int) -> None:
    with SqlAlchemyUnitOfWorkFactory(engine)() as uow:
        uow.claims.add([record(f"R-{index:05d}") for index in range(count)])
        uow.commit()


def test_every_claim_table_and_index_is_counted_and_grows_with_the_claims(
    migrated_url: str, engine: Engine
) -> None:
    empty = disk_usage(migrated_url)
    assert empty.claims == 0
    _store(engine, 400)
    usage = disk_usage(migrated_url)
    assert usage.claims == 400
    names = {o.name: o for o in usage.objects}
    assert names["claims"].kind == "table"
    # The claims' indexes are counted, each under its table.
    assert names["ix_claims_decision_issuance_received_at"].kind == "index"
    assert names["ix_claims_decision_issuance_received_at"].table == "claims"
    assert names["claim_locks"].kind == "table"
    assert usage.of_table("claims") > empty.of_table("claims") + 400 * 200
    assert usage.total == sum(o.bytes for o in usage.objects)
    assert usage.as_json()["bytes_per_claim"] == round(usage.total / 400, 1)
    assert usage.lines()[0].startswith("disk per claim: ")
    if engine.dialect.name == "sqlite":
        # Every page of the file in use is some table's or index's.
        with engine.connect() as connection:
            pages = connection.execute(text("PRAGMA page_count")).scalar_one()
            free = connection.execute(text("PRAGMA freelist_count")).scalar_one()
            size = connection.execute(text("PRAGMA page_size")).scalar_one()
        assert usage.total == (pages - free) * size
    else:
        with engine.connect() as connection:
            total = connection.execute(
                text(
                    "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class AS c"
                    " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'"
                )
            ).scalar_one()
        assert usage.total == total
