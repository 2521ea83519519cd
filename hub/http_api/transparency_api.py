"""The transparency log's public answers (docs/transparency-log.md): the signed
tree head, and inclusion and consistency proofs a partner or anyone checks
with SHA-256 and the hub's public key alone. GET only, read-only engine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from pydantic import BaseModel, Field

from hub.domain.tree_head import published_tree_head
from hub.errors import InvalidRequest, NotFound
from hub.http_api.error_mapping import ErrorBody
from hub.services.transparency import (
    TransparencyLog,
    published_consistency,
    published_inclusion,
)

if TYPE_CHECKING:
    from hub.bootstrap import Hub

__all__ = ["install", "router", "transparency_service"]

router = APIRouter(prefix="/api/v1/audit", tags=["transparency log"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorBody,
        "description": "a parameter was refused (TRANSPARENCY_RANGE_INVALID)",
    },
    404: {
        "model": ErrorBody,
        "description": "no such event or tree head (TRANSPARENCY_NO_TREE_HEAD, "
        "TRANSPARENCY_EVENT_UNKNOWN, TRANSPARENCY_EVENT_NOT_YET_IN_TREE, "
        "TRANSPARENCY_TREE_SIZE_BEYOND_HEAD, TRANSPARENCY_TREE_HEAD_UNKNOWN)",
    },
    503: {"model": ErrorBody, "description": "the database is unavailable (coded)"},
}
_MAX = 2**62  # beyond any log; keeps the numbers inside the database's integers


def transparency_service(hub: Hub) -> TransparencyLog:
    """Composition: the tree over the public read engine, the hub's public keys."""
    from hub.storage.merkle_repository import SqlAlchemyTreeStores
    from hub.trust.audit_signing import transparency_log

    return transparency_log(SqlAlchemyTreeStores(hub.read_engine), hub.settings.resolved_pki_dir())


def install(app: FastAPI, hub: Hub) -> None:
    """Serve the transparency log of ``hub`` from ``app``."""
    app.state.transparency = transparency_service(hub)
    app.include_router(router)


def _service(request: Request) -> TransparencyLog:
    found: TransparencyLog | None = getattr(request.app.state, "transparency", None)
    if found is None:
        # An app made without a ledger (tests of other routes) has no log.
        raise NotFound("TRANSPARENCY_NO_TREE_HEAD", "this hub keeps no transparency log", {})
    return found


Log = Annotated[TransparencyLog, Depends(_service)]


class TreeHeadOut(BaseModel):
    """A signed tree head: Ed25519 by the hub key ``key_id`` over DSSE v1
    PAE(payload_type, statement)."""

    tree_size: int = Field(description="how many audit events the tree holds (seqs 1..size)")
    root_hash: str = Field(description="the RFC 9162 root, 64 hex digits")
    at: str = Field(description="when it was signed, YYYY-MM-DDTHH:MM:SS.ffffffZ")
    key_id: str = Field(description="the hub signing key: ed25519: + 16 hex digits")
    payload_type: str = Field(description="the DSSE payload type signed under")
    statement: str = Field(description="the signed bytes: canonical JSON of at, root_hash, size")
    signature: str = Field(description="the Ed25519 signature, standard base64")


class InclusionOut(BaseModel):
    leaf_index: int = Field(description="the event's leaf: seq - 1")
    seq: int = Field(description="the event's seq in the audit chain")
    leaf_hash: str = Field(description="SHA-256(0x00 || event bytes), hex")
    event: str | None = Field(
        description="the event's canonical bytes (UTF-8 text), when asked by claim; else null"
    )
    audit_path: list[str] = Field(description="RFC 9162 inclusion proof, leaf side first, hex")
    tree_head: TreeHeadOut


class ConsistencyOut(BaseModel):
    first: int
    second: int
    consistency_path: list[str] = Field(description="RFC 9162 consistency proof, hex")
    first_tree_head: TreeHeadOut
    second_tree_head: TreeHeadOut


@router.get("/tree-heads/latest", response_model=TreeHeadOut, responses=_ERRORS)
def latest_tree_head(log: Log) -> TreeHeadOut:
    """The latest signed tree head of the audit events' Merkle tree."""
    return TreeHeadOut(**published_tree_head(log.latest()))


@router.get("/tree-heads/{tree_size}", response_model=TreeHeadOut, responses=_ERRORS)
def tree_head(log: Log, tree_size: Annotated[int, Path(ge=1, le=_MAX)]) -> TreeHeadOut:
    """The signed tree head of ``tree_size`` events."""
    return TreeHeadOut(**published_tree_head(log.tree_head(tree_size)))


@router.get("/proofs/inclusion", response_model=InclusionOut, responses=_ERRORS)
def inclusion(
    log: Log,
    event: Annotated[
        int | None, Query(ge=1, le=_MAX, description="the event's seq (leaf index + 1)")
    ] = None,
    claim: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="a claim's id: its first event"),
    ] = None,
    tree_size: Annotated[
        int | None,
        Query(ge=1, le=_MAX, description="a signed tree head's size (default: the latest)"),
    ] = None,
) -> InclusionOut:
    """The inclusion proof of one audit event in a signed tree head: by ``event``
    (its seq) or by ``claim`` (the claim id of a receipt: the event recording its
    decision, with that event's bytes, so the partner sees what was logged)."""
    if (event is None) == (claim is None):
        raise InvalidRequest("TRANSPARENCY_RANGE_INVALID", "name one of event or claim")
    answer = log.inclusion(seq=event, claim_id=claim, tree_size=tree_size)
    return InclusionOut(**published_inclusion(answer))


@router.get("/proofs/consistency", response_model=ConsistencyOut, responses=_ERRORS)
def consistency(
    log: Log,
    first: Annotated[int, Query(ge=1, le=_MAX, description="the earlier tree head's size")],
    second: Annotated[int, Query(ge=1, le=_MAX, description="the later tree head's size")],
) -> ConsistencyOut:
    """The consistency proof between the signed tree heads of ``first`` and
    ``second`` events (first <= second): the later tree extends the earlier."""
    return ConsistencyOut(**published_consistency(log.consistency(first, second)))
