"""hub.domain.merkle against published RFC 6962 test vectors and by property.

Vectors: transparency-dev/merkle (Go), testonly/constants.go (LeafInputs,
NodeHashes, RootHashes) and proof/verify_test.go (inclusionProofs with a
1-based leaf number, consistencyProofs): the reference the Certificate
Transparency ecosystem (Trillian, Tessera, sumdb) tests against.
"""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from hub.domain.merkle import (
    EMPTY_ROOT,
    Frontier,
    Subtree,
    consistency_proof,
    frontier_ranges,
    inclusion_proof,
    leaf_hash,
    node_hash,
    range_hash,
    root_of,
    subtree_of,
    subtrees_needed,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
NODE_HASHES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
# (1-based leaf, tree size, audit path) from verify_test.go's inclusionProofs.
INCLUSION = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        2,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def _mth(hashes: list[bytes]) -> bytes:
    """RFC 9162's MTH written as the recursion, to hold the fast paths to."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(_mth(hashes[:k]), _mth(hashes[k:]))


def _subtrees(hashes: list[bytes]) -> Subtree:
    def subtree(start: int, end: int) -> bytes:
        subtree_of(start, end)  # only complete subtrees are ever asked for
        return _mth(hashes[start:end])

    return subtree


HASHES = [leaf_hash(leaf) for leaf in LEAVES]


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert root_of([]).hex() == ROOTS[0] == hashlib.sha256(b"").hexdigest()


def test_roots_of_every_prefix_match_the_vectors() -> None:
    for size in range(1, 9):
        assert root_of(HASHES[:size]).hex() == ROOTS[size]


def test_frontier_emits_every_complete_subtree_of_the_vectors() -> None:
    frontier = Frontier()
    made = [node for h in HASHES for node in frontier.append(h)]
    by_level: dict[int, list[str]] = {}
    for node in sorted(made, key=lambda n: (n.level, n.index)):
        assert node.index == len(by_level.get(node.level, []))
        by_level.setdefault(node.level, []).append(node.hash.hex())
    assert [by_level[level] for level in range(4)] == NODE_HASHES


def test_inclusion_proofs_match_the_vectors_and_verify() -> None:
    for leaf, size, path in INCLUSION:
        proof = inclusion_proof(leaf - 1, size, _subtrees(HASHES))
        assert [p.hex() for p in proof] == path
        root = bytes.fromhex(ROOTS[size])
        assert verify_inclusion(leaf - 1, size, HASHES[leaf - 1], proof, root)


def test_consistency_proofs_match_the_vectors_and_verify() -> None:
    for first, second, path in CONSISTENCY:
        proof = consistency_proof(first, second, _subtrees(HASHES))
        assert [p.hex() for p in proof] == path
        assert verify_consistency(
            first, second, bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second]), proof
        )


def test_corrupted_vector_proofs_fail() -> None:
    """The mutations transparency-dev/merkle's verify_test.go applies."""
    some = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
    leaf, size, path = INCLUSION[2]
    proof = [bytes.fromhex(p) for p in path]
    root, h = bytes.fromhex(ROOTS[size]), HASHES[leaf - 1]
    index = leaf - 1
    for args in (
        (index - 1, size, h, proof, root),
        (index + 1, size, h, proof, root),
        (index ^ 2, size, h, proof, root),
        (index, size * 2, h, proof, root),
        (index, size // 2, h, proof, root),
        (index, size, b"WrongLeaf", proof, root),
        (index, size, h, proof, EMPTY_ROOT),
        (index, size, h, proof, some),
        (index, size, h, [*proof, root], root),
        (index, size, h, [root, *proof], root),
        (index, size, h, proof[:-1], root),
        (index, size, h, [proof[0], some, *proof[1:]], root),
    ):
        assert not verify_inclusion(*args)
    first, second, path = CONSISTENCY[2]
    proof = [bytes.fromhex(p) for p in path]
    r1, r2 = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    for cargs in (
        (first - 1, second, r1, r2, proof),
        (first + 1, second, r1, r2, proof),
        (first ^ 2, second, r1, r2, proof),
        (first, second * 2, r1, r2, proof),
        (first, second // 2, r1, r2, proof),
        (first, second, r2, r1, proof),
        (first, second, r1, r2, []),
        (first, second, r1, r2, [*proof, r1]),
        (first, second, r1, r2, [r2, *proof]),
        (first, second, r1, r2, proof[:-1]),
    ):
        assert not verify_consistency(*cargs)


def test_frontier_resumes_from_its_stored_hashes() -> None:
    for size in range(9):
        ranges = frontier_ranges(size)
        resumed = Frontier(size, [_mth(HASHES[a:b]) for a, b in ranges])
        for h in HASHES[size:]:
            resumed.append(h)
        assert resumed.root().hex() == ROOTS[8]


def test_a_proof_needs_only_a_few_subtrees() -> None:
    asked = subtrees_needed(lambda s: inclusion_proof(5, 1_000_000, s))
    assert 0 < len(asked) <= 2 * 20
    for start, end in asked:
        subtree_of(start, end)


def _flip(proof: list[bytes], at: int) -> list[bytes]:
    changed = bytearray(proof[at])
    changed[0] ^= 1
    return [*proof[:at], bytes(changed), *proof[at + 1 :]]


leaf_data = st.lists(st.binary(max_size=8), min_size=1, max_size=70)


@given(leaf_data, st.data())
def test_every_inclusion_proof_verifies_and_a_tampered_one_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    hashes = [leaf_hash(leaf) for leaf in leaves]
    size = data.draw(st.integers(1, len(hashes)))
    index = data.draw(st.integers(0, size - 1))
    root = _mth(hashes[:size])
    proof = inclusion_proof(index, size, _subtrees(hashes))
    assert root_of(hashes[:size]) == root
    assert range_hash(0, size, _subtrees(hashes)) == root
    assert verify_inclusion(index, size, hashes[index], proof, root)
    if proof:
        assert not verify_inclusion(index, size, hashes[index], _flip(proof, 0), root)
        assert not verify_inclusion(index, size, hashes[index], proof[:-1], root)
    assert not verify_inclusion(index, size, leaf_hash(leaves[index] + b"!"), proof, root)
    assert not verify_inclusion(index, size, hashes[index], [*proof, root], root)


@given(leaf_data, st.data())
def test_every_consistency_proof_verifies_and_a_tampered_one_fails(
    leaves: list[bytes], data: st.DataObject
) -> None:
    hashes = [leaf_hash(leaf) for leaf in leaves]
    second = data.draw(st.integers(1, len(hashes)))
    first = data.draw(st.integers(1, second))
    r1, r2 = _mth(hashes[:first]), _mth(hashes[:second])
    proof = consistency_proof(first, second, _subtrees(hashes))
    assert verify_consistency(first, second, r1, r2, proof)
    if first < second:
        assert proof
        assert not verify_consistency(first, second, r1, r2, _flip(proof, len(proof) - 1))
        assert not verify_consistency(first, second, r1, r2, proof[:-1])
        # A history rewritten below ``first``: the old root no longer fits.
        rewritten = [leaf_hash(b"rewritten"), *hashes[1:second]]
        assert not verify_consistency(first, second, r1, _mth(rewritten), proof)
