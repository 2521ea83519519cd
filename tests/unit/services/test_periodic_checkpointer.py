"""The serving hub's checkpointer signs the audit head as it starts and when it
stops cleanly, not only every interval: a log truncated right after a start or
a stop is still contradicted by a signed checkpoint."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime, timedelta

import pytest

from hub.services.audit import AuditService
from hub.services.audit_port import LedgerEvent
from hub.services.periodic_checkpointer import PeriodicCheckpointer
from tests.fakes import FakeUnitOfWorkFactory

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
HOUR = 3600.0  # no interval tick happens during a test
WAIT = 10.0


def sign(statement: bytes) -> tuple[str, bytes]:
    return "test", hashlib.sha256(b"key" + statement).digest()


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


def signed_seqs(factory: FakeUnitOfWorkFactory) -> list[int]:
    return sorted(factory.store.audit_checkpoints)


def wait_for(factory: FakeUnitOfWorkFactory, seqs: list[int]) -> None:
    deadline = time.monotonic() + WAIT
    while signed_seqs(factory) != seqs and time.monotonic() < deadline:
        time.sleep(0.01)
    assert signed_seqs(factory) == seqs


@pytest.fixture
def factory() -> FakeUnitOfWorkFactory:
    return FakeUnitOfWorkFactory()


def test_the_head_is_signed_on_start_and_again_on_a_clean_stop(
    factory: FakeUnitOfWorkFactory,
) -> None:
    append(factory, 1, 2, 3)
    task = PeriodicCheckpointer(AuditService(factory, lambda: T0, sign, verify), HOUR)
    task.start()
    try:
        wait_for(factory, [3])  # long before the first interval
        append(factory, 4, 5)
    finally:
        task.stop()
    assert signed_seqs(factory) == [3, 5]
    head = factory.store.audit_head
    assert head is not None
    assert factory.store.audit_checkpoints[5].head_hash == head.hash


def test_an_unmoved_head_is_not_signed_again_and_a_second_stop_signs_nothing(
    factory: FakeUnitOfWorkFactory,
) -> None:
    append(factory, 1)
    task = PeriodicCheckpointer(AuditService(factory, lambda: T0, sign, verify), HOUR)
    task.start()
    wait_for(factory, [1])
    task.stop()
    append(factory, 2)
    task.stop()
    assert signed_seqs(factory) == [1]


def test_a_failed_start_is_logged_and_the_stop_still_signs(
    factory: FakeUnitOfWorkFactory, caplog: pytest.LogCaptureFixture
) -> None:
    append(factory, 1)
    calls: list[bytes] = []

    def flaky(statement: bytes) -> tuple[str, bytes]:
        calls.append(statement)
        if len(calls) == 1:
            raise OSError("the key file went away for a moment")
        return sign(statement)

    task = PeriodicCheckpointer(AuditService(factory, lambda: T0, flaky, verify), HOUR)
    task.start()
    deadline = time.monotonic() + WAIT
    while not calls and time.monotonic() < deadline:
        time.sleep(0.01)
    task.stop()
    assert signed_seqs(factory) == [1]
    assert "audit-checkpointer failed at start" in caplog.text


def test_a_task_never_started_signs_nothing_when_stopped(factory: FakeUnitOfWorkFactory) -> None:
    append(factory, 1)
    PeriodicCheckpointer(AuditService(factory, lambda: T0, sign, verify), HOUR).stop()
    assert signed_seqs(factory) == []
