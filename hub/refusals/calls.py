"""Refusals any gRPC call can meet: the caller's certificate, the access
policy, rate and stream limits, and the hub's own state (storage, shutdown,
an unexpected fault)."""

from __future__ import annotations

from hub.errors import ErrorKind
from hub.refusals.reason import Reason, Section

_ANY = "every gRPC call"
_STREAMS = "streaming gRPC calls"

SECTION = Section(
    title="Every call",
    intro="Identity (mutual TLS), the access policy, limits and the hub's own state: "
    "any gRPC call can meet these; storage faults and INTERNAL_FAULT also reach HTTP.",
    reasons=(
        Reason(
            "CERTIFICATE_REQUIRED",
            ErrorKind.UNAUTHENTICATED,
            _ANY,
            "The call carries no client certificate issued by the hub's CA.",
            "调用未携带由枢纽 CA 签发的客户端证书。",
            "調用未附帶由樞紐 CA 簽發的客戶端證書。",
        ),
        Reason(
            "CERTIFICATE_INVALID",
            ErrorKind.UNAUTHENTICATED,
            _ANY,
            "The client certificate presented cannot be parsed.",
            "所出示的客户端证书无法解析。",
            "所出示的客戶端證書無法解析。",
        ),
        Reason(
            "CERTIFICATE_UNTRUSTED",
            ErrorKind.UNAUTHENTICATED,
            _ANY,
            "The client certificate was not issued by the hub's CA.",
            "客户端证书并非由枢纽 CA 签发。",
            "客戶端證書並非由樞紐 CA 簽發。",
        ),
        Reason(
            "CERTIFICATE_SUBJECT_MISSING",
            ErrorKind.UNAUTHENTICATED,
            _ANY,
            "The client certificate names no subject (CN).",
            "客户端证书未载明主体名称（CN）。",
            "客戶端證書未載明主體名稱（CN）。",
        ),
        Reason(
            "CERTIFICATE_ROLE_UNKNOWN",
            ErrorKind.UNAUTHENTICATED,
            _ANY,
            "The client certificate carries no single known urn:carbonhub: role.",
            "客户端证书未载明唯一且可识别的 urn:carbonhub: 角色。",
            "客戶端證書未載明唯一且可識別的 urn:carbonhub: 角色。",
        ),
        Reason(
            "CERTIFICATE_ROLE_NOT_A_CLIENT",
            ErrorKind.UNAUTHENTICATED,
            _ANY,
            "The hub's own server certificate was presented: it identifies no caller.",
            "出示的是枢纽自身的服务器证书，不能用于识别调用方。",
            "出示的是樞紐自身的伺服器證書，不能用於識別調用方。",
        ),
        Reason(
            "CERTIFICATE_REVOKED",
            ErrorKind.UNAUTHENTICATED,
            _ANY,
            "The client certificate is revoked; open streams are ended within a second.",
            "客户端证书已被吊销；已打开的流将在一秒内终止。",
            "客戶端證書已被撤銷；已開啟的串流將在一秒內終止。",
        ),
        Reason(
            "CERTIFICATE_EXPIRED",
            ErrorKind.UNAUTHENTICATED,
            _ANY,
            "The client certificate has expired.",
            "客户端证书已过期。",
            "客戶端證書已過期。",
        ),
        Reason(
            "CERTIFICATE_NOT_YET_VALID",
            ErrorKind.UNAUTHENTICATED,
            _ANY,
            "The client certificate is not valid yet (its validity starts later).",
            "客户端证书尚未生效（有效期尚未开始）。",
            "客戶端證書尚未生效（有效期尚未開始）。",
        ),
        Reason(
            "NO_CALLER",
            ErrorKind.UNAUTHENTICATED,
            _ANY,
            "The call reached a service without passing the hub's guard; "
            "no caller is known. A fault of the hub's wiring, never of the client.",
            "调用未经枢纽的守卫即到达服务，调用方不明；属枢纽配置问题，与客户端无关。",
            "調用未經樞紐的守衛即到達服務，調用方不明；屬樞紐配置問題，與客戶端無關。",
        ),
        Reason(
            "METHOD_NOT_IN_POLICY",
            ErrorKind.PERMISSION_DENIED,
            _ANY,
            "The method is not in the hub's access policy, so no role may call it.",
            "该方法不在枢纽的访问策略中，任何角色均不可调用。",
            "該方法不在樞紐的存取策略中，任何角色均不可調用。",
        ),
        Reason(
            "ROLE_NOT_ALLOWED",
            ErrorKind.PERMISSION_DENIED,
            _ANY,
            "The caller's role (partner, exchange, bureau) may not call this method.",
            "调用方的角色（合作方、交易所、主管部门）无权调用此方法。",
            "調用方的角色（合作方、交易所、主管部門）無權調用此方法。",
        ),
        Reason(
            "MESSAGE_UNDECODABLE",
            ErrorKind.INVALID_ARGUMENT,
            _ANY,
            "The request bytes are not a valid protobuf message of the method's type.",
            "请求字节不是该方法所需类型的有效 protobuf 消息。",
            "請求位元組不是該方法所需類型的有效 protobuf 訊息。",
        ),
        Reason(
            "RATE_LIMITED",
            ErrorKind.RESOURCE_EXHAUSTED,
            _ANY,
            "The caller is over its request rate; retry after the RetryInfo delay "
            "(Retry-After over HTTP). Other callers are still served.",
            "调用方超出请求速率上限；请按 RetryInfo（HTTP 为 Retry-After）所示时间后重试，"
            "其他调用方不受影响。",
            "調用方超出請求速率上限；請按 RetryInfo（HTTP 為 Retry-After）所示時間後重試，"
            "其他調用方不受影響。",
        ),
        Reason(
            "RATE_LIMITED_CLAIMS",
            ErrorKind.RESOURCE_EXHAUSTED,
            "PartnerService.SubmitClaims",
            "The partner is over its claims-per-second rate; retry after the RetryInfo delay.",
            "合作方超出每秒申报条数上限；请按 RetryInfo 所示时间后重试。",
            "合作方超出每秒申報條數上限；請按 RetryInfo 所示時間後重試。",
        ),
        Reason(
            "TOO_MANY_STREAMS",
            ErrorKind.RESOURCE_EXHAUSTED,
            _STREAMS,
            "The caller already holds its maximum of open streams; end one first.",
            "调用方已打开的流达到上限；请先结束其中一个。",
            "調用方已開啟的串流達到上限；請先結束其中一個。",
        ),
        Reason(
            "STREAM_IDLE_TIMEOUT",
            ErrorKind.DEADLINE_EXCEEDED,
            _STREAMS,
            "No message arrived on the stream for longer than the idle limit; open a new stream.",
            "流上超过空闲时限未收到任何消息；请重新打开一个流。",
            "串流上超過閒置時限未收到任何訊息；請重新開啟一個串流。",
        ),
        Reason(
            "STREAM_LIFETIME_EXCEEDED",
            ErrorKind.DEADLINE_EXCEEDED,
            _STREAMS,
            "The stream reached its maximum lifetime; open a new one (nothing is lost).",
            "流已达到最长存续时间；请重新打开一个流（不会丢失数据）。",
            "串流已達到最長存續時間；請重新開啟一個串流（不會遺失數據）。",
        ),
        Reason(
            "SERVER_STOPPING",
            ErrorKind.UNAVAILABLE,
            "ExchangeService.StreamBlocks",
            "The hub is shutting down; resume from the last cursor received.",
            "枢纽正在关闭；请从最后收到的游标处继续。",
            "樞紐正在關閉；請從最後收到的游標處繼續。",
        ),
        Reason(
            "DATABASE_UNAVAILABLE",
            ErrorKind.UNAVAILABLE,
            "every call, gRPC and HTTP",
            "The hub's database cannot be reached; nothing was recorded, retry later.",
            "无法连接枢纽数据库；未记录任何内容，请稍后重试。",
            "無法連接樞紐數據庫；未記錄任何內容，請稍後重試。",
        ),
        Reason(
            "WRITE_CONTENDED",
            ErrorKind.UNAVAILABLE,
            "every write, gRPC and HTTP",
            "The write stayed in conflict with concurrent writes after several attempts; "
            "nothing was recorded, retry.",
            "多次尝试后写入仍与并发写入冲突；未记录任何内容，请重试。",
            "多次嘗試後寫入仍與並行寫入衝突；未記錄任何內容，請重試。",
        ),
        Reason(
            "INTERNAL_FAULT",
            ErrorKind.INTERNAL,
            "every call, gRPC and HTTP",
            "The hub failed unexpectedly, through no fault of the request; quote the "
            "incident id in details to the hub's operator, who finds the trace under it.",
            "枢纽发生意外故障，并非请求所致；请将 details 中的事件编号告知枢纽运维人员，"
            "运维人员可据此查到完整记录。",
            "樞紐發生意外故障，並非請求所致；請將 details 中的事件編號告知樞紐營運人員，"
            "營運人員可據此查到完整記錄。",
        ),
    ),
)
