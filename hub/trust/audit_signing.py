"""The hub's signatures over audit checkpoints.

Ed25519 with the hub signing key (``hub-signing.key`` in the PKI directory,
the key that signs receipts) over the DSSE pre-authentication encoding of
the checkpoint statement under its own payload type, so a checkpoint
signature can never pass for a receipt's or the other way round. Tree heads
of the transparency log are signed the same way under a third payload type.

Checkpoints outlive keys: after a rotation keep the old public key next to
the new one as ``hub-signing.<anything>.pub``; every ``hub-signing*.pub`` in
the PKI directory verifies the checkpoints signed under its key id.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from carbonhub_contract.signing import HUB_SIGNING_KEY, PublicKey, Signer, hub_signer
from hub.domain.audit_chain import CHECKPOINT_PAYLOAD_TYPE
from hub.domain.tree_head import TREE_HEAD_PAYLOAD_TYPE
from hub.services.audit import AuditService, CheckpointSigner, CheckpointVerifier
from hub.services.clock import Clock, system_clock
from hub.services.transparency import TransparencyLog, TreeHeadSigner, TreeHeadVerifier
from hub.services.transparency_port import TreeStoreFactory
from hub.services.unit_of_work import UnitOfWorkFactory

__all__ = [
    "audit_service",
    "checkpoint_signer",
    "checkpoint_verifier",
    "hub_checkpoint_signer",
    "hub_checkpoint_verifier",
    "hub_public_keys",
    "transparency_log",
    "tree_head_signer",
    "tree_head_verifier",
]


def checkpoint_signer(signer: Signer) -> CheckpointSigner:
    def sign(statement: bytes) -> tuple[str, bytes]:
        return signer.key_id, signer.sign(CHECKPOINT_PAYLOAD_TYPE, statement)

    return sign


def checkpoint_verifier(keys: Iterable[PublicKey]) -> CheckpointVerifier:
    by_id = {key.key_id: key for key in keys}

    def verify(key_id: str, statement: bytes, signature: bytes) -> bool:
        key = by_id.get(key_id)
        return key is not None and key.verifies(CHECKPOINT_PAYLOAD_TYPE, statement, signature)

    return verify


def hub_public_keys(pki_dir: Path) -> list[PublicKey]:
    """Every hub signing public key kept in ``pki_dir`` (the current one and
    retired ones); the private key's own when only that is there."""
    keys = [PublicKey.from_file(path) for path in sorted(pki_dir.glob("hub-signing*.pub"))]
    private_path = pki_dir / HUB_SIGNING_KEY
    if not keys and private_path.exists():
        keys.append(PublicKey(Signer.from_file(private_path).public_key))
    return keys


def hub_checkpoint_signer(pki_dir: Path, *, create: bool = False) -> CheckpointSigner | None:
    """The hub signing key as a checkpoint signer; None when there is no key
    (and ``create`` is off: the --insecure development hub makes one)."""
    if not create and not (pki_dir / HUB_SIGNING_KEY).exists():
        return None
    return checkpoint_signer(hub_signer(pki_dir, create=create))


def tree_head_signer(signer: Signer) -> TreeHeadSigner:
    def sign(statement: bytes) -> tuple[str, bytes]:
        return signer.key_id, signer.sign(TREE_HEAD_PAYLOAD_TYPE, statement)

    return sign


def tree_head_verifier(keys: Iterable[PublicKey]) -> TreeHeadVerifier:
    by_id = {key.key_id: key for key in keys}

    def verify(key_id: str, statement: bytes, signature: bytes) -> bool:
        key = by_id.get(key_id)
        return key is not None and key.verifies(TREE_HEAD_PAYLOAD_TYPE, statement, signature)

    return verify


def transparency_log(
    stores: TreeStoreFactory,
    pki_dir: Path,
    clock: Clock = system_clock,
    *,
    create_key: bool = False,
) -> TransparencyLog:
    """The transparency log of a hub whose PKI lives in ``pki_dir``: tree heads
    signed with the hub signing key under their own payload type."""
    signer = None
    if create_key or (pki_dir / HUB_SIGNING_KEY).exists():
        signer = tree_head_signer(hub_signer(pki_dir, create=create_key))
    keys = hub_public_keys(pki_dir)
    return TransparencyLog(
        stores, clock, signer, tree_head_verifier(keys), known_keys=[k.key_id for k in keys]
    )


def hub_checkpoint_verifier(pki_dir: Path) -> CheckpointVerifier:
    return checkpoint_verifier(hub_public_keys(pki_dir))


def audit_service(
    uow_factory: UnitOfWorkFactory,
    pki_dir: Path,
    clock: Clock = system_clock,
    *,
    create_key: bool = False,
) -> AuditService:
    """The audit service of a hub whose PKI lives in ``pki_dir``. Verifying
    needs only the public keys; checkpointing needs the private key."""
    from hub.storage.merkle_repository import SqlAlchemyTreeStores
    from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory

    signer = hub_checkpoint_signer(pki_dir, create=create_key)
    keys = hub_public_keys(pki_dir)
    # The tree lives in the same database as the chain, when that is SQL.
    tree = (
        transparency_log(SqlAlchemyTreeStores(uow_factory.engine), pki_dir, clock)
        if isinstance(uow_factory, SqlAlchemyUnitOfWorkFactory)
        else None
    )
    return AuditService(
        uow_factory,
        clock,
        signer,
        checkpoint_verifier(keys),
        known_keys=[key.key_id for key in keys],
        transparency=tree,
    )
