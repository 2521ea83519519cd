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
never signs over a rewrite.
"""

from __future__ import annotations

from typing import Protocol

from hub.domain.audit_chain import (
    GENESIS_HEAD,
    AuditReport,
    ChainHead,
    ChainVerifier,
    Checkpoint,
    checkpoint_statement,
)
from hub.errors import FailedPrecondition
from hub.services.clock import Clock
from hub.services.unit_of_work import ConcurrentWriteConflict, UnitOfWorkFactory

__all__ = ["DEFAULT_BATCH", "AuditService", "CheckpointSigner", "CheckpointVerifier"]

DEFAULT_BATCH = 10_000


class CheckpointSigner(Protocol):
    def __call__(self, statement: bytes) -> tuple[str, bytes]:
        """(key id, signature) of a checkpoint statement."""
        ...


class CheckpointVerifier(Protocol):
    def __call__(self, key_id: str, statement: bytes, signature: bytes) -> bool:
        """True when ``signature`` is the hub key ``key_id``'s over ``statement``."""
        ...


class AuditService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        signer: CheckpointSigner | None,
        verifier: CheckpointVerifier,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._signer = signer
        self._verifier = verifier

    def _verifies(self, checkpoint: Checkpoint) -> bool:
        return self._verifier(checkpoint.key_id, checkpoint.statement(), checkpoint.signature)

    def verify(self, batch: int = DEFAULT_BATCH) -> AuditReport:
        """Walk the whole chain against its head and every checkpoint."""
        with self._uow_factory() as uow:
            checkpoints = uow.audit.checkpoints()
        return self._walk(ChainVerifier(checkpoints, self._verifies), 0, batch)

    def checkpoint(self, batch: int = DEFAULT_BATCH) -> Checkpoint | None:
        """Sign the head if it moved since the last checkpoint; None when it did
        not (or another hub process signed the same head first).

        The chain itself is not touched: a checkpoint is no event. Refused
        with FailedPrecondition AUDIT_CHAIN_BROKEN when the rows since the last
        checkpoint do not lead from it to the head, AUDIT_CHECKPOINT_FORGED
        when the last checkpoint's signature fails, AUDIT_SIGNING_KEY_MISSING
        when this hub has no signing key.
        """
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
        report = self._walk(ChainVerifier([], self._verifies, start=start), start.seq, batch)
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
            return None  # nothing appended since the last checkpoint
        at = self._clock()
        key_id, signature = self._signer(checkpoint_statement(head.seq, head.hash, at))
        checkpoint = Checkpoint(head.seq, head.hash, at, key_id, signature)
        try:
            with self._uow_factory() as uow:
                uow.audit.add_checkpoint(checkpoint)
                uow.commit()
        except ConcurrentWriteConflict:
            return None  # another hub process signed this head first
        return checkpoint

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
