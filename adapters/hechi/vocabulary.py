"""Hechi's ledger columns and words, and what they map to.

Source: adapters/hechi/README.md, the delivery format agreed with 河池市生态环境局
for its carbon-inclusion project ledger (碳普惠项目台账), which the county
bureaus keep in Excel and export as CSV.
"""

from __future__ import annotations

from collections.abc import Mapping

from carbonhub_contract.vocabulary.records import PartnerProjectStatus

# Hechi has no ISO 3166-2 code: the partner is named by its GB/T 2260 code,
# which is also the origin of the Shenzhen CER blocks issued for it.
PARTNER = "451200"
TIME_ZONE = "Asia/Shanghai"
ROLES = ("projects", "monitoring")

# projects.csv (项目台账): ProjectSubmission field → Hechi column
PROJECT_COLUMNS: Mapping[str, str] = {
    "project_id": "项目编号",
    "name": "项目名称",
    "owner_name": "业主单位",
    "owner_credit_code": "统一社会信用代码",
    "partner_methodology": "方法学代码",
    "region_code": "所在县区",
    "longitude": "经度",
    "latitude": "纬度",
    "size_value": "规模",
    "size_unit": "规模单位",
    "crediting_start": "计入期起",
    "crediting_end": "计入期止",
    "status": "项目状态",
}

# monitoring.csv (监测记录): ClaimSubmission field → Hechi column
CLAIM_COLUMNS: Mapping[str, str] = {
    "record_id": "记录编号",
    "project_id": "项目编号",
    "partner_methodology": "方法学代码",
    "period_start": "监测期起",
    "period_end": "监测期止",
    "activity_quantity": "监测量",
    "activity_unit": "计量单位",
    "reported_tco2e": "核算减排量",
    "verifier": "核查机构",
}

# The ledger names the county or district (县区) of a site, not its code.
# GB/T 2260 codes of Hechi's 2 districts and 9 counties; the short forms are
# how the county bureaus write them. A cell that already holds six digits is
# passed through as a code: whether it lies in Hechi is the hub's check
# (SITE_OUTSIDE_PARTNER_REGION), not the adapter's.
_COUNTIES: Mapping[str, tuple[str, ...]] = {
    "451202": ("金城江区", "金城江"),
    # 宜州市 became 宜州区 in 2016 (撤市设区); older sheets keep the old name.
    "451203": ("宜州区", "宜州", "宜州市"),
    "451221": ("南丹县", "南丹"),
    "451222": ("天峨县", "天峨"),
    "451223": ("凤山县", "凤山"),
    "451224": ("东兰县", "东兰"),
    "451225": ("罗城仫佬族自治县", "罗城县", "罗城"),
    "451226": ("环江毛南族自治县", "环江县", "环江"),
    "451227": ("巴马瑶族自治县", "巴马县", "巴马"),
    "451228": ("都安瑶族自治县", "都安县", "都安"),
    "451229": ("大化瑶族自治县", "大化县", "大化"),
}
COUNTIES: Mapping[str, str] = {name: code for code, names in _COUNTIES.items() for name in names}

# 度 is the everyday word for a kilowatt-hour on Chinese PV ledgers. 万千瓦时
# (10 MWh) has no canonical code: the adapter never multiplies, so such a row
# is refused and the county re-exports it in 千瓦时 or 兆瓦时.
ACTIVITY_UNITS: Mapping[str, str] = {
    "千瓦时": "kWh",
    "度": "kWh",
    "kWh": "kWh",
    "兆瓦时": "MWh",
    "MWh": "MWh",
    "公顷": "ha",
    "ha": "ha",
    "亩": "mu",
}

SIZE_UNITS: Mapping[str, str] = {
    "千瓦": "kW",
    "kW": "kW",
    "兆瓦": "MW",
    "MW": "MW",
    "公顷": "ha",
    "ha": "ha",
    "亩": "mu",
}

PROJECT_STATUSES: Mapping[str, PartnerProjectStatus] = {
    "正常": PartnerProjectStatus.REGISTERED,
    "暂停": PartnerProjectStatus.SUSPENDED,
    "注销": PartnerProjectStatus.DEREGISTERED,
}
