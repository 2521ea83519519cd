"""Refusals of the HTTP side: the public disclosure API and pages, and the
bureau's review console (also reached through `carbon-hub bureau`)."""

from __future__ import annotations

from hub.errors import ErrorKind
from hub.refusals.reason import Reason, Section

_API = "HTTP /api/ and public pages"
_CONSOLE = "console"
_REVIEW = "console review, `carbon-hub bureau`"

SECTION = Section(
    title="HTTP: disclosure and the console",
    intro='The API answers `{"code", "message", "details"}`; pages show the same '
    "code. A status the router gives that is not listed here (other than 404 and 405) "
    "answers `HTTP_<status>`.",
    reasons=(
        Reason(
            "REQUEST_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            "HTTP",
            "A parameter or form field fails validation; details name each field at "
            "fault (at most ten).",
            "参数或表单字段未通过校验；details 逐一列出出错字段（最多十个）。",
            "參數或表單欄位未通過校驗；details 逐一列出出錯欄位（最多十個）。",
        ),
        Reason(
            "MIGRATIONS_NOT_CURRENT",
            ErrorKind.UNAVAILABLE,
            "HTTP /readyz",
            "The database schema is not at this hub version's newest migration (another "
            "version migrated it, or it was downgraded): the hub is not ready.",
            "数据库结构不在本版本枢纽的最新迁移（由其他版本迁移或已回退）：枢纽未就绪。",
            "數據庫結構不在本版本樞紐的最新遷移（由其他版本遷移或已回退）：樞紐未就緒。",
        ),
        Reason(
            "PKI_NOT_LOADED",
            ErrorKind.UNAVAILABLE,
            "HTTP /readyz",
            "A file of the hub PKI is missing (the hub signing key, or for mutual TLS the "
            "CA certificate, server certificate or key): the hub is not ready.",
            "枢纽 PKI 缺少文件（枢纽签名密钥，或双向 TLS 所需的 CA 证书、"
            "服务器证书或私钥）：枢纽未就绪。",
            "樞紐 PKI 缺少檔案（樞紐簽名密鑰，或雙向 TLS 所需的 CA 證書、"
            "伺服器證書或私鑰）：樞紐未就緒。",
        ),
        Reason(
            "NOT_FOUND",
            None,
            "HTTP",
            "No page or API route at this path.",
            "该路径下没有页面或 API 路由。",
            "該路徑下沒有頁面或 API 路由。",
            http_status=404,
        ),
        Reason(
            "METHOD_NOT_ALLOWED",
            None,
            "HTTP",
            "The path exists but does not take this HTTP method.",
            "该路径存在，但不接受此 HTTP 方法。",
            "該路徑存在，但不接受此 HTTP 方法。",
            http_status=405,
        ),
        Reason(
            "QUERY_PARAMETER_REPEATED",
            ErrorKind.INVALID_ARGUMENT,
            "HTTP /api/",
            "A query parameter is given more than once; give each once.",
            "查询参数重复出现；每个参数只能给出一次。",
            "查詢參數重複出現；每個參數只能給出一次。",
        ),
        Reason(
            "PARTNER_UNKNOWN",
            ErrorKind.INVALID_ARGUMENT,
            "HTTP /api/ and public pages",
            "The partner filter names no partner the hub has an agreement with (case does not "
            "matter: cn-gd is CN-GD); details list the partners.",
            "筛选的伙伴不是与枢纽签有协议的伙伴（不区分大小写：cn-gd 即 CN-GD）；"
            "details 列出所有伙伴。",
            "篩選的夥伴不是與樞紐簽有協議的夥伴（不區分大小寫：cn-gd 即 CN-GD）；"
            "details 列出所有夥伴。",
        ),
        Reason(
            "EXPORT_FORMAT_UNKNOWN",
            ErrorKind.INVALID_ARGUMENT,
            "HTTP /api/v1/exports, /api/v1/reports; `carbon-hub export`, `carbon-hub report`",
            "The format asked for is not one this export or report is written in (CAD Trust: "
            "json, xlsx; annual report: json, xlsx, html); details list the formats.",
            "所请求的格式不是此导出或报告的格式（CAD Trust：json、xlsx；年度报告："
            "json、xlsx、html）；details 列出可用格式。",
            "所請求的格式不是此匯出或報告的格式（CAD Trust：json、xlsx；年度報告："
            "json、xlsx、html）；details 列出可用格式。",
        ),
        Reason(
            "REPORT_YEAR_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            "HTTP /api/v1/reports/annual; `carbon-hub report annual`",
            "The year is before the first reportable year (2021) or after the current year; "
            "details give both bounds.",
            "年份早于首个可报告年份（2021）或晚于当前年份；details 给出上下限。",
            "年份早於首個可報告年份（2021）或晚於當前年份；details 給出上下限。",
        ),
        Reason(
            "SERIAL_NOT_FOUND",
            ErrorKind.NOT_FOUND,
            "HTTP /api/v1/blocks/{serial} and /blocks/{serial}",
            "No block has exactly this serial (a split block keeps its serial; its parts have "
            "their own); search a part of it (/search?serial=) to list the serials that hold it.",
            "没有区块的序列号与之完全相同（拆分后的区块保留原序列号，拆出的部分另有序列号）；"
            "可搜索其中一段（/search?serial=）列出包含它的序列号。",
            "沒有區塊的序號與之完全相同（拆分後的區塊保留原序號，拆出的部分另有序號）；"
            "可搜尋其中一段（/search?serial=）列出包含它的序號。",
        ),
        Reason(
            "CURSOR_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _API,
            "The cursor is not one this list handed out; start again without a cursor.",
            "游标并非此列表所发放；请不带游标重新开始。",
            "游標並非此列表所發放；請不帶游標重新開始。",
        ),
        Reason(
            "LIMIT_OUT_OF_RANGE",
            ErrorKind.INVALID_ARGUMENT,
            _API,
            "The page size (limit) is outside the allowed range.",
            "每页条数（limit）超出允许范围。",
            "每頁條數（limit）超出允許範圍。",
        ),
        Reason(
            "DATE_RANGE_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _API,
            "The start of the date range (since) is after its end (until).",
            "日期范围的起点（since）晚于终点（until）。",
            "日期範圍的起點（since）晚於終點（until）。",
        ),
        Reason(
            "CANCELLATION_NOT_CONFIRMED",
            ErrorKind.INVALID_ARGUMENT,
            _CONSOLE,
            "A block cancellation was posted without its confirmation: cancelling is final, "
            "so the console asks for it on the confirmation page first.",
            "撤销批次的请求未经确认：撤销不可恢复，须先在确认页面勾选确认。",
            "撤銷批次的請求未經確認：撤銷不可恢復，須先在確認頁面勾選確認。",
        ),
        Reason(
            "CSRF_TOKEN_INVALID",
            ErrorKind.PERMISSION_DENIED,
            _CONSOLE,
            "The form's CSRF token does not match the session; reload the page and retry.",
            "表单的 CSRF 令牌与会话不符；请刷新页面后重试。",
            "表單的 CSRF 權杖與工作階段不符；請重新載入頁面後重試。",
        ),
        Reason(
            "LOGIN_FAILED",
            ErrorKind.UNAUTHENTICATED,
            _CONSOLE,
            "Unknown username or wrong password.",
            "用户名或密码错误。",
            "用戶名稱或密碼錯誤。",
        ),
        Reason(
            "LOGIN_THROTTLED",
            ErrorKind.RESOURCE_EXHAUSTED,
            _CONSOLE,
            "Too many failed logins for this username; try again later.",
            "该用户名登录失败次数过多；请稍后再试。",
            "該用戶名稱登入失敗次數過多；請稍後再試。",
        ),
        Reason(
            "CLAIM_NOT_HELD",
            ErrorKind.FAILED_PRECONDITION,
            _REVIEW,
            "The claim is not held for review, so it cannot be approved or rejected.",
            "该申报记录不处于待审核状态，不能批准或驳回。",
            "該申報記錄不處於待審核狀態，不能批准或駁回。",
        ),
        Reason(
            "CLAIM_HELD_BY_PROJECT",
            ErrorKind.FAILED_PRECONDITION,
            _REVIEW,
            "The claim waits for its project's review; decide the project first.",
            "该申报记录须待其所属项目审核；请先处理项目。",
            "該申報記錄須待其所屬項目審核；請先處理項目。",
        ),
        Reason(
            "CLAIM_HELD_BY_RECONCILIATION",
            ErrorKind.FAILED_PRECONDITION,
            _REVIEW,
            "The origin issued the claim's record after the hub took it as not issued;"
            " resolve the reconciliation discrepancy instead (rejecting it stays possible).",
            "原注册登记簿已签发该申报记录（枢纽曾按未签发计入）；请处理对账差异（仍可驳回）。",
            "原註冊登記簿已簽發該申報記錄（樞紐曾按未簽發計入）；請處理對賬差異（仍可駁回）。",
        ),
        Reason(
            "REVIEW_COMMENT_REQUIRED",
            ErrorKind.INVALID_ARGUMENT,
            _REVIEW,
            "Approving or rejecting needs a comment.",
            "批准或驳回须填写意见。",
            "批准或駁回須填寫意見。",
        ),
        Reason(
            "PROJECT_TRANSITION_NOT_ALLOWED",
            ErrorKind.FAILED_PRECONDITION,
            _REVIEW + ", BureauService",
            "The project's review state does not allow this action (e.g. it was decided already).",
            "项目当前的审核状态不允许此操作（例如已作出决定）。",
            "項目目前的審核狀態不允許此操作（例如已作出決定）。",
        ),
    ),
)
