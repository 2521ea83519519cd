"""The composition root: the one place that wires settings to components."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from hub.grpc_api.partner_servicer import PartnerServicer
from hub.grpc_api.server import RunningServer, start_server
from hub.services.clock import Clock, system_clock
from hub.services.ingestion import IngestionService
from hub.services.projects import ProjectRegistrationService
from hub.settings import HubSettings
from hub.standard import Standard, default_standards_dir, load_standard
from hub.storage.database import create_engine_for, migrate
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory


@dataclass
class Hub:
    settings: HubSettings
    engine: Engine
    standard: Standard
    ingestion: IngestionService
    projects: ProjectRegistrationService

    def partner_servicer(self) -> PartnerServicer:
        return PartnerServicer(
            self.ingestion,
            self.projects,
            max_claims_per_envelope=self.settings.max_claims_per_envelope,
        )

    def serve(self) -> RunningServer:
        return start_server(self.settings, self.partner_servicer())

    def close(self) -> None:
        self.engine.dispose()


def build_hub(settings: HubSettings, clock: Clock = system_clock) -> Hub:
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.resolved_database_url()
    # The standard is validated before anything touches the database: a bad
    # file must stop the hub at start, not at the first claim.
    standard = load_standard(settings.standards_dir or default_standards_dir())
    migrate(url)
    engine = create_engine_for(url)
    uow_factory = SqlAlchemyUnitOfWorkFactory(engine)
    return Hub(
        settings=settings,
        engine=engine,
        standard=standard,
        ingestion=IngestionService(
            uow_factory, standard, clock, write_retries=settings.write_retries
        ),
        projects=ProjectRegistrationService(
            uow_factory, standard, write_retries=settings.write_retries
        ),
    )
