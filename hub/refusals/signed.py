"""Refusals of a partner's signed writes: the DSSE-style envelope, its key,
its signature and its sequence (docs/signing.md), and the size and partner
of what it carries."""

from __future__ import annotations

from hub.errors import ErrorKind
from hub.refusals.reason import Reason, Section

_SIGNED = "PartnerService signed writes"

SECTION = Section(
    title="Signed partner writes",
    intro="SubmitClaims, RegisterProjects, AttestSourceCancellation and "
    "AttestAccountingAdjustment take a SignedPayload; the signature is checked "
    "before the payload is parsed (see [signing.md](signing.md)).",
    reasons=(
        Reason(
            "PAYLOAD_TYPE_MISMATCH",
            ErrorKind.INVALID_ARGUMENT,
            _SIGNED,
            "The signed payload's payload_type is not the one this method takes.",
            "签名载荷的 payload_type 与该方法所需类型不符。",
            "簽名載荷的 payload_type 與該方法所需類型不符。",
        ),
        Reason(
            "SIGNATURE_MALFORMED",
            ErrorKind.INVALID_ARGUMENT,
            _SIGNED,
            "The signature is empty or longer than the 64 bytes of an Ed25519 signature.",
            "签名为空，或长于 Ed25519 签名的 64 字节。",
            "簽名為空，或長於 Ed25519 簽名的 64 位元組。",
        ),
        Reason(
            "SIGNATURE_KEY_UNKNOWN",
            ErrorKind.UNAUTHENTICATED,
            _SIGNED,
            "No signing key with this key_id is registered with the hub.",
            "枢纽未登记该 key_id 对应的签名密钥。",
            "樞紐未登記該 key_id 對應的簽名密鑰。",
        ),
        Reason(
            "SIGNATURE_KEY_OF_ANOTHER_PARTNER",
            ErrorKind.PERMISSION_DENIED,
            _SIGNED,
            "The signing key is registered for another partner than the one the payload names.",
            "该签名密钥登记于其他合作方名下，而非载荷所载的合作方。",
            "該簽名密鑰登記於其他合作方名下，而非載荷所載的合作方。",
        ),
        Reason(
            "SIGNATURE_KEY_NOT_VALID",
            ErrorKind.UNAUTHENTICATED,
            _SIGNED,
            "The signing key is revoked, retired, or outside its validity window now.",
            "该签名密钥已吊销、已停用，或当前不在其有效期内。",
            "該簽名密鑰已撤銷、已停用，或目前不在其有效期內。",
        ),
        Reason(
            "SIGNATURE_INVALID",
            ErrorKind.UNAUTHENTICATED,
            _SIGNED,
            "The signature does not verify: the payload was altered in transit or "
            "signed with another key.",
            "签名验证失败：载荷在传输中被改动，或以其他密钥签名。",
            "簽名驗證失敗：載荷在傳輸中被改動，或以其他密鑰簽名。",
        ),
        Reason(
            "SEQUENCE_REQUIRED",
            ErrorKind.INVALID_ARGUMENT,
            _SIGNED,
            "The signed write carries no sequence number above 0.",
            "签名写入未携带大于 0 的序号。",
            "簽名寫入未附帶大於 0 的序號。",
        ),
        Reason(
            "ENVELOPE_REPLAYED",
            ErrorKind.FAILED_PRECONDITION,
            _SIGNED,
            "The sequence is not above the partner's last accepted one: a replay, or "
            "overtaken by another writer of the partner. Nothing was recorded; ask "
            "GetPartnerSequence and sign the content again with a higher number.",
            "序号不大于该合作方最后一次被接受的序号：属重放，或已被该合作方的其他写入方超前。"
            "未记录任何内容；请调用 GetPartnerSequence 后以更大的序号重新签名发送。",
            "序號不大於該合作方最後一次被接受的序號：屬重放，或已被該合作方的其他寫入方超前。"
            "未記錄任何內容；請調用 GetPartnerSequence 後以更大的序號重新簽名發送。",
        ),
        Reason(
            "PAYLOAD_MALFORMED",
            ErrorKind.INVALID_ARGUMENT,
            _SIGNED,
            "The signed bytes verify but are not a valid message of the payload type.",
            "签名验证通过，但所签字节不是该载荷类型的有效消息。",
            "簽名驗證通過，但所簽位元組不是該載荷類型的有效訊息。",
        ),
        Reason(
            "PARTNER_NOT_CALLER",
            ErrorKind.PERMISSION_DENIED,
            "PartnerService",
            "The caller's certificate may not act for the partner the request names.",
            "调用方证书无权代表请求所载的合作方。",
            "調用方證書無權代表請求所載的合作方。",
        ),
        Reason(
            "ENVELOPE_PARTNER_MISMATCH",
            ErrorKind.INVALID_ARGUMENT,
            "PartnerService.SubmitClaims, RegisterProjects",
            "A claim or project names another partner than its envelope or request.",
            "申报记录或项目所载合作方与其信封或请求不一致。",
            "申報記錄或項目所載合作方與其信封或請求不一致。",
        ),
        Reason(
            "ENVELOPE_TOO_LARGE",
            ErrorKind.RESOURCE_EXHAUSTED,
            "PartnerService.SubmitClaims",
            "The envelope carries more claims than the hub takes in one envelope; split it.",
            "单个信封所含申报记录超过枢纽上限；请拆分发送。",
            "單個信封所含申報記錄超過樞紐上限；請拆分發送。",
        ),
        Reason(
            "REQUEST_TOO_LARGE",
            ErrorKind.RESOURCE_EXHAUSTED,
            "PartnerService.RegisterProjects",
            "The request carries more projects than the hub takes at once; split it.",
            "单个请求所含项目超过枢纽上限；请拆分发送。",
            "單個請求所含項目超過樞紐上限；請拆分發送。",
        ),
        Reason(
            "STREAM_PARTNER_CHANGED",
            ErrorKind.INVALID_ARGUMENT,
            "PartnerService.SubmitClaims",
            "One stream carries one partner's envelopes; this one named another partner.",
            "一个流只能承载同一合作方的信封，此信封却载明了另一合作方。",
            "一個串流只能承載同一合作方的信封，此信封卻載明了另一合作方。",
        ),
    ),
)
