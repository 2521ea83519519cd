"""The storage port of partner signing keys and signed writes (hub.storage.key_repository).

Registered keys with their validity and revocation, and each signed write
kept with its sequence: a partner's sequence only advances, and the
database decides between two replicas taking the same one.
"""

from __future__ import annotations

from typing import Protocol

from hub.domain.signed_payloads import PartnerKey, SignedRecord


class SequenceNotAdvanced(Exception):
    """A signed write's sequence is not above the partner's last one: replayed,
    reordered, or taken by a concurrent write of the same partner."""

    def __init__(self, partner: str, sequence: int, last: int) -> None:
        super().__init__(f"{partner} sequence {sequence} is not above {last}")
        self.partner = partner
        self.sequence = sequence
        self.last = last


class PartnerKeyRepository(Protocol):
    def get(self, key_id: str) -> PartnerKey | None: ...

    def of_partner(self, partner: str) -> list[PartnerKey]:
        """In registration order."""
        ...

    def add(self, key: PartnerKey) -> None:
        """ConcurrentWriteConflict at commit when the key id is registered already."""
        ...

    def save(self, key: PartnerKey) -> None:
        """Update the validity or revocation of a registered key."""
        ...


class SignedPayloadRepository(Protocol):
    def last_sequence(self, partner: str) -> int:
        """0 when the partner has signed nothing yet."""
        ...

    def record(self, record: SignedRecord) -> None:
        """Advance the partner's sequence to ``record.sequence`` and keep the
        signed bytes. Raises SequenceNotAdvanced when the sequence is not above
        the last one (the database decides: two replicas cannot both take it)."""
        ...

    def get(self, partner: str, sequence: int) -> SignedRecord | None: ...
