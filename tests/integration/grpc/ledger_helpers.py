"""A real hub on loopback with blocks in its ledger, for the exchange and
attestation tests: claims go in through the PartnerService, the hub's own
issuance turns them into blocks, exactly as in production."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import grpc

from carbonhub_contract.generated.carbonhub.v1 import exchange_pb2_grpc as exchange_grpc
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from hub.bootstrap import Hub, build_hub
from hub.domain.credit_codes import check_character
from hub.grpc_api.server import RunningServer
from hub.settings import HubSettings
from tests.trusted_clients import PartnerStub, TrustedClients

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
PROJECT_ID = "4401-PV-2023-0007"
CREDIT_CODE = "91440101MA59" + "ABCDE"
CREDIT_CODE += check_character(CREDIT_CODE)
HK_ADJUSTMENT = "HKAA-2024-004101"


@dataclass
class Running:
    hub: Hub
    server: RunningServer
    clients: TrustedClients
    partner: PartnerStub  # signs with the key of the partner each message names
    exchange: exchange_grpc.ExchangeServiceStub  # on the exchange's certificate

    @property
    def channel(self) -> grpc.Channel:
        """The exchange's channel (what the exchange client connects with)."""
        return self.clients.channel("exchange")


@contextmanager
def running_hub(tmp_path: Path, database_url: str, **settings: object) -> Iterator[Running]:
    """A hub serving with mutual TLS on a free loopback port, its PKI and the
    partners' registered signing keys in ``tmp_path``. Polls are fast so
    follow streams notice new events within a test's patience."""
    options: dict[str, object] = {"exchange_poll_interval": 0.1, "issuance_interval": 0}
    options.update(settings)
    hub = build_hub(
        HubSettings(
            data_dir=tmp_path,
            database_url=database_url,
            grpc_port=0,
            insecure=False,
            pki_dir=tmp_path / "pki",
            **options,  # type: ignore[arg-type]
        ),
        clock=lambda: NOW,
    )
    trust = TrustedClients.prepare(tmp_path, hub.partner_keys)
    server = hub.serve()
    clients = TrustedClients(trust, server.address)
    try:
        yield Running(hub, server, clients, PartnerStub(clients), clients.exchange_stub())
    finally:
        clients.close()
        server.stop(None)
        hub.close()


def register_gd_project(stub: PartnerStub) -> None:
    response = stub.RegisterProjects(
        pb.RegisterProjectsRequest(
            partner="CN-GD",
            projects=[
                pb.Project(
                    project_id=PROJECT_ID,
                    name="广州某厂房屋顶分布式光伏",
                    owner_name="广州某新能源有限公司",
                    owner_credit_code=CREDIT_CODE,
                    partner_methodology="GD-PV",
                    region_code="440100",
                    longitude="113.2644",
                    latitude="23.1291",
                    size_value="500",
                    size_unit="kW",
                    crediting_start="2023-01-01",
                    crediting_end="2032-12-31",
                    status=pb.PROJECT_STATUS_REGISTERED,
                )
            ],
        )
    )
    assert [r.decision for r in response.results] == [pb.DECISION_ACCEPTED], response


def pv_claim(record_id: str, month: int, tonnes: int, origin_serial: str = "") -> pb.Claim:
    """A month of the project's generation, reported as whole tonnes (the hub
    recomputes more, so the reported figure is what is credited)."""
    days = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}.get(month, 31)
    return pb.Claim(
        record_id=record_id,
        partner_methodology="GD-PV",
        period_start=f"2024-{month:02d}-01",
        period_end=f"2024-{month:02d}-{days}",
        time_zone="Asia/Shanghai",
        activity_quantity=str(tonnes * 3000),  # kWh: comfortably above the reported tonnes
        activity_unit="kWh",
        project_id=PROJECT_ID,
        region_code="440100",
        reported_tco2e=str(tonnes),
        origin_status=pb.ORIGIN_STATUS_ISSUED if origin_serial else pb.ORIGIN_STATUS_NOT_ISSUED,
        origin_serial=origin_serial,
        verifier="广东某核证机构",
    )


def hk_solar_claim(
    record_id: str, kwh: str = "40000", adjustment_ref: str = HK_ADJUSTMENT
) -> pb.Claim:
    return pb.Claim(
        record_id=record_id,
        partner_methodology="SOLAR_FIT",
        period_start="2024-10-01",
        period_end="2024-10-31",
        time_zone="Asia/Hong_Kong",
        activity_quantity=kwh,
        activity_unit="kWh",
        site_id="FIT-" + hashlib.sha256(record_id.encode()).hexdigest()[:8],
        district="Sha Tin",
        utility="CLP",
        adjustment_ref=adjustment_ref,
    )


def submit(stub: PartnerStub, *claims: pb.Claim, partner: str = "CN-GD") -> list[pb.Verdict]:
    envelope = pb.ClaimEnvelope(partner=partner, delivery_id="TEST-01", sequence=1, claims=claims)
    (batch,) = stub.SubmitClaims(iter([envelope]))
    return list(batch.verdicts)


def issue_pv_block(running: Running, record_id: str, month: int, tonnes: int) -> str:
    """One accepted claim issued on its own: one new block of ``tonnes`` units."""
    (verdict,) = submit(running.partner, pv_claim(record_id, month, tonnes))
    assert verdict.decision == pb.DECISION_ACCEPTED, verdict
    run = running.hub.issuance.issue_pending()
    assert [b.units for b in run.blocks] == [tonnes], run
    return run.blocks[0].block_id
