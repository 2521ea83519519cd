"""Refusals of the transparency log's proofs (docs/transparency-log.md): the
public HTTP answers under /api/v1/audit/, the PartnerService's
GetInclusionProof and GetConsistencyProof, and ``carbon-hub audit prove``."""

from __future__ import annotations

from hub.errors import ErrorKind
from hub.refusals.reason import Reason, Section

_PROOFS = (
    "HTTP /api/v1/audit/tree-heads, /api/v1/audit/proofs/; gRPC GetInclusionProof, "
    "GetConsistencyProof; `carbon-hub audit prove`"
)

SECTION = Section(
    title="Transparency log",
    intro="Asking for a signed tree head, an inclusion proof of an audit event (by its seq "
    "or by a claim's id; over gRPC, a partner of its own claims only, by claim or record id: "
    "another partner's claim is refused as an unknown one) or a consistency proof between "
    "two tree heads "
    "([transparency-log.md](transparency-log.md)).",
    reasons=(
        Reason(
            "TRANSPARENCY_NO_TREE_HEAD",
            ErrorKind.NOT_FOUND,
            _PROOFS,
            "The hub has not signed a tree head of its transparency log yet.",
            "枢纽尚未签署透明日志的树头。",
            "樞紐尚未簽署透明日誌的樹頭。",
        ),
        Reason(
            "TRANSPARENCY_EVENT_UNKNOWN",
            ErrorKind.NOT_FOUND,
            _PROOFS,
            "No audit event has that seq, or no audit event names that claim.",
            "没有该序号的审计事件，或没有审计事件涉及该申报。",
            "沒有該序號的稽核事件，或沒有稽核事件涉及該申報。",
        ),
        Reason(
            "TRANSPARENCY_EVENT_NOT_YET_IN_TREE",
            ErrorKind.NOT_FOUND,
            _PROOFS,
            "The event is recorded but not in the tree head asked for yet; ask again after "
            "the next tree head (every checkpoint interval).",
            "该事件已记录，但尚未纳入所请求的树头；请在下一个树头签署后再试（每个检查点周期）。",
            "該事件已記錄，但尚未納入所請求的樹頭；請在下一個樹頭簽署後再試（每個檢查點週期）。",
        ),
        Reason(
            "TRANSPARENCY_TREE_SIZE_BEYOND_HEAD",
            ErrorKind.NOT_FOUND,
            _PROOFS,
            "The tree size asked for is larger than the latest signed tree head's.",
            "所请求的树大小超过最新签署树头的大小。",
            "所請求的樹大小超過最新簽署樹頭的大小。",
        ),
        Reason(
            "TRANSPARENCY_TREE_HEAD_UNKNOWN",
            ErrorKind.NOT_FOUND,
            _PROOFS,
            "No tree head of that size was signed; ask for the latest and a consistency "
            "proof from a size that was.",
            "未签署该大小的树头；请获取最新树头及自已签署大小起的一致性证明。",
            "未簽署該大小的樹頭；請取得最新樹頭及自已簽署大小起的一致性證明。",
        ),
        Reason(
            "TRANSPARENCY_RANGE_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _PROOFS,
            "Sizes and seqs are whole numbers from 1, with first <= second; name one event "
            "(event or claim; over gRPC claim_id or record_id), not both.",
            "大小与序号须为从 1 起的整数，且 first <= second；只能指定一个事件"
            "（event 或 claim；gRPC 中为 claim_id 或 record_id）。",
            "大小與序號須為從 1 起的整數，且 first <= second；只能指定一個事件"
            "（event 或 claim；gRPC 中為 claim_id 或 record_id）。",
        ),
        Reason(
            "TRANSPARENCY_TREE_INCOMPLETE",
            ErrorKind.FAILED_PRECONDITION,
            _PROOFS,
            "The stored tree lacks a hash the proof needs; the operator runs "
            "`carbon-hub audit verify`.",
            "存储的树缺少证明所需的哈希；请运营方运行 `carbon-hub audit verify`。",
            "儲存的樹缺少證明所需的雜湊；請營運方執行 `carbon-hub audit verify`。",
        ),
        Reason(
            "TRANSPARENCY_EVENTS_ALTERED",
            ErrorKind.FAILED_PRECONDITION,
            _PROOFS,
            "The audit events a proof is rehashed from and the tree's stored hash of them no "
            "longer agree (one or the other was changed after they entered the tree); the "
            "operator runs `carbon-hub audit verify`.",
            "证明所需重新计算哈希的审计事件与树中存储的哈希不再一致（二者之一在进入树后被更改）；"
            "请运营方运行 `carbon-hub audit verify`。",
            "證明所需重新計算雜湊的稽核事件與樹中儲存的雜湊不再一致（二者之一在進入樹後被更改）；"
            "請營運方執行 `carbon-hub audit verify`。",
        ),
    ),
)
