"""The pages' languages: one message catalogue per language (messages/*.json),
zh-CN by default, English by ?lang=en, kept in a cookie."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from fastapi import Request, Response

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"
LANGUAGE_COOKIE = "lang"
_FOLDER = Path(__file__).parent / "messages"


@cache
def catalogue(language: str) -> dict[str, str]:
    data = json.loads((_FOLDER / f"{language}.json").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"message catalogue {language} is not an object")
    return {str(k): str(v) for k, v in data.items()}


def requested_language(request: Request) -> tuple[str, bool]:
    """The page's language and whether the query asked for it (to be kept)."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked, True
    kept = request.cookies.get(LANGUAGE_COOKIE)
    if kept in LANGUAGES:
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
