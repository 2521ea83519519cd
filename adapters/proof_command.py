"""carbon-hub-adapter proof: prove a claim's decision is in the hub's transparency log.

    carbon-hub-adapter proof NAME --hub HOST:PORT TLS --hub-key hub-signing.pub
        (--claim ID | --record-id R) [--keep-tree-head FILE] [--receipts FILE]
        [--lang en|zh-CN|zh-Hant|pt] [--json]

Fetches, over the partner's mutual-TLS channel, the inclusion proof of the
claim's decision event in the hub's latest signed tree head, and checks it
with the documented hashing and the hub key alone (adapters/proof_client.py):
the tree head's signature, that the event names this claim of this partner
and the decision the hub's receipt reported (the first verdict on the claim in
--receipts, the file the delivery command keeps; without it, the hub's signed
GetClaimStatus answer now), and that the audit path leads to the signed root.
With --keep-tree-head, a tree head kept there by an earlier run is checked,
the consistency proof from it to this one fetched and checked (the log only
grew), and the new tree head kept in its place once everything holds.

Exit codes: 0 verified; 1 a proof, signature or event check failed (one
``CODE: proof failed: ...`` line, the code's sentence in --lang); 2 the hub refused
the request (TRANSPARENCY_EVENT_UNKNOWN, TRANSPARENCY_EVENT_NOT_YET_IN_TREE
...: nothing proven) or the invocation cannot work (a TLS file, a key file, an
unreadable kept tree head); 3 the hub unreachable or failing, or a receipt
that does not verify. With --json, one document on stdout (schema
carbon-hub-adapter/proof, docs/submit-claims.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import grpc
import typer

from adapters.cli_access import (
    EXIT_HUB,
    EXIT_INCONSISTENT,
    EXIT_REFUSED,
    CommandStopped,
    hub_access,
    hub_call,
    hub_channel,
    key_file,
    refuse_line,
)
from adapters.cli_options import (
    CaOption,
    CertOption,
    HubOption,
    InsecureOption,
    JsonOption,
    KeyOption,
    LangOption,
    NameArgument,
    TimeoutOption,
)
from adapters.hub_call_errors import HubProtocolError
from adapters.partner_calls_cli import _report
from adapters.proof_client import (
    ProofRefused,
    check_consistency,
    check_decision,
    check_inclusion,
    fetch_consistency,
    fetch_decision,
    fetch_inclusion,
    receipted_decision,
)
from adapters.proof_messages import failure_message
from adapters.registry import adapter_for
from adapters.report import say
from adapters.report_language import DEFAULT_LANG
from carbonhub_contract.signing import PublicKey
from carbonhub_contract.transparency import (
    ProofFailed,
    ProofFailure,
    TreeHead,
    check_tree_head,
)

_FILE = {"exists": True, "file_okay": True, "dir_okay": False}
HubKeyRequired = Annotated[
    Path,
    typer.Option("--hub-key", help="hub-signing.pub: the key tree heads are signed with", **_FILE),
]


def _kept_head(path: Path | None, hub_key: PublicKey) -> TreeHead | None:
    """The tree head an earlier run kept in ``path`` (None: no file yet), checked."""
    if path is None or not path.exists():
        return None
    try:
        head = TreeHead.from_published(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as problem:
        refuse_line("TREE_HEAD_FILE_UNREADABLE", f"--keep-tree-head {path}: {problem}")
    except ProofFailed as failed:
        refuse_line("TREE_HEAD_FILE_UNREADABLE", f"--keep-tree-head {path}: {failed.message}")
    check_tree_head(head, hub_key)
    return head


def _keep(path: Path, head: TreeHead) -> None:
    # Written aside and renamed: a run stopped half-way never leaves half a file.
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(head.published(), sort_keys=True) + "\n", encoding="utf-8")
    part.replace(path)


def _prove(
    channel: grpc.Channel,
    partner: str,
    claim: str | None,
    record_id: str | None,
    hub_key: PublicKey,
    receipts: Path | None,
    kept: TreeHead | None,
    document: dict[str, Any],
) -> TreeHead:
    proof = fetch_inclusion(channel, partner, claim_id=claim or "", record_id=record_id or "")
    checked = check_inclusion(proof, partner, claim or proof.claim_id, hub_key)
    event, head = checked.event, checked.tree_head
    logged_record = event.details.get("record_id", "")
    if record_id is not None and logged_record != record_id:
        raise ProofFailed(
            ProofFailure.EVENT_NOT_THE_CLAIM,
            f"the event names record {logged_record!r}, not {record_id!r}",
        )
    document.update(
        claim_id=proof.claim_id,
        record_id=logged_record,
        decision=event.event,
        seq=event.seq,
        leaf_index=proof.leaf_index,
        tree_size=head.tree_size,
        root_hash=head.root_hash.hex(),
        at=head.at,
        key_id=head.key_id,
    )
    decision = receipted_decision(receipts, partner, proof.claim_id, hub_key) if receipts else None
    document["decision_from"] = "receipts" if decision is not None else "claim-status"
    if decision is None:
        decision = fetch_decision(channel, partner, logged_record, hub_key)
    check_decision(event, decision)
    if kept is not None:
        if head.tree_size < kept.tree_size:
            raise ProofFailed(
                ProofFailure.TREE_HEAD_OLDER,
                f"the latest tree head holds {head.tree_size} events, "
                f"the kept one {kept.tree_size}",
            )
        if head.tree_size == kept.tree_size:
            if head.root_hash != kept.root_hash:
                raise ProofFailed(
                    ProofFailure.CONSISTENCY_PROOF_INVALID,
                    f"two signed roots for the tree of {head.tree_size} events",
                )
        else:
            answer = fetch_consistency(channel, partner, kept.tree_size, head.tree_size)
            check_consistency(answer, kept, head, hub_key)
        document["consistent_with"] = kept.tree_size
    return head


def proof_command(
    name: NameArgument,
    hub: HubOption,
    hub_key: HubKeyRequired,
    claim: Annotated[
        str | None, typer.Option("--claim", help="the hub's claim id (a verdict's claim_id)")
    ] = None,
    record_id: Annotated[
        str | None, typer.Option("--record-id", help="or the partner's record id of the claim")
    ] = None,
    keep_tree_head: Annotated[
        Path | None,
        typer.Option(
            "--keep-tree-head",
            help="a file to keep the verified tree head in; next run proves the log only grew",
        ),
    ] = None,
    receipts: Annotated[
        Path | None,
        typer.Option(
            "--receipts", help="the receipts the delivery kept: the decision they reported", **_FILE
        ),
    ] = None,
    connect_timeout: TimeoutOption = 10.0,
    ca: CaOption = None,
    cert: CertOption = None,
    key: KeyOption = None,
    insecure: InsecureOption = False,
    lang: LangOption = DEFAULT_LANG,
    as_json: JsonOption = False,
) -> None:
    """Prove that a claim's decision is in the hub's signed transparency log."""
    if (claim is None) == (record_id is None):
        raise typer.BadParameter("give --claim or --record-id (one of them)")
    partner = adapter_for(str(name)).partner
    document: dict[str, Any] = {"partner": partner, "verified": False, "failure": None}
    with _report(as_json, "carbon-hub-adapter/proof", document) as console:
        access = hub_access(hub, ca, cert, key, insecure)
        verifying = key_file("--hub-key", hub_key, PublicKey.from_file)
        try:
            kept = _kept_head(keep_tree_head, verifying)
            with hub_channel(access, connect_timeout) as channel:
                head = hub_call(
                    hub,
                    lambda: _prove(
                        channel, partner, claim, record_id, verifying, receipts, kept, document
                    ),
                )
        except ProofRefused as refused:
            document["details"] = refused.details
            raise CommandStopped(EXIT_REFUSED, refused.message, refused.code) from refused
        except HubProtocolError as problem:
            raise CommandStopped(EXIT_HUB, f"hub {hub}: {problem}") from problem
        except ProofFailed as failed:
            sentence = failure_message(failed.code, str(lang))
            document["failure"] = {"code": str(failed.code), "message": failed.message}
            raise CommandStopped(
                EXIT_INCONSISTENT, f"proof failed: {sentence} ({failed.message})", str(failed.code)
            ) from failed
        if keep_tree_head is not None:
            _keep(keep_tree_head, head)
        document["verified"] = True
        grown = document.get("consistent_with")
        say(
            console,
            f"claim {document['claim_id']} ({document['record_id']}): its {document['decision']} "
            f"is event {document['seq']} of the signed tree of {head.tree_size} events "
            f"(root {head.root_hash.hex()}, {head.at}, {head.key_id})",
            "green",
        )
        if grown is not None:
            say(console, f"the log only grew since the tree head of {grown} events kept", "green")
