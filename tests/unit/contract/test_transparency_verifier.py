"""carbonhub_contract.transparency (written from docs/transparency-log.md)
against the hub's own tree (hub.domain.merkle, hub.domain.tree_head): every
proof the hub makes verifies, and any changed hash, index, size, event byte
or tree head field fails."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime

import pytest

from carbonhub_contract.signing import PublicKey, Signer
from carbonhub_contract.transparency import (
    LoggedEvent,
    ProofFailed,
    ProofFailure,
    TreeHead,
    check_tree_head,
    leaf_hash,
    node_hash,
    read_event,
    root_from_inclusion,
    verify_consistency,
    verify_inclusion,
)
from hub.domain import merkle
from hub.domain.audit_chain import canonical_event
from hub.domain.tree_head import TREE_HEAD_PAYLOAD_TYPE, published_tree_head
from hub.domain.tree_head import TreeHead as HubTreeHead
from tests.unit.domain.test_transparency_log_doc import SEED as EXAMPLE_SEED

AT = datetime(2026, 11, 24, 8, 1, tzinfo=UTC)


def _leaves(n: int) -> list[bytes]:
    return [f"leaf {i} of the test tree".encode() for i in range(n)]


def _subtree(hashes: list[bytes]) -> merkle.Subtree:
    def subtree(start: int, end: int) -> bytes:
        return merkle.root_of(hashes[start:end])

    return subtree


def _hub_tree(n: int) -> tuple[list[bytes], merkle.Subtree, bytes]:
    hashes = [merkle.leaf_hash(d) for d in _leaves(n)]
    return hashes, _subtree(hashes), merkle.root_of(hashes)


def test_the_hashing_is_the_hubs() -> None:
    data = b"an event"
    assert leaf_hash(data) == merkle.leaf_hash(data)
    assert node_hash(b"a" * 32, b"b" * 32) == merkle.node_hash(b"a" * 32, b"b" * 32)
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()


@pytest.mark.parametrize("size", range(1, 71))
def test_every_leafs_inclusion_proof_from_the_hub_verifies(size: int) -> None:
    hashes, subtree, root = _hub_tree(size)
    for index in range(size):
        path = merkle.inclusion_proof(index, size, subtree)
        assert verify_inclusion(hashes[index], index, size, path, root), (index, size)
        # Another leaf, another place or another size does not.
        other = hashes[(index + 1) % size]
        if size > 1:
            assert not verify_inclusion(other, index, size, path, root)
            assert not verify_inclusion(hashes[index], (index + 1) % size, size, path, root)
        # The path of the smaller tree does not reach the grown tree's root
        # (the size itself is bound by the signed tree head, not the path).
        grown = merkle.root_of([*hashes, merkle.leaf_hash(b"one more")])
        assert not verify_inclusion(hashes[index], index, size + 1, path, grown)


@pytest.mark.parametrize("size", [2, 5, 8, 13, 70])
def test_a_changed_audit_path_fails(size: int) -> None:
    hashes, subtree, root = _hub_tree(size)
    for index in range(size):
        path = merkle.inclusion_proof(index, size, subtree)
        for at in range(len(path)):
            flipped = bytearray(path[at])
            flipped[at % 32] ^= 1
            changed = [*path[:at], bytes(flipped), *path[at + 1 :]]
            assert not verify_inclusion(hashes[index], index, size, changed, root)
        assert not verify_inclusion(hashes[index], index, size, path[:-1], root)
        assert not verify_inclusion(hashes[index], index, size, [*path, root], root)
        assert not verify_inclusion(hashes[index], index, size, path, b"\x00" * 32)


def test_impossible_inclusion_arguments_are_no_proof() -> None:
    hashes, subtree, _ = _hub_tree(4)
    path = merkle.inclusion_proof(1, 4, subtree)
    assert root_from_inclusion(hashes[1], 4, 4, path) is None
    assert root_from_inclusion(hashes[1], -1, 4, path) is None
    assert root_from_inclusion(hashes[1], 1, 4, [p[:31] for p in path]) is None
    assert verify_inclusion(hashes[0], 0, 1, [], hashes[0])


def test_consistency_of_every_pair_of_small_trees() -> None:
    roots = {n: _hub_tree(n)[2] for n in range(1, 34)}
    for second in range(1, 34):
        _, subtree, _ = _hub_tree(second)
        for first in range(1, second + 1):
            path = merkle.consistency_proof(first, second, subtree)
            assert verify_consistency(first, second, path, roots[first], roots[second]), (
                first,
                second,
            )
            if first < second:
                # A rewritten earlier tree, a wrong later root, or a path cut short fails.
                assert not verify_consistency(
                    first, second, path, node_hash(roots[first], roots[first]), roots[second]
                )
                assert not verify_consistency(first, second, path, roots[first], roots[first])
                assert not verify_consistency(first, second, path[:-1], roots[first], roots[second])
                for at in range(len(path)):
                    flipped = bytearray(path[at])
                    flipped[0] ^= 0x80
                    changed = [*path[:at], bytes(flipped), *path[at + 1 :]]
                    assert not verify_consistency(
                        first, second, changed, roots[first], roots[second]
                    )


def test_consistency_rejects_impossible_sizes() -> None:
    root = _hub_tree(3)[2]
    assert not verify_consistency(0, 3, [], root, root)
    assert not verify_consistency(3, 2, [], root, root)
    assert not verify_consistency(3, 3, [root], root, root)


def _signed_head(size: int, root: bytes, signer: Signer) -> HubTreeHead:
    from hub.domain.tree_head import tree_head_statement

    statement = tree_head_statement(size, root.hex(), AT)
    return HubTreeHead(
        size, root.hex(), AT, signer.key_id, signer.sign(TREE_HEAD_PAYLOAD_TYPE, statement)
    )


@pytest.fixture
def signer() -> Signer:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Signer(Ed25519PrivateKey.from_private_bytes(bytes.fromhex(EXAMPLE_SEED)))


def test_a_hub_signed_tree_head_checks_and_round_trips(signer: Signer) -> None:
    _, _, root = _hub_tree(7)
    published = published_tree_head(_signed_head(7, root, signer))
    head = TreeHead.from_published(json.loads(json.dumps(published)))
    check_tree_head(head, PublicKey(signer.public_key))
    assert head.published() == published
    assert head.root_hash == root


def test_a_forged_or_foreign_tree_head_fails(signer: Signer) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _, _, root = _hub_tree(7)
    published = published_tree_head(_signed_head(7, root, signer))
    key = PublicKey(signer.public_key)

    def failure(**changes: object) -> ProofFailure:
        with pytest.raises(ProofFailed) as failed:
            check_tree_head(TreeHead.from_published({**published, **changes}), key)
        return failed.value.code

    # A bigger tree claimed under the same signature: the statement no longer matches.
    assert failure(tree_size=8) is ProofFailure.TREE_HEAD_STATEMENT_MISMATCH
    assert failure(root_hash="00" * 32) is ProofFailure.TREE_HEAD_STATEMENT_MISMATCH
    # Fields and statement changed together: the signature no longer holds.
    rebuilt = TreeHead(8, root, published["at"], signer.key_id, b"")
    statement = rebuilt.signed_statement().decode()
    assert failure(tree_size=8, statement=statement) is ProofFailure.TREE_HEAD_SIGNATURE_INVALID
    other = Signer(Ed25519PrivateKey.generate())
    assert failure(key_id=other.key_id) is ProofFailure.TREE_HEAD_KEY_UNKNOWN
    # Signed under the receipts' payload type: never passes for a tree head.
    wrong_type = base64.b64encode(
        signer.sign("application/vnd.carbonhub.receipt+json", statement.encode())
    ).decode()
    assert failure(signature=wrong_type) is ProofFailure.TREE_HEAD_SIGNATURE_INVALID
    assert failure(payload_type="text/plain") is ProofFailure.TREE_HEAD_MALFORMED
    with pytest.raises(ProofFailed) as malformed:
        TreeHead.from_published({**published, "tree_size": "7"})
    assert malformed.value.code is ProofFailure.TREE_HEAD_MALFORMED


def test_read_event_takes_the_hubs_canonical_bytes_only() -> None:
    data = canonical_event(
        3, "claim", "C-1", "ACCEPTED", "CN-GD", AT, {"record_id": "GD-1", "note": "碳"}
    )
    event = read_event(data)
    assert event == LoggedEvent(
        3,
        "claim",
        "C-1",
        "ACCEPTED",
        "CN-GD",
        "2026-11-24T08:01:00.000000Z",
        {"note": "碳", "record_id": "GD-1"},
    )
    spaced = json.dumps(json.loads(data), sort_keys=True, ensure_ascii=False).encode()
    for bad in (spaced, data[:-1], b"\xff", b"[]", data.replace(b'"seq":3', b'"seq":"3"')):
        with pytest.raises(ProofFailed) as failed:
            read_event(bad)
        assert failed.value.code is ProofFailure.EVENT_MALFORMED


def test_the_documented_worked_example_verifies(signer: Signer) -> None:
    """docs/transparency-log.md section 7, by this module alone."""
    leaf0 = bytes.fromhex("fac06f13b0cd3009f310d631c6e08094411054dad7427e65d3b203ce0fc6f549")
    leaf1 = bytes.fromhex("3a201a641681c7085602cb96f554fe9a5a62b116da8c5b5a5007c71cdfc3b600")
    root = bytes.fromhex("12ab96d0177bdd28a51fb9b0ffbb1841d099d6130e25371953dd9b91430e192b")
    assert verify_inclusion(leaf0, 0, 2, [leaf1], root)
    signature = base64.b64decode(
        "46nn1sHcIZXEa0rWftnjEsE1zI+q2FYjUgiJYBLckAQw+l5wgDLVT/rFGzKIyIBKOfq8h7iSGFf/LCTxscubBg=="
    )
    head = TreeHead(2, root, "2026-11-24T08:01:00.000000Z", signer.key_id, signature)
    assert len(head.signed_statement()) == 129
    check_tree_head(head, PublicKey(signer.public_key))
