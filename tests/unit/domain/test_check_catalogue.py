"""The catalogue's codes for attestations and retirements, and its consistency."""

from __future__ import annotations

import string

import pytest

from carbonhub_contract.vocabulary.checks import APPLIES_TO, CATALOGUE, Severity
from hub.domain.checks import fire


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", list(CATALOGUE))
def test_both_languages_use_the_same_placeholders(code: str) -> None:
    d = CATALOGUE[code]
    assert _placeholders(d.message_zh) == _placeholders(d.message_en)


@pytest.mark.parametrize("code", list(CATALOGUE))
def test_applies_to_names_known_subjects(code: str) -> None:
    parts = [p.strip() for p in CATALOGUE[code].applies_to.split(",")]
    assert parts and all(p in APPLIES_TO for p in parts)


@pytest.mark.parametrize(
    ("code", "severity", "applies_to", "placeholders"),
    [
        ("SOURCE_CANCELLATION_NOT_AWAITING", "ERROR", "attestation", {"claim_id", "state"}),
        ("SOURCE_CANCELLATION_BLOCK_MISMATCH", "ERROR", "attestation", {"attested", "expected"}),
        ("SOURCE_CANCELLATION_NOTE_MISSING_CLAIM", "ERROR", "attestation", {"claim_id"}),
        (
            "SOURCE_CANCELLATION_ID_REUSED",
            "ERROR",
            "attestation",
            {"cancellation_id", "other_claim_id"},
        ),
        ("SOURCE_CANCELLATION_SERIAL_MALFORMED", "ERROR", "attestation", {"serial"}),
        ("SOURCE_CANCELLATION_OVERDUE", "ERROR", "claim, attestation", {"days"}),
        ("PROJECT_SUSPENDED_BY_BUREAU", "REVIEW", "claim", {"project_id", "reason"}),
        ("ADJUSTMENT_STATUS_BACKWARDS", "ERROR", "attestation", {"reference", "current", "status"}),
        ("ADJUSTMENT_STATUS_INVALID", "ERROR", "attestation", {"status"}),
        ("OFFSET_FIELDS_MISSING", "ERROR", "retirement", {"fields"}),
        ("OFFSET_ORIGIN_NOT_ELIGIBLE", "ERROR", "retirement", {"origin", "eligible"}),
        (
            "OFFSET_VINTAGE_OUTSIDE_WINDOW",
            "ERROR",
            "retirement",
            {"vintage", "compliance_year", "years", "earliest"},
        ),
        (
            "OFFSET_CAP_EXCEEDED",
            "ERROR",
            "retirement",
            {"entity", "compliance_year", "total", "cap", "share", "emissions"},
        ),
        (
            "OFFSET_ORIGIN_SHARE_EXCEEDED",
            "ERROR",
            "retirement",
            {
                "entity",
                "compliance_year",
                "origin",
                "origin_total",
                "origin_cap",
                "origin_share",
                "cap",
            },
        ),
    ],
)
def test_issuance_and_exchange_codes(
    code: str, severity: str, applies_to: str, placeholders: set[str]
) -> None:
    d = CATALOGUE[code]
    assert (d.severity, d.applies_to) == (Severity(severity), applies_to)
    assert _placeholders(d.message_en) == placeholders


def test_fired_message_is_filled_in_both_languages() -> None:
    result = fire("SOURCE_CANCELLATION_OVERDUE", days=90)
    assert result.message_en == (
        "no cancellation at source was attested within 90 days; the claim is void"
    )
    assert "90" in result.message_zh and "{" not in result.message_zh
