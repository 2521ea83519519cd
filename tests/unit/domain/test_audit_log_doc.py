"""docs/audit-log.md is what a third party verifies the audit log by: its
worked example is recomputed here with the hub's own code (every value the
page shows must be what the hub makes), and the verifier the page prints is
run over that example, accepting it and catching a truncation and a rewrite."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from carbonhub_contract.vocabulary.envelopes import key_id_of, pae
from hub.domain.audit_chain import (
    CHECKPOINT_PAYLOAD_TYPE,
    GENESIS,
    Checkpoint,
    canonical_event,
    checkpoint_statement,
    link,
)
from hub.domain.published_checkpoint import published
from hub.storage.packed_details import pack_details

DOC = Path(__file__).resolve().parents[3] / "docs" / "audit-log.md"
SEED = bytes(range(1, 33))
AT1 = datetime(2026, 11, 24, 8, 0, 0, 123456, tzinfo=UTC)
AT2 = datetime(2026, 11, 24, 8, 0, 5, tzinfo=UTC)
SIGNED_AT = datetime(2026, 11, 24, 8, 1, 0, tzinfo=UTC)
ROW1 = (1, "claim", "0193a1b2-0000-7000-8000-000000000001", "ACCEPTED", "CN-GD", AT1)
DETAILS1 = {"record_id": "GD-PV-001", "note": '屋顶光伏 "A"\n'}
ROW2 = (2, "block", "B-1", "ISSUED", "hub", AT2)


@pytest.fixture(scope="module")
def doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _example() -> dict[str, Any]:
    first = canonical_event(*ROW1, DETAILS1)
    hash1 = link(GENESIS, first)
    second = canonical_event(*ROW2, {})
    hash2 = link(hash1, second)
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    public = key.public_key()
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    statement = checkpoint_statement(2, hash2, SIGNED_AT)
    signed = pae(CHECKPOINT_PAYLOAD_TYPE, statement)
    signature = key.sign(signed)
    return {
        "first": first,
        "hash1": hash1,
        "second": second,
        "hash2": hash2,
        "raw": raw,
        "pem": public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "statement": statement,
        "pae": signed,
        "signature": signature,
        "published": published(Checkpoint(2, hash2, SIGNED_AT, key_id_of(raw), signature)),
    }


def test_every_value_of_the_worked_example_is_what_the_hub_computes(doc: str) -> None:
    example = _example()
    shown = [
        SEED.hex(),
        example["first"].decode(),
        example["first"].hex(),
        example["hash1"],
        example["second"].decode(),
        example["hash2"],
        example["raw"].hex(),
        example["pem"].decode().strip(),
        key_id_of(example["raw"]),
        example["statement"].decode(),
        f"({len(example['statement'])} bytes)",
        example["pae"].decode(),
        example["signature"].hex(),
        json.dumps(example["published"], indent=2, ensure_ascii=False),
    ]
    for value in shown:
        assert value in doc, f"docs/audit-log.md does not show {value!r}"


def _doc_verifier(doc: str) -> dict[str, Any]:
    (code,) = re.findall(r"## 8\. .*?```python\n(.*?)```", doc, flags=re.S)
    namespace: dict[str, Any] = {}
    exec(compile(code, "docs/audit-log.md section 8", "exec"), namespace)
    return namespace


def test_the_verifier_the_page_prints_accepts_the_example_and_catches_tampering(
    doc: str,
) -> None:
    example = _example()
    verifier = _doc_verifier(doc)
    stored_details = json.dumps(DETAILS1, ensure_ascii=False, separators=(",", ":"))
    sqlite_at = AT1.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    # The hash as stored since 0021: 32 bytes, no previous hash beside it.
    # Row 1's details packed, as the hub writes them since 0025; row 2's as
    # JSON text, as rows written before.
    packed = pack_details(DETAILS1)
    rows = [
        (*ROW1[:5], sqlite_at, "", packed, bytes.fromhex(example["hash1"])),
        (*ROW2[:5], AT2, "{}", None, bytes.fromhex(example["hash2"])),  # PostgreSQL-like
    ]
    hashes = verifier["chain"](rows)
    assert hashes == {1: example["hash1"], 2: example["hash2"]}
    checkpoint = example["published"]
    verifier["checkpoint_ok"](checkpoint, example["pem"], hashes)
    with pytest.raises(AssertionError, match="truncated"):
        verifier["checkpoint_ok"](checkpoint, example["pem"], verifier["chain"](rows[:1]))
    rewritten = {1: example["hash1"], 2: "f" * 64}
    with pytest.raises(AssertionError, match="rewritten"):
        verifier["checkpoint_ok"](checkpoint, example["pem"], rewritten)
    edited = [rows[0], (*rows[1][:4], "bureau:mallory", *rows[1][5:])]
    with pytest.raises(AssertionError, match="edited at seq 2"):
        verifier["chain"](edited)
    # Row 2 chains after row 1's stored hash: row 1 edited with its hash
    # recomputed checks out, and row 2 after it does not.
    mallory = (*ROW1[:4], "bureau:mallory", AT1)
    recomputed = bytes.fromhex(link(GENESIS, canonical_event(*mallory, DETAILS1)))
    with pytest.raises(AssertionError, match="edited at seq 2"):
        verifier["chain"]([(*mallory[:5], sqlite_at, stored_details, None, recomputed), rows[1]])
    with pytest.raises(AssertionError, match="edited at seq 1"):
        verifier["chain"]([(*rows[0][:8], bytes(32)), rows[1]])
    with pytest.raises(AssertionError, match="removed or inserted at seq 1"):
        verifier["chain"](rows[1:])
    # SQLite since 0031: the instant as its microseconds, a claim's id of 32
    # hex digits as its 16 bytes; the page's example instant is the one it names.
    claim_id = "0193a1b2000070008000000000000001"
    assert "`1795507200123456` is 2026-11-24 08:00:00.123456 UTC" in doc
    compact = bytes.fromhex(
        link(GENESIS, canonical_event(1, "claim", claim_id, *ROW1[3:], DETAILS1))
    )
    row = (1, "claim", bytes.fromhex(claim_id), *ROW1[3:5], 1795507200123456, "", packed, compact)
    assert verifier["chain"]([row]) == {1: compact.hex()}
    with pytest.raises(AssertionError, match="edited at seq 1"):
        verifier["chain"]([(*row[:5], 1795507200123457, *row[6:])])
    forged = {**checkpoint, "signature": base64.b64encode(bytes(64)).decode()}
    with pytest.raises(InvalidSignature):
        verifier["checkpoint_ok"](forged, example["pem"], hashes)
