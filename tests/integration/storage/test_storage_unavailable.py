"""A database the hub cannot reach is StorageUnavailable (UNAVAILABLE with a
retry hint on the wire), never an uncoded error; once it is back, the next
unit of work connects afresh and nothing was recorded twice."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from carbonhub_contract.vocabulary.records import ClaimSubmission, Decision
from carbonhub_tools.drills.tcp_proxy import TcpProxy
from hub.bootstrap import build_hub
from hub.errors import ErrorKind, StorageUnavailable
from hub.settings import HubSettings
from hub.storage.database import create_engine_for
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory

pytestmark = pytest.mark.postgres


def _claim(record_id: str, day: str) -> ClaimSubmission:
    return ClaimSubmission(
        partner="CN-GD",
        delivery_id="OUTAGE",
        record_id=record_id,
        partner_methodology="GD-METRO",
        period_start=day,
        period_end=day,
        time_zone="Asia/Shanghai",
        activity_quantity="15.5",
        activity_unit="pkm",
        person_pseudonym="a" * 64,
    )


def test_a_database_nobody_answers_at_is_storage_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    engine = create_engine_for(
        f"postgresql+psycopg://postgres@127.0.0.1:{port}/hub",
        connect_args={"connect_timeout": 5},
    )
    try:
        with (
            pytest.raises(StorageUnavailable) as raised,
            SqlAlchemyUnitOfWorkFactory(engine)() as uow,
        ):
            uow.signed_payloads.last_sequence("CN-GD")
    finally:
        engine.dispose()
    assert raised.value.code == "DATABASE_UNAVAILABLE"
    assert raised.value.kind is ErrorKind.UNAVAILABLE


def test_a_connection_cut_under_the_hub_is_unavailable_then_work_resumes(
    postgres_schema_url: str, tmp_path: Path
) -> None:
    target = make_url(postgres_schema_url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    through_proxy = target.set(host="127.0.0.1", port=proxy.port)
    hub = build_hub(
        HubSettings(
            database_url=through_proxy.render_as_string(hide_password=False), data_dir=tmp_path
        )
    )
    try:
        (first,) = hub.ingestion.submit("CN-GD", [_claim("R1", "2024-03-01")])
        assert first.decision is Decision.ACCEPTED
        proxy.cut()  # the pooled connection dies, and new ones are refused
        with pytest.raises(StorageUnavailable) as raised:
            hub.ingestion.submit("CN-GD", [_claim("R2", "2024-03-02")])
        assert raised.value.code == "DATABASE_UNAVAILABLE"
        with pytest.raises(StorageUnavailable):
            hub.ingestion.last_sequence("CN-GD")
        proxy.restore()
        (again,) = hub.ingestion.submit("CN-GD", [_claim("R2", "2024-03-02")])
        assert again.decision is Decision.ACCEPTED
        (resent,) = hub.ingestion.submit("CN-GD", [_claim("R1", "2024-03-01")])
        assert resent.claim_id == first.claim_id  # an exact resubmission, not a new claim
    finally:
        hub.close()
        proxy.close()
    engine = create_engine(postgres_schema_url)
    try:
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT record_id FROM claims")).scalars().all()
    finally:
        engine.dispose()
    assert sorted(stored) == ["R1", "R2"]
