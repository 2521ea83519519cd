"""The hub killed between issuance and delivery: the outbox survives it.

A `carbon-hub serve` process receives the Guangdong deliveries and issues
blocks, then dies by SIGKILL before any exchange connected. A new process on
the same database serves the exchange, which must receive every block
issued before the crash exactly once, and nothing else.

Both processes serve mutual TLS: Guangdong sends with its partner
certificate and signs with its registered key; the exchange connects with
the exchange certificate.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

import pytest

from adapters.hub_client import submit_delivery
from adapters.registry import adapter_for
from carbonhub_tools.demo.run import sample_deliveries
from carbonhub_tools.demo.trust import EXCHANGE_NAME
from hub.exchange_client.client import ExchangeClient
from tests.integration.hub_processes import prepare_trust, start_hub, stop_hub

pytestmark = pytest.mark.slow


def _issued(db: Path) -> set[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT b.block_id FROM blocks b JOIN outbox o ON o.block_id = b.block_id "
            "WHERE o.kind = 'QUALIFIED'"
        ).fetchall()
    return {row[0] for row in rows}


def test_blocks_issued_before_a_crash_reach_the_exchange_once(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    url = f"sqlite:///{db}"
    trust = prepare_trust(tmp_path / "trust", url, ["CN-GD"])
    first, address = start_hub(url, tmp_path, pki_dir=trust.pki_dir, HUB_ISSUANCE_INTERVAL="0.05")
    try:
        with trust.channel(address, "CN-GD") as channel:
            adapter = adapter_for("guangdong")
            signer = trust.signer("CN-GD", channel)
            for folder in sample_deliveries("guangdong"):
                submit_delivery(adapter.read(folder), channel, signer, hub_key=trust.hub_key)
        deadline = time.monotonic() + 30
        while not _issued(db) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _issued(db), "the hub issued nothing"
    finally:
        first.kill()
    assert first.returncode == -signal.SIGKILL
    # What the crash left committed (the issuer may have been mid-run).
    issued = _issued(db)

    second, address = start_hub(url, tmp_path, pki_dir=trust.pki_dir, HUB_ISSUANCE_INTERVAL="0")
    try:
        with trust.channel(address, EXCHANGE_NAME) as channel:
            client = ExchangeClient(channel, tmp_path / "exchange.json")
            summary = client.sync()
            again = ExchangeClient(channel, tmp_path / "exchange.json").sync()
    finally:
        stop_hub(second)
    assert set(client.state.blocks) == issued
    assert summary.received == len(issued)
    assert summary.repeats == 0
    assert again.received == 0
    with sqlite3.connect(db) as connection:
        states = dict(
            connection.execute("SELECT state, count(*) FROM blocks GROUP BY state").fetchall()
        )
    assert states == {"DELIVERED": len(issued)}
