"""Calendar vintages over mutual TLS and the issuer, on both databases.

A monitoring period spanning a local 31 December (2024-12-16 .. 2025-01-15:
16 days in 2024, 15 in 2025) is issued in two blocks of two vintages, whose
units sum to what a single-year claim of the same tonnes gives; the claim's
status names each vintage part (covered by its signed receipt), and an
origin serial of either part year is not held.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.receipts import verify_claim_status
from hub.domain.serial_blocks import parse_serial
from tests.integration.grpc.ledger_helpers import (
    PROJECT_ID,
    pv_claim,
    register_gd_project,
    running_hub,
    submit,
)


def _spanning(record_id: str, tonnes: int, year: int = 2024, **fields: object) -> pb.Claim:
    """16 December of ``year`` to 15 January of the next (16 + 15 days)."""
    claim = pv_claim(record_id, 12, tonnes)
    claim.period_start, claim.period_end = f"{year}-12-16", f"{year + 1}-01-15"
    for name, value in fields.items():
        setattr(claim, name, value)
    return claim


def _status(running: object, record_id: str) -> pb.Verdict:
    request = pb.GetClaimStatusRequest(partner="CN-GD", record_id=record_id)
    return running.partner.GetClaimStatus(request).verdict  # type: ignore[attr-defined,no-any-return]


def test_a_period_spanning_new_year_issues_one_block_per_vintage(
    tmp_path: Path, database_url: str
) -> None:
    with running_hub(tmp_path, database_url) as running:
        register_gd_project(running.partner)
        (spanning,) = submit(running.partner, _spanning("R-NY", 31))
        assert spanning.decision == pb.DECISION_ACCEPTED, spanning
        assert (spanning.vintage, Decimal(spanning.credited_tco2e)) == (2025, Decimal(31))

        run = running.hub.issuance.issue_pending()

        assert run.claims == 1
        by_vintage = {parse_serial(b.serial).series.vintage: b.units for b in run.blocks}
        assert by_vintage == {2024: 16, 2025: 15}
        status = _status(running, "R-NY")
        assert status.state == pb.CLAIM_STATE_ISSUED
        parts = [
            (p.vintage, Decimal(p.credited_tco2e), len(p.block_serials))
            for p in status.vintage_parts
        ]
        assert parts == [(2024, Decimal(16), 1), (2025, Decimal(15), 1)]
        assert sorted(status.block_serials) == sorted(b.serial for b in run.blocks)
        # The signed answer covers each part: a part's tonnes moved from one
        # vintage to the other (the total unchanged) no longer verifies.
        response = running.partner.GetClaimStatus(
            pb.GetClaimStatusRequest(partner="CN-GD", record_id="R-NY")
        )
        hub_key = running.clients.trust.hub_key
        assert verify_claim_status("CN-GD", response, hub_key).valid
        statement = json.loads(response.receipt.statement)
        assert [p["vintage"] for p in statement["verdict"]["vintage_parts"]] == [2024, 2025]
        response.verdict.vintage_parts[0].credited_tco2e = "17"
        response.verdict.vintage_parts[1].credited_tco2e = "14"
        assert verify_claim_status("CN-GD", response, hub_key).reason == (
            "RECEIPT_DOES_NOT_MATCH_MESSAGE"
        )

        # A single-year claim of the same tonnes: the same units, in one block.
        (single,) = submit(running.partner, pv_claim("R-JUN", 6, 31))
        assert single.decision == pb.DECISION_ACCEPTED, single
        (block,) = running.hub.issuance.issue_pending().blocks
        assert block.units == sum(by_vintage.values()) == 31
        (part,) = _status(running, "R-JUN").vintage_parts
        assert (part.vintage, Decimal(part.credited_tco2e)) == (2024, Decimal(31))


def test_uneven_parts_sum_exactly_and_carry_on_their_own_vintage(
    tmp_path: Path, database_url: str
) -> None:
    with running_hub(tmp_path, database_url) as running:
        register_gd_project(running.partner)
        (verdict,) = submit(running.partner, _spanning("R-NY", 10))
        assert verdict.decision == pb.DECISION_ACCEPTED, verdict
        run = running.hub.issuance.issue_pending()
        assert sorted((parse_serial(b.serial).series.vintage, b.units) for b in run.blocks) == [
            (2024, 5),
            (2025, 4),
        ]
        status = _status(running, "R-NY")
        parts = [(p.vintage, Decimal(p.credited_tco2e)) for p in status.vintage_parts]
        # 10 * 16/31 = 5.161290322...: floored to the micro-tonne, 2025 the rest.
        assert parts == [(2024, Decimal("5.161290")), (2025, Decimal("4.838710"))]
        carried = [Decimal(p.carried_tco2e) for p in status.vintage_parts]
        assert carried == [Decimal("0.161290"), Decimal("0.838710")]
        # The disclosure of each block names the record's part and its whole.
        disclosure = running.hub.http_services().disclosure
        for block, part in zip(sorted(run.blocks, key=lambda b: b.serial), parts, strict=True):
            (record,) = disclosure.lineage(block.serial).records
            assert (record.record_id, record.credited_tco2e) == ("R-NY", part[1])
            assert record.record_credited_tco2e == Decimal(10)
        totals = running.hub.issuance.summary("CN-GD").totals
        assert totals.credited_issued_tco2e == Decimal(10)
        assert totals.units_issued + totals.carried_tco2e == Decimal(10)


def test_an_origin_serial_of_either_part_year_is_not_held(
    tmp_path: Path, database_url: str
) -> None:
    with running_hub(tmp_path, database_url) as running:
        register_gd_project(running.partner)
        issued = {"origin_status": pb.ORIGIN_STATUS_ISSUED}
        first_year, other_year = submit(
            running.partner,
            _spanning("R-A", 4, origin_serial=f"GDPH-{PROJECT_ID}-2024-000001-000004", **issued),
            # A year earlier (not to overlap R-A): 2023 and 2024; a 2022 serial is held.
            _spanning(
                "R-B", 4, 2023, origin_serial=f"GDPH-{PROJECT_ID}-2022-000005-000008", **issued
            ),
        )
        codes = [c.code for c in first_year.checks]
        assert "ORIGIN_SERIAL_YEAR_MISMATCH" not in codes, codes
        assert first_year.decision != pb.DECISION_HELD, first_year
        (check,) = [c for c in other_year.checks if c.code == "ORIGIN_SERIAL_YEAR_MISMATCH"]
        assert other_year.decision == pb.DECISION_HELD
        assert (check.details["serial_year"], check.details["vintage"]) == ("2022", "2023/2024")
