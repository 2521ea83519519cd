"""Reconciliation with Hong Kong over a real hub compares its records' totals
per reporting platform: equal when the registry holds what was delivered,
and a record the registry puts under another platform is named."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from adapters.hub_client import submit_delivery
from adapters.reconciliation import registry_holdings
from adapters.reconciliation_client import submit_reconciliation
from adapters.registry import adapter_for
from carbonhub_contract.vocabulary.holdings import totals_of
from hub.bootstrap import build_hub
from hub.settings import HubSettings
from tests.trusted_clients import TrustedClients

ROOT = Path(__file__).resolve().parents[3]
HK_01 = ROOT / "adapters/hongkong/samples/HK-20241101-01"
MTR_RIDE = "MTR-2410-000301"


def test_totals_per_platform_and_a_moved_record(tmp_path: Path) -> None:
    hub = build_hub(
        HubSettings(
            data_dir=tmp_path / "hub",
            grpc_port=0,
            issuance_interval=0,
            pki_dir=tmp_path / "trust" / "pki",
        )
    )
    trust = TrustedClients.prepare(tmp_path / "trust", hub.partner_keys)
    server = hub.serve()
    clients = TrustedClients(trust, server.address)
    try:
        channel = clients.channel("CN-HK")
        delivery = adapter_for("hongkong").read(HK_01)
        submit_delivery(delivery, channel, clients.signer("CN-HK"), hub_key=trust.hub_key)
        registry = tmp_path / "registry"
        shutil.copytree(HK_01, registry / HK_01.name)
        held = registry_holdings("hongkong", registry)
        platforms = {t.platform for t in held.totals}
        assert {"MTR", "EPD", "CLP"} <= platforms

        same = submit_reconciliation(channel, "CN-HK", None, held.totals, held.holdings)
        assert same.status == "CONSISTENT", same.discrepancies

        moved = [
            replace(h, platform="EPD") if h.subject_id == MTR_RIDE else h for h in held.holdings
        ]
        report = submit_reconciliation(channel, "CN-HK", None, totals_of(moved), moved)
        found = {(d.kind, d.subject_id) for d in report.discrepancies}
        assert report.status == "INCONSISTENT"
        assert ("PLATFORM_DIFFERS", MTR_RIDE) in found
        changed = {s for k, s in found if k == "TOTAL_DIFFERS"}
        assert changed and all(s.endswith(("/MTR", "/EPD")) for s in changed), changed
        assert not [k for k, s in found if k == "CONTENT_DIFFERS"]
    finally:
        clients.close()
        server.stop(None)
        hub.close()
