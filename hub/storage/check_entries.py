"""A verdict's checks as a claim row keeps them: codes and parameters.

A check the catalogue renders from its code and parameters is kept as
``[code, details]``, and its messages are rendered again on read
(hub.domain.checks.fire); any other (a message from an older catalogue, a
detail named ``code``) is kept whole. A claim's body holds its list, or the
row names the list in ``claim_check_lists`` when other claims fired the
same (hub.storage.claim_traces).
"""

from __future__ import annotations

import json
from typing import Any

from carbonhub_contract.vocabulary.checks import CATALOGUE, Severity
from hub.domain.checks import CheckResult, fire
from hub.storage.serialisation import dumps
from hub.storage.shared_traces import SHARED_LIMIT

__all__ = ["check_entries", "check_entry", "check_of", "checks_text", "shared_checks"]


def check_entry(check: CheckResult) -> list[Any]:
    """One check as stored."""
    details = {str(k): str(v) for k, v in check.details.items()}
    # A detail named "code" would collide with fire's own parameter.
    if check.code in CATALOGUE and "code" not in details:
        rendered = fire(check.code, **details)
        if rendered == check and list(rendered.details) == list(check.details):
            return [check.code, details]
    return [check.code, details, str(check.severity), check.message_zh, check.message_en]


def check_entries(checks: tuple[CheckResult, ...]) -> list[list[Any]]:
    """The checks as stored: codes and parameters where the catalogue renders them."""
    return [check_entry(check) for check in checks]


def checks_text(entries: list[list[Any]]) -> str:
    """``check_entries`` as the JSON text claim_check_lists keeps once."""
    return dumps(entries)


_CHECK_LISTS: dict[str, list[list[Any]]] = {}


def shared_checks(text: str) -> list[list[Any]]:
    """The entries of a list claim_check_lists keeps (``checks_text``)."""
    # Keyed by the text itself, as the shared traces are.
    found = _CHECK_LISTS.get(text)
    if found is None:
        found = json.loads(text)
        if len(_CHECK_LISTS) >= SHARED_LIMIT:
            _CHECK_LISTS.clear()
        _CHECK_LISTS[text] = found
    return found


def check_of(entry: list[Any]) -> CheckResult:
    """The check a stored entry stands for."""
    if len(entry) == 2:
        code, details = entry
        return fire(code, **details)
    code, details, severity, message_zh, message_en = entry
    return CheckResult(
        code=code,
        severity=Severity(severity),
        message_zh=message_zh,
        message_en=message_en,
        details=dict(details),
    )
