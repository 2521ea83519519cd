"""Authenticating a partner's signed write inside the transaction that records it.

The signature is first verified at the entrypoint, over the exact bytes
received and before they are parsed (``WriteAuthenticator.check_signature``):
a tampered payload is SIGNATURE_INVALID whether or not it would parse.

The services check a write first in their unit of work (key, signature, and
the sequence against the last one committed: a forged or replayed write
costs no decisions), and keep it last (``signed_payloads``), with exactly
the ledger change it made: the sequence advance and the change commit
together. Keeping it last matters on PostgreSQL: advancing the sequence
locks the partner's sequence row until commit, so it is done when the
batch's work is over, not before.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from carbonhub_contract.vocabulary.envelopes import KeyInvalid, key_id_of, pae
from hub.domain.signed_payloads import SignatureVerifier, SignedRecord
from hub.errors import FailedPrecondition, InvalidRequest, PermissionDenied, Unauthenticated
from hub.services.key_port import SequenceNotAdvanced
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

# Public keys remembered per process for the check before parsing. A key id
# is derived from its key's bytes (key_id_of), so a remembered pair can never
# go stale; whether the key may still sign is read in the transaction.
_REMEMBERED_KEYS = 1024


class WriteAuthenticator:
    """What the services call with the signed write they were given (if any)."""

    def __init__(self, verify: SignatureVerifier) -> None:
        self._verify = verify
        self._keys: dict[str, bytes] = {}
        self._keys_lock = threading.Lock()

    def check_signature(
        self,
        uow_factory: UnitOfWorkFactory,
        payload_type: str,
        payload: bytes,
        key_id: str,
        signature: bytes,
    ) -> None:
        """Verify the signature over the exact bytes received, before anything
        parses them (DSSE: verify, then parse). Only the key's bytes are used
        here; its partner, validity and the sequence are checked again in the
        transaction that records the write (``__call__``)."""
        public_key = self._public_key(uow_factory, key_id)
        if public_key is None:
            raise Unauthenticated(
                "SIGNATURE_KEY_UNKNOWN",
                f"no signing key {key_id} is registered",
                {"key_id": key_id},
            )
        if not self._verify(public_key, pae(payload_type, payload), signature):
            raise _signature_invalid({"key_id": key_id})

    def _public_key(self, uow_factory: UnitOfWorkFactory, key_id: str) -> bytes | None:
        with self._keys_lock:
            known = self._keys.get(key_id)
        if known is not None:
            return known
        with uow_factory() as uow:
            key = uow.partner_keys.get(key_id)
        if key is None:
            return None
        try:
            derived = key_id_of(key.public_key)
        except KeyInvalid:
            derived = ""
        if derived == key_id:
            with self._keys_lock:
                if len(self._keys) >= _REMEMBERED_KEYS:
                    self._keys.clear()
                self._keys[key_id] = key.public_key
        return key.public_key

    def __call__(self, uow: UnitOfWork, record: SignedRecord | None, now: datetime) -> None:
        """Check the write; raises coded HubErrors."""
        if record is not None:
            authenticate(uow, replace(record, received_at=now), self._verify)

    @staticmethod
    def keep(uow: UnitOfWork, record: SignedRecord | None, now: datetime) -> None:
        """Advance the partner's sequence and keep the signed bytes: call last."""
        if record is None:
            return
        try:
            uow.signed_payloads.record(replace(record, received_at=now))
        except SequenceNotAdvanced as refused:
            raise replayed(refused) from refused


def authenticate(uow: UnitOfWork, record: SignedRecord, verify: SignatureVerifier) -> None:
    """Check key, signature and sequence (against the last committed one)."""
    now = record.received_at
    details = {"partner": record.partner, "key_id": record.key_id}
    key = uow.partner_keys.get(record.key_id)
    if key is None:
        raise Unauthenticated(
            "SIGNATURE_KEY_UNKNOWN", f"no signing key {record.key_id} is registered", details
        )
    if key.partner != record.partner:
        raise PermissionDenied(
            "SIGNATURE_KEY_OF_ANOTHER_PARTNER",
            f"key {record.key_id} is registered for {key.partner}, not {record.partner}",
            {**details, "key_partner": key.partner},
        )
    if not key.usable_at(now):
        raise Unauthenticated(
            "SIGNATURE_KEY_NOT_VALID",
            f"key {record.key_id} is {key.state.value.lower()}, valid from "
            f"{key.valid_from.isoformat()} until "
            f"{key.valid_until.isoformat() if key.valid_until else 'revoked or open'}",
            {**details, "state": key.state.value},
        )
    if not verify(key.public_key, pae(record.payload_type.value, record.payload), record.signature):
        raise _signature_invalid(details)
    # The sequence is looked at only once the signature says who wrote it.
    if record.sequence <= 0:
        raise InvalidRequest(
            "SEQUENCE_REQUIRED", "every signed write carries a sequence above 0", details
        )
    last = uow.signed_payloads.last_sequence(record.partner)
    if record.sequence <= last:
        raise replayed(SequenceNotAdvanced(record.partner, record.sequence, last))


def _signature_invalid(details: dict[str, str]) -> Unauthenticated:
    return Unauthenticated(
        "SIGNATURE_INVALID",
        "the signature does not match the payload: altered in transit or signed with another key",
        details,
    )


# The reason of a write refused because the partner's sequence is already at
# or past its number: replayed, or overtaken by another writer of the partner.
ENVELOPE_REPLAYED = "ENVELOPE_REPLAYED"


def replayed(refused: SequenceNotAdvanced) -> FailedPrecondition:
    return FailedPrecondition(
        ENVELOPE_REPLAYED,
        f"sequence {refused.sequence} of {refused.partner} is not above the last accepted "
        f"{refused.last}: a replayed or reordered payload",
        {
            "partner": refused.partner,
            "sequence": str(refused.sequence),
            "last_sequence": str(refused.last),
        },
    )


class UnsignedOnly:
    """A service built without an authenticator takes unsigned (internal) writes only."""

    def __call__(self, uow: UnitOfWork, record: SignedRecord | None, now: datetime) -> None:
        if record is not None:
            raise RuntimeError("a signed write reached a service built without an authenticator")

    @staticmethod
    def check_signature(
        uow_factory: UnitOfWorkFactory,
        payload_type: str,
        payload: bytes,
        key_id: str,
        signature: bytes,
    ) -> None:
        raise RuntimeError("a signed write reached a service built without an authenticator")

    @staticmethod
    def keep(uow: UnitOfWork, record: SignedRecord | None, now: datetime) -> None:
        return None


refuse_signed = UnsignedOnly()
