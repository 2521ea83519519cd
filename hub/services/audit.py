"""The audit log: verify the hash chain, sign checkpoints of its head.

Both walk the chain a page at a time, each page in a short unit of work of
its own (a verify over millions of rows never holds the database), and
read the head in the same unit of work as the page, before it: the
head covers every row the hub had appended, so a row beyond it was put
there by someone else, and rows missing below it were removed.

A checkpoint is the hub's Ed25519 signature over (seq, hash, time) of the
head. It pins everything before it: rewriting the chain and recomputing the
hashes shows at the next checkpoint. Before signing, the rows since the
previous checkpoint are checked to lead from it to the head, so the hub
never signs over a rewrite. A head that has not moved since the last
checkpoint is not signed again: that checkpoint already vouches for every
row there is, and another would add only a time (a checkpoint's ``at`` says
when the head was signed, not that the hub was alive since).

A checkpoint held elsewhere (exported, or fetched from the disclosure API)
vouches for the log even after someone with the database deleted the
checkpoints stored with it: ``verify_against`` walks the chain against
those too, so a chain shorter than such a checkpoint (truncated) or with
another hash at its seq (rewritten) is named.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Protocol

from hub.domain.audit_chain import (
    GENESIS_HEAD,
    AuditReport,
    ChainHead,
    ChainVerifier,
    Checkpoint,
    checkpoint_statement,
)
from hub.domain.checked_leaves import CheckedLeaves
from hub.domain.published_checkpoint import CheckpointFormatError, checkpoints_of_document
from hub.domain.tree_head import TreeHead
from hub.errors import FailedPrecondition, InvalidRequest, NotFound
from hub.services.clock import Clock
from hub.services.transparency import TransparencyLog
from hub.services.unit_of_work import ConcurrentWriteConflict, UnitOfWorkFactory

__all__ = [
    "DEFAULT_BATCH",
    "AuditService",
    "CheckpointSigner",
    "CheckpointVerifier",
    "held_checkpoints",
]

DEFAULT_BATCH = 10_000


class CheckpointSigner(Protocol):
    def __call__(self, statement: bytes) -> tuple[str, bytes]:
        """(key id, signature) of a checkpoint statement."""
        ...


class CheckpointVerifier(Protocol):
    def __call__(self, key_id: str, statement: bytes, signature: bytes) -> bool:
        """True when ``signature`` is the hub key ``key_id``'s over ``statement``."""
        ...


def held_checkpoints(document: bytes) -> list[Checkpoint]:
    """The checkpoints of a checkpoint file (hub.domain.published_checkpoint);
    InvalidRequest AUDIT_CHECKPOINT_INVALID when it is not one."""
    try:
        data = json.loads(document.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidRequest(
            "AUDIT_CHECKPOINT_INVALID", "the checkpoint file is not UTF-8 JSON"
        ) from error
    try:
        return checkpoints_of_document(data)
    except CheckpointFormatError as error:
        raise InvalidRequest(
            "AUDIT_CHECKPOINT_INVALID",
            f"not a checkpoint as the hub publishes it: {error}",
            {"problem": str(error)[:200]},
        ) from error


class AuditService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        signer: CheckpointSigner | None,
        verifier: CheckpointVerifier,
        known_keys: Collection[str] | None = None,
        transparency: TransparencyLog | None = None,
    ) -> None:
        """``known_keys``: the ids the verifier holds keys for, to tell a
        checkpoint of a foreign key from a forged one (None: not told apart).
        ``transparency``: the Merkle tree over the same events (None: a hub
        without one, e.g. over in-memory storage in tests)."""
        self.transparency = transparency
        self._uow_factory = uow_factory
        self._clock = clock
        self._signer = signer
        self._verifier = verifier
        self._known_keys = None if known_keys is None else frozenset(known_keys)

    def _verifies(self, checkpoint: Checkpoint) -> bool:
        return self._verifier(checkpoint.key_id, checkpoint.statement(), checkpoint.signature)

    def verify(self, batch: int = DEFAULT_BATCH) -> AuditReport:
        """Walk the whole chain against its head and every checkpoint."""
        with self._uow_factory() as uow:
            checkpoints = uow.audit.checkpoints()
        return self._walk(ChainVerifier(checkpoints, self._verifies), 0, batch)

    def verify_against(self, held: Sequence[Checkpoint], batch: int = DEFAULT_BATCH) -> AuditReport:
        """``verify`` with checkpoints held outside the database besides the stored ones.

        Each held checkpoint must carry this hub's valid signature first:
        refused with InvalidRequest AUDIT_CHECKPOINT_KEY_UNKNOWN (signed with
        a key this hub does not hold) or AUDIT_CHECKPOINT_SIGNATURE_INVALID.
        Then a chain ending below one of them is TRUNCATED and a chain whose
        hash at its seq differs is CHECKPOINT_MISMATCH, whatever was done to
        the stored checkpoints and the head record.
        """
        for checkpoint in held:
            self._check_held(checkpoint)
        with self._uow_factory() as uow:
            stored = uow.audit.checkpoints()
        return self._walk(ChainVerifier([*stored, *held], self._verifies), 0, batch)

    def _check_held(self, checkpoint: Checkpoint) -> None:
        details = {"seq": str(checkpoint.seq), "key_id": checkpoint.key_id[:64]}
        if self._known_keys is not None and checkpoint.key_id not in self._known_keys:
            raise InvalidRequest(
                "AUDIT_CHECKPOINT_KEY_UNKNOWN",
                f"the checkpoint at seq {checkpoint.seq} is signed with key "
                f"{checkpoint.key_id}, not one of this hub's signing keys",
                details,
            )
        if not self._verifies(checkpoint):
            raise InvalidRequest(
                "AUDIT_CHECKPOINT_SIGNATURE_INVALID",
                f"the checkpoint at seq {checkpoint.seq} does not carry a valid signature "
                f"of key {checkpoint.key_id}: it was altered or forged",
                details,
            )

    def exportable(self, *, every: bool = False) -> list[Checkpoint]:
        """The last checkpoint signed (``every``: all of them, by seq), each
        checked to carry a valid hub signature: what leaves the hub to be held
        elsewhere is never a forgery. NotFound AUDIT_CHECKPOINT_NONE before the
        first checkpoint; FailedPrecondition AUDIT_CHECKPOINT_FORGED."""
        with self._uow_factory() as uow:
            if every:
                found = uow.audit.checkpoints()
            else:
                last = uow.audit.last_checkpoint()
                found = [] if last is None else [last]
        if not found:
            raise NotFound("AUDIT_CHECKPOINT_NONE", "no audit checkpoint has been signed yet")
        for checkpoint in found:
            if not self._verifies(checkpoint):
                raise FailedPrecondition(
                    "AUDIT_CHECKPOINT_FORGED",
                    f"the stored checkpoint at seq {checkpoint.seq} does not carry a valid "
                    "hub signature",
                    {"seq": str(checkpoint.seq), "key_id": checkpoint.key_id[:64]},
                )
        return found

    def checkpoint(self, batch: int = DEFAULT_BATCH) -> Checkpoint | None:
        """Sign the head if it moved since the last checkpoint; None when it did
        not (or another hub process signed the same head first).

        The chain itself is not touched: a checkpoint is no event. Refused
        with FailedPrecondition AUDIT_CHAIN_BROKEN when the rows since the last
        checkpoint do not lead from it to the head, AUDIT_CHECKPOINT_FORGED
        when the last checkpoint's signature fails, AUDIT_SIGNING_KEY_MISSING
        when this hub has no signing key.
        """
        return self._checkpoint(batch, carry=False)[0]

    def checkpoint_and_extend_tree(
        self, batch: int = DEFAULT_BATCH
    ) -> tuple[Checkpoint | None, TreeHead | None]:
        """``checkpoint()``, then ``extend_tree()``, as the periodic
        checkpointer does every interval: the events the checkpoint was
        signed over go into the transparency log as its walk hashed them
        (hub.domain.checked_leaves), not read and hashed again."""
        checkpoint, checked = self._checkpoint(batch, carry=self.transparency is not None)
        return checkpoint, self._extend_tree(checked)

    def _checkpoint(
        self, batch: int, *, carry: bool
    ) -> tuple[Checkpoint | None, CheckedLeaves | None]:
        """``checkpoint()``, and with ``carry`` the leaves its walk hashed
        (vouched for with the head it signed; None without ``carry``)."""
        if self._signer is None:
            raise FailedPrecondition(
                "AUDIT_SIGNING_KEY_MISSING", "this hub has no signing key to sign checkpoints with"
            )
        with self._uow_factory() as uow:
            last = uow.audit.last_checkpoint()
        start = GENESIS_HEAD
        if last is not None:
            if not self._verifies(last):
                raise FailedPrecondition(
                    "AUDIT_CHECKPOINT_FORGED",
                    f"the last checkpoint (seq {last.seq}) does not carry a valid hub signature",
                    {"seq": str(last.seq), "key_id": last.key_id},
                )
            start = ChainHead(last.seq, last.head_hash)
        checked = CheckedLeaves(start.seq) if carry else None
        verifier = ChainVerifier(
            [], self._verifies, start=start, on_row=None if checked is None else checked.add
        )
        report = self._walk(verifier, start.seq, batch)
        if report.problem is not None:
            problem = report.problem
            raise FailedPrecondition(
                "AUDIT_CHAIN_BROKEN",
                f"not signing: {problem.kind} at seq {problem.seq}: {problem.message}",
                {
                    "kind": str(problem.kind),
                    "seq": "" if problem.seq is None else str(problem.seq),
                    "row_id": "" if problem.row_id is None else str(problem.row_id),
                },
            )
        # The head the last page was read with: later appends do not make it
        # any less the chain's hash at its seq.
        head = report.verified_to
        if head.seq <= start.seq:
            return None, None  # nothing appended since the last checkpoint
        if checked is not None:
            checked.head_hash = head.hash
        at = self._clock()
        key_id, signature = self._signer(checkpoint_statement(head.seq, head.hash, at))
        checkpoint = Checkpoint(head.seq, head.hash, at, key_id, signature)
        try:
            with self._uow_factory() as uow:
                uow.audit.add_checkpoint(checkpoint)
                uow.commit()
        except ConcurrentWriteConflict:
            return None, None  # another hub process signed this head first
        return checkpoint, checked

    def extend_tree(self) -> TreeHead | None:
        """Integrate the events the last checkpoint covers into the transparency
        log and sign a tree head if it grew: only a chain checked before it was
        signed enters the tree. None when there is no tree, no checkpoint yet,
        or nothing new."""
        return self._extend_tree(None)

    def _extend_tree(self, checked: CheckedLeaves | None) -> TreeHead | None:
        """``extend_tree()``; ``checked``: the leaves a checkpoint's walk hashed,
        which the log takes only while that checkpoint is the last (their seq
        and head hash are its own: TransparencyLog.integrate)."""
        if self.transparency is None:
            return None
        with self._uow_factory() as uow:
            last = uow.audit.last_checkpoint()
        if last is None:
            return None
        if not self._verifies(last):
            raise FailedPrecondition(
                "AUDIT_CHECKPOINT_FORGED",
                f"the last checkpoint (seq {last.seq}) does not carry a valid hub signature",
                {"seq": str(last.seq), "key_id": last.key_id},
            )
        return self.transparency.integrate_and_sign(last.seq, last.head_hash, checked)

    def _walk(self, verifier: ChainVerifier, after: int, batch: int) -> AuditReport:
        """Feed the pages after ``after``, each read with the head in a unit of
        work of its own, closed before the page is checked: appenders wait for
        the head only while a page is read."""
        if batch < 1:
            raise ValueError("the batch must hold at least one row")
        while True:
            with self._uow_factory() as uow:
                head = uow.audit.head()
                page = uow.audit.rows(after, batch)
            going = verifier.feed(page, head)
            last_seq = page[-1].seq if page else None
            if not going or len(page) < batch or last_seq is None:
                # The last page: the head read with it covers every row there is.
                return verifier.finish(head)
            after = last_seq
