"""The transparency log's answers as PartnerService messages (partner.proto:
InclusionProof, ConsistencyProof, SignedTreeHead). Hashes travel as raw
32-byte values, the statement as the exact bytes signed."""

from __future__ import annotations

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from hub.domain.audit_chain import rfc3339
from hub.domain.tree_head import TREE_HEAD_PAYLOAD_TYPE, TreeHead
from hub.services.partner_proofs import ClaimInclusion
from hub.services.transparency import ConsistencyAnswer

__all__ = ["consistency_to_proto", "inclusion_to_proto", "tree_head_to_proto", "tree_size"]


def tree_size(value: int) -> int | None:
    """A request's tree size (field_limits keeps it within 0..2^62): 0, unset,
    is None: the latest signed tree head."""
    return value or None


def tree_head_to_proto(head: TreeHead) -> pb.SignedTreeHead:
    return pb.SignedTreeHead(
        tree_size=head.tree_size,
        root_hash=bytes.fromhex(head.root_hash),
        at=rfc3339(head.at),
        key_id=head.key_id,
        payload_type=TREE_HEAD_PAYLOAD_TYPE,
        statement=head.statement(),
        signature=head.signature,
    )


def inclusion_to_proto(found: ClaimInclusion) -> pb.InclusionProof:
    answer = found.proof
    return pb.InclusionProof(
        claim_id=found.claim_id,
        leaf_index=answer.leaf_index,
        seq=answer.seq,
        event=answer.event or b"",
        audit_path=answer.audit_path,
        tree_head=tree_head_to_proto(answer.tree_head),
    )


def consistency_to_proto(answer: ConsistencyAnswer) -> pb.ConsistencyProof:
    return pb.ConsistencyProof(
        first=answer.first.tree_size,
        second=answer.second.tree_size,
        consistency_path=answer.consistency_path,
        first_tree_head=tree_head_to_proto(answer.first),
        second_tree_head=tree_head_to_proto(answer.second),
    )
