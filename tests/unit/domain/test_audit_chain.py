"""The audit hash chain: what the verifier catches, and how it names the first bad row."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hub.domain.audit_chain import (
    GENESIS,
    GENESIS_HEAD,
    AuditReport,
    ChainHead,
    ChainRow,
    ChainVerifier,
    Checkpoint,
    ProblemKind,
    canonical_event,
    checkpoint_statement,
    link,
    link_digest,
    prepare_event,
    rfc3339,
    verify_chain,
)
from hub.storage.audit_repository import decode_details
from hub.storage.serialisation import dumps

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
KEY = b"test checkpoint key"


def _sign(statement: bytes) -> bytes:
    # A stand-in for the hub's Ed25519 key: only holders of KEY can make it.
    return hashlib.sha256(KEY + statement).digest()


def _verify(checkpoint: Checkpoint) -> bool:
    return checkpoint.key_id == "test" and checkpoint.signature == _sign(checkpoint.statement())


def checkpoint_at(row: ChainRow, at: datetime = T0) -> Checkpoint:
    assert row.seq is not None and row.hash is not None
    statement = checkpoint_statement(row.seq, row.hash, at)
    return Checkpoint(row.seq, row.hash, at, "test", _sign(statement))


def rehash(rows: Sequence[ChainRow], start: int = 0) -> list[ChainRow]:
    """Recompute seq links and hashes from ``rows[start]`` on, as a forger would."""
    out = list(rows[:start])
    prev = out[-1].hash if out else GENESIS
    for row in rows[start:]:
        assert row.seq is not None and row.subject_kind is not None and row.subject_id is not None
        assert row.event is not None and row.actor is not None and row.at is not None
        assert row.details is not None and prev is not None
        canonical = canonical_event(
            row.seq, row.subject_kind, row.subject_id, row.event, row.actor, row.at, row.details
        )
        digest = link(prev, canonical)
        out.append(dataclasses.replace(row, prev_hash=prev, hash=digest))
        prev = digest
    return out


def chain(count: int, *, first_id: int = 1) -> list[ChainRow]:
    rows = [
        ChainRow(
            row_id=first_id + n,
            seq=n + 1,
            subject_kind="block",
            subject_id=f"B-{n + 1}",
            event="ISSUED" if n % 2 == 0 else "DELIVERED",
            actor="hub",
            at=T0 + timedelta(seconds=n, microseconds=n),
            details={"units": str(10 * n), "reason": "签发"},
            prev_hash=None,
            hash=None,
        )
        for n in range(count)
    ]
    return rehash(rows)


def head_of(rows: Sequence[ChainRow]) -> ChainHead:
    if not rows:
        return GENESIS_HEAD
    assert rows[-1].seq is not None and rows[-1].hash is not None
    return ChainHead(rows[-1].seq, rows[-1].hash)


def verify(
    rows: Sequence[ChainRow],
    head: ChainHead | None,
    checkpoints: Sequence[Checkpoint] = (),
) -> AuditReport:
    return verify_chain(iter(rows), checkpoints, head, _verify)


# --- canonical form -----------------------------------------------------------


def test_canonical_event_is_sorted_compact_utf8_json_with_utc_microseconds() -> None:
    at = datetime(2026, 11, 24, 16, 0, 0, 5, tzinfo=timezone(timedelta(hours=8)))
    canonical = canonical_event(7, "block", "B-1", "ISSUED", "hub", at, {"z": "1", "a": "签"})
    assert (
        canonical
        == (
            '{"actor":"hub","at":"2026-11-24T08:00:00.000005Z","details":{"a":"签","z":"1"},'
            '"event":"ISSUED","seq":7,"subject_id":"B-1","subject_kind":"block"}'
        ).encode()
    )
    assert rfc3339(datetime(5, 1, 2, tzinfo=UTC)) == "0005-01-02T00:00:00.000000Z"
    with pytest.raises(ValueError, match="naive"):
        rfc3339(datetime(2026, 1, 1))  # naive: the point of the test


def test_link_chains_from_genesis() -> None:
    canonical = canonical_event(1, "claim", "C", "ACCEPTED", "CN-GD", T0, {})
    assert link(GENESIS, canonical) == hashlib.sha256(bytes(32) + canonical).hexdigest()
    # The appender chains the raw bytes it stores: the same hash.
    assert link_digest(bytes(32), canonical) == hashlib.sha256(bytes(32) + canonical).digest()
    second = canonical_event(2, "claim", "D", "ACCEPTED", "CN-GD", T0, {})
    assert link_digest(link_digest(bytes(32), canonical), second).hex() == link(
        link(GENESIS, canonical), second
    )


texts = st.text(max_size=12)


@settings(max_examples=200, deadline=None)
@given(
    seq=st.integers(min_value=0, max_value=2**63 - 1),
    kind=texts,
    subject=texts,
    event=texts,
    actor=texts,
    micros=st.integers(min_value=0, max_value=10**15),
    details=st.dictionaries(texts, texts, max_size=4),
)
def test_prepared_event_splices_the_seq_into_the_canonical_bytes(
    seq: int,
    kind: str,
    subject: str,
    event: str,
    actor: str,
    micros: int,
    details: dict[str, str],
) -> None:
    at = datetime(2000, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
    prepared = prepare_event(kind, subject, event, actor, at, details)
    assert prepared.canonical(seq) == canonical_event(seq, kind, subject, event, actor, at, details)


# --- what passes ------------------------------------------------------------------


def test_an_intact_chain_with_checkpoints_verifies() -> None:
    rows = chain(6)
    report = verify(rows, head_of(rows), [checkpoint_at(rows[1]), checkpoint_at(rows[5])])
    assert report.ok, report.problem
    assert (report.rows_checked, report.checkpoints_checked) == (6, 2)
    assert report.verified_to == head_of(rows)


def test_an_empty_chain_verifies_against_the_genesis_head() -> None:
    assert verify([], GENESIS_HEAD).ok
    assert verify([], None).ok  # nothing recorded at all


def test_pages_read_while_the_hub_appends_raise_no_false_alarm() -> None:
    rows = chain(5)
    verifier = ChainVerifier([checkpoint_at(rows[3])], _verify)
    # The first page was read when the head was at seq 2 ...
    assert verifier.feed(rows[:2], head_of(rows[:2]))
    # ... the last one after three more appends, with the head read alongside.
    assert verifier.feed(rows[2:], head_of(rows))
    report = verifier.finish(head_of(rows))
    assert report.ok, report.problem
    assert (report.rows_checked, report.checkpoints_checked) == (5, 1)


def test_the_chain_is_read_lazily_one_row_at_a_time() -> None:
    rows = chain(3)
    taken: list[int] = []

    def lazily() -> Iterator[ChainRow]:
        for row in rows:
            taken.append(row.row_id)
            yield row

    report = verify_chain(lazily(), [], head_of(rows), _verify)
    assert report.ok and taken == [1, 2, 3]


# --- what is caught -------------------------------------------------------------


def test_an_edited_row_is_named() -> None:
    rows = chain(5)
    rows[2] = dataclasses.replace(rows[2], details={"units": "9999", "reason": "签发"})
    problem = verify(rows, head_of(chain(5))).problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.row_id, problem.subject) == (
        ProblemKind.EDITED,
        3,
        3,
        "block B-3",
    )


def test_an_unreadable_value_is_an_edit() -> None:
    rows = chain(3)
    rows[1] = dataclasses.replace(rows[1], details=None)
    problem = verify(rows, head_of(chain(3))).problem
    assert problem is not None and (problem.kind, problem.row_id) == (ProblemKind.EDITED, 2)
    assert "details" in problem.message


def test_a_removed_row_is_named_by_its_seq() -> None:
    rows = chain(5)
    del rows[1]
    problem = verify(rows, head_of(chain(5))).problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.row_id) == (ProblemKind.REMOVED, 2, None)
    assert "row 3 at seq 3" in problem.message


def test_rows_removed_at_the_end_are_caught_by_the_head() -> None:
    rows = chain(5)
    problem = verify(rows[:3], head_of(rows)).problem
    assert problem is not None
    assert (problem.kind, problem.seq) == (ProblemKind.TRUNCATED, 4)


def test_rows_removed_at_the_end_with_the_head_lowered_are_caught_by_a_checkpoint() -> None:
    rows = chain(5)
    problem = verify(rows[:3], head_of(rows[:3]), [checkpoint_at(rows[4])]).problem
    assert problem is not None
    assert (problem.kind, problem.seq) == (ProblemKind.TRUNCATED, 4)


def test_a_row_inserted_by_renumbering_the_rest_is_named() -> None:
    rows = chain(4)
    forged = dataclasses.replace(rows[1], row_id=99, seq=3, subject_id="FORGED")
    renumbered = [dataclasses.replace(r, seq=r.seq + 1) for r in rows[2:] if r.seq is not None]
    tampered = rehash([*rows[:2], forged], start=2) + renumbered
    problem = verify(tampered, ChainHead(5, str(renumbered[-1].hash))).problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.row_id, problem.subject) == (
        ProblemKind.INSERTED,
        3,
        99,
        "block FORGED",
    )


def as_stored(rows: Sequence[ChainRow]) -> list[ChainRow]:
    """The rows as a store keeping no previous hash hands them over (0021):
    each row's prev_hash is the hash of the row at seq - 1, None if none."""
    hashes: dict[int, str | None] = {r.seq: r.hash for r in rows if r.seq is not None}
    hashes[0] = GENESIS
    return [
        dataclasses.replace(r, prev_hash=None if r.seq is None else hashes.get(r.seq - 1))
        for r in rows
    ]


def test_a_row_slipped_in_is_named_where_no_previous_hash_is_stored() -> None:
    rows = chain(5)
    forged = dataclasses.replace(rows[1], row_id=99, seq=3, subject_id="FORGED")
    renumbered = [dataclasses.replace(r, seq=r.seq + 1) for r in rows[2:] if r.seq is not None]
    tampered = as_stored(rehash([*rows[:2], forged], start=2) + renumbered)
    # The forged row links to the one before it: only the row after it tells.
    assert tampered[3].prev_hash == tampered[2].hash
    for head in (head_of(rows), head_of(tampered)):
        problem = verify(tampered, head).problem
        assert problem is not None
        assert (problem.kind, problem.seq, problem.row_id, problem.subject) == (
            ProblemKind.INSERTED,
            3,
            99,
            "block FORGED",
        )
        assert "row 3 after it was chained at seq 3" in problem.message


def test_an_edit_or_a_swap_is_not_taken_for_a_slipped_in_row() -> None:
    rows = chain(5)
    edited = as_stored([*rows[:3], dataclasses.replace(rows[3], actor="mallory"), rows[4]])
    problem = verify(edited, head_of(rows)).problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.row_id) == (ProblemKind.EDITED, 4, 4)
    swapped = as_stored(
        [
            *rows[:2],
            dataclasses.replace(rows[3], seq=3),
            dataclasses.replace(rows[2], seq=4),
            rows[4],
        ]
    )
    problem = verify(swapped, head_of(rows)).problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.row_id, problem.subject) == (
        ProblemKind.EDITED,
        3,
        4,
        "block B-4",
    )


def test_a_row_appended_beyond_the_head_is_named() -> None:
    rows = chain(4)
    problem = verify(rows, head_of(rows[:3])).problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.row_id) == (ProblemKind.INSERTED, 4, 4)


def test_a_second_row_with_a_taken_seq_is_named() -> None:
    rows = chain(3)
    twin = dataclasses.replace(rows[1], row_id=50, subject_id="TWIN")
    problem = verify([rows[0], rows[1], twin, rows[2]], head_of(rows)).problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.row_id) == (ProblemKind.INSERTED, 2, 50)


def test_a_replaced_row_that_does_not_link_is_named() -> None:
    rows = chain(4)
    old = rows[2]
    assert old.event is not None and old.actor is not None and old.at is not None
    assert old.details is not None
    prev = "ab" * 32  # self-consistent, but not linked to the row before
    canonical = canonical_event(3, "block", "NEW", old.event, old.actor, old.at, old.details)
    replaced = dataclasses.replace(
        old, row_id=77, subject_id="NEW", prev_hash=prev, hash=link(prev, canonical)
    )
    problem = verify([rows[0], rows[1], replaced, rows[3]], head_of(rows)).problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.row_id) == (ProblemKind.INSERTED, 3, 77)


def test_a_forged_checkpoint_is_caught() -> None:
    rows = chain(4)
    genuine = checkpoint_at(rows[2])
    forged = dataclasses.replace(genuine, signature=bytes(32))
    problem = verify(rows, head_of(rows), [forged]).problem
    assert problem is not None
    assert (problem.kind, problem.seq) == (ProblemKind.CHECKPOINT_FORGED, 3)
    # A genuine signature moved to another time no longer verifies either.
    moved = dataclasses.replace(genuine, at=T0 + timedelta(seconds=1))
    moved_problem = verify(rows, head_of(rows), [moved]).problem
    assert moved_problem is not None and moved_problem.kind is ProblemKind.CHECKPOINT_FORGED


def test_a_chain_rewritten_with_recomputed_hashes_is_caught_at_the_next_checkpoint() -> None:
    rows = chain(6)
    checkpoints = [checkpoint_at(rows[0]), checkpoint_at(rows[4])]
    edited = dataclasses.replace(rows[2], actor="bureau:mallory")
    rewritten = rehash([*rows[:2], edited, *rows[3:]], start=2)
    report = verify(rewritten, head_of(rewritten), checkpoints)
    problem = report.problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.row_id) == (ProblemKind.CHECKPOINT_MISMATCH, 5, 5)
    assert "between the checkpoint at seq 1 and seq 5" in problem.message
    assert report.checkpoints_checked == 1


def test_a_missing_or_edited_head_is_caught() -> None:
    rows = chain(3)
    missing = verify(rows, None).problem
    assert missing is not None and missing.kind is ProblemKind.HEAD_MISMATCH
    edited = verify(rows, ChainHead(3, "cd" * 32)).problem
    assert edited is not None and (edited.kind, edited.seq) == (ProblemKind.HEAD_MISMATCH, 3)
    empty = verify([], ChainHead(0, "cd" * 32)).problem
    assert empty is not None and empty.kind is ProblemKind.HEAD_MISMATCH


def test_a_walk_from_a_checkpoint_needs_the_next_row_to_link_to_it() -> None:
    rows = chain(5)
    start = head_of(rows[:2])
    walk = ChainVerifier([], _verify, start=start)
    walk.feed(rows[2:], head_of(rows))
    assert walk.finish(head_of(rows)).ok
    # Rows 3.. rewritten to follow another row 1: each is self-consistent.
    forged = rehash([dataclasses.replace(rows[0], actor="mallory"), *rows[2:]])[1:]
    broken = ChainVerifier([], _verify, start=start)
    broken.feed(forged, head_of(forged))
    problem = broken.finish(head_of(forged)).problem
    assert problem is not None and (problem.kind, problem.seq) == (ProblemKind.INSERTED, 3)


# --- any single byte-level change to any field of any row is detected -----------

FIELDS = (
    "seq",
    "subject_kind",
    "subject_id",
    "event",
    "actor",
    "at",
    "details",
    "prev_hash",
    "hash",
)


def _flip(data: bytes, position: int, delta: int) -> bytes:
    if not data:
        return bytes([delta])
    changed = bytearray(data)
    index = position % len(data)
    changed[index] = (changed[index] + delta) % 256
    return bytes(changed)


def _mutated(row: ChainRow, field: str, position: int, delta: int) -> ChainRow:
    """``row`` with one byte of ``field``'s stored form changed, read back as the
    repository reads it (an unreadable value is None)."""
    value = getattr(row, field)
    if field == "seq":
        text = _flip(str(value).encode(), position, delta).decode("utf-8", "surrogateescape")
        new: object = int(text) if text.isascii() and text.strip().lstrip("+-").isdigit() else None
    elif field == "at":
        assert isinstance(value, datetime)
        stored = value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        text = _flip(stored.encode(), position, delta).decode("utf-8", "surrogateescape")
        try:
            new = datetime.fromisoformat(text).replace(tzinfo=UTC)
        except ValueError:
            new = None
    elif field == "details":
        text = _flip(dumps(value).encode(), position, delta).decode("utf-8", "surrogateescape")
        new = decode_details(text)
    else:
        new = _flip(str(value).encode(), position, delta).decode("utf-8", "surrogateescape")
    assume(new != value)
    changes: dict[str, Any] = {field: new}
    return dataclasses.replace(row, **changes)


@settings(max_examples=400, deadline=None)
@given(
    count=st.integers(min_value=1, max_value=6),
    which=st.integers(min_value=0, max_value=5),
    field=st.sampled_from(FIELDS),
    position=st.integers(min_value=0, max_value=200),
    delta=st.integers(min_value=1, max_value=255),
    checkpointed=st.booleans(),
)
def test_any_single_byte_change_to_any_field_of_any_row_is_detected(
    count: int, which: int, field: str, position: int, delta: int, checkpointed: bool
) -> None:
    rows = chain(count)
    head = head_of(rows)
    checkpoints = [checkpoint_at(rows[-1])] if checkpointed else []
    rows[which % count] = _mutated(rows[which % count], field, position, delta)
    # Stored order as the repository reads it: seq > 0, by seq then id;
    # SQLite sorts a seq that is not a number after every number.
    stored = sorted(
        (r for r in rows if r.seq is None or r.seq > 0),
        key=lambda r: (r.seq is None, r.seq or 0, r.row_id),
    )
    assert not verify(stored, head, checkpoints).ok


def test_details_decode_only_as_the_hub_writes_them() -> None:
    assert decode_details(dumps({"b": "1", "a": "签"})) == {"b": "1", "a": "签"}
    for odd in ('{"a": "1"}', '{"a":"\\u7b7e"}', '{"a":"1","a":"1"}', '{"a":1}', "[]", "{", None):
        assert decode_details(odd) is None, odd
    assert json.loads('{"a":"\\u7b7e"}') == {"a": "签"}  # same meaning, other bytes: refused


def test_each_row_found_chained_is_told_with_its_canonical_bytes_up_to_an_edit() -> None:
    rows = chain(5)
    edited = dataclasses.replace(rows[3], actor="someone else")
    told: list[tuple[int, bytes]] = []
    verifier = ChainVerifier([], _verify, on_row=lambda seq, data: told.append((seq, data)))
    assert not verifier.feed([*rows[:3], edited, rows[4]], head_of(rows))
    assert [seq for seq, _ in told] == [1, 2, 3]
    for (seq, data), row in zip(told, rows, strict=False):
        assert row.prev_hash is not None and link(row.prev_hash, data) == row.hash
        assert seq == row.seq
