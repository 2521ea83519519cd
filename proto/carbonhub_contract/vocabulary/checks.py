# ruff: noqa: E501 - the catalogue is a table, one check per line
"""Conformity checks: stable codes, severities and bilingual messages.

The catalogue below is the single list of every code the hub can answer
with for a claim, a project, an attestation (cancellation at source,
inventory exclusion, the wire's accounting adjustment) or a retirement the exchange reports. docs/checks.md is generated from it and a
test fails when the two drift. Codes are never renamed or reused: partners
key their own handling on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "ERROR"  # the claim is rejected
    REVIEW = "REVIEW"  # the claim is held for a reviewer of the bureau
    WARNING = "WARNING"  # accepted, but the partner should look (e.g. a value was capped)
    INFO = "INFO"  # how the number was obtained


# What a check can apply to; docs/checks.md groups the codes by these.
APPLIES_TO = ("claim", "project", "attestation", "retirement")


@dataclass(frozen=True, slots=True)
class CheckDefinition:
    code: str
    severity: Severity
    message_zh: str
    message_en: str
    # What the check answers: one or more of APPLIES_TO, joined by ", ".
    applies_to: str = "claim"


def _d(
    code: str, severity: Severity, zh: str, en: str, applies_to: str = "claim"
) -> CheckDefinition:
    return CheckDefinition(code, severity, zh, en, applies_to)


E, R, W, I = Severity.ERROR, Severity.REVIEW, Severity.WARNING, Severity.INFO  # noqa: E741
CP = "claim, project"  # applies to both
A = "attestation"  # answers a partner's attestation of cancellation at source or adjustment
CA = "claim, attestation"  # decides a claim's fate from an attestation (or its absence)
RT = "retirement"  # answers a retirement the exchange reports

# Messages are str.format templates over the check's details.
# fmt: off
CATALOGUE: dict[str, CheckDefinition] = {
    d.code: d
    for d in (
        # The wire's field limits (docs/limits.md), checked before anything else
        _d("FIELD_TOO_LONG", E, "字段 {field} 长 {length}（{unit}），上限 {limit}", "field {field} is {length} {unit} long; at most {limit}", CP),
        _d("FIELD_CONTROL_CHARACTER", E, "字段 {field} 在位置 {position} 含控制字符 {character}", "field {field} holds the control character {character} at position {position}", CP),
        _d("FIELD_REQUIRED", E, "字段 {field} 为必填", "field {field} is required", CP),
        _d("FIELD_VALUE_UNKNOWN", E, "字段 {field} 的取值 {value} 无法识别", "field {field} has the value {value}, which this hub does not know", CP),
        # Partner and methodology
        _d("PARTNER_NOT_RECOGNISED", E, "合作方 {partner} 未签署互认协议", "partner {partner} has no agreement with the hub", CP),
        _d("METHODOLOGY_NOT_IN_CROSSWALK", E, "方法学 {partner_methodology} 不在 {partner} 的对照表中", "methodology {partner_methodology} is not in the crosswalk of {partner}", CP),
        _d("METHODOLOGY_NOT_RECOGNISED", E, "协议未认可方法学 {partner_methodology}（{vintage} 年度）", "the agreement does not recognise {partner_methodology} for vintage {vintage}"),
        _d("METHODOLOGY_NOT_EFFECTIVE", E, "深圳方法学 {methodology} 对该活动（{vintage} 年度）未生效：{reason}", "Shenzhen methodology {methodology} is not in force for this activity (vintage {vintage}): {reason}"),
        _d("METHODOLOGY_APPLIED_BEFORE_IN_FORCE", I, "深圳方法学 {methodology} 自 {effective_from} 起生效；本活动始于 {activity_from}，按枢纽自定规则（自 {credits_from} 起适用，暂定：{provisional}）计入，并非该方法学本身的规定", "Shenzhen methodology {methodology} came into force on {effective_from}; this activity starts {activity_from} and is credited under the hub's own rule applying it from {credits_from} (provisional: {provisional}), not under the methodology's"),
        # Projects
        _d("PROJECT_REQUIRED", E, "项目类方法学 {methodology} 须填写项目编号", "project-based methodology {methodology} needs a project id"),
        _d("PROJECT_NOT_REGISTERED", E, "项目 {project_id} 未在枢纽登记", "project {project_id} is not registered with the hub"),
        _d("PROJECT_NOT_ACTIVE", E, "项目 {project_id} 状态为 {status}，不可申报", "project {project_id} is {status} and cannot claim"),
        _d("PROJECT_METHODOLOGY_MISMATCH", E, "记录方法学 {partner_methodology} 与项目方法学 {project_methodology} 不一致", "record methodology {partner_methodology} differs from the project's {project_methodology}"),
        _d("SITE_OUTSIDE_PARTNER_REGION", E, "地点 {region_code} 不在合作方 {partner} 的行政区域内", "site {region_code} lies outside the region of {partner}", CP),
        _d("REGION_CODE_INVALID", E, "行政区划代码 {region_code} 无效", "administrative division code {region_code} is not valid", CP),
        _d("REGION_CODE_UNKNOWN", E, "行政区划代码 {region_code} 不在枢纽所持的任何 GB/T 2260 代码表中（{editions} 年版）", "administrative division code {region_code} is in no GB/T 2260 list the hub holds (editions {editions})", CP),
        _d("REGION_CODE_NOT_IN_FORCE", E, "行政区划代码 {region_code}（{name}）不在活动日期 {activity_date} 适用的 GB/T 2260 代码表（{editions} 年版）中，仅见于 {listed_in} 年版；后继代码：{successors}", "administrative division code {region_code} ({name}) is not in the GB/T 2260 list in force on the activity's date {activity_date} (edition {editions}); only edition {listed_in} lists it; successor codes: {successors}", CP),
        _d("PROJECT_SIZE_EXCEEDS_LIMIT", E, "项目规模 {size} 超过方法学上限 {limit}", "project size {size} exceeds the methodology limit {limit}", CP),
        _d("CREDIT_CODE_INVALID", E, "统一社会信用代码 {credit_code} 校验失败", "unified social credit code {credit_code} fails its check character", "project"),
        _d("OWNER_ID_INVALID", E, "业主标识 {owner_id} 不符合该合作方业主可用的任何格式（{schemes}）：香港商业登记号码为 8 位数字，澳门商业登记编号为数字（可带如 (SO) 的后缀），统一社会信用代码为 18 位并须通过校验", "owner identifier {owner_id} fits none of the schemes this partner's owners use ({schemes}): a Hong Kong business registration number is 8 digits, a Macao commercial registry number is digits (optionally a suffix such as (SO)), a unified social credit code is 18 characters with a correct check character", "project"),
        _d("CREDITING_PERIOD_MALFORMED", E, "计入期 {start} 至 {end} 无效", "crediting period {start} to {end} is not valid", "project"),
        _d("CREDITING_PERIOD_TOO_LONG", E, "计入期 {start} 至 {end} 超过方法学 {methodology} 一个计入期最长 {years} 年的规定，最晚至 {latest}", "crediting period {start} to {end} is longer than the {years} years methodology {methodology} allows for one crediting period; it may run to {latest} at most", "project"),
        _d("CREDITING_RENEWAL_NOT_ALLOWED", E, "计入期由 {previous_end} 延至 {end} 不符合方法学 {methodology} 的续期规则（每次续期至多一个计入期，自 {start} 起合计至多 {longest_years} 年），最晚可延至 {latest}；原计入期不变", "extending the crediting period from {previous_end} to {end} breaks the renewal rule of methodology {methodology} (one further crediting period at a time, at most {longest_years} years from {start} in all); it may be extended to {latest} at most, and the registered period stands", "project"),
        _d("PROJECT_SIZE_UNIT_INVALID", E, "规模单位 {unit} 不适用于方法学 {partner_methodology}", "size unit {unit} does not fit methodology {partner_methodology}", "project"),
        _d("PROJECT_FIELD_MISSING", E, "项目缺少字段 {field}", "project field {field} is missing", "project"),
        _d("PROJECT_BASIS_MISMATCH", E, "方法学 {partner_methodology} 不是项目类方法学，不能登记项目", "methodology {partner_methodology} is not project-based; no project can be registered under it", "project"),
        _d("PROJECT_SIZE_MALFORMED", E, "项目规模 {value} 不是有效正数", "project size {value} is not a valid positive number", "project"),
        _d("COORDINATES_INVALID", E, "经纬度 {longitude}, {latitude} 无效", "coordinates {longitude}, {latitude} are not valid", "project"),
        _d("ASSET_ALREADY_REGISTERED", R, "同一资产（{family}，{capacity}；已登记为 {other_capacity}，相距 {distance_m} 米）已由 {other_partner} 登记为项目 {other_project_id}", "the same asset ({family}, {capacity}; registered as {other_capacity}, {distance_m} m away) is already registered by {other_partner} as project {other_project_id}", "project"),
        _d("ASSET_BOUNDARY_OVERLAP", R, "地块边界与 {other_partner} 的项目 {other_project_id} 重叠 {overlap_ha} 公顷（较小地块的 {overlap_percent}%）", "the boundary overlaps project {other_project_id} of {other_partner} by {overlap_ha} ha ({overlap_percent}% of the smaller parcel)", "project"),
        _d("ASSET_OVERLAP_UNRESOLVED", R, "缺少地块边界（{without_boundary}）：{area} 的地块距 {other_partner} 的项目 {other_project_id}（{other_area}）{distance_m} 米，按面积可能重叠（{reach_m} 米内），须提交边界或由主管部门核对", "no boundary ({without_boundary}): this parcel of {area} lies {distance_m} m from project {other_project_id} of {other_partner} ({other_area}), close enough to overlap by their areas (within {reach_m} m); a boundary or the bureau's check on a map is needed", "project"),
        _d("PROJECT_IN_EXTERNAL_REGISTER", R, "该资产已列于 {register} 名单（条目 {entry_id}：{entry_name}；第 {version} 版，{imported_at} 导入），可能已在该处计入", "the asset is on the list of {register} (entry {entry_id}: {entry_name}; version {version}, imported {imported_at}) and may be credited there already", "project"),
        _d("BOUNDARY_AREA_MISMATCH", R, "申报面积 {declared} 与地块边界面积 {boundary_area} 相差 {difference_percent}%，超出合理范围", "the declared area {declared} differs from the boundary's {boundary_area} by {difference_percent}%, beyond the tolerance", "project"),
        _d("BOUNDARY_INVALID", E, "地块边界无法使用：{reason}", "the parcel boundary cannot be used: {reason}", "project"),
        _d("PROJECT_CHANGED", W, "项目 {project_id} 的登记信息已更新", "registration of project {project_id} was updated", "project"),
        # Monitoring period
        _d("PERIOD_MALFORMED", E, "监测期 {start} 至 {end} 无效：{reason}", "monitoring period {start} to {end} is not valid: {reason}"),
        _d("PERIOD_IN_FUTURE", E, "监测期结束 {end} 晚于当前时间", "monitoring period ends in the future ({end})"),
        _d("PERIOD_OUTSIDE_CREDITING", E, "监测期不在项目计入期 {crediting_start} 至 {crediting_end} 内", "monitoring period lies outside the crediting period {crediting_start} to {crediting_end}"),
        _d("PERIOD_TOO_LONG", R, "监测期 {days} 天超过方法学上限 {limit} 天", "monitoring period of {days} days exceeds the methodology limit of {limit} days"),
        # Activity data
        _d("UNIT_UNKNOWN", E, "单位 {unit} 无法识别", "unit {unit} is not known"),
        _d("UNIT_NOT_FOR_METHODOLOGY", E, "单位 {unit} 不适用于方法学 {methodology}", "unit {unit} does not fit methodology {methodology}"),
        _d("TRIP_WITHOUT_DISTANCE", E, "按次计的乘车没有距离：方法学 {methodology} 需要人公里，{partner_methodology} 未备案平均出行距离", "rides counted in trips carry no distance: methodology {methodology} needs passenger-km and no average trip length is filed for {partner_methodology}"),
        _d("QUANTITY_MALFORMED", E, "数量 {value} 不是有效数字", "quantity {value} is not a valid number"),
        _d("QUANTITY_NOT_POSITIVE", E, "活动量 {value} 必须大于零", "activity quantity {value} must be positive"),
        _d("QUANTITY_OUT_OF_BOUNDS", R, "活动量 {value} {unit} 超出合理范围（上限 {limit}）", "activity quantity {value} {unit} is beyond plausible bounds (limit {limit})"),
        _d("ACTIVITY_EXCEEDS_CAPACITY", R, "活动量 {value} {unit} 相当于登记容量 {capacity} 每天满负荷 {per_day} 小时（{days} 天），超过合理上限 {bound}（上限 {limit}）", "activity {value} {unit} is {per_day} full-load hours a day of the registered {capacity} over {days} days, above the plausible {bound} (limit {limit})"),
        _d("REPORTED_MALFORMED", E, "申报减排量 {value} 不是有效数字", "reported reduction {value} is not a valid number"),
        _d("REPORTED_NEGATIVE", E, "申报减排量 {value} 为负数", "reported reduction {value} is negative"),
        _d("SITE_REQUIRED", E, "站点类方法学 {methodology} 须填写站点编号", "site-based methodology {methodology} needs a site id"),
        _d("PERSON_REQUIRED", E, "个人行为类方法学 {methodology} 须提供个人标识", "personal-behaviour methodology {methodology} needs a person pseudonym"),
        _d("PLATFORM_UNKNOWN", E, "平台 {platform} 不在与 {partner} 的协议中（可选：{known}）", "platform {platform} is not in the agreement with {partner} (known: {known})"),
        _d("PSEUDONYM_MALFORMED", E, "个人标识须为 64 位小写十六进制（HMAC-SHA256）", "person pseudonym must be 64 lower-case hex characters (HMAC-SHA256)"),
        _d("DAILY_CAP_APPLIED", W, "超过每人每日上限 {cap} tCO2e，按上限计 {capped}", "per-person daily cap {cap} tCO2e exceeded; credited {capped}"),
        _d("MATERIAL_REQUIRED", E, "回收类记录须填写物料", "a recycling record needs its material"),
        _d("MATERIAL_UNKNOWN", E, "物料 {material} 不在方法学 {methodology} 的因子表中", "material {material} has no factor under {methodology}"),
        _d("UTILITY_REQUIRED", E, "电力类记录须注明电力公司", "an electricity record must name its utility"),
        _d("UTILITY_UNKNOWN", E, "电力公司 {utility} 无对应排放因子（可选：{known}）", "utility {utility} has no emission factor (known: {known})"),
        _d("FACTOR_NOT_AVAILABLE", E, "无适用排放因子 {factor}（{region}，{year} 年）", "no emission factor {factor} for {region} in {year}"),
        _d("FACTOR_PROVISIONAL", I, "使用了暂定因子 {factor}", "provisional factor {factor} was used"),
        _d("FACTOR_YEAR_FALLBACK", I, "{year} 年因子未发布，采用 {used_year} 年因子 {factor}", "no {year} value of {factor} published; the {used_year} value was used"),
        _d("REPORTED_EXCEEDS_RECOMPUTED", W, "申报 {reported} 高于按深圳标准重算 {recomputed}，取较低值", "reported {reported} exceeds the Shenzhen recomputation {recomputed}; the lower is kept"),
        _d("RECOMPUTED_EXCEEDS_REPORTED", I, "重算 {recomputed} 高于申报 {reported}，取较低值", "recomputation {recomputed} exceeds reported {reported}; the lower is kept"),
        _d("CROSSWALK_DISCOUNT_APPLIED", I, "仅有申报减排量，按对照表折扣 {discount} 计入", "only a reduction was reported; crosswalk discount {discount} applied"),
        _d("REPORTED_REQUIRED", E, "方法学 {methodology} 只能按申报减排量折算，但未申报", "methodology {methodology} converts reported reductions only, and none was reported"),
        _d("RECOMPUTATION_FAILED", E, "按公式 {formula_id} 重算失败：{reason}", "recomputation with formula {formula_id} failed: {reason}"),
        _d("ZERO_REDUCTION", E, "折算后减排量为零", "the reduction is zero after conversion"),
        # Double claiming and origin issuance
        _d("ADJUSTMENT_REF_MISSING", E, "协议要求清单排除证明编号（adjustment_ref），但未提供", "the agreement requires an inventory-exclusion reference (adjustment_ref) and none was given"),
        _d("ORIGIN_ISSUED_WITHOUT_SERIAL", E, "标记为已签发但缺少 PHCER 序列号", "marked issued at the origin but no origin serial was given"),
        _d("ORIGIN_SERIAL_MALFORMED", E, "原注册登记序列号 {serial} 格式错误", "origin serial {serial} is malformed"),
        _d("ORIGIN_SERIAL_QUANTITY_MISMATCH", R, "序列号区间 {units} 个单位与申报减排量 {reported} 不符", "origin block of {units} units does not match the reported {reported}"),
        _d("ORIGIN_SERIAL_YEAR_MISMATCH", R, "原注册登记序列号 {serial} 的年度 {serial_year} 不是申报的年度 {vintage}（监测期所跨的日历年度）之一，可能是为另一年度的减排量签发的", "origin serial {serial} is of year {serial_year}, not one of the claim's vintages {vintage} (the calendar years its monitoring period spans): it may have been issued for another year's reduction", "claim"),
        _d("ORIGIN_SERIAL_PROJECT_MISMATCH", E, "序列号 {serial} 所属项目与记录项目 {project_id} 不一致", "origin serial {serial} belongs to another project than {project_id}"),
        _d("ORIGIN_SERIAL_UNEXPECTED", E, "未签发记录不应带有序列号 {serial}", "a record not issued at the origin carries serial {serial}"),
        _d("ORIGIN_CANCELLED_ELSEWHERE", E, "原注册登记簿已注销该减排量（重复使用）", "the origin already cancelled this reduction for another use (double use)"),
        _d("AWAITING_SOURCE_CANCELLATION", I, "原注册登记簿已签发，须先注销再由深圳签发", "issued at the origin: it must be cancelled at source before Shenzhen issues"),
        # Double issuance (enforced in the recording transaction)
        _d("DUPLICATE_RECORD_CHANGED", E, "记录 {record_id} 已以不同内容提交，原记录保持不变", "record {record_id} was already submitted with other content; the original stands"),
        _d("DUPLICATE_CONTENT", E, "相同内容已以记录 {other_record_id} 提交", "the same content was already submitted as record {other_record_id}"),
        _d("PROJECT_PERIOD_OVERLAP", E, "项目 {key} 的监测期与记录 {other_record_id} 重叠", "monitoring period of {key} overlaps record {other_record_id}"),
        _d("PERSON_PERIOD_OVERLAP", E, "同一人同一方法学的时段与记录 {other_record_id}（{other_partner}）重叠", "the same person and methodology overlap record {other_record_id} of {other_partner}"),
        _d("PERSON_TRIP_OVERLAP", E, "同一人同一时间只能在一处：该行程与 {other_partner} 的行程 {other_record_id} 时间重叠（任何出行方式）", "one person, one place at a time: this trip overlaps trip {other_record_id} of {other_partner} (any mode)"),
        _d("PERSON_DAILY_MOBILITY_IMPLAUSIBLE", R, "同一人 {day} 各方式、各合作方出行合计 {total} 人公里（此前已计 {counted}），超过合理上限 {limit}", "the person's travel on {day} across all modes and partners would total {total} passenger-km ({counted} counted before), above the plausible {limit}"),
        _d("ORIGIN_SERIAL_OVERLAP", E, "原注册登记序列号与记录 {other_record_id} 重叠", "origin serial block overlaps record {other_record_id}"),
        _d("SITE_PROGRAMME_CONFLICT", E, "站点 {site_id} 已登记于方法学 {other_methodology}", "site {site_id} is already bound to methodology {other_methodology}"),
        # Registers outside the hub (hub.domain.register_claims): GEC, HK RECs, CCER, Shenzhen's platform
        _d("CLAIM_CREDITED_IN_EXTERNAL_REGISTER", E, "这些单位已由 {register} 计入（条目 {entry_id}：{entry_name}；期间 {entry_period}，序列号 {entry_serials}；名单第 {version} 版，{imported_at} 导入），再次签发即重复签发", "these units are already credited by {register} (entry {entry_id}: {entry_name}; period {entry_period}, serials {entry_serials}; list version {version}, imported {imported_at}): issuing them again is double issuance"),
        _d("CLAIM_ASSET_IN_EXTERNAL_REGISTER", R, "该资产列于 {register} 名单（条目 {entry_id}：{entry_name}；期间 {entry_period}，序列号 {entry_serials}；名单第 {version} 版，{imported_at} 导入），这些单位可能已在该处计入，待主管部门向该登记处核实", "the claim's asset is on the list of {register} (entry {entry_id}: {entry_name}; period {entry_period}, serials {entry_serials}; list version {version}, imported {imported_at}) and these units may be credited there: held for the bureau to ask the register"),
        # Projects suspended by the bureau
        _d("PROJECT_SUSPENDED_BY_BUREAU", R, "主管部门已暂停项目 {project_id}：{reason}", "the bureau suspended project {project_id}: {reason}"),
        _d("CLAIM_ORIGIN_REISSUED", R, "原注册登记簿已将记录 {record_id} 签发为 {origin_serial}（该记录按未签发计入深圳）：主管部门处理该差异前暂不签发", "the origin has issued record {record_id} as {origin_serial}, which the hub took as not issued there: not issued until the bureau resolves the discrepancy"),
        # The bureau's review of projects and of held claims
        _d("PROJECT_NOT_APPROVED", R, "项目 {project_id} 尚未通过主管部门审核（当前 {state}）", "project {project_id} is not approved by the bureau yet (state {state})"),
        _d("PROJECT_REJECTED", E, "主管部门未通过项目 {project_id} 的审核", "the bureau rejected project {project_id} in its review"),
        _d("CLAIM_APPROVED_BY_REVIEWER", I, "主管部门审核人员 {officer} 批准：{comment}", "approved by bureau reviewer {officer}: {comment}"),
        _d("CLAIM_REJECTED_BY_REVIEWER", E, "主管部门审核人员 {officer} 驳回：{comment}", "rejected by bureau reviewer {officer}: {comment}"),
        # Lock at source: the origin registry cancels, then Shenzhen issues
        _d("SOURCE_CANCELLATION_NOT_AWAITING", E, "申报 {claim_id} 不在等待原注册登记簿注销状态（当前 {state}）", "claim {claim_id} is not awaiting cancellation at source (state {state})", A),
        _d("SOURCE_CANCELLATION_BLOCK_MISMATCH", E, "证明注销的区间 {attested} 不是该申报的完整原始区间 {expected}", "the attested block {attested} is not the claim's whole origin block {expected}", A),
        _d("SOURCE_CANCELLATION_NOTE_MISSING_CLAIM", E, "注销备注未写明枢纽申报编号 {claim_id}", "the cancellation note does not name hub claim {claim_id}", A),
        _d("SOURCE_CANCELLATION_ID_REUSED", E, "注销编号 {cancellation_id} 已用于申报 {other_claim_id} 的证明", "cancellation {cancellation_id} was already attested for claim {other_claim_id}", A),
        _d("SOURCE_CANCELLATION_RANGE_MALFORMED", E, "证明注销的单位区间 {attested} 不是有效的单位编号区间（须同时给出首尾编号，1 ≤ 首 ≤ 尾 < 10^12）", "the cancelled units {attested} are not a range of unit numbers (give both ends, 1 <= first <= last < 10^12)", A),
        _d("SOURCE_CANCELLATION_RANGE_OUTSIDE_BLOCK", E, "证明注销的单位 {attested} 不在该申报的原始区间 {block} 之内", "the cancelled units {attested} are not within the claim's origin block {block}", A),
        _d("SOURCE_CANCELLATION_RANGE_EXCEEDS_CREDITED", E, "证明注销 {units} 个原始单位，多于深圳为该申报核定的 {credited} tCO2e 所需的 {expected} 个", "{units} origin units cancelled, more than the {expected} the {credited} tCO2e Shenzhen credits for the claim call for", A),
        _d("SOURCE_CANCELLATION_RANGE_SHORT_OF_CREDITED", E, "证明注销 {units} 个原始单位，少于深圳为该申报核定的 {credited} tCO2e 所需的 {expected} 个", "{units} origin units cancelled, fewer than the {expected} the {credited} tCO2e Shenzhen credits for the claim call for", A),
        _d("SOURCE_CANCELLATION_SERIAL_MALFORMED", E, "证明中的原注册登记序列号 {serial} 格式错误", "the attested origin serial {serial} is malformed", A),
        _d("SOURCE_CANCELLATION_OVERDUE", E, "{days} 天内未收到原注册登记簿的注销证明，该申报作废", "no cancellation at source was attested within {days} days; the claim is void", CA),
        # Inventory exclusions (double claiming; the wire calls them accounting adjustments)
        _d("ADJUSTMENT_STATUS_BACKWARDS", E, "清单排除 {reference} 当前为 {current}，不能变为 {status}", "inventory exclusion {reference} is {current}; it cannot become {status}", A),
        _d("ADJUSTMENT_STATUS_INVALID", E, "证明只能将清单排除状态设为 COMMITTED、COMPLETED 或 REVOKED，不能设为 {status}", "an attestation can only set an inventory exclusion COMMITTED, COMPLETED or REVOKED, not {status}", A),
        _d("INVENTORY_EXCLUSION_REVOKED", E, "清单排除 {reference} 已撤回，不能再变为 {status}", "inventory exclusion {reference} was revoked; it cannot become {status}", A),
        _d("INVENTORY_EXCLUSION_TERMS_INCOMPLETE", E, "清单排除 {reference} 的证明须同时写明数量和年度（缺少 {field}）", "an attestation of inventory exclusion {reference} states both quantity and vintage ({field} is missing)", A),
        _d("INVENTORY_EXCLUSION_QUANTITY_SHORT", E, "清单排除 {reference} 证明的数量 {quantity} tCO2e 少于其下已签发的 {issued} 个单位", "inventory exclusion {reference} covers {quantity} tCO2e, less than the {issued} units issued under it", A),
        _d("INVENTORY_EXCLUSION_VINTAGE_MISMATCH", E, "清单排除 {reference} 证明年度 {vintage}，但其下签发的区块属于年度 {issued}", "inventory exclusion {reference} covers vintage {vintage}, but blocks of vintage {issued} were issued under it", A),
        _d("CLAIM_INVENTORY_EXCLUSION_REVOKED", E, "清单排除 {reference} 已撤回：其下的申报不予签发", "inventory exclusion {reference} was revoked: no claim under it is issued", CA),
        # Offset eligibility of ETS_OFFSET retirements (standards/offsets.yaml)
        _d("OFFSET_FIELDS_MISSING", E, "履约抵销注销须填写有效的 {fields}", "an ETS offset retirement needs valid {fields}", RT),
        _d("OFFSET_ORIGIN_NOT_ELIGIBLE", E, "来源 {origin} 的减排量不可用于履约抵销（可用：{eligible}）", "units from {origin} cannot offset ETS obligations (eligible: {eligible})", RT),
        _d("OFFSET_VINTAGE_OUTSIDE_WINDOW", E, "年度 {vintage} 早于 {compliance_year} 履约年度可用的最早年度 {earliest}（{years} 年）", "vintage {vintage} is older than {earliest}, the earliest of the {years}-year window of compliance year {compliance_year}", RT),
        _d("OFFSET_CAP_EXCEEDED", E, "{entity} {compliance_year} 年抵销将达 {total} 个单位，超过上限 {cap}（核查排放量 {emissions} tCO2e 的 {share}）", "{entity} would offset {total} units for {compliance_year}, above its cap of {cap} ({share} of verified emissions of {emissions} tCO2e)", RT),
        _d("OFFSET_ORIGIN_SHARE_EXCEEDED", E, "{entity} {compliance_year} 年来自 {origin} 的抵销将达 {origin_total} 个单位，超过 {origin_cap}（上限 {cap} 的 {origin_share}）", "{entity} would offset {origin_total} units from {origin} for {compliance_year}, above {origin_cap} ({origin_share} of its cap of {cap})", RT),
    )
}
# fmt: on
