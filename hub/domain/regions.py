"""GB/T 2260 administrative division codes (行政区划代码).

A site code is six digits: two for the province-level division, two for
the prefecture, two for the county. This module checks the shape (six
digits under an existing province-level prefix) and whether a code lies
under a prefix (the partner's region, from its agreement in standards/).
Whether a code of the right shape exists, and on which days, is
hub.domain.region_codes' question, asked of the GB/T 2260 editions in
standards/gbt2260.yaml and gbt2260.csv.
"""

from __future__ import annotations

import re

# Province-level divisions of GB/T 2260, including Taiwan, Hong Kong and Macao.
PROVINCES: dict[str, str] = {
    "11": "北京市",
    "12": "天津市",
    "13": "河北省",
    "14": "山西省",
    "15": "内蒙古自治区",
    "21": "辽宁省",
    "22": "吉林省",
    "23": "黑龙江省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "34": "安徽省",
    "35": "福建省",
    "36": "江西省",
    "37": "山东省",
    "41": "河南省",
    "42": "湖北省",
    "43": "湖南省",
    "44": "广东省",
    "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市",
    "51": "四川省",
    "52": "贵州省",
    "53": "云南省",
    "54": "西藏自治区",
    "61": "陕西省",
    "62": "甘肃省",
    "63": "青海省",
    "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省",
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}

_CODE = re.compile(r"\d{6}", re.ASCII)


def is_valid_code(code: str) -> bool:
    """Six digits with an existing province prefix."""
    return bool(_CODE.fullmatch(code)) and code[:2] in PROVINCES


def province_prefix(code: str) -> str | None:
    return code[:2] if is_valid_code(code) else None


def within(code: str, prefix: str) -> bool:
    """True when the valid ``code`` lies inside the division whose code starts with ``prefix``."""
    return is_valid_code(code) and code.startswith(prefix)
