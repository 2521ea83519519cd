"""The partner's proofs from the hub's transparency log, over its mTLS channel.

GetInclusionProof answers the inclusion proof of one of the partner's own
claims' decision event in a signed tree head, with the event's bytes;
GetConsistencyProof the proof that a later tree head extends an earlier one
(docs/transparency-log.md, "A partner over gRPC"). Everything the hub answers
is checked here with carbonhub_contract.transparency (the documented hashing
and the hub's public key), never taken on the hub's word:

* the tree head's statement and Ed25519 signature;
* the event bytes are canonical and name this claim, this partner, the
  proof's seq, and the decision the hub's signed receipt reported;
* the audit path leads from the event's leaf to the signed root;
* from a tree head kept earlier, the consistency path to this one.

A refusal of the hub (TRANSPARENCY_*: an unknown claim, not yet in a tree
head ...) comes back as ProofRefused with its code; a failed check as
carbonhub_contract.transparency.ProofFailed.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import grpc

from adapters.catalogued_refusals import CataloguedRefusal, call_refusing
from adapters.hub_call_errors import HubCallError, HubProtocolError
from adapters.partner_signing import UNARY_TIMEOUT
from adapters.signed_calls import partner_stub
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.receipts import receipt_from_json, verify_claim_status, verify_receipt
from carbonhub_contract.signing import PublicKey
from carbonhub_contract.transparency import (
    LoggedEvent,
    ProofFailed,
    ProofFailure,
    TreeHead,
    check_tree_head,
    leaf_hash,
    read_event,
    verify_consistency,
    verify_inclusion,
)

T = TypeVar("T")

# The hub's answers about the log itself (docs/refusals.md, "Transparency log").
PROOF_REFUSALS = frozenset(
    {
        "TRANSPARENCY_NO_TREE_HEAD",
        "TRANSPARENCY_EVENT_UNKNOWN",
        "TRANSPARENCY_EVENT_NOT_YET_IN_TREE",
        "TRANSPARENCY_TREE_SIZE_BEYOND_HEAD",
        "TRANSPARENCY_TREE_HEAD_UNKNOWN",
        "TRANSPARENCY_RANGE_INVALID",
    }
)
_DECISIONS = {
    pb.DECISION_ACCEPTED: "ACCEPTED",
    pb.DECISION_REJECTED: "REJECTED",
    pb.DECISION_HELD: "HELD",
}


class ProofRefused(CataloguedRefusal):
    """The hub refused the proof request with one of PROOF_REFUSALS."""


def _proof_call(rpc: str, call: Callable[[], T]) -> T:
    return call_refusing(ProofRefused, PROOF_REFUSALS, rpc, call)


def tree_head_of(message: pb.SignedTreeHead) -> TreeHead:
    return TreeHead(
        tree_size=message.tree_size,
        root_hash=message.root_hash,
        at=message.at,
        key_id=message.key_id,
        signature=message.signature,
        payload_type=message.payload_type,
        statement=message.statement,
    )


def fetch_inclusion(
    channel: grpc.Channel,
    partner: str,
    *,
    claim_id: str = "",
    record_id: str = "",
    tree_size: int = 0,
) -> pb.InclusionProof:
    stub = partner_stub(channel)
    request = pb.GetInclusionProofRequest(
        partner=partner, claim_id=claim_id, record_id=record_id, tree_size=tree_size
    )
    answer: pb.InclusionProof = _proof_call(
        "GetInclusionProof", lambda: stub.GetInclusionProof(request, timeout=UNARY_TIMEOUT)
    )
    return answer


def fetch_consistency(
    channel: grpc.Channel, partner: str, first: int, second: int
) -> pb.ConsistencyProof:
    stub = partner_stub(channel)
    request = pb.GetConsistencyProofRequest(partner=partner, first=first, second=second)
    answer: pb.ConsistencyProof = _proof_call(
        "GetConsistencyProof", lambda: stub.GetConsistencyProof(request, timeout=UNARY_TIMEOUT)
    )
    return answer


def fetch_decision(channel: grpc.Channel, partner: str, record_id: str, hub_key: PublicKey) -> str:
    """The decision the hub's signed ClaimStatus receipt reports now."""
    stub = partner_stub(channel)
    request = pb.GetClaimStatusRequest(partner=partner, record_id=record_id)
    try:
        answer: pb.ClaimStatusResponse = stub.GetClaimStatus(request, timeout=UNARY_TIMEOUT)
    except grpc.RpcError as failed:
        raise HubCallError("GetClaimStatus", failed) from failed
    check = verify_claim_status(partner, answer, hub_key)
    if not check.valid:
        raise HubProtocolError(f"GetClaimStatus: its receipt does not verify: {check.reason}")
    return _DECISIONS.get(answer.verdict.decision, "")


def receipted_decision(path: Path, partner: str, claim_id: str, hub_key: PublicKey) -> str | None:
    """The decision the first verdict on ``claim_id`` in a receipts file (as
    the delivery command keeps it) reported, from receipts that verify under
    ``hub_key``; None when the file holds none for the claim."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            check = verify_receipt(receipt_from_json(line), hub_key)
        except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
            continue
        statement = check.statement
        if not check.valid or statement.get("type") != "carbonhub.v1.VerdictBatch":
            continue
        if statement.get("partner") != partner:
            continue
        for verdict in statement.get("verdicts", []):
            if verdict.get("claim_id") == claim_id and not verdict.get("resubmission"):
                # A statement names the enum value (DECISION_HELD); the log, the decision.
                return str(verdict.get("decision")).removeprefix("DECISION_")
    return None


@dataclass(frozen=True, slots=True)
class CheckedInclusion:
    event: LoggedEvent
    tree_head: TreeHead


def check_inclusion(
    proof: pb.InclusionProof, partner: str, claim_id: str, hub_key: PublicKey
) -> CheckedInclusion:
    """The event and the signed tree head of an inclusion proof, once every
    check holds; ProofFailed naming the first that does not."""
    head = tree_head_of(proof.tree_head)
    check_tree_head(head, hub_key)
    event = read_event(proof.event)
    if (
        event.subject_kind != "claim"
        or event.subject_id != claim_id
        or proof.claim_id != claim_id
        or event.actor != partner
        or event.seq != proof.seq
        or proof.leaf_index != proof.seq - 1
    ):
        raise ProofFailed(
            ProofFailure.EVENT_NOT_THE_CLAIM,
            f"the event is {event.subject_kind} {event.subject_id} by {event.actor} at seq "
            f"{event.seq} (leaf {proof.leaf_index}), not claim {claim_id} of {partner}",
        )
    leaf = leaf_hash(proof.event)
    if not verify_inclusion(
        leaf, proof.leaf_index, head.tree_size, list(proof.audit_path), head.root_hash
    ):
        raise ProofFailed(
            ProofFailure.INCLUSION_PROOF_INVALID,
            f"the audit path of leaf {proof.leaf_index} does not lead to the signed root of "
            f"the tree of {head.tree_size} events",
        )
    return CheckedInclusion(event, head)


def check_decision(event: LoggedEvent, decision: str) -> None:
    if event.event != decision:
        raise ProofFailed(
            ProofFailure.EVENT_DECISION_DIFFERS,
            f"the log recorded {event.event}, the hub's receipt reports {decision}",
        )


def check_consistency(
    proof: pb.ConsistencyProof, kept: TreeHead, latest: TreeHead, hub_key: PublicKey
) -> None:
    """The tree head ``latest`` extends ``kept`` (both already checked), as the
    hub's consistency proof shows; ProofFailed otherwise."""
    first, second = tree_head_of(proof.first_tree_head), tree_head_of(proof.second_tree_head)
    check_tree_head(first, hub_key)
    check_tree_head(second, hub_key)
    if (first.tree_size, first.root_hash) != (kept.tree_size, kept.root_hash) or (
        second.tree_size,
        second.root_hash,
    ) != (latest.tree_size, latest.root_hash):
        raise ProofFailed(
            ProofFailure.CONSISTENCY_PROOF_INVALID,
            f"the hub answered tree heads of {first.tree_size} and {second.tree_size} events "
            f"with other roots than the {kept.tree_size} kept and {latest.tree_size} proved",
        )
    if not verify_consistency(
        kept.tree_size,
        latest.tree_size,
        list(proof.consistency_path),
        kept.root_hash,
        latest.root_hash,
    ):
        raise ProofFailed(
            ProofFailure.CONSISTENCY_PROOF_INVALID,
            f"the tree of {latest.tree_size} events does not extend the kept one of "
            f"{kept.tree_size}: the log was rewritten or the proof altered",
        )
