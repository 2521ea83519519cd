"""The transparency log over the PartnerService, through a real hub with mutual
TLS on loopback, on SQLite and PostgreSQL: a partner fetches the inclusion
proof of its own claim's decision event and consistency proofs between signed
tree heads, checks them with carbonhub_contract.transparency alone, and runs
``carbon-hub-adapter proof``. Another partner's claim is refused word for
word as a claim nobody sent; an event rewritten in the database, a kept tree
head forged, a proof altered in transit all fail the kit's check."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from adapters.cli import app
from adapters.delivery_command import ReceiptFile
from adapters.proof_client import check_inclusion, tree_head_of
from carbonhub_contract.error_details import error_info
from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.signing import PublicKey
from carbonhub_contract.transparency import (
    ProofFailed,
    ProofFailure,
    check_tree_head,
    leaf_hash,
    read_event,
    verify_consistency,
    verify_inclusion,
)
from hub.domain.tree_head import read_tree_head
from hub.storage.event_subject_column import stored_subject
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory
from hub.trust.audit_signing import audit_service
from tests.integration.grpc.ledger_helpers import (
    NOW,
    Running,
    pv_claim,
    register_gd_project,
    running_hub,
    submit,
)


@pytest.fixture
def running(tmp_path: Path, database_url: str) -> Iterator[Running]:
    with running_hub(tmp_path, database_url) as hub:
        register_gd_project(hub.partner)
        yield hub


def _sign_tree_head(running: Running) -> int:
    """What `serve`'s checkpointer does every interval: a checkpoint, then the
    tree (with the signing key the PKI got after the hub was built)."""
    audit = audit_service(
        SqlAlchemyUnitOfWorkFactory(running.hub.engine),
        running.hub.settings.resolved_pki_dir(),
        lambda: NOW,
    )
    audit.checkpoint()
    head = audit.extend_tree()
    assert head is not None
    return head.tree_size


def _hub_key(running: Running) -> Path:
    return running.hub.settings.resolved_pki_dir() / "hub-signing.pub"


def _refusal(call: Any) -> tuple[grpc.StatusCode, str, str, dict[str, str]]:
    with pytest.raises(grpc.RpcError) as raised:
        call()
    error = raised.value
    assert isinstance(error, grpc.Call)
    info = error_info(error)
    assert info is not None, error.details()
    return error.code(), info.reason, error.details() or "", dict(info.metadata)


def _inclusion(running: Running, partner: str = "CN-GD", **fields: Any) -> pb.InclusionProof:
    stub = running.clients.partner_stub(partner)
    answer: pb.InclusionProof = stub.GetInclusionProof(
        pb.GetInclusionProofRequest(partner=partner, **fields)
    )
    return answer


def test_a_partner_proves_its_claims_decision_with_the_documented_hashing(
    running: Running,
) -> None:
    first, second = submit(running.partner, pv_claim("GD-P-1", 1, 5), pv_claim("GD-P-2", 2, 6))
    assert first.decision == pb.DECISION_ACCEPTED, first
    size = _sign_tree_head(running)
    key = PublicKey.from_file(_hub_key(running))

    proof = _inclusion(running, claim_id=second.claim_id)
    head = tree_head_of(proof.tree_head)
    check_tree_head(head, key)
    assert head.tree_size == size
    event = read_event(proof.event)
    assert (event.subject_kind, event.subject_id, event.actor) == (
        "claim",
        second.claim_id,
        "CN-GD",
    )
    assert (event.event, event.details["record_id"]) == ("ACCEPTED", "GD-P-2")
    assert verify_inclusion(
        leaf_hash(proof.event), proof.leaf_index, size, list(proof.audit_path), head.root_hash
    )
    # By the partner's own record id: the same proof.
    by_record = _inclusion(running, record_id="GD-P-2")
    assert (by_record.claim_id, by_record.event, by_record.audit_path) == (
        second.claim_id,
        proof.event,
        proof.audit_path,
    )

    # A claim decided after the tree head: recorded, not yet in it.
    (third,) = submit(running.partner, pv_claim("GD-P-3", 3, 7))
    code, reason, _, _ = _refusal(lambda: _inclusion(running, claim_id=third.claim_id))
    assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "TRANSPARENCY_EVENT_NOT_YET_IN_TREE")
    grown = _sign_tree_head(running)
    assert grown > size
    stub = running.clients.partner_stub("CN-GD")
    consistency: pb.ConsistencyProof = stub.GetConsistencyProof(
        pb.GetConsistencyProofRequest(partner="CN-GD", first=size)
    )
    assert (consistency.first, consistency.second) == (size, grown)
    later = tree_head_of(consistency.second_tree_head)
    check_tree_head(later, key)
    assert verify_consistency(
        size, grown, list(consistency.consistency_path), head.root_hash, later.root_hash
    )
    # An altered proof in transit fails the kit's check.
    tampered = pb.InclusionProof()
    tampered.CopyFrom(proof)
    tampered.audit_path[0] = bytes(32)
    with pytest.raises(ProofFailed) as failed:
        check_inclusion(tampered, "CN-GD", second.claim_id, key)
    assert failed.value.code is ProofFailure.INCLUSION_PROOF_INVALID

    code, reason, _, _ = _refusal(
        lambda: stub.GetConsistencyProof(
            pb.GetConsistencyProofRequest(partner="CN-GD", first=grown, second=size)
        )
    )
    assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "TRANSPARENCY_RANGE_INVALID")


def test_another_partners_claim_is_refused_as_an_unknown_one(running: Running) -> None:
    (verdict,) = submit(running.partner, pv_claim("GD-P-1", 1, 5))
    _sign_tree_head(running)
    theirs = _refusal(lambda: _inclusion(running, "CN-HK", claim_id=verdict.claim_id))
    nobodys = _refusal(lambda: _inclusion(running, "CN-HK", claim_id="C-NOBODY-SENT-THIS"))
    assert theirs[:2] == (grpc.StatusCode.NOT_FOUND, "TRANSPARENCY_EVENT_UNKNOWN")
    assert nobodys[:3] == theirs[:3]
    assert nobodys[3] == {"claim": "C-NOBODY-SENT-THIS"}
    assert theirs[3] == {"claim": verdict.claim_id}
    # Nor may a partner ask in another's name.
    code, reason, _, _ = _refusal(
        lambda: running.clients.partner_stub("CN-HK").GetInclusionProof(
            pb.GetInclusionProofRequest(partner="CN-GD", claim_id=verdict.claim_id)
        )
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED, reason
    code, reason, _, _ = _refusal(
        lambda: _inclusion(running, claim_id=verdict.claim_id, record_id="GD-P-1")
    )
    assert (code, reason) == (grpc.StatusCode.INVALID_ARGUMENT, "TRANSPARENCY_RANGE_INVALID")


def _flags(running: Running) -> list[str]:
    trust = running.clients.trust
    party = trust.parties["CN-GD"]
    return [
        "--hub",
        running.server.address,
        "--ca",
        str(trust.ca),
        "--cert",
        str(party.certificate),
        "--key",
        str(party.key),
        "--hub-key",
        str(_hub_key(running)),
    ]


def _kit(running: Running, *args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(
        app, ["proof", "guangdong", *_flags(running), *args, "--json"], env={"COLUMNS": "40"}
    )
    (line,) = result.stdout.splitlines()  # the document and nothing else
    document: dict[str, Any] = json.loads(line)
    assert document["exit_code"] == result.exit_code, result.output
    return result.exit_code, document


def test_the_kit_proves_a_claim_and_that_the_log_only_grew(
    running: Running, tmp_path: Path
) -> None:
    envelope = pb.ClaimEnvelope(
        partner="CN-GD", delivery_id="TEST-01", sequence=1, claims=[pv_claim("GD-K-1", 1, 5)]
    )
    (batch,) = running.partner.SubmitClaims(iter([envelope]))
    (verdict,) = batch.verdicts
    receipts = tmp_path / "receipts.jsonl"
    ReceiptFile(receipts)(batch.receipt)  # as the delivery command keeps them
    code, refused = _kit(running, "--claim", verdict.claim_id)
    assert code == 2 and refused["error"]["code"] == "TRANSPARENCY_NO_TREE_HEAD"
    size = _sign_tree_head(running)
    kept = tmp_path / "tree-head.json"

    code, proved = _kit(running, "--claim", verdict.claim_id, "--keep-tree-head", str(kept))
    assert code == 0, proved
    assert proved["schema"] == "carbon-hub-adapter/proof" and proved["verified"] is True
    assert (proved["record_id"], proved["decision"], proved["tree_size"]) == (
        "GD-K-1",
        "ACCEPTED",
        size,
    )
    assert proved["decision_from"] == "claim-status"
    # Kept as the HTTP API publishes a tree head (scripts/verify_inclusion.py --since reads it).
    assert read_tree_head(json.loads(kept.read_text())).tree_size == size

    submit(running.partner, pv_claim("GD-K-2", 2, 6))
    grown = _sign_tree_head(running)
    code, again = _kit(running, "--record-id", "GD-K-1", "--keep-tree-head", str(kept))
    assert code == 0, again
    assert (again["tree_size"], again["consistent_with"]) == (grown, size)
    assert json.loads(kept.read_text())["tree_size"] == grown

    code, receipted = _kit(running, "--claim", verdict.claim_id, "--receipts", str(receipts))
    assert code == 0 and receipted["decision_from"] == "receipts", receipted

    result = CliRunner().invoke(
        app, ["proof", "guangdong", *_flags(running), "--claim", verdict.claim_id, "--lang", "pt"]
    )
    assert result.exit_code == 0, result.output
    assert f"its ACCEPTED is event {proved['seq']} of the signed tree of {grown}" in result.output

    code, unknown = _kit(running, "--claim", "C-NOBODY-SENT-THIS")
    assert code == 2 and unknown["error"]["code"] == "TRANSPARENCY_EVENT_UNKNOWN"


def test_the_kit_fails_a_rewritten_event_and_a_forged_kept_tree_head(
    running: Running, tmp_path: Path
) -> None:
    (verdict,) = submit(running.partner, pv_claim("GD-K-1", 1, 5))
    _sign_tree_head(running)
    kept = tmp_path / "tree-head.json"
    code, proved = _kit(running, "--claim", verdict.claim_id, "--keep-tree-head", str(kept))
    assert code == 0, proved

    # A kept tree head claiming a bigger tree under the same signature.
    forged = json.loads(kept.read_text())
    forged["tree_size"] += 1
    forged["statement"] = forged["statement"].replace(
        f'"tree_size":{forged["tree_size"] - 1}', f'"tree_size":{forged["tree_size"]}'
    )
    forged_file = tmp_path / "forged.json"
    forged_file.write_text(json.dumps(forged))
    code, document = _kit(
        running, "--claim", verdict.claim_id, "--keep-tree-head", str(forged_file)
    )
    assert code == 1
    assert document["failure"]["code"] == "TREE_HEAD_SIGNATURE_INVALID"
    assert document["error"]["code"] == "TREE_HEAD_SIGNATURE_INVALID"
    # A failed run keeps nothing in its place.
    assert json.loads(forged_file.read_text()) == forged

    # Someone with the database rewrites the claim's logged decision.
    with running.hub.engine.begin() as connection:
        connection.execute(
            text("UPDATE ledger_events SET event = 'REJECTED' WHERE subject_id = :claim"),
            {"claim": stored_subject(connection.dialect.name, "claim", verdict.claim_id)},
        )
    code, document = _kit(running, "--claim", verdict.claim_id, "--keep-tree-head", str(kept))
    assert code == 1 and document["verified"] is False
    assert document["failure"]["code"] == "INCLUSION_PROOF_INVALID"
    result = CliRunner().invoke(
        app,
        ["proof", "guangdong", *_flags(running), "--claim", verdict.claim_id, "--lang", "zh-CN"],
    )
    assert result.exit_code == 1
    assert "INCLUSION_PROOF_INVALID: proof failed: " in result.output
    assert "包含证明无法推导出已签名的根哈希" in result.output
