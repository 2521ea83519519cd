"""An audit event's subject id in its stored form (hub.storage.event_subject_column):
a claim's hub id as its 16 bytes on SQLite, every other id as its text, and
either form read back as the id."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import column, select
from sqlalchemy.dialects import postgresql, sqlite

from hub.storage.event_subject_column import (
    EventSubject,
    stored_subject,
    subject_form,
    subject_text,
)

CLAIM_ID = "0193a1b2000070008000000000000001"


def test_a_claims_hub_id_is_kept_as_its_bytes_and_nothing_else_is() -> None:
    assert subject_form("claim", CLAIM_ID) == bytes.fromhex(CLAIM_ID)
    assert subject_form("block", CLAIM_ID) == CLAIM_ID  # another kind: its text
    for other in (CLAIM_ID.upper(), CLAIM_ID[:-1] + "g", CLAIM_ID[:-2], " " + CLAIM_ID[1:], "C-2"):
        assert subject_form("claim", other) == other


@given(st.text(max_size=40), st.sampled_from(["claim", "block", "key"]))
def test_every_id_reads_back_as_written(subject_id: str, kind: str) -> None:
    form = subject_form(kind, subject_id)
    assert subject_text(form) == subject_id
    assert subject_text(subject_id) == subject_id


def test_either_form_reads_as_the_id_and_nothing_else_does() -> None:
    raw = bytes.fromhex(CLAIM_ID)
    assert subject_text(raw) == CLAIM_ID == subject_text(CLAIM_ID)
    assert subject_text(memoryview(raw)) == CLAIM_ID
    # Bytes of another length, or no id at all: an edited row.
    assert subject_text(raw[:15]) is None
    assert subject_text(None) is None
    assert subject_text(7) is None


def test_sql_written_by_hand_binds_the_stored_form_of_its_database() -> None:
    assert stored_subject("sqlite", "claim", CLAIM_ID) == bytes.fromhex(CLAIM_ID)
    assert stored_subject("postgresql", "claim", CLAIM_ID) == CLAIM_ID
    assert stored_subject("sqlite", "block", "B-1") == "B-1"


def test_the_column_type_carries_the_form_to_each_database() -> None:
    kind = EventSubject()
    raw = bytes.fromhex(CLAIM_ID)
    assert kind.bind_processor(sqlite.dialect()) is None  # as given
    to_postgresql = kind.bind_processor(postgresql.dialect())
    assert to_postgresql(raw) == CLAIM_ID and to_postgresql("B-1") == "B-1"
    read = kind.result_processor(sqlite.dialect(), None)
    assert read(raw) == CLAIM_ID and read("B-1") == "B-1"
    assert kind.result_processor(postgresql.dialect(), None) is None
    subject = column("subject_id", EventSubject())
    inline = {"literal_binds": True}
    on_sqlite = (
        select(subject)
        .where(subject == raw)
        .compile(dialect=sqlite.dialect(), compile_kwargs=inline)
    )
    assert f"X'{CLAIM_ID}'" in str(on_sqlite)
    on_postgresql = (
        select(subject)
        .where(subject == raw)
        .compile(dialect=postgresql.dialect(), compile_kwargs=inline)
    )
    assert f"'{CLAIM_ID}'" in str(on_postgresql)
    quoted = (
        select(subject)
        .where(subject == "O'Brien")
        .compile(dialect=sqlite.dialect(), compile_kwargs=inline)
    )
    assert "'O''Brien'" in str(quoted)
