"""Check codes once released stay in the catalogue with their severity.

A stored verdict keeps its checks as codes and parameters and takes severity
and messages from the catalogue when read (hub/storage/claim_body.py, 0018):
a code removed would make every claim that fired it unreadable (a resent
record of it would fail its whole delivery), and a severity changed would
change past verdicts (the review queue selects held claims by severity).
"""

from __future__ import annotations

from pathlib import Path

from carbonhub_contract.vocabulary.checks import CATALOGUE

RELEASED = Path(__file__).with_name("released_check_codes.txt")


def _released() -> dict[str, str]:
    lines = RELEASED.read_text(encoding="utf-8").splitlines()
    pairs = (line.split() for line in lines if line and not line.startswith("#"))
    return {code: severity for code, severity in pairs}


def test_no_released_code_left_the_catalogue_or_changed_its_severity() -> None:
    current = {code: str(d.severity) for code, d in CATALOGUE.items()}
    changed = {
        code: (severity, current.get(code, "removed"))
        for code, severity in _released().items()
        if current.get(code) != severity
    }
    assert changed == {}, "released check codes changed (was, now): " + repr(changed)


def test_every_catalogued_code_is_in_the_released_list() -> None:
    # A new code is added to the list with the change that adds it.
    assert sorted(set(CATALOGUE) - set(_released())) == []
