"""docs/transparency-log.md's worked example, recomputed with the hub's code
so the page cannot drift from it."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.domain.audit_chain import canonical_event
from hub.domain.merkle import inclusion_proof, leaf_hash, node_hash, root_of, verify_inclusion
from hub.domain.tree_head import TREE_HEAD_PAYLOAD_TYPE, tree_head_statement

DOC = (Path(__file__).parents[3] / "docs" / "transparency-log.md").read_text(encoding="utf-8")
ROW_1 = canonical_event(
    1,
    "claim",
    "0193a1b2-0000-7000-8000-000000000001",
    "ACCEPTED",
    "CN-GD",
    datetime(2026, 11, 24, 8, 0, 0, 123456, tzinfo=UTC),
    {"record_id": "GD-PV-001", "note": '屋顶光伏 "A"\n'},
)
ROW_2 = canonical_event(
    2, "block", "B-1", "ISSUED", "hub", datetime(2026, 11, 24, 8, 0, 5, tzinfo=UTC), {}
)
SEED = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"


def test_the_worked_example_is_what_the_hub_computes() -> None:
    leaves = [leaf_hash(ROW_1), leaf_hash(ROW_2)]
    root = node_hash(*leaves)
    assert root == root_of(leaves)
    for value in (leaves[0].hex(), leaves[1].hex(), root.hex()):
        assert value in DOC
    proof = inclusion_proof(0, 2, lambda a, b: root_of(leaves[a:b]))
    assert proof == [leaves[1]] and verify_inclusion(0, 2, leaves[0], proof, root)
    statement = tree_head_statement(2, root.hex(), datetime(2026, 11, 24, 8, 1, tzinfo=UTC))
    assert len(statement) == 129 and statement.decode() in DOC
    kind = TREE_HEAD_PAYLOAD_TYPE.encode()
    assert len(kind) == 46 and f"DSSEv1 46 {TREE_HEAD_PAYLOAD_TYPE} 129 " in DOC
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(SEED))
    signature = key.sign(b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(statement), statement))
    assert base64.b64encode(signature).decode() in DOC
