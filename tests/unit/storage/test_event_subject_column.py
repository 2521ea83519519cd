"""An audit event's subject id in its stored form (hub.storage.event_subject_column):
a claim's hub id as its 16 bytes on SQLite, every other id as its text, and
the audit walk's read that takes only the form the hub writes."""

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
    assert subject_text(form, kind, compact=True) == subject_id
    assert subject_text(subject_id, kind, compact=False) == subject_id


def test_the_walk_takes_only_the_form_the_hub_writes() -> None:
    raw = bytes.fromhex(CLAIM_ID)
    assert subject_text(raw, "claim", compact=True) == CLAIM_ID
    # A claim's id turned back into text on SQLite, a block's id into bytes,
    # bytes on PostgreSQL, bytes of another length: edited rows.
    assert subject_text(CLAIM_ID, "claim", compact=True) is None
    assert subject_text(raw, "block", compact=True) is None
    assert subject_text(raw, "claim", compact=False) is None
    assert subject_text(raw[:15], "claim", compact=True) is None
    assert subject_text(None, "claim", compact=True) is None
    assert subject_text(raw, None, compact=True) is None


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
