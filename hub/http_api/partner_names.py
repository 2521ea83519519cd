"""Partners and their regions by name, in the page's language, and the
partner filter every disclosure list shares (API and pages alike).

Names come from the partner agreements in standards/ (name_zh, name_en and
the region's): the bureau files a partner once and its name shows in three
languages. Traditional Chinese is converted from the agreement's Chinese by
OpenCC (its standard character set, as the page catalogue messages/zh-Hant.json
and the refusal catalogue are written), and zh-CN is brought to Simplified the
same way, since Hong Kong and Macao write their own scheme's name in
Traditional characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

import opencc

from hub.errors import InvalidRequest
from hub.standard import Standard

MAX_PARTNER_LENGTH = 64


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def _in(language: str, chinese: str) -> str:
    config = "s2t" if language == "zh-Hant" else "t2s"
    converted: str = _converter(config).convert(chinese)
    return converted


@dataclass(frozen=True, slots=True)
class PartnerName:
    code: str
    registry_zh: str
    registry_en: str
    region_zh: str
    region_en: str

    def region(self, language: str) -> str:
        return self.region_en if language == "en" else _in(language, self.region_zh)

    def registry(self, language: str) -> str:
        return self.registry_en if language == "en" else _in(language, self.registry_zh)


def partner_names(standard: Standard) -> dict[str, PartnerName]:
    names: dict[str, PartnerName] = {}
    for code in standard.partners():
        agreement = standard.agreement(code)
        if agreement is None:
            continue
        names[code] = PartnerName(
            code,
            agreement.name_zh,
            agreement.name_en,
            agreement.region.name_zh,
            agreement.region.name_en,
        )
    return names


def region_of(names: Mapping[str, PartnerName], code: str, language: str) -> str:
    """The partner's region in ``language``; its code when the hub has no agreement."""
    found = names.get(code)
    return code if found is None else found.region(language)


def resolve_partner(value: str | None, known: Iterable[str]) -> str | None:
    """The partner as the ledger writes it, matched without regard to case
    (``cn-gd`` is CN-GD); an empty value means any partner. A partner the hub
    has no agreement with is refused (PARTNER_UNKNOWN) rather than answered
    with an empty list that looks like "nothing issued"."""
    if value is None or not value.strip():
        return None
    wanted = value.strip()
    for code in known:
        if code.casefold() == wanted.casefold():
            return code
    listed = ", ".join(sorted(known))
    raise InvalidRequest(
        "PARTNER_UNKNOWN",
        f"no partner {wanted[:MAX_PARTNER_LENGTH]}: the partners are {listed}",
        {"partner": wanted[:MAX_PARTNER_LENGTH], "partners": listed[:200]},
    )
