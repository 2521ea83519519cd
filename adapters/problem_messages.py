"""What each adapter problem code means, in the partner's language.

One sentence per code in English, Simplified Chinese (zh-CN), Traditional
Chinese (zh-Hant, for Hong Kong and Macao) and Portuguese (pt, for Macao,
where it is official). A report prints the row's own message (which names
the value and the column) after the code's sentence in the language the
partner asked for. A test keeps every ProblemCode translated in every
language.
"""

from __future__ import annotations

from collections.abc import Mapping

from adapters.problem_codes import ProblemCode

LANGUAGES: tuple[str, ...] = ("en", "zh-CN", "zh-Hant", "pt")

_P = ProblemCode

# code → (en, zh-CN, zh-Hant, pt)
_MESSAGES: Mapping[ProblemCode, tuple[str, str, str, str]] = {
    _P.MANIFEST_MISSING: (
        "the delivery has no manifest.json; nothing was sent",
        "交付缺少 manifest.json，未发送任何内容",
        "交付缺少 manifest.json，未發送任何內容",
        "a entrega não tem manifest.json; nada foi enviado",
    ),
    _P.MANIFEST_INVALID: (
        "manifest.json cannot be used; nothing was sent",
        "manifest.json 无法使用，未发送任何内容",
        "manifest.json 無法使用，未發送任何內容",
        "o manifest.json não pode ser usado; nada foi enviado",
    ),
    _P.FILE_MISSING: (
        "a file named in the manifest is missing",
        "清单中列出的文件缺失",
        "清單中列出的檔案缺失",
        "falta um ficheiro indicado no manifesto",
    ),
    _P.FILE_DIGEST_MISMATCH: (
        "the file's SHA-256 differs from the manifest's; the file is refused whole",
        "文件的 SHA-256 与清单不符，整个文件被拒绝",
        "檔案的 SHA-256 與清單不符，整個檔案被拒絕",
        "o SHA-256 do ficheiro difere do manifesto; o ficheiro é recusado por inteiro",
    ),
    _P.ENCODING_MISMATCH: (
        "the file is not in the encoding the manifest states; the file is refused whole",
        "文件编码与清单声明的不符，整个文件被拒绝",
        "檔案編碼與清單聲明的不符，整個檔案被拒絕",
        "o ficheiro não está na codificação indicada no manifesto; é recusado por inteiro",
    ),
    _P.FILE_EMPTY: (
        "the file has no header row",
        "文件没有表头行",
        "檔案沒有表頭行",
        "o ficheiro não tem linha de cabeçalho",
    ),
    _P.HEADER_MISSING_COLUMN: (
        "a required column is not in the header; the file is refused whole",
        "表头缺少必需的列，整个文件被拒绝",
        "表頭缺少必需的欄，整個檔案被拒絕",
        "falta uma coluna obrigatória no cabeçalho; o ficheiro é recusado por inteiro",
    ),
    _P.HEADER_DUPLICATE_COLUMN: (
        "a column appears twice in the header; the file is refused whole",
        "表头中某列出现两次，整个文件被拒绝",
        "表頭中某欄出現兩次，整個檔案被拒絕",
        "uma coluna aparece duas vezes no cabeçalho; o ficheiro é recusado por inteiro",
    ),
    _P.ROW_COLUMN_COUNT: (
        "the row has a different number of fields than the header",
        "该行字段数与表头不一致",
        "該行欄位數與表頭不一致",
        "a linha tem um número de campos diferente do cabeçalho",
    ),
    _P.ROW_DUPLICATE_IN_DELIVERY: (
        "exact duplicate of an earlier row of this delivery; sent once",
        "与本次交付中前面某行完全相同，只发送一次",
        "與本次交付中前面某行完全相同，只發送一次",
        "duplicado exacto de uma linha anterior desta entrega; enviado uma vez",
    ),
    _P.ROW_FIELD_MISSING: (
        "a required field is blank",
        "必填字段为空",
        "必填欄位為空",
        "um campo obrigatório está vazio",
    ),
    _P.ROW_DATE_MALFORMED: (
        "the date is not in a layout the partner's format allows, or not a calendar date",
        "日期格式不符合约定，或不是有效日期",
        "日期格式不符合約定，或不是有效日期",
        "a data não está num formato previsto ou não é uma data do calendário",
    ),
    _P.ROW_UNIT_UNKNOWN: (
        "the unit is not one the partner's format names",
        "单位不在约定的单位之列",
        "單位不在約定的單位之列",
        "a unidade não é uma das previstas no formato",
    ),
    _P.ROW_STATUS_UNKNOWN: (
        "the status word is not one the partner's format names",
        "状态不在约定的取值之列",
        "狀態不在約定的取值之列",
        "o estado não é um dos previstos no formato",
    ),
    _P.ROW_DISTRICT_UNKNOWN: (
        "the district or parish is not one of the partner's",
        "地区（区、堂区）不属于该合作方",
        "地區（區、堂區）不屬於該合作方",
        "o distrito ou freguesia não é um dos do parceiro",
    ),
    _P.ROW_QUANTITY_AMBIGUOUS: (
        "the quantity reads as two values (decimal comma or thousands separator); "
        "write it unambiguously",
        "数量有两种读法（小数逗号或千位分隔符），请写成不会误读的形式",
        "數量有兩種讀法（小數逗號或千位分隔符），請寫成不會誤讀的形式",
        "a quantidade lê-se de duas maneiras (vírgula decimal ou separador de milhares); "
        "escreva-a sem ambiguidade",
    ),
    _P.ROW_POINTS_NOT_QUANTITY: (
        "the quantity is blank and points were given instead; points are information, "
        "never a quantity",
        "数量为空而填写了碳积分；碳积分仅供参考，不能作为数量",
        "數量為空而填寫了碳積分；碳積分僅供參考，不能作為數量",
        "a quantidade está vazia e foram dados pontos; os pontos são informação, "
        "nunca uma quantidade",
    ),
}


def code_message(code: str, lang: str = "en") -> str:
    """The meaning of ``code`` in ``lang`` (one of LANGUAGES).

    Raises KeyError for a language not in LANGUAGES, ValueError for a code
    that is not a ProblemCode.
    """
    if lang not in LANGUAGES:
        raise KeyError(f"no messages in '{lang}' (known: {', '.join(LANGUAGES)})")
    return _MESSAGES[ProblemCode(code)][LANGUAGES.index(lang)]


def translated_codes() -> frozenset[ProblemCode]:
    """The codes that have a sentence in every language (a test checks: all of them)."""
    return frozenset(_MESSAGES)
