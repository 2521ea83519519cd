"""`carbon-hub-adapter NAME --delivery DIR --check`: the hub's assessment of a
delivery on the partner's machine, with no hub and nothing sent.

(That it gives the hub's own decisions is tests/integration/adapters/
test_offline_check_matches_hub.py.)"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from typer.testing import CliRunner, Result

from adapters.cli import EXIT_REFUSED, app
from adapters.delivery import SourcedClaim, SourceRef
from adapters.registry import adapter_for
from carbonhub_contract.vocabulary.records import Decision
from carbonhub_tools.offline_check import NOT_CHECKED_OFFLINE, check_delivery, load_partner_standard
from tests.unit.adapters.adapter_testkit import REPO
from tests.unit.adapters.documented_json import check_documented

MO_01 = REPO / "adapters/macao/samples/MO-20250401-01"
MO_MISLABELLED = REPO / "adapters/macao/samples/MO-20250403-03"
NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def _invoke(*args: str) -> Result:
    # A narrow COLUMNS: rich would wrap at it; the plain report must not.
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "40"})


def _document(result: Result) -> dict[str, Any]:
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    document: dict[str, Any] = json.loads(lines[0])
    assert document["exit_code"] == result.exit_code
    # The delivery report's documented fields, plus the check's own two.
    assert document.pop("checked") == "offline"
    assert document.pop("not_checked") == list(NOT_CHECKED_OFFLINE)
    check_documented(document)
    return document


def test_check_prints_what_the_hub_would_accept_hold_and_refuse_without_a_hub() -> None:
    result = _invoke("macao", "--delivery", str(MO_01), "--check", "--json")
    assert result.exit_code == 0, result.output
    document = _document(result)
    assert document["schema"] == "carbon-hub-adapter/check-report"
    assert (document["outcome"], document["sent"]) == ("CHECKED", False)
    decisions = {c["record_id"]: c["decision"] for c in document["claims"]}
    assert decisions["MO-2025-000101"] == "ACCEPTED"
    assert decisions["MO-2025-000119"] == "HELD"
    codes = {c["record_id"]: [k["code"] for k in c["checks"]] for c in document["claims"]}
    # Double counting inside the delivery is checked: a trip of one person
    # overlapping another, the same content under a new record id.
    assert "PERSON_TRIP_OVERLAP" in codes["MO-2025-000111"]
    assert "DUPLICATE_CONTENT" in codes["MO-2025-000115"]
    assert document["counts"]["claims"] == {"ACCEPTED": 7, "REJECTED": 6, "HELD": 1}
    assert document["counts"]["rejections_by_code"]["ROW_QUANTITY_AMBIGUOUS"] == 1
    assert all(c["claim_id"] is None for c in document["claims"])


def test_check_piped_is_plain_lines_and_says_what_it_cannot_know() -> None:
    result = _invoke("macao", "--delivery", str(MO_01), "--check")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "checked offline, nothing sent" in lines[0]
    assert any(line.split("\t")[4:6] == ["MO-2025-000113", "UTILITY_REQUIRED"] for line in lines)
    assert any(line.startswith("not checked offline: ledger locks") for line in lines)


def test_a_delivery_refused_whole_is_checked_as_refused() -> None:
    result = _invoke("macao", "--delivery", str(MO_MISLABELLED), "--check", "--json")
    assert result.exit_code == EXIT_REFUSED
    document = _document(result)
    assert (document["outcome"], document["problems"][0]["code"]) == (
        "REFUSED",
        "ENCODING_MISMATCH",
    )


def test_sending_still_needs_the_hub_and_the_signing_key() -> None:
    result = _invoke("macao", "--delivery", str(MO_01))
    assert result.exit_code == 2
    assert "--check" in result.output


def test_a_record_id_sent_twice_in_one_delivery_is_answered_as_the_hub_would() -> None:
    delivery = adapter_for("macao").read(MO_01)
    first = delivery.claims[0]
    changed = SourcedClaim(
        replace(first.submission, activity_quantity="99"), SourceRef("more.csv", 2)
    )
    again = SourcedClaim(first.submission, SourceRef("more.csv", 3))
    report = check_delivery(
        replace(delivery, claims=[*delivery.claims, changed, again]),
        load_partner_standard(),
        NOW,
    )
    *_, changed_outcome, again_outcome = report.claims
    assert changed_outcome.decision is Decision.REJECTED
    assert [c.code for c in changed_outcome.checks] == ["DUPLICATE_RECORD_CHANGED"]
    assert again_outcome.resubmission
    assert again_outcome.decision is report.claims[0].decision
    assert again_outcome.source == SourceRef("more.csv", 3)
