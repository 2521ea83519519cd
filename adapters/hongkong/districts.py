"""The 18 districts of Hong Kong in English, Traditional and Simplified Chinese.

Each maps to one canonical English name (the District Council name as the
Hong Kong government writes it). All districts lie in region 810000 (GB/T
2260 code of the Hong Kong SAR).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from adapters.near_spellings import near_hint

HONG_KONG_REGION_CODE = "810000"

# canonical English name → (Traditional, Simplified, other English spellings)
_DISTRICTS: Mapping[str, tuple[str, str, tuple[str, ...]]] = {
    "Central and Western": ("中西區", "中西区", ("Central & Western",)),
    "Wan Chai": ("灣仔", "湾仔", ("Wanchai",)),
    "Eastern": ("東區", "东区", ()),
    "Southern": ("南區", "南区", ()),
    "Yau Tsim Mong": ("油尖旺", "油尖旺", ()),
    "Sham Shui Po": ("深水埗", "深水埗", ()),
    "Kowloon City": ("九龍城", "九龙城", ()),
    "Wong Tai Sin": ("黃大仙", "黄大仙", ()),
    "Kwun Tong": ("觀塘", "观塘", ()),
    "Kwai Tsing": ("葵青", "葵青", ()),
    "Tsuen Wan": ("荃灣", "荃湾", ()),
    "Tuen Mun": ("屯門", "屯门", ()),
    "Yuen Long": ("元朗", "元朗", ()),
    "North": ("北區", "北区", ()),
    "Tai Po": ("大埔", "大埔", ()),
    "Sha Tin": ("沙田", "沙田", ("Shatin",)),
    "Sai Kung": ("西貢", "西贡", ()),
    "Islands": ("離島", "离岛", ()),
}


def _key(text: str) -> str:
    """Case, spacing, '&' and a trailing 'District' / 區 / 区 do not matter."""
    key = text.strip().lower().replace("&", " and ")
    key = re.sub(r"[\s\-]+", " ", key).strip()
    key = re.sub(r" district$", "", key)
    if len(key) > 2 and key[-1] in "區区":
        key = key[:-1]
    return key


def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for english, (traditional, simplified, others) in _DISTRICTS.items():
        for name in (english, traditional, simplified, *others):
            index[_key(name)] = english
    return index


_INDEX = _index()

CANONICAL_DISTRICTS: tuple[str, ...] = tuple(_DISTRICTS)


def canonical_district(text: str) -> str | None:
    """The canonical English district name, or None when ``text`` names no district."""
    return _INDEX.get(_key(text))


def near_districts(text: str) -> str:
    """`` (near: ...)``: at most three spellings of districts close to ``text``, or ""."""
    spellings = [
        name
        for english, (traditional, simplified, others) in _DISTRICTS.items()
        for name in (english, traditional, simplified, *others)
    ]
    return near_hint(text, spellings, _key)
