"""Enforcing hub.grpc_api.field_limits on a request message, at the boundary.

``problems`` walks the fields a message has set (an unset field holds its
default, which every limit allows) and names each one over its limit, by
its path in the request (``claims[3].raw[key]``). ``check`` refuses the
request with the first: INVALID_ARGUMENT, reason FIELD_TOO_LONG,
FIELD_CONTROL_CHARACTER or FIELD_OUT_OF_RANGE (CURSOR_OUT_OF_RANGE for a
StreamBlocks cursor, its code from before the table), the field named in
the details. SubmitClaims and RegisterProjects skip their repeated items here
and give each bad claim or project a REJECTED verdict of its own instead
(``problems`` of the item, turned into checks).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from hub.errors import InvalidRequest
from hub.grpc_api.field_limits import Characters, Limit, limit_of

FIELD_TOO_LONG = "FIELD_TOO_LONG"
FIELD_CONTROL_CHARACTER = "FIELD_CONTROL_CHARACTER"
FIELD_OUT_OF_RANGE = "FIELD_OUT_OF_RANGE"

_FORBIDDEN = {
    Characters.SINGLE_LINE: re.compile("[\x00-\x1f\x7f-\x9f]"),
    Characters.MULTI_LINE: re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"),
}
_STRING = FieldDescriptor.TYPE_STRING
_BYTES = FieldDescriptor.TYPE_BYTES
_MESSAGE = FieldDescriptor.TYPE_MESSAGE
_INTEGERS = frozenset(
    {
        FieldDescriptor.TYPE_UINT64,
        FieldDescriptor.TYPE_INT64,
        FieldDescriptor.TYPE_UINT32,
        FieldDescriptor.TYPE_INT32,
        FieldDescriptor.TYPE_SINT64,
        FieldDescriptor.TYPE_SINT32,
        FieldDescriptor.TYPE_FIXED64,
        FieldDescriptor.TYPE_FIXED32,
        FieldDescriptor.TYPE_SFIXED64,
        FieldDescriptor.TYPE_SFIXED32,
    }
)


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One field over its limit: the reason code and what a check or a refusal
    says about it."""

    code: str
    field: str  # the path in the request, e.g. claims[3].record_id
    message: str
    details: dict[str, str]


def problems(
    message: Message, *, skip: frozenset[str] = frozenset(), prefix: str = ""
) -> Iterator[FieldProblem]:
    """Every field of ``message`` (and of the messages it holds) over its limit.
    ``skip`` names fields of ``message`` itself left to the caller."""
    if not prefix and within_limits(message, skip=skip):
        return
    yield from all_problems(message, skip=skip, prefix=prefix)


def all_problems(
    message: Message, *, skip: frozenset[str] = frozenset(), prefix: str = ""
) -> Iterator[FieldProblem]:
    """``problems`` without the fast path (a test holds the two to agree)."""
    owner = message.DESCRIPTOR.full_name
    for descriptor, value in message.ListFields():
        name = descriptor.name
        if name in skip:
            continue
        path = prefix + name
        full_name = f"{owner}.{name}"
        limit = limit_of(full_name)
        if _is_map(descriptor):
            yield from _count(path, limit, len(value))
            yield from _map(full_name, path, descriptor, value)
        elif descriptor.is_repeated:
            yield from _count(path, limit, len(value))
            for index, item in enumerate(value):
                yield from _value(f"{path}[{index}]", limit, descriptor, item)
        else:
            yield from _value(path, limit, descriptor, value)


@dataclass(frozen=True, slots=True)
class _Rule:
    """A field's limit as the fast check applies it."""

    kind: int  # the field's protobuf type
    is_map: bool
    repeated: bool
    limit: Limit
    forbidden: re.Pattern[str] | None
    key: Limit | None = None  # maps: the key's and the value's limits
    key_forbidden: re.Pattern[str] | None = None
    value: Limit | None = None
    value_forbidden: re.Pattern[str] | None = None


_RULES: dict[FieldDescriptor, _Rule] = {}


def _rule(owner: str, descriptor: FieldDescriptor) -> _Rule:
    rule = _RULES.get(descriptor)
    if rule is not None:
        return rule
    limit = limit_of(f"{owner}.{descriptor.name}")
    if _is_map(descriptor):
        key = limit_of(f"{owner}.{descriptor.name}[key]")
        value = limit_of(f"{owner}.{descriptor.name}[value]")
        rule = _Rule(
            FieldDescriptor.TYPE_MESSAGE, True, True, limit, None,
            key, _pattern(key), value, _pattern(value),
        )  # fmt: skip
    else:
        rule = _Rule(descriptor.type, False, descriptor.is_repeated, limit, _pattern(limit))
    _RULES[descriptor] = rule
    return rule


def _pattern(limit: Limit) -> re.Pattern[str] | None:
    return None if limit.characters is None else _FORBIDDEN[limit.characters]


def _text_fits(value: str, limit: Limit, forbidden: re.Pattern[str] | None) -> bool:
    top = limit.max_chars
    if top is not None and len(value) > top:
        return False
    return forbidden is None or forbidden.search(value) is None


def _single_fits(rule: _Rule, value: object) -> bool:
    kind = rule.kind
    limit = rule.limit
    if kind == _STRING:
        return _text_fits(value, limit, rule.forbidden)  # type: ignore[arg-type]
    if kind == _BYTES:
        return limit.max_bytes is None or len(value) <= limit.max_bytes  # type: ignore[arg-type]
    if kind in _INTEGERS:
        low, high = limit.min_value, limit.max_value
        return (low is None or value >= low) and (high is None or value <= high)  # type: ignore[operator]
    if kind == _MESSAGE:
        return within_limits(value)  # type: ignore[arg-type]
    return True


def within_limits(message: Message, *, skip: frozenset[str] = frozenset()) -> bool:
    """True when every field is within its limit: the common case, checked
    without building any problem (it runs for every claim of every envelope)."""
    owner = message.DESCRIPTOR.full_name
    for descriptor, value in message.ListFields():
        if skip and descriptor.name in skip:
            continue
        rule = _rule(owner, descriptor)
        if rule.repeated:
            top = rule.limit.max_items
            if top is not None and len(value) > top:
                return False
            if rule.is_map:
                key, item = rule.key, rule.value
                assert key is not None and item is not None
                for k, v in value.items():
                    if not _text_fits(k, key, rule.key_forbidden):
                        return False
                    if isinstance(v, str) and not _text_fits(v, item, rule.value_forbidden):
                        return False
            elif not all(_single_fits(rule, v) for v in value):
                return False
        elif not _single_fits(rule, value):
            return False
    return True


def first_problem(message: Message, *, skip: frozenset[str] = frozenset()) -> FieldProblem | None:
    return next(problems(message, skip=skip), None)


def check(message: Message, *, skip: frozenset[str] = frozenset()) -> None:
    """Refuse ``message`` (InvalidRequest) at its first field over its limit."""
    problem = first_problem(message, skip=skip)
    if problem is not None:
        raise refusal(problem)


def refusal(problem: FieldProblem) -> InvalidRequest:
    return InvalidRequest(problem.code, problem.message, problem.details)


def _is_map(descriptor: FieldDescriptor) -> bool:
    entry = descriptor.message_type
    return entry is not None and entry.GetOptions().map_entry


def _map(
    full_name: str, path: str, descriptor: FieldDescriptor, value: object
) -> Iterator[FieldProblem]:
    entry = descriptor.message_type
    assert entry is not None  # a map field's entry message
    key_limit = limit_of(full_name + "[key]")
    value_limit = limit_of(full_name + "[value]")
    key_field = entry.fields_by_name["key"]
    value_field = entry.fields_by_name["value"]
    for key, item in value.items():  # type: ignore[attr-defined]
        yield from _value(f"{path}[key]", key_limit, key_field, key)
        yield from _value(f"{path}[value]", value_limit, value_field, item)


def _count(path: str, limit: Limit, count: int) -> Iterator[FieldProblem]:
    if limit.max_items is not None and count > limit.max_items:
        yield _too_long(path, count, limit.max_items, "entries")


def _value(
    path: str, limit: Limit, descriptor: FieldDescriptor, value: object
) -> Iterator[FieldProblem]:
    kind = descriptor.type
    if kind == _STRING:
        assert isinstance(value, str)
        yield from _string(path, limit, value)
    elif kind == _BYTES:
        assert isinstance(value, bytes)
        if limit.max_bytes is not None and len(value) > limit.max_bytes:
            yield _too_long(path, len(value), limit.max_bytes, "bytes")
    elif kind in _INTEGERS:
        assert isinstance(value, int)
        yield from _integer(path, limit, value)
    elif kind == _MESSAGE:
        assert isinstance(value, Message)
        yield from problems(value, prefix=path + ".")


def _string(path: str, limit: Limit, value: str) -> Iterator[FieldProblem]:
    if limit.max_chars is not None and len(value) > limit.max_chars:
        yield _too_long(path, len(value), limit.max_chars, "characters")
        return  # a megabyte of text is not searched for control characters too
    if limit.characters is None:
        return
    found = _FORBIDDEN[limit.characters].search(value)
    if found is not None:
        character = f"U+{ord(found.group()):04X}"
        yield FieldProblem(
            FIELD_CONTROL_CHARACTER,
            path,
            f"{path} holds the control character {character} at position {found.start()}; "
            f"a {limit.characters.value} field allows "
            + ("none" if limit.characters is Characters.SINGLE_LINE else "tab, LF and CR only"),
            {
                "field": path,
                "character": character,
                "position": str(found.start()),
                "allowed": limit.characters.value,
            },
        )


def _integer(path: str, limit: Limit, value: int) -> Iterator[FieldProblem]:
    low = limit.min_value
    high = limit.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        yield FieldProblem(
            limit.out_of_range,
            path,
            f"{path} is {value}; it must lie in {low}..{high}",
            {"field": path, "value": str(value), "min": str(low), "max": str(high)},
        )


def _too_long(path: str, length: int, limit: int, unit: str) -> FieldProblem:
    return FieldProblem(
        FIELD_TOO_LONG,
        path,
        f"{path} is {length} {unit} long; at most {limit}",
        {"field": path, "length": str(length), "limit": str(limit), "unit": unit},
    )
