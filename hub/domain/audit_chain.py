"""The audit log as a hash chain with hub-signed checkpoints (pure: hashlib, json).

Every ledger event gets a sequence number ``seq`` (1, 2, 3, ...) and

    hash = SHA-256(bytes.fromhex(prev_hash) + canonical_event(seq, event))

where ``prev_hash`` is the hash of the event at ``seq - 1`` (``GENESIS`` for
seq 1). A store may keep only each row's hash (migration 0021 keeps it as
32 bytes) and hand the verifier the previous row's as ``prev_hash``. What
that catches, done directly in the database:

* an edited column: the row's hash no longer recomputes (EDITED);
* a deleted row: a gap in ``seq`` (REMOVED); deleted rows at the end: the
  head the hub records with every append, (last seq, last hash), lies beyond
  the last row (TRUNCATED);
* a row slipped in: a seq taken twice, a row that does not link to the one
  before, a row whose hash is its own one seq lower after the row two back
  (the rows after a slipped-in one renumbered), a row beyond the recorded
  head (INSERTED);
* a rewrite that recomputes every hash from some row on (and the head): the
  chain's hash at a checkpoint's seq differs from the one the hub signed
  (CHECKPOINT_MISMATCH); a checkpoint whose signature fails is FORGED.

A rewrite after the last checkpoint is caught only once a checkpoint covers
it; that is why the hub checkpoints periodically and checks the rows since
the previous checkpoint before it signs a new one.

The surrogate row id is not hashed: it is the database's, not the event's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "CHECKPOINT_PAYLOAD_TYPE",
    "GENESIS",
    "GENESIS_HEAD",
    "AuditProblem",
    "AuditReport",
    "ChainHead",
    "ChainRow",
    "ChainVerifier",
    "Checkpoint",
    "PreparedEvent",
    "ProblemKind",
    "canonical_event",
    "checkpoint_statement",
    "is_hash",
    "link",
    "link_digest",
    "prepare_event",
    "rfc3339",
    "verify_chain",
]

GENESIS = "0" * 64
# The DSSE payload type the hub signs checkpoint statements under.
CHECKPOINT_PAYLOAD_TYPE = "application/vnd.carbonhub.audit-checkpoint+json"
_HEX = frozenset("0123456789abcdef")


def rfc3339(at: datetime) -> str:
    """RFC 3339 in UTC with microseconds, e.g. ``2026-11-24T08:00:00.000000Z``.

    isoformat rather than strftime: strftime does not zero-pad years below 1000.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at!r}: the audit log hashes aware UTC instants")
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _canonical_json(data: Mapping[str, Any]) -> bytes:
    # surrogatepass: a lone surrogate in tampered text must not crash the
    # verifier, and it encodes to bytes no valid UTF-8 text produces.
    text = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8", "surrogatepass")


def canonical_event(
    seq: int,
    subject_kind: str,
    subject_id: str,
    event: str,
    actor: str,
    at: datetime,
    details: Mapping[str, str],
) -> bytes:
    """The bytes an event's hash covers: canonical JSON (sorted keys, no spaces, UTF-8)."""
    return _canonical_json(
        {
            "actor": actor,
            "at": rfc3339(at),
            "details": dict(details),
            "event": event,
            "seq": seq,
            "subject_id": subject_id,
            "subject_kind": subject_kind,
        }
    )


@dataclass(frozen=True, slots=True)
class PreparedEvent:
    """An event's canonical bytes around its seq, built before the seq is known.

    The appender serialises events before it takes the chain's lock; under
    the lock only the seq is spliced in and the hash computed.
    """

    prefix: bytes
    suffix: bytes

    def canonical(self, seq: int) -> bytes:
        return self.prefix + str(int(seq)).encode("ascii") + self.suffix


def prepare_event(
    subject_kind: str,
    subject_id: str,
    event: str,
    actor: str,
    at: datetime,
    details: Mapping[str, str],
) -> PreparedEvent:
    """``prepare_event(...).canonical(seq) == canonical_event(seq, ...)``.

    With sorted keys "seq" sits between "event" and "subject_id", so the
    canonical object splits into the keys before it and the keys after it.
    """
    before = _canonical_json(
        {"actor": actor, "at": rfc3339(at), "details": dict(details), "event": event}
    )
    after = _canonical_json({"subject_id": subject_id, "subject_kind": subject_kind})
    return PreparedEvent(prefix=before[:-1] + b',"seq":', suffix=b"," + after[1:])


def is_hash(value: object) -> bool:
    """64 lower-case hex digits: the only spelling the chain writes."""
    return isinstance(value, str) and len(value) == 64 and _HEX.issuperset(value)


def link(prev_hash: str, canonical: bytes) -> str:
    """The hash of an event whose predecessor's hash is ``prev_hash``."""
    return link_digest(bytes.fromhex(prev_hash), canonical).hex()


def link_digest(prev_digest: bytes, canonical: bytes) -> bytes:
    """``link`` on the 32 raw bytes: what the appender chains and stores,
    with no hex spelled per event."""
    return hashlib.sha256(prev_digest + canonical).digest()


def checkpoint_statement(seq: int, head_hash: str, at: datetime) -> bytes:
    """The canonical JSON bytes the hub signs for a checkpoint."""
    return _canonical_json({"at": rfc3339(at), "head_hash": head_hash, "seq": seq})


@dataclass(frozen=True, slots=True)
class ChainRow:
    """One stored event as read back for verification.

    A value the store could not read as its type (a NULL, text where a number
    belongs, details that are not the JSON object of strings the hub writes)
    is None: the verifier reports that row as edited.
    """

    row_id: int
    seq: int | None
    subject_kind: str | None
    subject_id: str | None
    event: str | None
    actor: str | None
    at: datetime | None
    details: Mapping[str, str] | None
    prev_hash: str | None
    hash: str | None

    @property
    def subject(self) -> str:
        return f"{self.subject_kind} {self.subject_id}"


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The hub's signature over the chain's (seq, hash) at one moment."""

    seq: int
    head_hash: str
    at: datetime
    key_id: str
    signature: bytes

    def statement(self) -> bytes:
        return checkpoint_statement(self.seq, self.head_hash, self.at)


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The last (seq, hash) appended, recorded by the hub with every append."""

    seq: int
    hash: str


GENESIS_HEAD = ChainHead(0, GENESIS)


class ProblemKind(StrEnum):
    EDITED = "EDITED"  # a row's content no longer matches its hash
    REMOVED = "REMOVED"  # rows missing inside the chain (a gap in seq)
    INSERTED = "INSERTED"  # a row that the chain does not lead to, or beyond the head
    TRUNCATED = "TRUNCATED"  # rows missing at the end (head or a checkpoint lies beyond)
    HEAD_MISMATCH = "HEAD_MISMATCH"  # the recorded head is missing or not the chain's
    CHECKPOINT_FORGED = "CHECKPOINT_FORGED"  # its signature does not verify
    CHECKPOINT_MISMATCH = "CHECKPOINT_MISMATCH"  # the chain was rewritten under it


@dataclass(frozen=True, slots=True)
class AuditProblem:
    kind: ProblemKind
    seq: int | None  # the chain position of the first bad row (the first missing one)
    row_id: int | None  # None when the row is gone
    subject: str | None  # "block B-1", when there is a row to name
    message: str


@dataclass(frozen=True, slots=True)
class AuditReport:
    rows_checked: int
    checkpoints_checked: int
    verified_to: ChainHead  # the last (seq, hash) that checked out
    problem: AuditProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _missing_fields(row: ChainRow) -> list[str]:
    missing = [
        name
        for name in ("subject_kind", "subject_id", "event", "actor", "at", "details")
        if getattr(row, name) is None
    ]
    if row.at is not None and (row.at.tzinfo is None or row.at.utcoffset() is None):
        missing.append("at")
    if not is_hash(row.hash):
        missing.append("hash")
    if not is_hash(row.prev_hash):
        # Not stored since 0021: the hash of the row at seq - 1, read for this one.
        before = "" if row.seq is None else f" (seq {row.seq - 1})"
        missing.append(f"the hash of the row before it{before}")
    return missing


def _canonical_row(row: ChainRow, seq: int) -> bytes:
    """The row's canonical bytes were it at ``seq`` (_missing_fields(row) empty)."""
    assert row.subject_kind is not None and row.subject_id is not None
    assert row.event is not None and row.actor is not None
    assert row.at is not None and row.details is not None
    return canonical_event(
        seq, row.subject_kind, row.subject_id, row.event, row.actor, row.at, row.details
    )


class ChainVerifier:
    """Walks the chain row by row, holding only the last two rows' hashes.

    Feed rows in stored order (by seq, then row id), one page after the
    other with the head read together with each page (see ``feed``); then
    ``finish``. Stops at the first problem. ``start`` resumes after a
    position already trusted (a verified checkpoint): the next row must be
    ``start.seq + 1`` and link to ``start.hash``.
    """

    def __init__(
        self,
        checkpoints: Sequence[Checkpoint],
        verify_checkpoint: Callable[[Checkpoint], bool],
        *,
        start: ChainHead = GENESIS_HEAD,
        on_row: Callable[[int, bytes], None] | None = None,
    ) -> None:
        """``on_row(seq, canonical)``: each row's canonical bytes once they hash
        as chained (a later check may still fail: the report tells)."""
        self._verify_checkpoint = verify_checkpoint
        self._on_row = on_row
        # Checkpoints at or before the start are not on this walk's path.
        self._pending = sorted(
            (cp for cp in checkpoints if cp.seq > start.seq), key=lambda cp: cp.seq
        )
        self._next_checkpoint = 0
        self._last_seq = start.seq
        self._last_hash = start.hash
        self._before_last_hash: str | None = None
        self._last_row: ChainRow | None = None
        self._last_good_checkpoint: int | None = None
        self._rows = 0
        self._checkpoints = 0
        self._problem: AuditProblem | None = None

    @property
    def problem(self) -> AuditProblem | None:
        return self._problem

    def feed(self, rows: Iterable[ChainRow], head: ChainHead | None) -> bool:
        """Check ``rows``; False once a problem is found (stop reading).

        ``head`` is the hub's recorded head as read in the same transaction
        as these rows, before them, so that it covers every row the hub had
        appended: a row beyond it was not appended by the hub. None means the
        store has no head record.
        """
        for row in rows:
            if self._problem is not None:
                return False
            self._row(row, head)
        return self._problem is None

    def finish(self, head: ChainHead | None) -> AuditReport:
        """The report, once the last page was fed (``head`` read with that page)."""
        if self._problem is None:
            self._finish(head)
        return AuditReport(
            rows_checked=self._rows,
            checkpoints_checked=self._checkpoints,
            verified_to=ChainHead(self._last_seq, self._last_hash),
            problem=self._problem,
        )

    # --- rows -------------------------------------------------------------------

    def _fail(self, kind: ProblemKind, seq: int | None, row: ChainRow | None, message: str) -> None:
        self._problem = AuditProblem(
            kind=kind,
            seq=seq,
            row_id=None if row is None else row.row_id,
            subject=None if row is None else row.subject,
            message=message,
        )

    def _row(self, row: ChainRow, head: ChainHead | None) -> None:
        expected = self._last_seq + 1
        if row.seq is None:
            self._fail(ProblemKind.EDITED, None, row, f"row {row.row_id} has no readable seq")
            return
        if row.seq < 1:
            # Seqs start at 1: a row below is read first and is no event of the chain.
            self._fail(
                ProblemKind.INSERTED,
                row.seq,
                row,
                f"row {row.row_id} has seq {row.seq}, before the chain's first (1): inserted",
            )
            return
        if row.seq < expected:
            # Stored order is by seq: a seq below the next one repeats one already seen.
            self._fail(
                ProblemKind.INSERTED,
                row.seq,
                row,
                f"a second row with seq {row.seq}: row {row.row_id} was inserted",
            )
            return
        if row.seq > expected:
            gap = f"seq {expected}" if row.seq == expected + 1 else f"seq {expected}..{row.seq - 1}"
            self._fail(
                ProblemKind.REMOVED,
                expected,
                None,
                f"{gap} removed: the next stored row is row {row.row_id} at seq {row.seq}",
            )
            return
        if not self._row_content(row):
            return
        self._rows += 1
        self._before_last_hash, self._last_hash = self._last_hash, str(row.hash)
        self._last_seq, self._last_row = row.seq, row
        self._reach(row.seq, row)
        if self._problem is None and head is not None:
            self._against_head(row, head)
        elif self._problem is None:
            self._fail(
                ProblemKind.HEAD_MISMATCH,
                row.seq,
                row,
                "the hub's head record is missing or unreadable while rows exist",
            )

    def _row_content(self, row: ChainRow) -> bool:
        """The row at the expected seq: its own hash, then its link to the row before."""
        links = row.prev_hash == self._last_hash
        previous = self._last_row
        if not links and previous is not None and row.prev_hash == self._before_last_hash:
            # It links to the row two back: the row between was slipped in
            # (and the rows after it renumbered to make room).
            self._fail(
                ProblemKind.INSERTED,
                previous.seq,
                previous,
                f"row {previous.row_id} at seq {previous.seq} was inserted: "
                f"row {row.row_id} after it links to the row before it",
            )
            return False
        missing = _missing_fields(row)
        if missing:
            self._fail(
                ProblemKind.EDITED,
                row.seq,
                row,
                f"row {row.row_id}: {', '.join(missing)} missing or not as the hub writes it",
            )
            return False
        assert row.seq is not None and row.prev_hash is not None
        canonical = _canonical_row(row, row.seq)
        if link(row.prev_hash, canonical) != row.hash:
            if self._renumbered(row):
                assert previous is not None
                self._fail(
                    ProblemKind.INSERTED,
                    previous.seq,
                    previous,
                    f"row {previous.row_id} at seq {previous.seq} was inserted: "
                    f"row {row.row_id} after it was chained at seq {previous.seq}, after the row "
                    "before it",
                )
                return False
            # No previous hash is stored (migration 0021): a row whose content
            # does not hash after the row before it was edited, or the row
            # before was rewritten with a recomputed hash; say both.
            after = "" if previous is None else f" chained after row {previous.row_id}"
            self._fail(
                ProblemKind.EDITED,
                row.seq,
                row,
                f"row {row.row_id} was edited: its content no longer matches its hash{after}"
                + (
                    ""
                    if previous is None
                    else " (or that row was rewritten with a recomputed hash)"
                ),
            )
            return False
        if not links:
            before = "the chain's start" if self._last_row is None else f"seq {self._last_seq}"
            self._fail(
                ProblemKind.INSERTED,
                row.seq,
                row,
                f"row {row.row_id} does not link to {before}: inserted or replaced "
                "(or the row before was rewritten with a recomputed hash)",
            )
            return False
        if self._on_row is not None:
            self._on_row(row.seq, canonical)
        return True

    def _renumbered(self, row: ChainRow) -> bool:
        """Whether ``row`` (which does not hash where it is) hashes as the row
        one seq lower after the row two back: the row before it was slipped in
        and the rows from there renumbered. A store that keeps no previous
        hash per row tells that only this way (checked on a mismatch only)."""
        if self._last_row is None or self._before_last_hash is None:
            return False
        assert row.seq is not None
        return link(self._before_last_hash, _canonical_row(row, row.seq - 1)) == row.hash

    def _reach(self, seq: int, row: ChainRow) -> None:
        """Check the checkpoints at ``seq``, the position the walk just reached."""
        while self._problem is None and self._next_checkpoint < len(self._pending):
            checkpoint = self._pending[self._next_checkpoint]
            if checkpoint.seq > seq:
                return
            self._next_checkpoint += 1
            if not self._verify_checkpoint(checkpoint):
                self._fail(
                    ProblemKind.CHECKPOINT_FORGED,
                    checkpoint.seq,
                    row,
                    f"the checkpoint at seq {checkpoint.seq} (key {checkpoint.key_id}) "
                    "does not carry a valid hub signature",
                )
            elif checkpoint.head_hash != self._last_hash:
                since = (
                    "the chain's start"
                    if self._last_good_checkpoint is None
                    else f"the checkpoint at seq {self._last_good_checkpoint}"
                )
                self._fail(
                    ProblemKind.CHECKPOINT_MISMATCH,
                    checkpoint.seq,
                    row,
                    f"the chain was rewritten between {since} and seq {checkpoint.seq}: "
                    "its hash there is not the one the hub signed",
                )
            else:
                self._checkpoints += 1
                self._last_good_checkpoint = checkpoint.seq

    def _against_head(self, row: ChainRow, head: ChainHead) -> None:
        assert row.seq is not None
        if row.seq == head.seq and row.hash != head.hash:
            self._fail(
                ProblemKind.HEAD_MISMATCH,
                row.seq,
                row,
                f"the hub recorded another hash for seq {head.seq}: the chain up to row "
                f"{row.row_id} was rewritten, or the head record edited",
            )
        elif row.seq > head.seq:
            self._fail(
                ProblemKind.INSERTED,
                row.seq,
                row,
                f"row {row.row_id} at seq {row.seq} lies beyond the head the hub recorded "
                f"(seq {head.seq}): it was not appended by the hub",
            )

    # --- the end ------------------------------------------------------------------

    def _finish(self, head: ChainHead | None) -> None:
        last = self._last_seq
        remaining = self._pending[self._next_checkpoint :]
        for checkpoint in remaining:
            if not self._verify_checkpoint(checkpoint):
                self._fail(
                    ProblemKind.CHECKPOINT_FORGED,
                    checkpoint.seq,
                    None,
                    f"the checkpoint at seq {checkpoint.seq} (key {checkpoint.key_id}) "
                    "does not carry a valid hub signature",
                )
                return
        if head is None:
            if remaining or self._rows:
                self._fail(
                    ProblemKind.HEAD_MISMATCH,
                    last + 1,
                    None,
                    "the hub's head record is missing or unreadable",
                )
            return
        if head.seq > last:
            self._fail(
                ProblemKind.TRUNCATED,
                last + 1,
                None,
                f"the hub appended up to seq {head.seq} but the chain ends at seq {last}: "
                f"rows {last + 1}..{head.seq} removed",
            )
        elif head.seq == last and head.hash != self._last_hash:
            self._fail(
                ProblemKind.HEAD_MISMATCH,
                last,
                self._last_row,
                f"the hub recorded another hash for seq {last}",
            )
        elif head.seq < last:
            # Rows beyond the head were reported as they came; this is a head
            # below the position the walk started from (a signed checkpoint).
            self._fail(
                ProblemKind.HEAD_MISMATCH,
                head.seq,
                None,
                f"the hub's head record (seq {head.seq}) lies below seq {last}, "
                "which a checkpoint covers: the head record was edited",
            )
        elif remaining:
            self._fail(
                ProblemKind.TRUNCATED,
                last + 1,
                None,
                f"the hub signed a checkpoint at seq {remaining[0].seq} but the chain ends "
                f"at seq {last}: rows {last + 1}..{remaining[-1].seq} (at least) removed",
            )


def verify_chain(
    rows: Iterable[ChainRow],
    checkpoints: Sequence[Checkpoint],
    head: ChainHead | None,
    verify_checkpoint: Callable[[Checkpoint], bool],
) -> AuditReport:
    """Verify a whole chain read in one consistent snapshot (see ChainVerifier).

    ``rows`` is iterated once, lazily: a generator over millions of rows
    holds one row at a time.
    """
    verifier = ChainVerifier(checkpoints, verify_checkpoint)
    verifier.feed(rows, head)
    return verifier.finish(head)
