"""The kit's checks of a proof the hub answered (adapters/proof_client.py), on
proofs built with the hub's own tree and signatures: an event of another
claim, partner or seq, another decision, heads that do not match, and the
decision read from the receipts the delivery kept."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.proof_client import (
    check_consistency,
    check_decision,
    check_inclusion,
    receipted_decision,
    tree_head_of,
)
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.receipts import ReceiptSigner
from carbonhub_contract.signing import PublicKey, Signer
from carbonhub_contract.transparency import ProofFailed, ProofFailure
from hub.domain import merkle
from hub.domain.audit_chain import canonical_event
from hub.domain.tree_head import TREE_HEAD_PAYLOAD_TYPE, TreeHead, tree_head_statement
from hub.grpc_api.proof_conversion import tree_head_to_proto

AT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
HUB = Signer(Ed25519PrivateKey.generate())
KEY = PublicKey(HUB.public_key)


def _events(n: int, actor: str = "CN-GD") -> list[bytes]:
    return [
        canonical_event(i + 1, "claim", f"C-{i + 1}", "ACCEPTED", actor, AT, {"record_id": f"R{i}"})
        for i in range(n)
    ]


def _head(hashes: list[bytes]) -> pb.SignedTreeHead:
    root = merkle.root_of(hashes).hex()
    statement = tree_head_statement(len(hashes), root, AT)
    signature = HUB.sign(TREE_HEAD_PAYLOAD_TYPE, statement)
    return tree_head_to_proto(TreeHead(len(hashes), root, AT, HUB.key_id, signature))


def _proof(events: list[bytes], index: int) -> pb.InclusionProof:
    hashes = [merkle.leaf_hash(e) for e in events]

    def subtree(start: int, end: int) -> bytes:
        return merkle.root_of(hashes[start:end])

    return pb.InclusionProof(
        claim_id=f"C-{index + 1}",
        leaf_index=index,
        seq=index + 1,
        event=events[index],
        audit_path=merkle.inclusion_proof(index, len(events), subtree),
        tree_head=_head(hashes),
    )


def test_a_true_proof_checks() -> None:
    checked = check_inclusion(_proof(_events(5), 3), "CN-GD", "C-4", KEY)
    assert (checked.event.subject_id, checked.event.event, checked.tree_head.tree_size) == (
        "C-4",
        "ACCEPTED",
        5,
    )
    check_decision(checked.event, "ACCEPTED")
    with pytest.raises(ProofFailed) as failed:
        check_decision(checked.event, "REJECTED")
    assert failed.value.code is ProofFailure.EVENT_DECISION_DIFFERS


def _failure(proof: pb.InclusionProof, partner: str = "CN-GD", claim: str = "C-4") -> str:
    with pytest.raises(ProofFailed) as failed:
        check_inclusion(proof, partner, claim, KEY)
    return str(failed.value.code)


def test_an_event_of_another_claim_partner_or_place_fails() -> None:
    proof = _proof(_events(5), 3)
    assert _failure(proof, claim="C-3") == "EVENT_NOT_THE_CLAIM"
    assert _failure(proof, partner="CN-HK") == "EVENT_NOT_THE_CLAIM"
    # A true event of another partner's claim, proven in the log, is not this partner's.
    assert _failure(_proof(_events(5, actor="CN-HK"), 3)) == "EVENT_NOT_THE_CLAIM"
    shifted = pb.InclusionProof()
    shifted.CopyFrom(proof)
    shifted.leaf_index = 2
    assert _failure(shifted) == "EVENT_NOT_THE_CLAIM"


def test_altered_bytes_paths_and_heads_fail() -> None:
    proof = _proof(_events(6), 3)
    edited = pb.InclusionProof()
    edited.CopyFrom(proof)
    edited.event = proof.event.replace(b'"R3"', b'"R9"')
    assert _failure(edited) == "INCLUSION_PROOF_INVALID"
    cut = pb.InclusionProof()
    cut.CopyFrom(proof)
    del cut.audit_path[-1]
    assert _failure(cut) == "INCLUSION_PROOF_INVALID"
    bigger = pb.InclusionProof()
    bigger.CopyFrom(proof)
    bigger.tree_head.tree_size = 7
    assert _failure(bigger) == "TREE_HEAD_STATEMENT_MISMATCH"
    foreign = pb.InclusionProof()
    foreign.CopyFrom(proof)
    foreign.tree_head.key_id = Signer(Ed25519PrivateKey.generate()).key_id
    assert _failure(foreign) == "TREE_HEAD_KEY_UNKNOWN"


def test_consistency_must_join_the_kept_head_to_the_proved_one() -> None:
    events = _events(9)
    hashes = [merkle.leaf_hash(e) for e in events]

    def subtree(start: int, end: int) -> bytes:
        return merkle.root_of(hashes[start:end])

    kept, latest = _head(hashes[:4]), _head(hashes)
    answer = pb.ConsistencyProof(
        first=4,
        second=9,
        consistency_path=merkle.consistency_proof(4, 9, subtree),
        first_tree_head=kept,
        second_tree_head=latest,
    )
    check_consistency(answer, tree_head_of(kept), tree_head_of(latest), KEY)
    # The hub answers a proof between other heads than the kept one.
    other = _head([merkle.leaf_hash(b"another log")] * 4)
    with pytest.raises(ProofFailed) as failed:
        check_consistency(answer, tree_head_of(other), tree_head_of(latest), KEY)
    assert failed.value.code is ProofFailure.CONSISTENCY_PROOF_INVALID
    # A log rewritten below the kept size: the proof cannot join the two roots.
    rewritten = [merkle.leaf_hash(b"rewritten"), *hashes[1:]]
    new_latest = _head(rewritten)

    def new_subtree(start: int, end: int) -> bytes:
        return merkle.root_of(rewritten[start:end])

    forged = pb.ConsistencyProof(
        first=4,
        second=9,
        consistency_path=merkle.consistency_proof(4, 9, new_subtree),
        first_tree_head=kept,
        second_tree_head=new_latest,
    )
    with pytest.raises(ProofFailed) as failed:
        check_consistency(forged, tree_head_of(kept), tree_head_of(new_latest), KEY)
    assert failed.value.code is ProofFailure.CONSISTENCY_PROOF_INVALID


def _kept_receipt(path: Path, signer: Signer, verdicts: list[pb.Verdict]) -> None:
    batch = ReceiptSigner(signer).sign_verdict_batch(
        "CN-GD", pb.VerdictBatch(sequence=1, verdicts=verdicts)
    )
    line = {
        "key_id": batch.receipt.key_id,
        "statement": base64.b64encode(batch.receipt.statement).decode(),
        "signature": base64.b64encode(batch.receipt.signature).decode(),
    }
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")


def test_the_decision_the_kept_receipts_reported(tmp_path: Path) -> None:
    receipts = tmp_path / "receipts.jsonl"
    impostor = Signer(Ed25519PrivateKey.generate())
    _kept_receipt(receipts, impostor, [pb.Verdict(claim_id="C-1", decision=pb.DECISION_ACCEPTED)])
    _kept_receipt(
        receipts,
        HUB,
        [
            pb.Verdict(record_id="R0", claim_id="C-1", decision=pb.DECISION_HELD),
            pb.Verdict(record_id="R1", claim_id="C-2", decision=pb.DECISION_REJECTED),
        ],
    )
    # Sent again later, answered with where it stands now: not the decision logged.
    _kept_receipt(
        receipts,
        HUB,
        [pb.Verdict(claim_id="C-1", decision=pb.DECISION_ACCEPTED, resubmission=True)],
    )
    receipts.write_text(receipts.read_text() + "not a receipt\n")
    assert receipted_decision(receipts, "CN-GD", "C-1", KEY) == "HELD"
    assert receipted_decision(receipts, "CN-GD", "C-2", KEY) == "REJECTED"
    assert receipted_decision(receipts, "CN-GD", "C-3", KEY) is None
    assert receipted_decision(receipts, "CN-HK", "C-1", KEY) is None
