"""The partner's attestation and reconciliation helpers (adapters/hub_client.py) and
the carbon-hub-adapter commands built on them, against a real hub on loopback."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import grpc
import pytest
from typer.testing import CliRunner

from adapters.attestation_client import attest_adjustment, attest_source_cancellation
from adapters.attestation_journal import AttestationJournal, JournalEntry
from adapters.cli import app
from adapters.delivery_report import ClaimOutcome
from adapters.hub_call_errors import HubCallError
from adapters.hub_client import submit_delivery
from adapters.partner_signing import PartnerSigner
from adapters.reconciliation import registry_holdings
from adapters.reconciliation_client import list_reconciliation_requests, submit_reconciliation
from adapters.registry import adapter_for
from carbonhub_contract.vocabulary.records import AdjustmentStatus
from hub.bootstrap import Hub, build_hub
from hub.grpc_api.server import RunningServer
from hub.settings import HubSettings
from tests.trusted_clients import TrustedClients

ROOT = Path(__file__).resolve().parents[3]
GD_01 = ROOT / "adapters/guangdong/samples/GD-20241031-01"
GD_02 = ROOT / "adapters/guangdong/samples/GD-20241107-02"
HK_01 = ROOT / "adapters/hongkong/samples/HK-20241101-01"
ISSUED_RECORD = "GD2024R0001201"  # 已签发 at the origin: awaiting cancellation at source
ISSUED_SERIAL = "GDPH-4401-PV-2023-0007-2024-000101-000116"
NOW = datetime(2024, 11, 20, 10, 0, tzinfo=UTC)


@dataclass
class LiveHub:
    hub: Hub
    server: RunningServer
    clients: TrustedClients
    claims: dict[str, ClaimOutcome]  # by record id, first verdict

    def channel(self, partner: str) -> grpc.Channel:
        return self.clients.channel(partner)

    def signer(self, partner: str) -> PartnerSigner:
        return self.clients.signer(partner)


@pytest.fixture
def live_hub(tmp_path: Path) -> Iterator[LiveHub]:
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
    claims: dict[str, ClaimOutcome] = {}
    try:
        for name, folder in (("guangdong", GD_01), ("guangdong", GD_02), ("hongkong", HK_01)):
            partner = adapter_for(name).partner
            delivery = adapter_for(name).read(folder)
            report = submit_delivery(
                delivery, clients.channel(partner), clients.signer(partner), hub_key=trust.hub_key
            )
            for outcome in report.claims:
                claims.setdefault(outcome.record_id, outcome)
        hub.issuance.issue_pending()
        yield LiveHub(hub, server, clients, claims)
    finally:
        clients.close()
        server.stop(None)
        hub.close()


def _registry(tmp_path: Path, *deliveries: Path) -> Path:
    root = tmp_path / "registry"
    for number, folder in enumerate(deliveries):
        shutil.copytree(folder, root / f"{number}-{folder.name}")
    return root


def _note(claim_id: str) -> str:
    return f"注销用于深圳碳普惠枢纽 claim {claim_id}"


def test_source_cancellation_accepted_then_replayed_then_refused(live_hub: LiveHub) -> None:
    claim_id = live_hub.claims[ISSUED_RECORD].claim_id
    first = attest_source_cancellation(
        live_hub.channel("CN-GD"),
        live_hub.signer("CN-GD"),
        claim_id,
        ISSUED_SERIAL,
        "GDC-0001",
        _note(claim_id),
        NOW,
    )
    assert (first.accepted, first.replay, first.check_codes) == (True, False, ())
    assert first.claim_ids == (claim_id,)
    again = attest_source_cancellation(
        live_hub.channel("CN-GD"),
        live_hub.signer("CN-GD"),
        claim_id,
        ISSUED_SERIAL,
        "GDC-0001",
        _note(claim_id),
        NOW,
    )
    assert (again.accepted, again.replay) == (True, True)
    other = live_hub.claims["GD2024R0001203"].claim_id
    refused = attest_source_cancellation(
        live_hub.channel("CN-GD"),
        live_hub.signer("CN-GD"),
        other,
        ISSUED_SERIAL,
        "GDC-0002",
        "no claim id here",
        NOW,
    )
    assert not refused.accepted
    assert "SOURCE_CANCELLATION_NOTE_MISSING_CLAIM" in refused.check_codes
    assert len(refused.messages) == len(refused.check_codes)


def test_adjustment_attestation_releases_blocks_and_only_moves_forward(
    live_hub: LiveHub,
) -> None:
    committed = attest_adjustment(
        live_hub.channel("CN-HK"),
        live_hub.signer("CN-HK"),
        "HKAA-2024-004117",
        AdjustmentStatus.COMMITTED,
        NOW,
        "HK EPD",
    )
    assert committed.accepted and not committed.replay
    assert committed.block_ids, "the pending HK block becomes routable"
    completed = attest_adjustment(
        live_hub.channel("CN-HK"),
        live_hub.signer("CN-HK"),
        "HKAA-2024-004117",
        AdjustmentStatus.COMPLETED,
        NOW,
    )
    assert completed.accepted
    backwards = attest_adjustment(
        live_hub.channel("CN-HK"),
        live_hub.signer("CN-HK"),
        "HKAA-2024-004117",
        AdjustmentStatus.COMMITTED,
        NOW,
    )
    assert not backwards.accepted
    assert backwards.check_codes == ("ADJUSTMENT_STATUS_BACKWARDS",)
    with pytest.raises(ValueError, match="COMMITTED, COMPLETED or REVOKED"):
        attest_adjustment(
            live_hub.channel("CN-HK"), live_hub.signer("CN-HK"), "R", AdjustmentStatus.PENDING, NOW
        )


def test_guangdong_reconciliation_names_exactly_the_real_differences(
    live_hub: LiveHub, tmp_path: Path
) -> None:
    claim_id = live_hub.claims[ISSUED_RECORD].claim_id
    attest_source_cancellation(
        live_hub.channel("CN-GD"),
        live_hub.signer("CN-GD"),
        claim_id,
        ISSUED_SERIAL,
        "GDC-0001",
        _note(claim_id),
        NOW,
    )
    journal = AttestationJournal(tmp_path / "journal.jsonl")
    journal.append(
        JournalEntry("CN-GD", claim_id, "", ISSUED_SERIAL, "GDC-0001", NOW.isoformat(), "")
    )
    live_hub.hub.reconciliations.request("CN-GD", "bureau officer")
    (requested,) = list_reconciliation_requests(live_hub.channel("CN-GD"), "CN-GD")
    assert requested.counterpart == "CN-GD"
    held = registry_holdings("guangdong", _registry(tmp_path, GD_01, GD_02), journal)
    report = submit_reconciliation(
        live_hub.channel("CN-GD"), "CN-GD", requested.reconciliation_id, held.totals, held.holdings
    )
    assert report.reconciliation_id == requested.reconciliation_id
    assert report.status == "INCONSISTENT" and not report.consistent
    found = {(d.phase, d.kind, d.subject_id) for d in report.discrepancies if d.phase != "TOTALS"}
    assert found == {
        # The registry's export still says 已签发; the hub knows it was cancelled for it.
        ("UNIT_BLOCKS", "STATE_DIFFERS", ISSUED_RECORD),
        # Re-sent changed in GD-20241107-02: the hub kept the first version.
        ("UNIT_BLOCKS", "QUANTITY_DIFFERS", "GD2024R0001205"),
        ("UNIT_BLOCKS", "CONTENT_DIFFERS", "GD2024R0001205"),
    }
    # The journal's cancellation id matches the hub's trail: no AUDIT_TRAIL discrepancy.
    assert list_reconciliation_requests(live_hub.channel("CN-GD"), "CN-GD") == []


def test_a_missing_journal_entry_is_an_audit_trail_discrepancy(
    live_hub: LiveHub, tmp_path: Path
) -> None:
    claim_id = live_hub.claims[ISSUED_RECORD].claim_id
    attest_source_cancellation(
        live_hub.channel("CN-GD"),
        live_hub.signer("CN-GD"),
        claim_id,
        ISSUED_SERIAL,
        "GDC-0001",
        _note(claim_id),
        NOW,
    )
    held = registry_holdings("guangdong", _registry(tmp_path, GD_01, GD_02))
    report = submit_reconciliation(
        live_hub.channel("CN-GD"), "CN-GD", None, held.totals, held.holdings
    )
    trail = [d for d in report.discrepancies if d.phase == "AUDIT_TRAIL"]
    assert [(d.kind, d.subject_id) for d in trail] == [("TRAIL_DIFFERS", ISSUED_RECORD)]
    assert "GDC-0001" in trail[0].hub_value


def test_hong_kong_reconciles_consistently_started_by_the_partner(
    live_hub: LiveHub, tmp_path: Path
) -> None:
    held = registry_holdings("hongkong", _registry(tmp_path, HK_01))
    report = submit_reconciliation(
        live_hub.channel("CN-HK"), "CN-HK", None, held.totals, held.holdings
    )
    assert report.status == "CONSISTENT", report.discrepancies
    assert report.reconciliation_id


def test_a_refused_call_is_a_hub_call_error(live_hub: LiveHub) -> None:
    with pytest.raises(HubCallError) as raised:
        # Guangdong's certificate cannot reconcile for another partner.
        submit_reconciliation(live_hub.channel("CN-GD"), "CN-TPL", None, [], [])
    assert raised.value.status == "PERMISSION_DENIED"


# -- the commands ---------------------------------------------------------------------


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def _tls(live_hub: LiveHub, partner: str, *, signing: bool = False) -> list[str]:
    """The partner's mutual-TLS flags (and its signing key for writes)."""
    trust = live_hub.clients.trust
    party = trust.parties[partner]
    flags = ["--ca", str(trust.ca), "--cert", str(party.certificate), "--key", str(party.key)]
    if signing:
        flags += ["--signing-key", str(trust.signing_keys[partner])]
    return flags


def test_reconcile_command_exit_codes(live_hub: LiveHub, tmp_path: Path) -> None:
    address = live_hub.server.address
    journal = str(tmp_path / "journal.jsonl")
    hk = str(_registry(tmp_path / "hk", HK_01))
    hk_tls, gd_tls = _tls(live_hub, "CN-HK"), _tls(live_hub, "CN-GD")
    code, output = _run("reconcile", "hongkong", "--registry", hk, "--hub", address, *hk_tls)
    assert code == 0 and "no reconciliation requested" in output
    code, output = _run(
        "reconcile",
        "hongkong",
        "--registry",
        hk,
        "--hub",
        address,
        "--journal",
        journal,
        "--start",
        *hk_tls,
    )
    assert code == 0 and "CONSISTENT" in output, output
    gd = str(_registry(tmp_path / "gd", GD_01, GD_02))
    live_hub.hub.reconciliations.request("CN-GD", "bureau officer")
    code, output = _run("reconcile", "guangdong", "--registry", gd, "--hub", address, *gd_tls)
    assert code == 1, output
    assert "INCONSISTENT" in output and "GD2024R0001205" in output
    code, output = _run(
        "reconcile",
        "guangdong",
        "--registry",
        gd,
        "--hub",
        "127.0.0.1:1",
        "--connect-timeout",
        "0.5",
        *gd_tls,
    )
    assert code == 3 and "unreachable" in output


def test_attest_commands_record_the_journal(live_hub: LiveHub, tmp_path: Path) -> None:
    address = live_hub.server.address
    journal = tmp_path / "journal.jsonl"
    claim_id = live_hub.claims[ISSUED_RECORD].claim_id
    args = [
        "attest-cancellation",
        "guangdong",
        "--hub",
        address,
        "--claim-id",
        claim_id,
        "--origin-serial",
        ISSUED_SERIAL,
        "--cancellation-id",
        "GDC-0001",
        "--note",
        _note(claim_id),
        "--record-id",
        ISSUED_RECORD,
        "--cancelled-at",
        "2024-11-20T18:00:00+08:00",
        "--journal",
        str(journal),
        *_tls(live_hub, "CN-GD", signing=True),
    ]
    code, output = _run(*args)
    assert code == 0 and "accepted" in output, output
    code, output = _run(*args)
    assert code == 0 and "already recorded" in output
    (line,) = journal.read_text(encoding="utf-8").splitlines()
    entry = json.loads(line)
    assert (entry["record_id"], entry["cancellation_id"], entry["claim_id"]) == (
        ISSUED_RECORD,
        "GDC-0001",
        claim_id,
    )
    assert entry["cancelled_at"] == "2024-11-20T18:00:00+08:00"
    bad = [a if a != _note(claim_id) else "no id" for a in args]
    bad[bad.index("GDC-0001")] = "GDC-0009"
    code, output = _run(*bad)
    assert code == 1 and "SOURCE_CANCELLATION" in output
    assert len(journal.read_text(encoding="utf-8").splitlines()) == 1
    code, output = _run(
        "attest-adjustment",
        "hongkong",
        "--hub",
        address,
        "--reference",
        "HKAA-2024-004117",
        "--status",
        "COMMITTED",
        *_tls(live_hub, "CN-HK", signing=True),
    )
    assert code == 0 and "blocks made routable" in output, output
    code, output = _run(
        "attest-adjustment",
        "hongkong",
        "--hub",
        address,
        "--reference",
        "X",
        "--status",
        "PENDING",
        *_tls(live_hub, "CN-HK", signing=True),
    )
    assert code == 2  # not a status an attestation moves to


def test_attest_adjustment_states_quantity_and_vintage_and_revokes(live_hub: LiveHub) -> None:
    def attest(*more: str) -> tuple[int, str]:
        return _run(
            "attest-adjustment",
            "hongkong",
            "--hub",
            live_hub.server.address,
            "--reference",
            "HKAA-2024-004117",
            *more,
            *_tls(live_hub, "CN-HK", signing=True),
        )

    code, output = attest("--status", "COMMITTED", "--quantity", "100000", "--vintage", "2019")
    assert code == 1 and "INVENTORY_EXCLUSION_VINTAGE_MISMATCH" in output, output
    code, output = attest("--status", "COMMITTED", "--quantity", "many", "--vintage", "2024")
    assert code == 2 and "--quantity" in output
    code, output = attest("--status", "COMMITTED", "--quantity", "100000", "--vintage", "2024")
    assert code == 0 and "blocks made routable" in output, output
    code, output = attest("--status", "REVOKED")
    assert code == 0, output
    code, output = attest("--status", "COMPLETED", "--quantity", "100000", "--vintage", "2024")
    assert code == 1 and "INVENTORY_EXCLUSION_REVOKED" in output, output


def test_attest_cancellation_names_the_cancelled_units_of_the_block(
    live_hub: LiveHub, tmp_path: Path
) -> None:
    claim = live_hub.claims[ISSUED_RECORD]
    # Every credited tonne and a remaining fraction, at most the whole block
    # (16 units; Shenzhen credits a little more): the units the origin cancels.
    units = min(int(-(-Decimal(claim.credited_tco2e) // 1)), 16)
    args = [
        "attest-cancellation",
        "guangdong",
        "--hub",
        live_hub.server.address,
        "--claim-id",
        claim.claim_id,
        "--origin-serial",
        ISSUED_SERIAL,
        "--cancellation-id",
        "GDC-0002",
        "--note",
        _note(claim.claim_id),
        "--journal",
        str(tmp_path / "journal.jsonl"),
        *_tls(live_hub, "CN-GD", signing=True),
    ]
    code, output = _run(*args, "--cancelled-units", f"101-{99 + int(units)}")
    assert code == 1 and "SOURCE_CANCELLATION_RANGE_SHORT_OF_CREDITED" in output, output
    code, output = _run(*args, "--cancelled-units", "101 to 110")
    assert code == 2  # not FIRST-LAST
    code, output = _run(*args, "--cancelled-units", f"101-{100 + int(units)}")
    assert code == 0 and "accepted" in output, output
