"""AuditService over the in-memory fake: verify in pages, checkpoint only a moved,
intact head, refuse to sign over a broken chain."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from hub.domain.audit_chain import ChainHead, ProblemKind
from hub.errors import FailedPrecondition
from hub.services.audit import AuditService
from hub.services.audit_port import LedgerEvent
from tests.fakes import FakeUnitOfWorkFactory

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
KEY = b"service test key"


def sign(statement: bytes) -> tuple[str, bytes]:
    return "test", hashlib.sha256(KEY + statement).digest()


def verify(key_id: str, statement: bytes, signature: bytes) -> bool:
    return (key_id, signature) == sign(statement)


def append(factory: FakeUnitOfWorkFactory, *numbers: int) -> None:
    with factory() as uow:
        uow.events.append(
            [
                LedgerEvent("claim", f"C-{n}", "ACCEPTED", "CN-GD", T0 + timedelta(seconds=n))
                for n in numbers
            ]
        )
        uow.commit()


@pytest.fixture
def factory() -> FakeUnitOfWorkFactory:
    return FakeUnitOfWorkFactory()


@pytest.fixture
def audit(factory: FakeUnitOfWorkFactory) -> AuditService:
    return AuditService(factory, lambda: T0, sign, verify)


def test_verify_reads_in_pages_and_checkpoints_sign_a_moved_head(
    audit: AuditService, factory: FakeUnitOfWorkFactory
) -> None:
    append(factory, 1, 2, 3)
    append(factory, 4, 5)
    first = audit.checkpoint(batch=2)
    assert first is not None and (first.seq, first.at, first.key_id) == (5, T0, "test")
    assert factory.store.audit_head == ChainHead(5, first.head_hash)
    assert audit.checkpoint() is None
    append(factory, 6)
    second = audit.checkpoint(batch=1)
    assert second is not None and second.seq == 6
    assert len(factory.store.audit_rows) == 6  # a checkpoint appends no event
    for batch in (1, 2, 6, 7):
        report = audit.verify(batch)
        assert report.ok, report.problem
        assert (report.rows_checked, report.checkpoints_checked) == (6, 2)


def test_a_hub_without_a_signing_key_verifies_but_does_not_sign(
    factory: FakeUnitOfWorkFactory,
) -> None:
    append(factory, 1)
    audit = AuditService(factory, lambda: T0, None, verify)
    assert audit.verify().ok
    with pytest.raises(FailedPrecondition) as refused:
        audit.checkpoint()
    assert refused.value.code == "AUDIT_SIGNING_KEY_MISSING"


def test_an_edit_is_named_and_a_broken_chain_is_not_signed(
    audit: AuditService, factory: FakeUnitOfWorkFactory
) -> None:
    append(factory, 1, 2, 3, 4)
    rows = factory.store.audit_rows
    rows[2] = dataclasses.replace(rows[2], actor="CN-HK")
    problem = audit.verify(batch=2).problem
    assert problem is not None
    assert (problem.kind, problem.seq, problem.row_id, problem.subject) == (
        ProblemKind.EDITED,
        3,
        3,
        "claim C-3",
    )
    with pytest.raises(FailedPrecondition) as refused:
        audit.checkpoint()
    assert refused.value.code == "AUDIT_CHAIN_BROKEN"
    assert refused.value.details["kind"] == "EDITED"
    assert factory.store.audit_checkpoints == {}


def test_a_lowered_head_under_a_checkpoint_is_not_signed_over(
    audit: AuditService, factory: FakeUnitOfWorkFactory
) -> None:
    append(factory, 1, 2, 3)
    assert audit.checkpoint() is not None
    del factory.store.audit_rows[2]
    kept = factory.store.audit_rows[1]
    assert kept.seq is not None and kept.hash is not None
    factory.store.audit_head = ChainHead(kept.seq, kept.hash)
    problem = audit.verify().problem
    assert problem is not None and (problem.kind, problem.seq) == (ProblemKind.TRUNCATED, 3)
    with pytest.raises(FailedPrecondition):
        audit.checkpoint()
