"""A ledger at head holding claims as the hub decided them: the setup the
migration tests of a hub-written ledger share."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine

from carbonhub_contract.vocabulary.records import ClaimSubmission
from hub.domain.claims import Verdict
from hub.services.ingestion import IngestionService
from hub.standard import default_standards_dir, load_standard
from hub.storage.database import create_engine_for, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory

__all__ = ["AT", "ingested"]

AT = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)


@contextmanager
def ingested(
    url: str, claims: Sequence[ClaimSubmission], partner: str = "CN-GD"
) -> Iterator[tuple[Engine, list[Verdict]]]:
    """The database at ``url`` migrated to head, ``claims`` submitted by
    ``partner`` at AT; its engine and the verdicts, the engine disposed after."""
    migrate(url)
    engine = create_engine_for(url)
    try:
        standard = load_standard(default_standards_dir())
        service = IngestionService(SqlAlchemyUnitOfWorkFactory(engine), standard, lambda: AT)
        yield engine, service.submit(partner, list(claims))
    finally:
        engine.dispose()
