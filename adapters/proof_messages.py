"""What each failed proof check means, in the partner's language.

One sentence per carbonhub_contract.transparency.ProofFailure code in English,
Simplified Chinese (zh-CN), Traditional Chinese (zh-Hant, Hong Kong and Macao)
and Portuguese (pt, Macao), as adapters/problem_messages.py words the
adapters' own codes. ``carbon-hub-adapter proof`` prints the code, this
sentence, then the check's own detail (English: it names sizes and hashes).
A test keeps every code translated in every language.
"""

from __future__ import annotations

from collections.abc import Mapping

from carbonhub_contract.transparency import ProofFailure

LANGUAGES: tuple[str, ...] = ("en", "zh-CN", "zh-Hant", "pt")

_F = ProofFailure

# code → (en, zh-CN, zh-Hant, pt)
_MESSAGES: Mapping[ProofFailure, tuple[str, str, str, str]] = {
    _F.TREE_HEAD_MALFORMED: (
        "the tree head is not one as the hub documents it",
        "树头的格式不符合枢纽文档",
        "樹頭的格式不符合樞紐文件",
        "a cabeça da árvore não tem o formato documentado pelo hub",
    ),
    _F.TREE_HEAD_STATEMENT_MISMATCH: (
        "the tree head's size, root or time is not what its signed statement says",
        "树头的大小、根哈希或时间与其签名声明不符",
        "樹頭的大小、根雜湊或時間與其簽署聲明不符",
        "o tamanho, a raiz ou a hora da cabeça da árvore não é o da declaração assinada",
    ),
    _F.TREE_HEAD_KEY_UNKNOWN: (
        "the tree head is signed under another key than the hub key given",
        "树头的签名密钥不是所给的枢纽密钥",
        "樹頭的簽署金鑰不是所給的樞紐金鑰",
        "a cabeça da árvore está assinada com outra chave que não a do hub indicada",
    ),
    _F.TREE_HEAD_SIGNATURE_INVALID: (
        "the tree head's signature does not verify under the hub key",
        "树头签名无法用枢纽密钥验证",
        "樹頭簽署無法用樞紐金鑰驗證",
        "a assinatura da cabeça da árvore não é válida com a chave do hub",
    ),
    _F.EVENT_MALFORMED: (
        "the logged event is not an audit event in canonical form",
        "日志中的事件不是规范格式的审计事件",
        "日誌中的事件不是規範格式的稽核事件",
        "o evento registado não é um evento de auditoria em forma canónica",
    ),
    _F.EVENT_NOT_THE_CLAIM: (
        "the logged event is not about this claim of this partner",
        "日志中的事件不属于本合作方的这项申报",
        "日誌中的事件不屬於本合作方的這項申報",
        "o evento registado não é sobre este pedido deste parceiro",
    ),
    _F.EVENT_DECISION_DIFFERS: (
        "the logged decision is not the one the hub's receipt reported",
        "日志记录的决定与枢纽回执所报告的不同",
        "日誌記錄的決定與樞紐回執所報告的不同",
        "a decisão registada não é a que o recibo do hub indicou",
    ),
    _F.INCLUSION_PROOF_INVALID: (
        "the inclusion proof does not lead to the signed root: the event is not proven in the log",
        "包含证明无法推导出已签名的根哈希：该事件未被证明在日志中",
        "包含證明無法推導出已簽署的根雜湊：該事件未被證明在日誌中",
        "a prova de inclusão não leva à raiz assinada: o evento não está provado no registo",
    ),
    _F.CONSISTENCY_PROOF_INVALID: (
        "the log does not extend the tree head kept earlier: it was rewritten or the proof altered",
        "日志未延续先前保存的树头：日志被改写或证明被篡改",
        "日誌未延續先前保存的樹頭：日誌被改寫或證明被竄改",
        "o registo não continua a cabeça da árvore guardada: foi reescrito ou a prova alterada",
    ),
    _F.TREE_HEAD_OLDER: (
        "the hub answered a smaller tree than the tree head kept earlier: the log shrank",
        "枢纽给出的树小于先前保存的树头：日志缩小了",
        "樞紐給出的樹小於先前保存的樹頭：日誌縮小了",
        "o hub respondeu com uma árvore menor do que a cabeça guardada: o registo encolheu",
    ),
}


def failure_message(code: ProofFailure, lang: str) -> str:
    """The sentence for ``code`` in ``lang`` (English for a language without one)."""
    texts = _MESSAGES[code]
    return texts[LANGUAGES.index(lang)] if lang in LANGUAGES else texts[0]
