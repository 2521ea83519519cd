"""Guangdong's column names and words, and what they map to.

Source: /work/shared/partners/guangdong-export.md (the registry's export as
the hub receives it).
"""

from __future__ import annotations

from collections.abc import Mapping

from carbonhub_contract.vocabulary.records import OriginStatus, PartnerProjectStatus

PARTNER = "CN-GD"
TIME_ZONE = "Asia/Shanghai"
ROLES = ("projects", "reductions")

# projects.csv: ProjectSubmission field → Guangdong column
PROJECT_COLUMNS: Mapping[str, str] = {
    "project_id": "项目编号",
    "name": "项目名称",
    "owner_name": "项目业主",
    "owner_credit_code": "统一社会信用代码",
    "partner_methodology": "方法学编号",
    "region_code": "行政区划代码",
    "longitude": "经度",
    "latitude": "纬度",
    "size_value": "规模",
    "size_unit": "规模单位",
    "crediting_start": "计入期开始",
    "crediting_end": "计入期结束",
    "status": "状态",
}

# reductions.csv: ClaimSubmission field → Guangdong column
CLAIM_COLUMNS: Mapping[str, str] = {
    "record_id": "记录编号",
    "project_id": "项目编号",
    "person_pseudonym": "个人标识",
    "partner_methodology": "方法学编号",
    "period_start": "监测期开始",
    "period_end": "监测期结束",
    "activity_quantity": "活动量",
    "activity_unit": "活动量单位",
    "reported_tco2e": "减排量",
    "origin_status": "签发状态",
    "origin_serial": "PHCER序列号",
    "verifier": "核证机构",
}

# Activity units → canonical unit codes. The canonical codes themselves are
# accepted too (a registry export that already uses them maps to itself).
ACTIVITY_UNITS: Mapping[str, str] = {
    "千瓦时": "kWh",
    "兆瓦时": "MWh",
    "人公里": "pkm",
    "公里": "km",
    "次": "trip",
    "公斤": "kg",
    "吨": "t",
    "公顷": "ha",
    "亩": "mu",
    **{code: code for code in ("kWh", "MWh", "pkm", "km", "trip", "kg", "t", "ha", "mu")},
}

SIZE_UNITS: Mapping[str, str] = {
    "kW": "kW",
    "千瓦": "kW",
    "公顷": "ha",
    "亩": "mu",
    "ha": "ha",
    "mu": "mu",
}

ORIGIN_STATUSES: Mapping[str, OriginStatus] = {
    "未签发": OriginStatus.NOT_ISSUED,
    "已签发": OriginStatus.ISSUED,
    "已注销": OriginStatus.CANCELLED,
}

PROJECT_STATUSES: Mapping[str, PartnerProjectStatus] = {
    "已备案": PartnerProjectStatus.REGISTERED,
    "暂停": PartnerProjectStatus.SUSPENDED,
    "已注销": PartnerProjectStatus.DEREGISTERED,
}
