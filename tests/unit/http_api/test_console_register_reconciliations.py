"""The console's reconciliation page shows what a register list loaded late
reported about issued claims (counterpart ``register:<kind>``), with each
frozen block's discrepancy to resolve; registers without one are not shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from hub.domain.reconciliation import Discrepancy, DiscrepancyKind, Phase, ReconciliationStatus
from hub.http_api.app import create_http_app
from hub.http_api.context import HttpServices
from hub.http_api.methodology_names import methodology_names
from hub.http_api.partner_names import partner_names
from hub.services.bureau import BureauService
from hub.services.disclosure import DisclosureService
from hub.services.reconciliation import ReconciliationService
from hub.services.reconciliation_port import StoredDiscrepancy, StoredReconciliation
from hub.services.review_queue import ReviewQueueService
from hub.settings import HubSettings
from hub.standard import Standard
from tests.fakes import FakeUnitOfWorkFactory

from .conftest import Fakes, log_in


@pytest.fixture
def reported(fakes: Fakes, standard: Standard, tmp_path: Path) -> Iterator[TestClient]:
    uow_factory = FakeUnitOfWorkFactory(fakes.clock)
    with uow_factory() as uow:
        uow.reconciliations.add(
            StoredReconciliation(
                "rec-gec",
                "register:gec",
                ReconciliationStatus.REQUESTED,
                fakes.clock(),
                "bureau:a",
                None,
                (),
            )
        )
        uow.reconciliations.record_outcome(
            "rec-gec",
            ReconciliationStatus.INCONSISTENT,
            [
                StoredDiscrepancy(
                    "d-1",
                    "rec-gec",
                    Discrepancy(
                        Phase.UNIT_BLOCKS,
                        DiscrepancyKind.EXTERNAL_REGISTER,
                        "CN-GD/R-APR",
                        "SZCER-CN-GD-SZ-PV-2025-P-1-3",
                        "CLAIM_CREDITED_IN_EXTERNAL_REGISTER gec/GEC-2025-Q2",
                    ),
                    "block-1",
                    False,
                    "",
                    "",
                    None,
                )
            ],
            fakes.clock(),
        )
        uow.commit()
    settings = HubSettings(data_dir=tmp_path, session_secret=SecretStr("s" * 48))
    services = HttpServices(
        disclosure=DisclosureService(fakes.disclosure),
        officers=fakes.auth,
        review_queue=ReviewQueueService(fakes.queue),
        review=fakes.review,
        bureau=BureauService(uow_factory, fakes.clock),
        reconciliations=ReconciliationService(uow_factory, standard, fakes.clock),
        counterparts=("EXCHANGE", "CN-GD"),
        settings=settings,
        partner_names=partner_names(standard),
        methodology_names=methodology_names(standard),
    )
    with TestClient(create_http_app(services, settings), follow_redirects=False) as client:
        yield client


def test_a_register_reconciliation_is_listed_with_its_frozen_block(reported: TestClient) -> None:
    log_in(reported)
    page = reported.get("/console/reconciliations")
    assert page.status_code == 200
    assert 'data-counterpart="register:gec"' in page.text
    assert 'data-counterpart="register:ccer"' not in page.text  # nothing reported there
    assert "CN-GD/R-APR" in page.text and "gec/GEC-2025-Q2" in page.text
    assert 'data-kind="EXTERNAL_REGISTER"' in page.text
