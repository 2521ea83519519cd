"""Every way a proof can fail is worded in every language the kit reports in."""

from __future__ import annotations

import pytest

from adapters.proof_messages import LANGUAGES, failure_message
from adapters.report_language import Lang
from carbonhub_contract.transparency import ProofFailure


def test_the_kit_speaks_the_report_languages() -> None:
    assert set(LANGUAGES) == {lang.value for lang in Lang}


@pytest.mark.parametrize("code", list(ProofFailure))
def test_every_failure_has_a_distinct_sentence_in_every_language(code: ProofFailure) -> None:
    sentences = [failure_message(code, lang) for lang in LANGUAGES]
    assert all(s.strip() for s in sentences)
    assert len(set(sentences)) == len(LANGUAGES), sentences
    # A language the kit does not have falls back to English.
    assert failure_message(code, "fr") == sentences[0]
