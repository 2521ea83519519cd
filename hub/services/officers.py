"""Who acts for the bureau, and why: required on every bureau operation."""

from __future__ import annotations

from hub.errors import InvalidRequest


def officer_actor(officer: str) -> str:
    """The actor recorded in the ledger events for a named bureau officer."""
    name = officer.strip()
    if not name:
        raise InvalidRequest("OFFICER_REQUIRED", "name the bureau officer", {"field": "officer"})
    return f"bureau:{name}"


def required_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise InvalidRequest("REASON_REQUIRED", "a reason is required", {"field": "reason"})
    return text
