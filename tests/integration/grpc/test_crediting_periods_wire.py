"""Crediting periods and origin serial years over mutual TLS, on both databases.

RegisterProjects refuses a crediting period longer than the methodology
admits and a renewal beyond its rule (the stored period stands, so a claim
beyond it stays PERIOD_OUTSIDE_CREDITING), and accepts a renewal within it
(the claim in the renewed years is then credited). SubmitClaims holds a
claim whose origin serial is of another year than its vintage.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from tests.integration.grpc.ledger_helpers import CREDIT_CODE, PROJECT_ID, running_hub
from tests.trusted_clients import PartnerStub


@pytest.fixture
def stub(tmp_path: Path, database_url: str) -> Iterator[PartnerStub]:
    with running_hub(tmp_path, database_url) as hub:
        yield hub.partner


def _project(start: str, end: str, project_id: str = PROJECT_ID) -> pb.Project:
    return pb.Project(
        project_id=project_id,
        name="广州某厂房屋顶分布式光伏",
        owner_name="广州某新能源有限公司",
        owner_credit_code=CREDIT_CODE,
        partner_methodology="GD-PV",
        region_code="440100",
        longitude="113.2644",
        latitude="23.1291",
        size_value="380",
        size_unit="kW",
        crediting_start=start,
        crediting_end=end,
        status=pb.PROJECT_STATUS_REGISTERED,
    )


def _register(stub: PartnerStub, project: pb.Project) -> pb.ProjectResult:
    response = stub.RegisterProjects(
        pb.RegisterProjectsRequest(partner="CN-GD", projects=[project])
    )
    (result,) = response.results
    return result


def _claim(record_id: str, start: str, end: str, **fields: object) -> pb.Claim:
    values: dict[str, object] = dict(
        record_id=record_id,
        partner_methodology="GD-PV",
        period_start=start,
        period_end=end,
        time_zone="Asia/Shanghai",
        activity_quantity="12000",
        activity_unit="kWh",
        project_id=PROJECT_ID,
        region_code="440100",
        reported_tco2e="4.5",
        origin_status=pb.ORIGIN_STATUS_NOT_ISSUED,
    )
    values.update(fields)
    return pb.Claim(**values)  # type: ignore[arg-type]


def _verdict(stub: PartnerStub, claim: pb.Claim) -> pb.Verdict:
    envelope = pb.ClaimEnvelope(partner="CN-GD", delivery_id="GD-CREDITING-01", claims=[claim])
    (batch,) = stub.SubmitClaims(iter([envelope]))
    (verdict,) = batch.verdicts
    return verdict


def _codes(checks: object) -> list[str]:
    return [c.code for c in checks]  # type: ignore[attr-defined]


def test_a_period_longer_than_the_methodology_admits_is_refused(stub: PartnerStub) -> None:
    result = _register(stub, _project("2016-01-01", "2026-12-31"))
    assert result.decision == pb.DECISION_REJECTED
    (check,) = result.checks
    assert check.code == "CREDITING_PERIOD_TOO_LONG"
    assert check.details["latest"] == "2025-12-31" and check.details["years"] == "10"
    # Nothing stored: a claim of the project is refused as unregistered.
    verdict = _verdict(stub, _claim("R-0", "2023-06-01", "2023-06-30"))
    assert "PROJECT_NOT_REGISTERED" in _codes(verdict.checks)


def test_a_renewal_extends_the_period_only_within_the_rule(stub: PartnerStub) -> None:
    first = _register(stub, _project("2016-01-01", "2022-12-31"))
    assert first.decision == pb.DECISION_ACCEPTED, first
    outside = _verdict(stub, _claim("R-1", "2023-06-01", "2023-06-30"))
    assert outside.decision == pb.DECISION_REJECTED
    assert "PERIOD_OUTSIDE_CREDITING" in _codes(outside.checks)

    # Two further periods at once: refused, the stored period stands.
    skipped = _register(stub, _project("2016-01-01", "2036-12-31"))
    assert skipped.decision == pb.DECISION_REJECTED
    (check,) = [c for c in skipped.checks if c.code == "CREDITING_RENEWAL_NOT_ALLOWED"]
    assert check.details["previous_end"] == "2022-12-31"
    assert check.details["latest"] == "2029-12-31"
    still_outside = _verdict(stub, _claim("R-2", "2023-07-01", "2023-07-31"))
    assert "PERIOD_OUTSIDE_CREDITING" in _codes(still_outside.checks)

    # One renewal of seven years: accepted, the review kept, the claim credited.
    renewed = _register(stub, _project("2016-01-01", "2029-12-31"))
    assert renewed.decision == pb.DECISION_ACCEPTED, renewed
    assert "PROJECT_CHANGED" in _codes(renewed.checks)
    assert renewed.review_state == pb.PROJECT_REVIEW_STATE_APPROVED
    inside = _verdict(stub, _claim("R-3", "2023-08-01", "2023-08-31"))
    assert inside.decision == pb.DECISION_ACCEPTED, inside

    # The second renewal reaches 21 years; a third is refused.
    assert _register(stub, _project("2016-01-01", "2036-12-31")).decision == pb.DECISION_ACCEPTED
    third = _register(stub, _project("2016-01-01", "2037-12-31"))
    assert third.decision == pb.DECISION_REJECTED
    assert "CREDITING_RENEWAL_NOT_ALLOWED" in _codes(third.checks)


def test_an_origin_serial_of_another_year_is_held_naming_both_years(
    stub: PartnerStub,
) -> None:
    assert _register(stub, _project("2023-01-01", "2032-12-31")).decision == pb.DECISION_ACCEPTED
    issued = {"origin_status": pb.ORIGIN_STATUS_ISSUED, "reported_tco2e": "4"}
    same_year = _verdict(
        stub,
        _claim(
            "R-10",
            "2024-06-01",
            "2024-06-30",
            origin_serial=f"GDPH-{PROJECT_ID}-2024-000001-000004",
            **issued,
        ),
    )
    assert "ORIGIN_SERIAL_YEAR_MISMATCH" not in _codes(same_year.checks)
    assert same_year.decision == pb.DECISION_ACCEPTED, same_year
    other_year = _verdict(
        stub,
        _claim(
            "R-11",
            "2024-07-01",
            "2024-07-31",
            origin_serial=f"GDPH-{PROJECT_ID}-2023-000005-000008",
            **issued,
        ),
    )
    assert other_year.decision == pb.DECISION_HELD, other_year
    (check,) = [c for c in other_year.checks if c.code == "ORIGIN_SERIAL_YEAR_MISMATCH"]
    assert (check.details["serial_year"], check.details["vintage"]) == ("2023", "2024")
    assert "2023" in check.message_en and "2024" in check.message_en
