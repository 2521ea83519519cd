"""The composition root: the one place that wires settings to components."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from carbonhub_contract.receipts import ReceiptSigner
from carbonhub_contract.signing import hub_signer, verify_ed25519
from hub.errors import InvalidRequest
from hub.grpc_api.bureau_servicer import BureauServicer
from hub.grpc_api.call_telemetry import CallTelemetry
from hub.grpc_api.exchange_servicer import ExchangeServicer
from hub.grpc_api.partner_servicer import PartnerServicer
from hub.grpc_api.server import RunningServer, Servicers, start_server
from hub.observability.ledger_events import (
    ObservedBureau,
    ObservedExchange,
    ObservedOfficers,
    ObservedPartnerKeys,
    ObservedReconciliations,
    ObservedReview,
    observe,
)
from hub.observability.metrics import HubMetrics
from hub.observability.service_events import ObservedIssuance, ObservedPointsExpiry
from hub.services.attestation import AttestationService
from hub.services.audit import AuditService
from hub.services.bureau import BureauService
from hub.services.clock import Clock, system_clock
from hub.services.disclosure import DisclosureService
from hub.services.exchange import ExchangeService
from hub.services.ingestion import IngestionService
from hub.services.issuance import IssuanceService
from hub.services.officers_auth import OfficerAuthService
from hub.services.partner_keys import PartnerKeyService
from hub.services.partner_proofs import PartnerProofs
from hub.services.periodic_checkpointer import PeriodicCheckpointer
from hub.services.periodic_issuer import PeriodicIssuer
from hub.services.points import PointsService
from hub.services.projects import ProjectRegistrationService
from hub.services.reconciliation import ReconciliationService
from hub.services.review import ReviewService
from hub.services.review_queue import ReviewQueueService
from hub.services.signed_writes import WriteAuthenticator
from hub.settings import HubSettings
from hub.standard import Standard, default_standards_dir, load_standard
from hub.standard.points import load_points_rules
from hub.storage.database import create_engine_for, migrate, require_hub_database
from hub.storage.disclosure_queries import SqlAlchemyDisclosureQueries, create_read_only_engine
from hub.storage.officer_repository import SqlAlchemyOfficerStore
from hub.storage.operations_queries import ledger_status
from hub.storage.review_queue_queries import SqlAlchemyReviewQueueQueries
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hub.trust.audit_signing import audit_service

if TYPE_CHECKING:
    from hub.http_api.context import HttpServices
    from hub.services.exports import ExportService


@dataclass
class Hub:
    settings: HubSettings
    engine: Engine
    standard: Standard
    ingestion: IngestionService
    projects: ProjectRegistrationService
    issuance: IssuanceService
    attestations: AttestationService
    exchange: ExchangeService
    reconciliations: ReconciliationService
    bureau: BureauService
    partner_keys: PartnerKeyService
    audit: AuditService
    review: ReviewService
    officers: OfficerAuthService
    read_engine: Engine  # read-only sessions: public disclosure and the console's queue
    points: PointsService  # the carbon points ledger (standards/points.yaml)
    # What /metrics serves: this process's calls and the ledger's gauges.
    metrics: HubMetrics = field(default_factory=HubMetrics)

    def receipts(self) -> ReceiptSigner:
        """The hub signing key of the PKI directory; the --insecure development
        hub makes one there when it has none (it still signs what it says)."""
        pki_dir = self.settings.resolved_pki_dir()
        return ReceiptSigner(hub_signer(pki_dir, create=self.settings.insecure))

    def partner_proofs(self) -> PartnerProofs:
        """A partner's proofs from the transparency log: the tree read on the
        read-only engine (as the public HTTP routes), whose claim on the ledger's."""
        from hub.storage.merkle_repository import SqlAlchemyTreeStores
        from hub.trust.audit_signing import transparency_log

        log = transparency_log(
            SqlAlchemyTreeStores(self.read_engine), self.settings.resolved_pki_dir()
        )
        return PartnerProofs(SqlAlchemyUnitOfWorkFactory(self.engine), log)

    def servicers(self) -> Servicers:
        receipts = self.receipts()
        return Servicers(
            partner=PartnerServicer(
                self.ingestion,
                self.projects,
                attestations=self.attestations,
                reconciliations=self.reconciliations,
                receipts=receipts,
                max_claims_per_envelope=self.settings.max_claims_per_envelope,
                points=self.points,
                proofs=self.partner_proofs(),
            ),
            exchange=ExchangeServicer(self.exchange, self.reconciliations, receipts=receipts),
            bureau=BureauServicer(self.bureau, self.reconciliations, receipts=receipts),
        )

    def serve(self) -> RunningServer:
        return start_server(self.settings, self.servicers(), CallTelemetry(self.metrics))

    def periodic_issuer(self) -> PeriodicIssuer | None:
        """The background issuer `serve` runs, or None when the interval is 0."""
        interval = self.settings.issuance_interval
        if interval <= 0:
            return None
        return PeriodicIssuer(
            ObservedIssuance(self.issuance, self.metrics),
            interval,
            points=ObservedPointsExpiry(self.points),
            points_every=self.settings.points_expiry_interval,
            exclusions=self.attestations,
        )

    def periodic_checkpointer(self) -> PeriodicCheckpointer | None:
        """The background signer of audit checkpoints, or None when the interval is 0."""
        interval = self.settings.audit_checkpoint_interval
        return PeriodicCheckpointer(self.audit, interval) if interval > 0 else None

    def http_services(self) -> HttpServices:
        """What the HTTP side (hub.http_api) is given."""
        from hub.domain.reconciliation import EXCHANGE
        from hub.http_api.context import HttpServices
        from hub.http_api.methodology_names import methodology_names
        from hub.http_api.partner_names import partner_names

        return HttpServices(
            disclosure=DisclosureService(
                SqlAlchemyDisclosureQueries(
                    self.read_engine, self.standard.former_methodology_ids()
                )
            ),
            officers=self.officers,
            review_queue=ReviewQueueService(SqlAlchemyReviewQueueQueries(self.read_engine)),
            review=self.review,
            bureau=self.bureau,
            reconciliations=self.reconciliations,
            counterparts=(EXCHANGE, *self.standard.partners()),
            settings=self.settings,
            partner_names=partner_names(self.standard),
            methodology_names=methodology_names(self.standard),
        )

    def exports(self) -> ExportService:
        """The CAD Trust export and the annual reports: read on the read-only
        engine, reports signed with the hub signing key."""
        from hub.services.exports import ExportService
        from hub.storage.export_queries import ExportQueries

        return ExportService(
            ExportQueries(self.read_engine), self.standard, system_clock, self.receipts
        )

    def close(self) -> None:
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
        self.engine.dispose()


def prepare_data_dir(folder: Path) -> None:
    """Make the data folder (of the embedded database, of the demo), or refuse
    (DATA_DIR_INVALID) with its path when it cannot be one (a file, no permission)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as problem:
        reason = "it is a file" if folder.is_file() else (problem.strerror or str(problem))
        raise InvalidRequest(
            "DATA_DIR_INVALID", f"cannot keep the hub's data in {folder}: {reason}"
        ) from problem


def build_hub(settings: HubSettings, clock: Clock = system_clock, *, existing: bool = False) -> Hub:
    """The hub on its database. ``existing``: the commands that work on a
    ledger already made (bureau, issue, keys ...) refuse with LEDGER_NOT_FOUND
    rather than make an empty one; only serving and the demo create it."""
    url = settings.resolved_database_url()
    if not existing and settings.database_url is None:
        prepare_data_dir(settings.data_dir)
    # The standard is validated before anything touches the database: a bad
    # file must stop the hub at start, not at the first claim.
    standard = load_standard(settings.standards_dir or default_standards_dir())
    points = load_points_rules(settings.standards_dir or default_standards_dir(), standard)
    if existing:
        require_hub_database(url, settings.data_dir if settings.database_url is None else None)
    migrate(url)
    engine = create_engine_for(url)
    uow_factory = SqlAlchemyUnitOfWorkFactory(engine)
    retries = settings.write_retries
    authenticate = WriteAuthenticator(verify_ed25519)
    read_engine = create_read_only_engine(url, engine)
    # The services that change the ledger on a person's or a counterpart's
    # word are built observed: one log line per change, whichever process
    # (serve, a bureau command, the console) makes it.
    hub = Hub(
        settings=settings,
        engine=engine,
        standard=standard,
        ingestion=IngestionService(
            uow_factory,
            standard,
            clock,
            write_retries=retries,
            authenticate=authenticate,
            points=points,
        ),
        projects=ProjectRegistrationService(
            uow_factory, standard, write_retries=retries, clock=clock, authenticate=authenticate
        ),
        issuance=IssuanceService(uow_factory, standard, clock, write_retries=retries),
        attestations=AttestationService(
            uow_factory, standard, clock, write_retries=retries, authenticate=authenticate
        ),
        exchange=ObservedExchange(
            uow_factory,
            standard,
            clock,
            poll_interval=settings.exchange_poll_interval,
            write_retries=retries,
        ),
        reconciliations=ObservedReconciliations(
            uow_factory, standard, clock, write_retries=retries
        ),
        bureau=ObservedBureau(uow_factory, clock, write_retries=retries),
        partner_keys=ObservedPartnerKeys(uow_factory, standard, clock, write_retries=retries),
        audit=audit_service(
            uow_factory, settings.resolved_pki_dir(), clock, create_key=settings.insecure
        ),
        review=ObservedReview(uow_factory, clock, write_retries=retries, points=points),
        officers=ObservedOfficers(
            SqlAlchemyOfficerStore(engine),
            clock,
            max_failures=settings.login_max_failures,
            window_seconds=settings.login_window,
        ),
        read_engine=read_engine,
        points=PointsService(uow_factory, clock, write_retries=retries, authenticate=authenticate),
        metrics=HubMetrics(ledger=lambda: ledger_status(read_engine)),
    )
    observe(
        hub.metrics,
        hub.exchange,
        hub.reconciliations,
        hub.bureau,
        hub.partner_keys,
        hub.review,
        hub.officers,
    )
    return hub
