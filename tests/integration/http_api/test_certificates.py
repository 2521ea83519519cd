"""Carbon-neutrality certificates end to end on each database: retirements
naming one claim, the certificate issued by the one completing it, its page
and API, the signed file checked offline, and a later bureau cancellation
that invalidates it for everyone who looks."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carbonhub_contract.vocabulary.records import Decision
from hub.cli.app import app as cli
from hub.domain.blocks import Block
from hub.domain.neutrality import ClaimantKind, NeutralityClaim
from hub.domain.retirements import RetirementPurpose, RetirementRequest
from hub.errors import HubError
from tests.integration.http_api.conftest import LiveLedger
from tests.unit.services.builders import PARTNER, pv, pv_project


def delivered_blocks(ledger: LiveLedger, count: int) -> list[Block]:
    hub = ledger.hub
    (project,) = hub.projects.register(PARTNER, [pv_project()])
    assert project.decision is Decision.ACCEPTED
    for index, month in enumerate(("2024-01", "2024-02", "2024-03")[:count]):
        verdicts = hub.ingestion.submit(
            PARTNER, [pv(f"R{index}", f"{month}-01", f"{month}-27", activity_quantity="20000")]
        )
        assert [v.decision for v in verdicts] == [Decision.ACCEPTED]
        hub.issuance.issue_pending()
    blocks = sorted(
        {e.block.block_id: e.block for e in hub.exchange.events(0, 1000)}.values(),
        key=lambda b: b.serial,
    )
    hub.exchange.acknowledge([b.block_id for b in blocks])
    assert len(blocks) >= count
    return blocks[:count]


def event_claim(total: int, claim_id: str = "MARATHON-2026") -> NeutralityClaim:
    return NeutralityClaim(
        claim_id=claim_id,
        claimant_kind=ClaimantKind.EVENT,
        claimant_name="深圳马拉松组委会",
        event_name="2026 深圳马拉松碳中和",
        period_start=date(2026, 12, 1),
        period_end=date(2026, 12, 2),
        footprint_tco2e=Decimal(total) - Decimal("0.4"),
        total_units=total,
    )


def retirement(rid: str, block: Block, claim: NeutralityClaim) -> RetirementRequest:
    return RetirementRequest(
        rid,
        block.block_id,
        block.units,
        RetirementPurpose.CARBON_NEUTRAL_EVENT,
        "深圳马拉松组委会",
        event_name=claim.event_name,
        claim=claim,
    )


def test_a_claim_gets_its_certificate_when_its_last_block_is_retired(
    live: LiveLedger, tmp_path: Path
) -> None:
    first, second = delivered_blocks(live, 2)
    claim = event_claim(first.units + second.units)
    exchange = live.hub.exchange
    assert exchange.retire(retirement("EX-1", first, claim)).certificate_id is None
    done = exchange.retire(retirement("EX-2", second, claim))
    certificate_id = done.certificate_id
    assert certificate_id is not None and certificate_id.startswith("SZCN-")
    # A replay answers the same certificate, and issues no second one.
    assert exchange.retire(retirement("EX-2", second, claim)).certificate_id == certificate_id

    answer = live.client.get(f"/api/v1/certificates/{certificate_id}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["valid"] is True
    assert body["carbon_neutral"] is True
    assert body["claimant_name"] == "深圳马拉松组委会"
    assert body["tonnes"] == first.units + second.units
    assert [(r["serial"], r["origin"], r["vintage"]) for r in body["retirements"]] == [
        (first.serial, first.range.series.origin, first.vintage),
        (second.serial, second.range.series.origin, second.vintage),
    ]
    assert body["verify_url"].endswith(f"/certificates/{certificate_id}")

    listed = live.client.get("/api/v1/certificates").json()
    assert [c["certificate_id"] for c in listed["items"]] == [certificate_id]

    page = live.client.get(f"/certificates/{certificate_id}?lang=en")
    assert page.status_code == 200
    assert "Carbon-neutrality certificate" in page.text
    assert first.serial in page.text and 'id="certificate-qr"' in page.text
    zh = live.client.get(f"/certificates/{certificate_id}?lang=zh-CN").text
    assert "碳中和证明" in zh and "有效" in zh

    # The signed file holds offline; edited, it does not.
    document = live.client.get(f"/api/v1/certificates/{certificate_id}/document")
    assert document.status_code == 200
    kept = tmp_path / "certificate.json"
    kept.write_bytes(document.content)
    key = live.hub.settings.resolved_pki_dir() / "hub-signing.pub"
    runner = CliRunner()
    good = runner.invoke(cli, ["certificate", "verify", str(kept), "--hub-key", str(key)])
    assert good.exit_code == 0, good.output
    assert certificate_id in good.output
    edited = json.loads(document.content)
    edited["certificate"]["tonnes"] += 1
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(edited), encoding="utf-8")
    bad = runner.invoke(
        cli, ["certificate", "verify", str(tampered), "--hub-key", str(key), "--json"]
    )
    assert bad.exit_code == 1
    assert json.loads(bad.output)["code"] == "CERTIFICATE_CONTENT_INVALID"

    # The bureau cancels a retired block later: the certificate says so.
    live.hub.bureau.cancel_block(second.block_id, "project found double-registered", "王科长")
    after = live.client.get(f"/api/v1/certificates/{certificate_id}").json()
    assert after["valid"] is False
    assert after["cancelled"] == [
        {"serial": second.serial, "reason": "project found double-registered"}
    ]
    page = live.client.get(f"/certificates/{certificate_id}?lang=en").text
    assert 'data-valid="false"' in page and "No longer valid" in page


def test_a_claim_is_refused_whole_when_it_changes_or_overflows(live: LiveLedger) -> None:
    first, second, third = delivered_blocks(live, 3)
    claim = event_claim(first.units + second.units)
    exchange = live.hub.exchange
    exchange.retire(retirement("EX-1", first, claim))
    with pytest.raises(HubError) as changed:
        exchange.retire(retirement("EX-2", second, replace(claim, claimant_name="someone")))
    assert changed.value.code == "CLAIM_CONTENT_DIFFERS"
    too_small = replace(claim, total_units=first.units)
    with pytest.raises(HubError) as small:
        exchange.retire(retirement("EX-3", second, too_small))
    assert small.value.code == "CLAIM_UNITS_BELOW_FOOTPRINT"
    exchange.retire(retirement("EX-2", second, claim))
    with pytest.raises(HubError) as over:
        exchange.retire(retirement("EX-4", third, claim))
    assert over.value.code == "CLAIM_UNITS_EXCEEDED"
    # Nothing of a refused retirement was recorded: the block is still there to retire.
    assert live.hub.exchange.block(third.block_id).state.name == "DELIVERED"


def test_concurrent_retirements_of_one_claim_issue_one_certificate(live: LiveLedger) -> None:
    blocks = delivered_blocks(live, 3)
    claim = event_claim(sum(b.units for b in blocks), "CONCURRENT")
    outcomes: list[str | None] = []
    errors: list[BaseException] = []

    def retire(index: int, block: Block) -> None:
        try:
            outcome = live.hub.exchange.retire(retirement(f"EX-C{index}", block, claim))
            outcomes.append(outcome.certificate_id)
        except BaseException as error:  # reported below, on the test's thread
            errors.append(error)

    threads = [threading.Thread(target=retire, args=(i, b)) for i, b in enumerate(blocks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    issued = [c for c in outcomes if c is not None]
    assert len(issued) == 1
    body = live.client.get(f"/api/v1/certificates/{issued[0]}").json()
    assert sorted(r["serial"] for r in body["retirements"]) == sorted(b.serial for b in blocks)


def test_certificate_routes_refuse_bad_ids_with_codes(live: LiveLedger) -> None:
    bad = live.client.get("/api/v1/certificates/not-an-id")
    assert bad.status_code == 400 and bad.json()["code"] == "REQUEST_INVALID"
    # The page says the same of the same id.
    page = live.client.get("/certificates/not-an-id?lang=en")
    assert page.status_code == 400 and "REQUEST_INVALID" in page.text
    missing = live.client.get("/api/v1/certificates/SZCN-0000000000")
    assert missing.status_code == 404 and missing.json()["code"] == "CERTIFICATE_NOT_FOUND"
    page = live.client.get("/certificates/SZCN-0000000000?lang=en")
    assert page.status_code == 404 and "CERTIFICATE_NOT_FOUND" in page.text
    assert live.client.get("/api/v1/certificates?cursor=zzz").json()["code"] == ("REQUEST_INVALID")
    # Lower case is the same id: typed from paper.
    assert live.client.get("/api/v1/certificates/szcn-0000000000").status_code == 404
    assert live.client.get("/certificates").status_code == 200
