"""Refusals of requests about the ledger: claims, projects, attestations,
blocks, retirements and reconciliations, whichever transport carries them."""

from __future__ import annotations

from hub.errors import ErrorKind
from hub.refusals.reason import Reason, Section

_BLOCKS = "ExchangeService, BureauService.CancelBlock"
_RETIRE = "ExchangeService.ReportRetirement"
_RECON = "SubmitReconciliation (partner and exchange)"
_BUREAU = "BureauService, `carbon-hub bureau`, console"
_POINTS = "PartnerService.RedeemPoints, GetPointsBalance"

SECTION = Section(
    title="Ledger requests",
    intro="What a request asks of the ledger: malformed fields, unknown subjects, and "
    "states that forbid the change. A claim that is well formed but fails a rule is not "
    "refused: it gets a verdict with check codes ([checks.md](checks.md)).",
    reasons=(
        Reason(
            "FIELD_REQUIRED",
            ErrorKind.INVALID_ARGUMENT,
            "gRPC requests",
            "A required field is empty; details.field names it.",
            "必填字段为空；details.field 指明该字段。",
            "必填欄位為空；details.field 指明該欄位。",
        ),
        Reason(
            "FIELD_TOO_LONG",
            ErrorKind.INVALID_ARGUMENT,
            "gRPC requests",
            "A field is longer than its limit (docs/limits.md); details.field names it "
            "by its path in the request. A claim or project over a limit is not refused: "
            "it gets a REJECTED verdict of its own (docs/checks.md).",
            "字段超出长度上限（见 docs/limits.md）；details.field 以其在请求中的路径指明该字段。"
            "申报记录或项目超限时不拒绝整个请求，而是单独给出驳回结论（见 docs/checks.md）。",
            "欄位超出長度上限（見 docs/limits.md）；details.field 以其在請求中的路徑指明該欄位。"
            "申報記錄或項目超限時不拒絕整個請求，而是單獨給出駁回結論（見 docs/checks.md）。",
        ),
        Reason(
            "FIELD_CONTROL_CHARACTER",
            ErrorKind.INVALID_ARGUMENT,
            "gRPC requests",
            "A text field holds a control character it may not hold; details.field names it.",
            "文本字段含有不允许的控制字符；details.field 指明该字段。",
            "文字欄位含有不允許的控制字元；details.field 指明該欄位。",
        ),
        Reason(
            "FIELD_OUT_OF_RANGE",
            ErrorKind.INVALID_ARGUMENT,
            "gRPC requests",
            "A number is outside its field's range (e.g. a sequence above 2^62 - 1); "
            "details.field names it.",
            "数值超出字段允许范围（例如序号大于 2^62 - 1）；details.field 指明该字段。",
            "數值超出欄位允許範圍（例如序號大於 2^62 - 1）；details.field 指明該欄位。",
        ),
        Reason(
            "FIELD_NOT_ALLOWED",
            ErrorKind.INVALID_ARGUMENT,
            "ExchangeService reconciliation",
            "A field that must stay empty was set (the exchange reconciles as itself: "
            "leave partner empty).",
            "填写了必须留空的字段（交易所以自身身份对账，partner 须留空）。",
            "填寫了必須留空的欄位（交易所以自身身份對賬，partner 須留空）。",
        ),
        Reason(
            "CLAIM_NOT_FOUND",
            ErrorKind.NOT_FOUND,
            "GetClaimStatus, attestations, console review",
            "The hub holds no claim with this id for this partner.",
            "枢纽中没有该合作方此编号的申报记录。",
            "樞紐中沒有該合作方此編號的申報記錄。",
        ),
        Reason(
            "PROJECT_NOT_FOUND",
            ErrorKind.NOT_FOUND,
            _BUREAU,
            "The hub holds no project with this id for this partner.",
            "枢纽中没有该合作方此编号的项目。",
            "樞紐中沒有該合作方此編號的項目。",
        ),
        Reason(
            "PROJECT_ALREADY_SUSPENDED",
            ErrorKind.FAILED_PRECONDITION,
            _BUREAU,
            "The project is already suspended.",
            "该项目已处于暂停状态。",
            "該項目已處於暫停狀態。",
        ),
        Reason(
            "PROJECT_NOT_SUSPENDED",
            ErrorKind.FAILED_PRECONDITION,
            _BUREAU,
            "The project is not suspended, so it cannot be resumed.",
            "该项目未被暂停，无法恢复。",
            "該項目未被暫停，無法恢復。",
        ),
        Reason(
            "ATTESTATION_MALFORMED",
            ErrorKind.INVALID_ARGUMENT,
            "AttestSourceCancellation, AttestAccountingAdjustment",
            "The attestation has a missing or unknown status, a time that is not "
            "RFC 3339 with an offset, or a quantity that is not a decimal number of tCO2e.",
            "证明的状态缺失或无法识别，时间不是带时区偏移的 RFC 3339 格式，"
            "或数量不是以 tCO2e 计的十进制数。",
            "證明的狀態缺失或無法識別，時間不是帶時區偏移的 RFC 3339 格式，"
            "或數量不是以 tCO2e 計的十進制數。",
        ),
        Reason(
            "CURSOR_OUT_OF_RANGE",
            ErrorKind.INVALID_ARGUMENT,
            "ExchangeService.StreamBlocks",
            "The cursor lies outside the range the hub hands out; resume from a cursor received.",
            "游标超出枢纽发放的范围；请从已收到的游标处继续。",
            "游標超出樞紐發放的範圍；請從已收到的游標處繼續。",
        ),
        Reason(
            "BLOCK_NOT_FOUND",
            ErrorKind.NOT_FOUND,
            _BLOCKS,
            "The hub holds no serial block with this id.",
            "枢纽中没有此编号的序列号区块。",
            "樞紐中沒有此編號的序號區塊。",
        ),
        Reason(
            "BLOCK_NOT_QUALIFIED",
            ErrorKind.FAILED_PRECONDITION,
            "ExchangeService.AcknowledgeBlocks",
            "The block was never offered to the exchange, so it cannot be acknowledged; "
            "the whole acknowledgement is refused.",
            "该区块从未提供给交易所，不能确认接收；整批确认被拒绝。",
            "該區塊從未提供給交易所，不能確認接收；整批確認被拒絕。",
        ),
        Reason(
            "BLOCK_NOT_DELIVERED",
            ErrorKind.FAILED_PRECONDITION,
            _RETIRE,
            "The exchange has not acknowledged the block, so it cannot retire it.",
            "交易所尚未确认接收该区块，不能注销。",
            "交易所尚未確認接收該區塊，不能註銷。",
        ),
        Reason(
            "BLOCK_FROZEN",
            ErrorKind.FAILED_PRECONDITION,
            _RETIRE,
            "The block is under an open reconciliation discrepancy; it cannot be retired "
            "until the bureau resolves it.",
            "该区块存在未解决的对账差异，在主管部门处理前不能注销。",
            "該區塊存在未解決的對賬差異，在主管部門處理前不能註銷。",
        ),
        Reason(
            "BLOCK_EXCLUSION_REVOKED",
            ErrorKind.FAILED_PRECONDITION,
            _RETIRE,
            "The origin revoked the inventory exclusion the block was issued under (Hong Kong "
            "or Macao would count the reduction itself): the block is frozen and can never be "
            "retired.",
            "来源方已撤回该区块所依据的温室气体清单排除（来源方将自行计入该减排量）："
            "区块已冻结，不能注销。",
            "來源方已撤回該區塊所依據的溫室氣體清單排除（來源方將自行計入該減排量）："
            "區塊已凍結，不能註銷。",
        ),
        Reason(
            "BLOCK_EXCLUSION_OVERDUE",
            ErrorKind.FAILED_PRECONDITION,
            _RETIRE,
            "The origin committed the inventory exclusion the block was issued under but did "
            "not report it completed within the days of its agreement: the block is frozen "
            "until it does.",
            "来源方承诺了该区块所依据的温室气体清单排除，但未在协议规定的天数内报告完成："
            "完成前区块冻结，不能注销。",
            "來源方承諾了該區塊所依據的溫室氣體清單排除，但未在協議規定的天數內報告完成："
            "完成前區塊凍結，不能註銷。",
        ),
        Reason(
            "BLOCK_EXCLUSION_SHORT",
            ErrorKind.FAILED_PRECONDITION,
            _RETIRE,
            "More units were issued under the block's inventory exclusion than the quantity "
            "(or another vintage than the one) the origin last attested: the block cannot be "
            "retired until the origin attests terms that cover them.",
            "该区块所依据的温室气体清单排除下签发的单位多于来源方最近证明的数量（或年度不符）："
            "来源方证明足额前不能注销。",
            "該區塊所依據的溫室氣體清單排除下簽發的單位多於來源方最近證明的數量（或年度不符）："
            "來源方證明足額前不能註銷。",
        ),
        Reason(
            "BLOCK_TERMINAL",
            ErrorKind.FAILED_PRECONDITION,
            _BLOCKS,
            "The block is retired or cancelled: it can never change again.",
            "该区块已注销或已作废，不能再作任何变更。",
            "該區塊已註銷或已作廢，不能再作任何變更。",
        ),
        Reason(
            "RETIREMENT_MALFORMED",
            ErrorKind.INVALID_ARGUMENT,
            _RETIRE,
            "The retirement's purpose is missing or unknown, or its verified emissions "
            "are not a valid number.",
            "注销用途缺失或无法识别，或核查排放量不是有效数字。",
            "註銷用途缺失或無法識別，或核查排放量不是有效數字。",
        ),
        Reason(
            "RETIREMENT_UNITS_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _RETIRE,
            "A retirement retires at least one unit.",
            "每次注销至少须注销一个单位。",
            "每次註銷至少須註銷一個單位。",
        ),
        Reason(
            "RETIREMENT_UNITS_EXCEED_BLOCK",
            ErrorKind.INVALID_ARGUMENT,
            _RETIRE,
            "The retirement asks for more units than the block holds.",
            "注销单位数超过该区块所含单位数。",
            "註銷單位數超過該區塊所含單位數。",
        ),
        Reason(
            "RETIREMENT_ID_REUSED",
            ErrorKind.FAILED_PRECONDITION,
            _RETIRE,
            "A retirement with this id was reported before with other content; the same "
            "content again is answered as a replay, not refused.",
            "此注销编号此前已以不同内容报送；以相同内容再次报送视为重放，不会被拒绝。",
            "此註銷編號此前已以不同內容報送；以相同內容再次報送視為重放，不會被拒絕。",
        ),
        Reason(
            "HOLDING_MALFORMED",
            ErrorKind.INVALID_ARGUMENT,
            _RECON,
            "A holding in the reconciliation lacks its subject id or state, or its "
            "quantity is not a valid number.",
            "对账中的某项持有记录缺少对象编号或状态，或数量不是有效数字。",
            "對賬中的某項持有記錄缺少對象編號或狀態，或數量不是有效數字。",
        ),
        Reason(
            "TOTAL_MALFORMED",
            ErrorKind.INVALID_ARGUMENT,
            _RECON,
            "A total in the reconciliation lacks its state, or its quantity is not a valid number.",
            "对账中的某项合计缺少状态，或数量不是有效数字。",
            "對賬中的某項合計缺少狀態，或數量不是有效數字。",
        ),
        Reason(
            "COUNTERPART_UNKNOWN",
            ErrorKind.INVALID_ARGUMENT,
            "reconciliation requests",
            "The counterpart is neither the exchange nor a partner with an agreement.",
            "对账对象既不是交易所，也不是已签署协议的合作方。",
            "對賬對象既不是交易所，也不是已簽署協議的合作方。",
        ),
        Reason(
            "COUNTERPART_NOT_A_PARTNER",
            ErrorKind.PERMISSION_DENIED,
            "PartnerService reconciliation",
            "The exchange reconciles through the ExchangeService, not the PartnerService.",
            "交易所须通过 ExchangeService 对账，而非 PartnerService。",
            "交易所須透過 ExchangeService 對賬，而非 PartnerService。",
        ),
        Reason(
            "RECONCILIATION_NOT_FOUND",
            ErrorKind.NOT_FOUND,
            _RECON,
            "The hub holds no reconciliation request with this id for this counterpart.",
            "枢纽中没有该对象此编号的对账请求。",
            "樞紐中沒有該對象此編號的對賬請求。",
        ),
        Reason(
            "RECONCILIATION_ALREADY_ANSWERED",
            ErrorKind.FAILED_PRECONDITION,
            _RECON,
            "The reconciliation request was answered already.",
            "该对账请求已答复。",
            "該對賬請求已答覆。",
        ),
        Reason(
            "DISCREPANCY_NOT_FOUND",
            ErrorKind.NOT_FOUND,
            _BUREAU,
            "The hub holds no reconciliation discrepancy with this id.",
            "枢纽中没有此编号的对账差异。",
            "樞紐中沒有此編號的對賬差異。",
        ),
        Reason(
            "RESOLUTION_REQUIRED",
            ErrorKind.INVALID_ARGUMENT,
            _BUREAU,
            "Resolving a discrepancy needs a statement of how it was resolved.",
            "处理对账差异须说明处理方式。",
            "處理對賬差異須說明處理方式。",
        ),
        Reason(
            "OFFICER_REQUIRED",
            ErrorKind.INVALID_ARGUMENT,
            _BUREAU,
            "A bureau action names the officer who takes it.",
            "主管部门的操作须注明经办人员。",
            "主管部門的操作須註明經辦人員。",
        ),
        Reason(
            "REASON_REQUIRED",
            ErrorKind.INVALID_ARGUMENT,
            _BUREAU,
            "A bureau action needs a reason.",
            "主管部门的操作须注明理由。",
            "主管部門的操作須註明理由。",
        ),
        Reason(
            "PERSON_NOT_REPORTED",
            ErrorKind.NOT_FOUND,
            _POINTS,
            "The calling partner never reported a person with this pseudonym (whether "
            "another partner did is not told).",
            "调用方合作方从未报送过使用该假名的个人（是否有其他合作方报送过，不予告知）。",
            "調用方合作方從未報送過使用該假名的個人（是否有其他合作方報送過，不予告知）。",
        ),
        Reason(
            "POINTS_INSUFFICIENT",
            ErrorKind.FAILED_PRECONDITION,
            _POINTS,
            "The person's points with the partner are fewer than the redemption asks; "
            "details.balance says how many there are. Nothing was redeemed.",
            "该个人在本合作方的碳积分少于兑换所需；details.balance 为现有积分。未作兑换。",
            "該個人在本合作方的碳積分少於兌換所需；details.balance 為現有積分。未作兌換。",
        ),
        Reason(
            "REDEMPTION_CONFLICT",
            ErrorKind.FAILED_PRECONDITION,
            _POINTS,
            "This redemption id was recorded already for another person or another number "
            "of points; the same redemption sent again is answered as the first time.",
            "该兑换编号已用于其他个人或其他积分数；同一兑换重复发送时按首次结果答复。",
            "該兌換編號已用於其他個人或其他積分數；同一兌換重複發送時按首次結果答覆。",
        ),
        Reason(
            "REDEMPTION_ID_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _POINTS,
            "A redemption id has 1 to 128 characters.",
            "兑换编号须为 1 至 128 个字符。",
            "兌換編號須為 1 至 128 個字元。",
        ),
        Reason(
            "POINTS_NOT_POSITIVE",
            ErrorKind.INVALID_ARGUMENT,
            _POINTS,
            "A redemption takes a positive whole number of points.",
            "兑换的积分须为正整数。",
            "兌換的積分須為正整數。",
        ),
        Reason(
            "REDEMPTION_MALFORMED",
            ErrorKind.INVALID_ARGUMENT,
            "PartnerService.RedeemPoints",
            "The redemption's redeemed_at is not RFC 3339 with an offset. Nothing was redeemed.",
            "兑换的 redeemed_at 不是带时区偏移的 RFC 3339 时间。未作兑换。",
            "兌換的 redeemed_at 不是帶時區偏移的 RFC 3339 時間。未作兌換。",
        ),
    ),
)
