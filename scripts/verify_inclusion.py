"""Check a carbon hub's transparency log proofs with SHA-256 and the hub's
public key alone: written from docs/transparency-log.md, none of the hub's code.

    python scripts/verify_inclusion.py --hub http://HOST:PORT --key hub-signing.pub \\
        --claim CLAIM_ID [--since saved-tree-head.json] [--save tree-head.json]

1. fetches the inclusion proof of the claim's event
   (GET /api/v1/audit/proofs/inclusion?claim=ID);
2. checks the tree head's Ed25519 signature (DSSE v1 PAE under the tree
   head payload type) with the hub's public key, and its statement;
3. checks that the event bytes name the claim, hashes them as a leaf and
   walks the audit path to the signed root (RFC 9162 2.1.3.2);
4. with --since, checks the consistency proof from a tree head saved
   earlier to this one (GET /api/v1/audit/proofs/consistency, RFC 9162
   2.1.4.2): the log only grew, nothing was rewritten.

Exit 0 verified, 1 a proof or signature failed, 2 bad arguments or no answer.
Needs Python 3.11 and the ``cryptography`` package only.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

TREE_HEAD_TYPE = b"application/vnd.carbonhub.audit-tree-head+json"


class Failed(Exception):
    """A proof or a signature that does not hold."""


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def check_tree_head(head: dict[str, Any], key: Ed25519PublicKey) -> bytes:
    """The root a tree head signs, once its statement and signature hold."""
    statement = canonical(
        {"at": head["at"], "root_hash": head["root_hash"], "tree_size": head["tree_size"]}
    )
    if head["statement"].encode() != statement:
        raise Failed("the tree head's statement is not the canonical one of its fields")
    if head["payload_type"].encode() != TREE_HEAD_TYPE:
        raise Failed(f"not a tree head: payload type {head['payload_type']}")
    pae = b"DSSEv1 %d %s %d %s" % (
        len(TREE_HEAD_TYPE),
        TREE_HEAD_TYPE,
        len(statement),
        statement,
    )
    try:
        key.verify(base64.b64decode(head["signature"], validate=True), pae)
    except InvalidSignature as error:
        raise Failed(f"the tree head of size {head['tree_size']} is not the hub's") from error
    return bytes.fromhex(head["root_hash"])


def root_from_inclusion(index: int, size: int, leaf_hash: bytes, path: list[bytes]) -> bytes:
    """RFC 9162 2.1.3.2."""
    if not 0 <= index < size:
        raise Failed(f"leaf {index} is not in a tree of {size}")
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            raise Failed("the audit path is too long")
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise Failed("the audit path is too short")
    return r


def check_consistency(first: int, second: int, r1: bytes, r2: bytes, path: list[bytes]) -> None:
    """RFC 9162 2.1.4.2."""
    if first == second:
        if path or r1 != r2:
            raise Failed("two tree heads of one size with other roots")
        return
    if not 0 < first < second:
        raise Failed(f"no consistency from {first} to {second}")
    proof = [r1, *path] if first & (first - 1) == 0 else list(path)
    if not proof:
        raise Failed("an empty consistency proof")
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise Failed("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != r1 or sr != r2:
        raise Failed(f"the tree of {second} events does not extend the one of {first}: rewritten")


def check_inclusion(answer: dict[str, Any], key: Ed25519PublicKey, claim: str) -> dict[str, Any]:
    """The signed tree head the claim's event is proved in."""
    head = answer["tree_head"]
    root = check_tree_head(head, key)
    data = answer["event"].encode("utf-8")
    event = json.loads(data)
    if event.get("subject_kind") != "claim" or event.get("subject_id") != claim:
        raise Failed("the event proved is not about this claim")
    if event.get("seq") != answer["leaf_index"] + 1 or canonical(event) != data:
        raise Failed("the event bytes are not the canonical bytes of the event at that leaf")
    hashed = leaf(data)
    if hashed.hex() != answer["leaf_hash"]:
        raise Failed("the leaf hash is not the hash of the event bytes")
    path = [bytes.fromhex(h) for h in answer["audit_path"]]
    if root_from_inclusion(answer["leaf_index"], head["tree_size"], hashed, path) != root:
        raise Failed("the audit path does not lead to the signed root")
    return dict(head)


def fetch(hub: str, path: str, **query: object) -> dict[str, Any]:
    url = f"{hub.rstrip('/')}/api/v1/audit/{path}?{urllib.parse.urlencode(query)}"
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            found: dict[str, Any] = json.loads(answer.read())
            return found
    except urllib.error.HTTPError as error:
        body = error.read().decode("utf-8", "replace")
        raise SystemExit(f"{url}: HTTP {error.code}: {body}") from error
    except urllib.error.URLError as error:
        raise SystemExit(f"{url}: {error.reason}") from error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hub", required=True, help="the hub's HTTP base URL")
    parser.add_argument("--key", required=True, type=Path, help="the hub's hub-signing.pub")
    parser.add_argument("--claim", required=True, help="the claim id a receipt names")
    parser.add_argument("--since", type=Path, help="a tree head saved earlier (JSON)")
    parser.add_argument("--save", type=Path, help="write the verified tree head here")
    args = parser.parse_args(argv)
    key = load_pem_public_key(args.key.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        print(f"{args.key}: not an Ed25519 public key", file=sys.stderr)
        return 2
    try:
        head = check_inclusion(
            fetch(args.hub, "proofs/inclusion", claim=args.claim), key, args.claim
        )
        print(f"claim {args.claim}: its event is in the signed tree of {head['tree_size']} events")
        if args.since is not None:
            old = json.loads(args.since.read_text(encoding="utf-8"))
            old_root = check_tree_head(old, key)
            if old["tree_size"] > head["tree_size"]:
                raise Failed(f"the log shrank from {old['tree_size']} to {head['tree_size']}")
            answer = fetch(
                args.hub, "proofs/consistency", first=old["tree_size"], second=head["tree_size"]
            )
            if answer["second_tree_head"]["root_hash"] != head["root_hash"]:
                raise Failed("the consistency proof is for another tree head")
            path = [bytes.fromhex(h) for h in answer["consistency_path"]]
            new_root = bytes.fromhex(head["root_hash"])
            check_consistency(old["tree_size"], head["tree_size"], old_root, new_root, path)
            print(f"the tree of {head['tree_size']} events extends the one of {old['tree_size']}")
    except Failed as failure:
        print(f"FAILED: {failure}")
        return 1
    except (KeyError, TypeError, ValueError) as error:
        print(f"FAILED: an answer is not as docs/transparency-log.md says: {error!r}")
        return 1
    if args.save is not None:
        args.save.write_text(json.dumps(head, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
