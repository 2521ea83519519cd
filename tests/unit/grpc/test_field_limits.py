"""The field-limit table: complete, published, no wider than storage, enforced."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.types import TypeDecorator

from carbonhub_contract.generated.carbonhub.v1 import (
    bureau_pb2,
    exchange_pb2,
    ledger_pb2,
    partner_pb2,
)
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.vocabulary.envelopes import PayloadType
from hub.grpc_api import field_checks
from hub.grpc_api.field_limits import INT64_MAX, LIMITS, MAX_SEQUENCE
from hub.storage.tables import Base

REPO = Path(__file__).resolve().parents[3]
SERVICES = (
    partner_pb2.DESCRIPTOR.services_by_name["PartnerService"],
    exchange_pb2.DESCRIPTOR.services_by_name["ExchangeService"],
    bureau_pb2.DESCRIPTOR.services_by_name["BureauService"],
)
FILES = (partner_pb2.DESCRIPTOR, ledger_pb2.DESCRIPTOR, exchange_pb2.DESCRIPTOR)
INTEGERS = {
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_INT32,
}


def _message(full_name: str) -> Descriptor:
    for file in FILES:
        name = full_name.removeprefix("carbonhub.v1.")
        if name in file.message_types_by_name:
            return file.message_types_by_name[name]
    raise KeyError(full_name)


def _request_messages() -> list[Descriptor]:
    """Every message a client sends: RPC inputs and the signed payload kinds."""
    roots = [method.input_type for service in SERVICES for method in service.methods]
    roots += [_message(kind.value) for kind in PayloadType]
    seen: dict[str, Descriptor] = {}
    todo = list(roots)
    while todo:
        message = todo.pop()
        if message.full_name in seen:
            continue
        seen[message.full_name] = message
        for field in message.fields:
            entry = field.message_type
            if entry is not None and not entry.GetOptions().map_entry:
                todo.append(entry)
    return list(seen.values())


def _request_fields() -> Iterator[tuple[str, FieldDescriptor]]:
    for message in _request_messages():
        for field in message.fields:
            name = f"{message.full_name}.{field.name}"
            entry = field.message_type
            yield name, field
            if entry is not None and entry.GetOptions().map_entry:
                yield name + "[key]", entry.fields_by_name["key"]
                yield name + "[value]", entry.fields_by_name["value"]


def test_every_field_of_every_request_has_a_limit_and_no_limit_names_another() -> None:
    fields = dict(_request_fields())
    assert sorted(set(fields) - set(LIMITS)) == [], "request fields without a limit"
    assert sorted(set(LIMITS) - set(fields)) == [], "limits of fields no request has"


def test_every_string_has_a_length_and_a_character_rule_and_every_integer_a_range() -> None:
    for name, field in _request_fields():
        limit = LIMITS[name]
        if field.type == FieldDescriptor.TYPE_STRING:
            assert limit.max_chars is not None and limit.characters is not None, name
        if field.type in INTEGERS:
            assert limit.min_value is not None and limit.max_value is not None, name
            assert limit.max_value <= INT64_MAX, f"{name} can overflow a BIGINT"
        if field.type == FieldDescriptor.TYPE_BYTES:
            assert limit.max_bytes is not None or limit.note, name


def test_storage_columns_are_at_least_as_wide_as_the_limits() -> None:
    checked = 0
    for name, limit in LIMITS.items():
        for stored in limit.stored_in:
            table, column_name = stored.split(".")
            column = Base.metadata.tables[table].columns[column_name]
            kind = column.type
            if isinstance(kind, TypeDecorator):
                # A digest kept as bytes (hex_digest_column): other text is kept
                # whole in the type it decorates (bytea on PostgreSQL).
                kind = kind.impl_instance
            if limit.max_chars is not None:
                assert isinstance(kind, String), f"{name} -> {stored}: {kind}"
                assert isinstance(kind, Text) or (kind.length or 0) >= limit.max_chars, (
                    f"{name} -> {stored}: {kind} is narrower than {limit.max_chars}"
                )
            if limit.max_value is not None:
                top = INT64_MAX if isinstance(kind, BigInteger) else 2**31 - 1
                assert isinstance(kind, Integer), f"{name} -> {stored}: {kind}"
                assert limit.max_value <= top, f"{name} -> {stored} overflows {kind}"
            checked += 1
    assert checked >= 20


def _script() -> ModuleType:
    path = REPO / "scripts" / "write_limits_doc.py"
    spec = importlib.util.spec_from_file_location("write_limits_doc", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_limits_md_is_what_the_script_writes() -> None:
    expected = _script().render()
    actual = (REPO / "docs" / "limits.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/limits.md is stale: run python scripts/write_limits_doc.py"


def test_the_proto_comments_name_the_sequence_range() -> None:
    for name in ("partner.proto", "ledger.proto"):
        text = (REPO / "proto" / "carbonhub" / "v1" / name).read_text(encoding="utf-8")
        assert "docs/limits.md" in text, name
    ledger = (REPO / "proto" / "carbonhub" / "v1" / "ledger.proto").read_text(encoding="utf-8")
    assert f"{MAX_SEQUENCE}" in ledger


def _codes(message: pb.Claim) -> list[tuple[str, str]]:
    return [(p.code, p.field) for p in field_checks.problems(message)]


def test_lengths_count_code_points_not_bytes() -> None:
    assert _codes(pb.Claim(record_id="中" * 128)) == []
    assert _codes(pb.Claim(record_id="中" * 129)) == [("FIELD_TOO_LONG", "record_id")]


@pytest.mark.parametrize(
    ("note", "problem"),
    [
        ("line 1\nline 2\r\n\tindented", []),
        ("nul \x00", [("FIELD_CONTROL_CHARACTER", "note")]),
        ("vertical tab \x0b", [("FIELD_CONTROL_CHARACTER", "note")]),
        ("next line \x85", [("FIELD_CONTROL_CHARACTER", "note")]),
        ("delete \x7f", [("FIELD_CONTROL_CHARACTER", "note")]),
        ("right-to-left \u202e and zero width \u200b", []),
    ],
)
def test_multi_line_text_takes_tab_lf_cr_and_no_other_control(
    note: str, problem: list[tuple[str, str]]
) -> None:
    message = pb.SourceCancellationAttestation(note=note)
    assert [(p.code, p.field) for p in field_checks.problems(message)] == problem


def test_single_line_fields_take_no_control_character_at_all() -> None:
    assert _codes(pb.Claim(record_id="R-1\n")) == [("FIELD_CONTROL_CHARACTER", "record_id")]
    assert _codes(pb.Claim(record_id="R-1\t")) == [("FIELD_CONTROL_CHARACTER", "record_id")]
    (problem,) = field_checks.problems(pb.Claim(record_id="AB\x00C"))
    assert problem.details == {
        "field": "record_id",
        "character": "U+0000",
        "position": "2",
        "allowed": "single-line",
    }


def test_integers_are_held_to_their_range_at_both_ends() -> None:
    def codes(sequence: int) -> list[str]:
        return [p.code for p in field_checks.problems(pb.ClaimEnvelope(sequence=sequence))]

    assert codes(MAX_SEQUENCE) == []
    assert codes(MAX_SEQUENCE + 1) == ["FIELD_OUT_OF_RANGE"]
    assert codes(2**64 - 1) == ["FIELD_OUT_OF_RANGE"]


def test_nested_items_and_map_entries_are_named_by_their_path() -> None:
    envelope = pb.ClaimEnvelope(
        claims=[pb.Claim(record_id="ok"), pb.Claim(raw={"k\x00": "v", "long": "x" * 4001})]
    )
    found = sorted((p.code, p.field) for p in field_checks.problems(envelope))
    assert found == [
        ("FIELD_CONTROL_CHARACTER", "claims[1].raw[key]"),
        ("FIELD_TOO_LONG", "claims[1].raw[value]"),
    ]
    assert list(field_checks.problems(envelope, skip=frozenset({"claims"}))) == []


def test_too_many_entries_is_too_long() -> None:
    claim = pb.Claim(raw={f"k{i}": "v" for i in range(201)})
    (problem,) = field_checks.problems(claim)
    assert (problem.code, problem.field, problem.details["unit"]) == (
        "FIELD_TOO_LONG",
        "raw",
        "entries",
    )


def test_an_id_with_its_partner_in_front_fits_the_audit_subject() -> None:
    # Projects and adjustments are audited as "<partner>|<id>".
    subject = Base.metadata.tables["ledger_events"].columns["subject_id"].type
    if isinstance(subject, TypeDecorator):  # the column's stored form (EventSubject)
        subject = subject.impl_instance
    assert isinstance(subject, String) and subject.length is not None
    for name in ("Project.project_id", "AccountingAdjustmentAttestation.reference"):
        partner = LIMITS["carbonhub.v1.AccountingAdjustmentAttestation.partner"].max_chars
        own = LIMITS["carbonhub.v1." + name].max_chars
        assert partner is not None and own is not None
        assert partner + 1 + own <= subject.length, name


_TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["\x00", "\n", "\t", "\r", "\x0b", "\x85", "\x7f", "中文", "\u202e"]),
    st.integers(120, 140).map(lambda n: "x" * n),
    st.integers(3990, 4010).map(lambda n: "y" * n),
)


@settings(max_examples=300, deadline=None)
@given(
    record_id=_TEXT,
    note=_TEXT,
    raw=st.dictionaries(_TEXT, _TEXT, max_size=3),
    sequence=st.one_of(st.integers(0, 5), st.integers(MAX_SEQUENCE - 2, 2**64 - 1)),
)
def test_the_fast_path_agrees_with_the_full_walk(
    record_id: str, note: str, raw: dict[str, str], sequence: int
) -> None:
    envelope = pb.ClaimEnvelope(
        sequence=sequence, claims=[pb.Claim(record_id=record_id, verifier=note, raw=raw)]
    )
    attestation = pb.SourceCancellationAttestation(note=note, sequence=sequence)
    for message in (envelope, envelope.claims[0], attestation):
        full = list(field_checks.all_problems(message))
        assert field_checks.within_limits(message) == (full == []), full
        assert list(field_checks.problems(message)) == full
