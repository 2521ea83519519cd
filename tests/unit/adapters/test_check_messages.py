"""The hub's check messages in zh-Hant and pt: complete and fillable like the originals."""

from __future__ import annotations

import string

import pytest

from adapters.check_messages import LANGUAGES, TRANSLATIONS, check_message
from carbonhub_contract.vocabulary.checks import CATALOGUE


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_check_code_is_translated_and_nothing_else() -> None:
    assert set(TRANSLATIONS) == set(CATALOGUE)


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_a_translation_fills_the_same_details_as_the_english(code: str) -> None:
    english = _placeholders(CATALOGUE[code].message_en)
    zh_hant, pt = TRANSLATIONS[code]
    assert _placeholders(zh_hant) == english
    assert _placeholders(pt) == english
    # Written in Traditional characters, not the Simplified message copied.
    assert zh_hant != CATALOGUE[code].message_zh


def test_a_message_in_each_language() -> None:
    details = {"other_record_id": "MTR-2410-000301", "other_partner": "CN-HK"}
    got = [check_message("PERSON_PERIOD_OVERLAP", lang, details) for lang in LANGUAGES]
    assert got == [
        "the same person and methodology overlap record MTR-2410-000301 of CN-HK",
        "同一人同一方法学的时段与记录 MTR-2410-000301（CN-HK）重叠",
        "同一人同一方法學的時段與記錄 MTR-2410-000301（CN-HK）重疊",
        "a mesma pessoa e metodologia sobrepõem-se ao registo MTR-2410-000301 de CN-HK",
    ]


def test_a_missing_detail_stays_a_placeholder_and_an_unknown_language_is_refused() -> None:
    assert check_message("UNIT_UNKNOWN", "pt", {}) == "a unidade {unit} não é conhecida"
    with pytest.raises(KeyError, match="pt"):
        check_message("UNIT_UNKNOWN", "fr", {})
