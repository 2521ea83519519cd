"""Macao's column names and words, and what they map to.

Source: /work/shared/partners/macao-export.md. Macao writes Traditional
Chinese and Portuguese, both official; Big5-HKSCS files have no Portuguese
accents (``Referencia``, ``Sao Lourenco``). Every word is therefore looked up
folded: accents removed, case folded, spaces collapsed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from adapters.near_spellings import near_hint

PARTNER = "CN-MO"
TIME_ZONE = "Asia/Macau"
ROLES = ("activities",)
# GB/T 2260 code of the Macao SAR; its parishes have no codes of their own.
MACAO_REGION_CODE = "820000"

# Column name the adapter uses (and reports) → (Chinese half, Portuguese half).
HEADERS: Mapping[str, tuple[str, str]] = {
    "編號/Referência": ("編號", "Referência"),
    "計劃/Programa": ("計劃", "Programa"),
    "堂區/Freguesia": ("堂區", "Freguesia"),
    "站點/Local": ("站點", "Local"),
    "參與者/Participante": ("參與者", "Participante"),
    "開始/Início": ("開始", "Início"),
    "結束/Fim": ("結束", "Fim"),
    "物料/Material": ("物料", "Material"),
    "數量/Quantidade": ("數量", "Quantidade"),
    "單位/Unidade": ("單位", "Unidade"),
    "碳積分/Pontos": ("碳積分", "Pontos"),
    "供電/Fornecedor": ("供電", "Fornecedor"),
    "平台/Plataforma": ("平台", "Plataforma"),
    "調整/Ajuste": ("調整", "Ajuste"),
}

# actividades.csv: ClaimSubmission field → column. 碳積分 / Pontos and
# 平台 / Plataforma map to no column field: points stay in the raw record only
# (information, never a quantity of tCO2e); the platform is read on its own
# (adapter._platform), as the column may be absent.
CLAIM_COLUMNS: Mapping[str, str] = {
    "record_id": "編號/Referência",
    "partner_methodology": "計劃/Programa",
    "district": "堂區/Freguesia",
    "region_code": "堂區/Freguesia",
    "site_id": "站點/Local",
    "person_pseudonym": "參與者/Participante",
    "period_start": "開始/Início",
    "period_end": "結束/Fim",
    "material": "物料/Material",
    "activity_quantity": "數量/Quantidade",
    "activity_unit": "單位/Unidade",
    "utility": "供電/Fornecedor",
    "adjustment_ref": "調整/Ajuste",
}
POINTS = "碳積分/Pontos"
PLATFORM = "平台/Plataforma"
# Where 平台 / Plataforma is absent "the programme's operator is the platform"
# (the export description): DSPA runs 環保Fun; transit rides are recorded by
# the MACAUPASS card; CEM connects rooftop PV. Platform ids of the hub's
# agreement with Macao.
PROGRAMME_PLATFORMS: Mapping[str, str] = {
    "環保Fun": "DSPA",
    "輕軌": "MACAUPASS",
    "巴士": "MACAUPASS",
    "太陽能": "CEM",
}
# Points and platform may be absent from a delivery; every mapped column is required.
REQUIRED_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys(CLAIM_COLUMNS.values()))

_SEPARATORS = re.compile(r"[\s/]+")


def fold(text: str) -> str:
    """Accents removed, case folded, runs of spaces as one: ``São  Lázaro`` → ``sao lazaro``."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def _header_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for name, (zh, pt) in HEADERS.items():
        for form in (zh, pt, zh + pt, pt + zh):
            keys[fold(form)] = name
    return keys


_HEADER_KEYS = _header_keys()


def header_name(cell: str) -> str:
    """``編號 Referência``, ``編號/Referencia``, ``編號`` or ``Referência`` → ``編號/Referência``.

    A header cell that is none of Macao's columns is kept as delivered (an
    extra column, carried in the raw record).
    """
    key = fold(_SEPARATORS.sub("", cell))
    return _HEADER_KEYS.get(key, cell)


def _table(words: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {
        fold(word): canonical for canonical, forms in words.items() for word in (canonical, *forms)
    }


# Programme as the crosswalk names it (standards/crosswalks/CN-MO.yaml) → its names.
PROGRAMMES = _table(
    {
        "環保Fun": ("環保Fun", "环保Fun", "Reciclagem"),
        "輕軌": ("輕軌", "轻轨", "Metro Ligeiro", "Metro Ligeiro de Macau"),
        "巴士": ("巴士", "Autocarro", "Autocarros"),
        "太陽能": ("太陽能", "太阳能", "Solar"),
    }
)

# Parish or zone (Chinese name, the district sent to the hub) → its spellings
# without 堂區 / "Freguesia de" (stripped first, see parish). The islands'
# common names stand for their parishes: 氹仔 Taipa is 嘉模堂區, 路環
# Coloane is 聖方濟各堂區. 路氹城 Cotai is a zone of reclaimed land, kept as such.
_PARISH_SPELLINGS: Mapping[str, tuple[str, ...]] = {
    "花地瑪堂區": ("花地瑪", "花地玛", "Nossa Senhora de Fátima", "Fátima"),
    "花王堂區": ("花王", "Santo António", "António"),
    "望德堂區": ("望德", "São Lázaro", "Lázaro"),
    "大堂區": ("大堂", "Sé"),
    "風順堂區": ("風順", "风顺", "São Lourenço", "Lourenço"),
    "嘉模堂區": (
        "嘉模",
        "Nossa Senhora do Carmo",
        "Nossa Senhora do Carmo (Taipa)",
        "Carmo",
        "氹仔",
        "Taipa",
    ),
    "聖方濟各堂區": (
        "聖方濟各",
        "圣方济各",
        "São Francisco Xavier",
        "São Francisco Xavier (Coloane)",
        "路環",
        "路环",
        "Coloane",
    ),
    "路氹城": ("路氹城", "路氹", "Cotai"),
}
PARISHES = _table(_PARISH_SPELLINGS)
_PARISH_WORD = re.compile(r"^freguesia( d[aeo])? |(堂區|堂区)$")


def parish(text: str) -> str | None:
    """The parish or zone a spelling names (``Freguesia de Sao Lourenco`` → 風順堂區), or None."""
    folded = fold(text)
    # The whole name first: 大堂區 is 大堂 + 區, not 大 + 堂區.
    return PARISHES.get(folded) or PARISHES.get(_PARISH_WORD.sub("", folded).strip())


def near_parishes(text: str) -> str:
    """`` (near: ...)``: at most three spellings of parishes close to ``text``, or ""."""
    spellings = [s for name, others in _PARISH_SPELLINGS.items() for s in (name, *others)]
    return near_hint(text, spellings, lambda t: _PARISH_WORD.sub("", fold(t)).strip())


# Recycled material → the variant of recycling_ef (standards/factors.yaml).
# Pilhas (household batteries, mostly primary) are not the standard's
# rechargeable_batteries: they go as "batteries", which has no factor yet, and
# the hub answers MATERIAL_UNKNOWN until the bureau files one.
MATERIALS = _table(
    {
        "paper": ("紙", "纸", "papel"),
        "plastics": ("塑膠", "塑胶", "plástico", "plásticos"),
        "metals": ("金屬", "金属", "metal", "metais"),
        "glass": ("玻璃", "vidro"),
        "beverage_cartons": ("紙包飲品盒", "纸包饮品盒", "embalagens de bebidas"),
        "batteries": ("電池", "电池", "pilhas"),
        "fluorescent_lamps": ("光管", "lâmpadas fluorescentes"),
    }
)

# Unit words → canonical unit codes. Rides are counted in trips (viagens,
# 次): sent as "trip"; the standard decides what a trip is worth.
ACTIVITY_UNITS = _table(
    {
        "kg": ("kg", "公斤", "quilograma", "quilogramas"),
        "kWh": ("kWh", "千瓦時", "千瓦时"),
        "km": ("km", "公里", "quilómetros", "quilometros"),
        "trip": ("viagens", "viagem", "次"),
    }
)

# Electricity supplier → the code the crosswalk keys grid factors by.
UTILITIES = _table({"CEM": ("CEM", "澳電", "澳电", "Companhia de Electricidade de Macau")})
