"""In-memory CertificateRepository over the fake store (tests.fakes): the
rules the database keeps (a claim moves by version, one claim row per
retirement, one certificate per claim) raise ConcurrentWriteConflict as the
database's refusal would."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any

from hub.domain.neutrality import Certificate, CertifiedRetirement
from hub.services.certificate_port import ClaimRecord
from hub.services.unit_of_work import ConcurrentWriteConflict


@dataclasses.dataclass
class NeutralityStore:
    claims: dict[str, ClaimRecord] = dataclasses.field(default_factory=dict)
    retirements: dict[str, tuple[str, CertifiedRetirement]] = dataclasses.field(
        default_factory=dict
    )
    certificates: dict[str, Certificate] = dataclasses.field(default_factory=dict)  # by claim

    def copy(self) -> NeutralityStore:
        return NeutralityStore(dict(self.claims), dict(self.retirements), dict(self.certificates))


class FakeCertificateRepository:
    """``state`` returns the unit of work's store; ``write`` journals an operation on it."""

    def __init__(self, state: Callable[[], Any], write: Callable[[Callable[[Any], None]], None]):
        self._state = state
        self._write = write

    def _store(self) -> NeutralityStore:
        store: NeutralityStore = self._state().neutrality
        return store

    def claim(self, claim_id: str) -> ClaimRecord | None:
        return self._store().claims.get(claim_id)

    def save_claim(self, record: ClaimRecord, at: datetime) -> None:
        def operation(state: Any) -> None:
            current = state.neutrality.claims.get(record.claim.claim_id)
            if (0 if current is None else current.version) != record.version - 1:
                raise ConcurrentWriteConflict(f"claim {record.claim.claim_id} changed meanwhile")
            state.neutrality.claims[record.claim.claim_id] = record

        self._write(operation)

    def add_retirement(
        self, claim_id: str, retired_block_id: str, retirement: CertifiedRetirement
    ) -> None:
        def operation(state: Any) -> None:
            if retirement.retirement_id in state.neutrality.retirements:
                raise ConcurrentWriteConflict(f"retirement {retirement.retirement_id} counted")
            state.neutrality.retirements[retirement.retirement_id] = (claim_id, retirement)

        self._write(operation)

    def retirements(self, claim_id: str) -> list[CertifiedRetirement]:
        return [r for c, r in self._store().retirements.values() if c == claim_id]

    def add_certificate(self, claim_id: str, certificate: Certificate) -> None:
        def operation(state: Any) -> None:
            if claim_id in state.neutrality.certificates:
                raise ConcurrentWriteConflict(f"claim {claim_id} has its certificate")
            state.neutrality.certificates[claim_id] = certificate

        self._write(operation)

    def certificate_of_claim(self, claim_id: str) -> str | None:
        found = self._store().certificates.get(claim_id)
        return None if found is None else found.certificate_id
