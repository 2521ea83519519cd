"""The pages' languages: one message catalogue per language (messages/*.json),
zh-CN by default, Traditional Chinese by ?lang=zh-Hant, English by ?lang=en,
kept in a cookie. ``zh`` and the regional tags are read as the script they
are written in (zh-HK, zh-MO, zh-TW: Traditional)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from fastapi import Request, Response

LANGUAGES = ("zh-CN", "zh-Hant", "en")
DEFAULT_LANGUAGE = "zh-CN"
# Other spellings of a language, compared case-insensitively.
_ALIASES = {
    "zh": "zh-CN",
    "zh-hans": "zh-CN",
    "zh-sg": "zh-CN",
    "zh-hk": "zh-Hant",
    "zh-mo": "zh-Hant",
    "zh-tw": "zh-Hant",
    "zh-hant-hk": "zh-Hant",
    "zh-hant-tw": "zh-Hant",
}
LANGUAGE_COOKIE = "lang"
_FOLDER = Path(__file__).parent / "messages"


@cache
def catalogue(language: str) -> dict[str, str]:
    data = json.loads((_FOLDER / f"{language}.json").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"message catalogue {language} is not an object")
    return {str(k): str(v) for k, v in data.items()}


def language_of(tag: str | None) -> str | None:
    """The page language a tag names, or None."""
    if tag is None:
        return None
    folded = tag.strip().replace("_", "-").casefold()
    for language in LANGUAGES:
        if language.casefold() == folded:
            return language
    return _ALIASES.get(folded)


def requested_language(request: Request) -> tuple[str, bool]:
    """The page's language and whether the query asked for it (to be kept)."""
    asked = language_of(request.query_params.get("lang"))
    if asked is not None:
        return asked, True
    kept = language_of(request.cookies.get(LANGUAGE_COOKIE))
    if kept is not None:
        return kept, False
    return DEFAULT_LANGUAGE, False


def keep_language(response: Response, language: str, *, secure: bool) -> None:
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=secure,
    )
