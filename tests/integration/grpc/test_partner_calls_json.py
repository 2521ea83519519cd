"""reconcile and the attestations with --json and --lang, against a real hub on loopback.

The hub, its mutual-TLS clients and the three sample deliveries are those of
test_partner_attestation_reconciliation (its ``live_hub`` fixture). Each run
prints one JSON document on stdout, read by the field names adapters/README.md
gives; its exit code is the document's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from adapters.cli import app
from tests.integration.grpc.test_partner_attestation_reconciliation import (
    GD_01,
    GD_02,
    ISSUED_RECORD,
    ISSUED_SERIAL,
    LiveHub,
    _note,
    _registry,
    _tls,
    live_hub,
)

__all__ = ["live_hub"]  # the fixture, used by name


def _json(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, [*args, "--json"], env={"COLUMNS": "40"})
    (line,) = result.stdout.splitlines()  # the document and nothing else
    document: dict[str, Any] = json.loads(line)
    assert document["exit_code"] == result.exit_code, result.output
    return result.exit_code, document


def test_reconcile_json_names_each_discrepancy(live_hub: LiveHub, tmp_path: Path) -> None:
    gd = str(_registry(tmp_path / "gd", GD_01, GD_02))
    live_hub.hub.reconciliations.request("CN-GD", "bureau officer")
    code, document = _json(
        "reconcile",
        "guangdong",
        "--registry",
        gd,
        "--hub",
        live_hub.server.address,
        *_tls(live_hub, "CN-GD"),
    )
    assert code == 1
    assert (document["schema"], document["version"], document["partner"]) == (
        "carbon-hub-adapter/reconcile-report",
        1,
        "CN-GD",
    )
    assert document["error"] is None and document["records"] > 0
    (reconciliation,) = document["reconciliations"]
    assert reconciliation["status"] == "INCONSISTENT" and reconciliation["consistent"] is False
    subjects = {d["subject_id"] for d in reconciliation["discrepancies"]}
    assert any("GD2024R0001205" in s for s in subjects), subjects
    assert set(reconciliation["discrepancies"][0]) == {
        "phase",
        "kind",
        "subject_id",
        "hub_value",
        "partner_value",
        "resolved",
    }


def test_reconcile_json_when_the_hub_is_not_there(live_hub: LiveHub, tmp_path: Path) -> None:
    gd = str(_registry(tmp_path / "gd", GD_01))
    code, document = _json(
        "reconcile",
        "guangdong",
        "--registry",
        gd,
        "--hub",
        "127.0.0.1:1",
        "--connect-timeout",
        "0.5",
        *_tls(live_hub, "CN-GD"),
    )
    assert code == 3 and document["error"]["message"]
    assert document["reconciliations"] == []


def test_attestation_json_in_portuguese(live_hub: LiveHub, tmp_path: Path) -> None:
    claim_id = live_hub.claims[ISSUED_RECORD].claim_id
    args = [
        "attest-cancellation",
        "guangdong",
        "--hub",
        live_hub.server.address,
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
        "--journal",
        str(tmp_path / "journal.jsonl"),
        *_tls(live_hub, "CN-GD", signing=True),
    ]
    code, accepted = _json(*args)
    assert code == 0
    assert (accepted["schema"], accepted["accepted"], accepted["journal"]) == (
        "carbon-hub-adapter/attestation-report",
        True,
        "recorded",
    )
    assert accepted["checks"] == [] and accepted["error"] is None
    refused = [a if a != _note(claim_id) else "no id" for a in args]
    refused[refused.index("GDC-0001")] = "GDC-0009"
    code, document = _json(*refused, "--lang", "pt")
    assert code == 1 and document["accepted"] is False and document["journal"] is None
    messages = {c["code"]: c["message"] for c in document["checks"]}
    assert messages["SOURCE_CANCELLATION_NOTE_MISSING_CLAIM"].startswith(
        "a nota de cancelamento não indica o pedido"
    ), messages
