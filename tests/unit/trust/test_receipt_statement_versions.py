"""Receipts cover every figure a partner is shown that a dispute could turn on
(statement version 2: vintage parts, trace, checks' severities and details),
and a receipt of the first statement version still verifies."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.receipts import (
    STATEMENT_VERSION,
    ReceiptSigner,
    canonical_json,
    claim_status_statement,
    verdict_batch_statement,
    verify_claim_status,
    verify_verdict_batch,
)
from carbonhub_contract.signing import PublicKey, Signer

PARTNER = "CN-GD"
HUB = Signer(Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
HUB_KEY = PublicKey(HUB.public_key)


def _spanning_verdict() -> pb.Verdict:
    """A PV claim for 2023-12-01..2024-01-31, issued in two calendar vintages."""
    verdict = pb.Verdict(
        record_id="GD-PV-0001",
        claim_id="c-1",
        decision=pb.DECISION_ACCEPTED,
        state=pb.CLAIM_STATE_ISSUED,
        methodology="SZ-PV",
        vintage=2024,
        reported_tco2e="1.000000",
        recomputed_tco2e="1.000000",
        credited_tco2e="1.000000",
        block_serials=["SZCER-CN-GD-SZ-PV-2023-P1-1-1"],
        carried_tco2e="0.000000",
    )
    verdict.checks.add(
        code="ORIGIN_SERIAL_YEAR_MISMATCH",
        severity=pb.SEVERITY_REVIEW,
        message_en="...",
        details={"origin_year": "2022"},
    )
    verdict.trace.standard_version = "2026.1"
    verdict.trace.formula_id = "pv"
    verdict.trace.inputs["generation_kwh"] = "1800"
    verdict.trace.factors.add(factor_id="grid-south", value="0.5271", unit="kgCO2e/kWh", year=2023)
    verdict.vintage_parts.add(
        vintage=2023,
        credited_tco2e="0.508196",
        block_serials=["SZCER-CN-GD-SZ-PV-2023-P1-1-1"],
        carried_tco2e="0.508196",
    )
    verdict.vintage_parts.add(vintage=2024, credited_tco2e="0.491804", carried_tco2e="0.491804")
    return verdict


def _status(version: int = STATEMENT_VERSION) -> pb.ClaimStatusResponse:
    verdict = _spanning_verdict()
    receipt = ReceiptSigner(HUB).receipt(claim_status_statement(PARTNER, verdict, version))
    return pb.ClaimStatusResponse(verdict=verdict, receipt=receipt)


def test_the_hub_signs_the_vintage_parts_trace_and_check_details() -> None:
    response = _status()
    statement = json.loads(response.receipt.statement)
    assert statement["version"] == 2
    parts = statement["verdict"]["vintage_parts"]
    assert [(p["vintage"], p["credited_tco2e"]) for p in parts] == [
        (2023, "0.508196"),
        (2024, "0.491804"),
    ]
    assert statement["verdict"]["trace"]["factors"][0]["value"] == "0.5271"
    assert statement["verdict"]["checks"][0]["severity"] == "SEVERITY_REVIEW"
    check = verify_claim_status(PARTNER, response, HUB_KEY)
    assert check.valid and check.version == 2 and check.uncovered == ()


def test_a_tampered_vintage_part_does_not_verify() -> None:
    for tamper in (
        lambda v: setattr(v.vintage_parts[1], "credited_tco2e", "4.491804"),
        lambda v: setattr(v.vintage_parts[0], "vintage", 2022),
        lambda v: v.vintage_parts[1].block_serials.append("SZCER-CN-GD-SZ-PV-2024-P1-9-9"),
        lambda v: v.vintage_parts.pop(),
    ):
        response = _status()
        tamper(response.verdict)
        check = verify_claim_status(PARTNER, response, HUB_KEY)
        assert not check.valid and check.reason == "RECEIPT_DOES_NOT_MATCH_MESSAGE"


def test_a_tampered_factor_or_check_severity_does_not_verify() -> None:
    response = _status()
    response.verdict.trace.factors[0].value = "0.9"
    assert verify_claim_status(PARTNER, response, HUB_KEY).reason == (
        "RECEIPT_DOES_NOT_MATCH_MESSAGE"
    )
    response = _status()
    response.verdict.checks[0].severity = pb.SEVERITY_INFO
    assert not verify_claim_status(PARTNER, response, HUB_KEY).valid


def test_a_first_version_receipt_still_verifies_and_says_what_it_does_not_cover() -> None:
    response = _status(version=1)
    assert b"version" not in response.receipt.statement
    assert b"vintage_parts" not in response.receipt.statement
    check = verify_claim_status(PARTNER, response, HUB_KEY)
    assert check.valid and check.version == 1
    assert check.uncovered == ("check_details", "trace", "vintage_parts")
    # What version 1 covered it still covers.
    response.verdict.credited_tco2e = "2.000000"
    assert not verify_claim_status(PARTNER, response, HUB_KEY).valid


def test_a_batch_receipt_of_either_version_verifies() -> None:
    for version in (1, 2):
        batch = pb.VerdictBatch(sequence=7, verdicts=[_spanning_verdict()])
        batch.receipt.CopyFrom(
            ReceiptSigner(HUB).receipt(verdict_batch_statement(PARTNER, batch, version))
        )
        assert verify_verdict_batch(PARTNER, batch, HUB_KEY).version == version
        batch.verdicts[0].vintage_parts[0].carried_tco2e = "0"
        assert verify_verdict_batch(PARTNER, batch, HUB_KEY).valid is (version == 1)


def test_an_unknown_statement_version_is_named() -> None:
    verdict = _spanning_verdict()
    statement = json.loads(claim_status_statement(PARTNER, verdict))
    statement["version"] = 3
    receipt = ReceiptSigner(HUB).receipt(canonical_json(statement))
    response = pb.ClaimStatusResponse(verdict=verdict, receipt=receipt)
    check = verify_claim_status(PARTNER, response, HUB_KEY)
    assert not check.valid and check.reason == "RECEIPT_STATEMENT_VERSION_UNKNOWN"
