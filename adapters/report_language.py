"""The partner's report in the partner's language: en, zh-CN, zh-Hant or pt.

An adapter problem reads as its code's sentence in the language asked for
(adapters/problem_messages.py), then the adapter's own detail naming the
value and the column (English: it quotes the partner's own words). A hub
check reads as the hub's own message for en and zh-CN, and for zh-Hant and
pt as adapters/check_messages.py's template filled with the check's
details. A text missing in the language (a code of a newer hub, say) falls
back to English: a report never fails for want of a translation.
"""

from __future__ import annotations

from enum import StrEnum

from adapters.check_messages import check_message
from adapters.delivery import RowProblem
from adapters.delivery_report import CheckOutcome
from adapters.problem_messages import code_message


class Lang(StrEnum):
    EN = "en"
    ZH_CN = "zh-CN"
    ZH_HANT = "zh-Hant"
    PT = "pt"


DEFAULT_LANG = Lang.EN  # what the reports printed before --lang; the same for every partner


def problem_text(problem: RowProblem, lang: str) -> str:
    """The problem's message as the report prints it in ``lang``."""
    if lang == Lang.EN:
        return problem.message
    try:
        sentence = code_message(problem.code, lang)
    except (KeyError, ValueError):  # a language or code without a sentence: English
        return problem.message
    return f"{sentence} — {problem.message}"


def check_text(check: CheckOutcome, lang: str) -> str:
    """A hub check's message in ``lang``; English when there is none in it."""
    if lang == Lang.ZH_CN and check.message_zh:
        return check.message_zh
    if lang in (Lang.ZH_HANT, Lang.PT):
        try:
            return check_message(check.code, lang, check.details)
        except (KeyError, IndexError, ValueError):  # a check this adapter does not know yet
            pass
    return check.message_en or check.message_zh or check.code


def shown_line(line: int) -> int | None:
    """A problem's line, or None for a problem of a whole file or of the manifest."""
    return line if line > 0 else None
