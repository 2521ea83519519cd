"""docs/audit-log.md is enough to verify the hub's audit log without its code.

The verifier below is written from that page alone: the rows read with
plain SQL, checkpoints fetched from the disclosure API, the public key from
``hub-signing.pub``, and only hashlib, json, base64, msgpack and
cryptography (no hub module). Over a real ledger (claims, issuance, retirements, a
cancellation, through the hub's services) it must agree with the hub's own
``AuditService.verify``: intact with the same head, and, once tampered, the
same kind of problem at the same seq. SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import text

from hub.domain.published_checkpoint import read_published

from .conftest import LiveLedger, populate

GENESIS = bytes(32)  # the previous hash of seq 1
PAYLOAD_TYPE = b"application/vnd.carbonhub.audit-checkpoint+json"


# --- the independent verifier: docs/audit-log.md, sections 1 to 5 -------------


def canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def instant(value: object) -> str:
    if isinstance(value, int):  # SQLite since 0031: microseconds since 1970, UTC
        value = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=value)
    if isinstance(value, str):  # SQLite before: "YYYY-MM-DD HH:MM:SS.ffffff", UTC
        return value.replace(" ", "T") + "Z"
    assert isinstance(value, datetime) and value.tzinfo is not None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Verdict:
    kind: str  # INTACT, EDITED, REMOVED, INSERTED, TRUNCATED, HEAD_MISMATCH, CHECKPOINT_...
    seq: int  # the last seq for INTACT, else where the problem is


def key_of(pem: bytes) -> tuple[str, Ed25519PublicKey]:
    key = serialization.load_pem_public_key(pem)
    assert isinstance(key, Ed25519PublicKey)
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16], key


def signature_ok(checkpoint: dict[str, Any], keys: dict[str, Ed25519PublicKey]) -> bool:
    statement = canonical(
        {"at": checkpoint["at"], "head_hash": checkpoint["head_hash"], "seq": checkpoint["seq"]}
    )
    if checkpoint["statement"].encode("utf-8") != statement:
        return False
    key = keys.get(checkpoint["key_id"])
    if key is None:
        return False
    pae = b"DSSEv1 %d %s %d %s" % (len(PAYLOAD_TYPE), PAYLOAD_TYPE, len(statement), statement)
    try:
        key.verify(base64.b64decode(checkpoint["signature"], validate=True), pae)
    except (InvalidSignature, ValueError):
        return False
    return True


# Section 1's table of key codes, in code order.
KEYS = [
    "record_id",
    "content_digest",
    "credited_tco2e",
    "sequence",
    "points",
    "points_platform",
    "points_months",
    "points_uncapped",
    "partner",
    "key_id",
    "seq",
    "field",
    "block_id",
    "project_id",
    "serial",
    "reference",
    "reason",
    "from",
    "units",
    "tree_size",
    "state",
    "person",
    "issuance_id",
    "claim_id",
    "comment",
]


def details_of(stored: str, packed: bytes | None) -> dict[str, str]:
    """A row's details: JSON text, or packed (section 1) with the text empty."""
    if packed is None:
        loaded: dict[str, str] = json.loads(stored)
        return loaded
    unpacked = msgpack.unpackb(bytes(packed), raw=False, strict_map_key=False)
    return {
        (KEYS[k] if isinstance(k, int) else k): (v.hex() if isinstance(v, bytes) else str(v))
        for k, v in unpacked.items()
    }


def body_of(
    seq: int, kind: str, subject_id: Any, event: str, actor: str, at: Any, details: dict[str, str]
) -> bytes:
    if isinstance(subject_id, bytes):  # SQLite since 0031: a claim's id as its 16 bytes
        subject_id = subject_id.hex()
    return canonical(
        {
            "actor": actor,
            "at": instant(at),
            "details": details,
            "event": event,
            "seq": seq,
            "subject_id": subject_id,
            "subject_kind": kind,
        }
    )


def verify(
    rows: Sequence[Sequence[Any]],
    head: tuple[int, str] | None,
    checkpoints: Sequence[dict[str, Any]],
    keys: dict[str, Ed25519PublicKey],
) -> Verdict:
    """Section 3's four rules, in order along the chain. A row's hash is its
    32 stored bytes; its previous hash is the previous row's (section 1)."""
    for checkpoint in checkpoints:
        if not signature_ok(checkpoint, keys):
            return Verdict("CHECKPOINT_FORGED", checkpoint["seq"])
    prev = before_prev = GENESIS
    last = 0
    for seq, kind, subject_id, event, actor, at, details, stored in rows:
        if seq < last + 1:
            return Verdict("INSERTED", seq)
        if seq > last + 1:
            return Verdict("REMOVED", last + 1)
        if not isinstance(stored, bytes | memoryview):
            return Verdict("EDITED", seq)
        digest = bytes(stored)
        content = (kind, subject_id, event, actor, at, details)
        if hashlib.sha256(prev + body_of(seq, *content)).digest() != digest:
            # Chained one seq lower after the row two back: the row before
            # was slipped in and the rows from there renumbered.
            if (
                last > 0
                and hashlib.sha256(before_prev + body_of(seq - 1, *content)).digest() == digest
            ):
                return Verdict("INSERTED", last)
            return Verdict("EDITED", seq)
        for checkpoint in checkpoints:
            if checkpoint["seq"] == seq and checkpoint["head_hash"] != digest.hex():
                return Verdict("CHECKPOINT_MISMATCH", seq)
        if head is not None and seq > head[0]:
            return Verdict("INSERTED", seq)
        before_prev, prev = prev, digest
        last = seq
    if head is None or head[0] > last:
        return Verdict("TRUNCATED" if head is not None else "HEAD_MISMATCH", last + 1)
    if head != (last, prev.hex()):
        return Verdict("HEAD_MISMATCH", last)
    if any(checkpoint["seq"] > last for checkpoint in checkpoints):
        return Verdict("TRUNCATED", last + 1)
    return Verdict("INTACT", last)


# --- what a third party holds --------------------------------------------------------


def rows_of(ledger: LiveLedger) -> list[Any]:
    """(seq, kind, subject id, event, actor, at, details, hash) by seq, the
    details read from either of their columns."""
    with ledger.hub.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT seq, subject_kind, subject_id, event, actor, at, details, packed, hash"
                " FROM ledger_events ORDER BY seq"
            )
        ).all()
    return [(*row[:6], details_of(row[6], row[7]), row[8]) for row in rows]


def head_of(ledger: LiveLedger) -> tuple[int, str] | None:
    with ledger.hub.engine.connect() as connection:
        found = connection.execute(text("SELECT seq, hash FROM audit_head WHERE id = 1")).first()
    return None if found is None else (int(found[0]), str(found[1]))


def published_checkpoints(ledger: LiveLedger) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = ""
    while True:
        body = ledger.client.get(
            "/api/v1/audit/checkpoints", params={"limit": 2, "cursor": cursor}
        ).json()
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def hub_keys(tmp_path: Path) -> dict[str, Ed25519PublicKey]:
    key_id, key = key_of((tmp_path / "pki" / "hub-signing.pub").read_bytes())
    return {key_id: key}


def sql(ledger: LiveLedger, statement: str, **params: Any) -> None:
    with ledger.hub.engine.begin() as connection:
        connection.execute(text(statement), params)


def agree(ledger: LiveLedger, tmp_path: Path, held: Sequence[dict[str, Any]] = ()) -> Verdict:
    """The independent verdict, asserted to be the hub's own."""
    stored = published_checkpoints(ledger)
    mine = verify(rows_of(ledger), head_of(ledger), [*stored, *held], hub_keys(tmp_path))
    report = ledger.hub.audit.verify_against([read_published(cp) for cp in held])
    if report.problem is None:
        assert (mine.kind, mine.seq) == ("INTACT", report.verified_to.seq), mine
    else:
        assert (mine.kind, mine.seq) == (str(report.problem.kind), report.problem.seq), (
            mine,
            report.problem,
        )
    return mine


@pytest.fixture
def ledger(live: LiveLedger) -> LiveLedger:
    populate(live)
    assert live.hub.audit.checkpoint() is not None
    return live


def test_the_independent_verifier_agrees_with_the_hub_on_an_intact_ledger(
    ledger: LiveLedger, tmp_path: Path
) -> None:
    verdict = agree(ledger, tmp_path)
    assert verdict.kind == "INTACT" and verdict.seq > 10
    rows = rows_of(ledger)
    assert {row[1] for row in rows} >= {"claim", "block", "project"}  # a real ledger, not a toy
    # As section 1 says: the hash is 32 bytes, and there is no previous hash column.
    assert all(isinstance(row[7], bytes) and len(row[7]) == 32 for row in rows)
    with ledger.hub.engine.connect() as connection:
        columns = connection.execute(text("SELECT * FROM ledger_events LIMIT 1")).keys()
    assert "prev_hash" not in columns


def test_it_names_the_same_edited_row(ledger: LiveLedger, tmp_path: Path) -> None:
    sql(ledger, "UPDATE ledger_events SET actor = 'bureau:mallory' WHERE seq = 5")
    assert agree(ledger, tmp_path) == Verdict("EDITED", 5)


def test_it_names_the_same_row_edited_with_its_hash_recomputed(
    ledger: LiveLedger, tmp_path: Path
) -> None:
    # The row itself checks out; the row after it, chained after its old hash, does not.
    seq, kind, subject_id, event, _, at, details, _ = rows_of(ledger)[4]
    prev = bytes(rows_of(ledger)[3][7])
    digest = hashlib.sha256(
        prev + body_of(seq, kind, subject_id, event, "bureau:mallory", at, details)
    ).digest()
    sql(
        ledger,
        "UPDATE ledger_events SET actor = 'bureau:mallory', hash = :h WHERE seq = :s",
        h=digest,
        s=seq,
    )
    assert agree(ledger, tmp_path) == Verdict("EDITED", seq + 1)


def test_it_names_the_same_row_slipped_in_by_renumbering(
    ledger: LiveLedger, tmp_path: Path
) -> None:
    rows = rows_of(ledger)
    _, kind, subject_id, event, _, at, details, _ = rows[3]
    # Two steps, so that no intermediate state repeats a seq (it is unique).
    sql(ledger, "UPDATE ledger_events SET seq = -seq - 1 WHERE seq >= 4")
    sql(ledger, "UPDATE ledger_events SET seq = -seq WHERE seq < 0")
    # A forged row at seq 4, chained correctly after row 3.
    forged = hashlib.sha256(
        bytes(rows[2][7]) + body_of(4, kind, subject_id, event, "bureau:mallory", at, details)
    ).digest()
    sql(
        ledger,
        "INSERT INTO ledger_events (subject_kind, subject_id, event, actor, at, details, seq,"
        " hash) VALUES (:k, :i, :e, 'bureau:mallory', :at, :d, 4, :h)",
        k=kind,
        i=subject_id,
        e=event,
        at=at,
        d=json.dumps(details, ensure_ascii=False, separators=(",", ":")),
        h=forged,
    )
    assert agree(ledger, tmp_path) == Verdict("INSERTED", 4)


def test_it_sees_the_same_covered_up_truncation_against_a_held_checkpoint(
    ledger: LiveLedger, tmp_path: Path
) -> None:
    (held,) = [ledger.client.get("/api/v1/audit/checkpoints/latest").json()]
    last = held["seq"]
    sql(ledger, "DELETE FROM ledger_events WHERE seq > :s", s=last - 2)
    sql(ledger, "DELETE FROM audit_checkpoints")
    previous = rows_of(ledger)[-1]
    sql(ledger, "UPDATE audit_head SET seq = :s, hash = :h", s=previous[0], h=previous[7].hex())
    assert agree(ledger, tmp_path) == Verdict("INTACT", last - 2)  # the database alone
    assert agree(ledger, tmp_path, [held]) == Verdict("TRUNCATED", last - 1)


def test_it_sees_the_same_rewrite_with_recomputed_hashes(
    ledger: LiveLedger, tmp_path: Path
) -> None:
    rows = rows_of(ledger)
    prev = GENESIS
    for seq, kind, subject_id, event, actor, at, details, _ in rows:
        who = "bureau:mallory" if seq == 3 else actor
        prev = hashlib.sha256(
            prev + body_of(seq, kind, subject_id, event, who, at, details)
        ).digest()
        sql(
            ledger,
            "UPDATE ledger_events SET actor = :a, hash = :h WHERE seq = :s",
            a=who,
            h=prev,
            s=seq,
        )
    sql(ledger, "UPDATE audit_head SET hash = :h", h=prev.hex())
    # The stored checkpoint still vouches for the old chain: both see it rewritten.
    verdict = agree(ledger, tmp_path)
    assert verdict.kind == "CHECKPOINT_MISMATCH" and verdict.seq == rows[-1][0]


def test_it_refuses_the_same_forged_checkpoint(ledger: LiveLedger, tmp_path: Path) -> None:
    sql(ledger, "UPDATE audit_checkpoints SET head_hash = :h", h="a" * 64)
    verdict = agree(ledger, tmp_path)
    assert verdict.kind == "CHECKPOINT_FORGED"
