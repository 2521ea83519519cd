"""Authenticating a partner's signed write inside the transaction that records it.

Called first in the unit of work of ingestion, project registration and
attestations, so that a refused signature, key or sequence writes nothing,
and an accepted one is kept (``signed_payloads``) with exactly the ledger
change it made: the sequence advance and the change commit together.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from hub.domain.signed_payloads import SignatureVerifier, SignedRecord, pae
from hub.errors import FailedPrecondition, InvalidRequest, PermissionDenied, Unauthenticated
from hub.services.unit_of_work import SequenceNotAdvanced, UnitOfWork


class WriteAuthenticator:
    """What the services call with the signed write they were given (if any)."""

    def __init__(self, verify: SignatureVerifier) -> None:
        self._verify = verify

    def __call__(self, uow: UnitOfWork, record: SignedRecord | None, now: datetime) -> None:
        if record is not None:
            authenticate(uow, replace(record, received_at=now), self._verify)


def authenticate(uow: UnitOfWork, record: SignedRecord, verify: SignatureVerifier) -> None:
    """Check key, signature and sequence; keep the record. Raises coded HubErrors."""
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
        raise Unauthenticated(
            "SIGNATURE_INVALID",
            "the signature does not match the payload: altered in transit or signed "
            "with another key",
            details,
        )
    # The sequence is looked at only once the signature says who wrote it.
    if record.sequence <= 0:
        raise InvalidRequest(
            "SEQUENCE_REQUIRED", "every signed write carries a sequence above 0", details
        )
    try:
        uow.signed_payloads.record(record)
    except SequenceNotAdvanced as refused:
        raise replayed(refused) from refused


def replayed(refused: SequenceNotAdvanced) -> FailedPrecondition:
    return FailedPrecondition(
        "ENVELOPE_REPLAYED",
        f"sequence {refused.sequence} of {refused.partner} is not above the last accepted "
        f"{refused.last}: a replayed or reordered payload",
        {
            "partner": refused.partner,
            "sequence": str(refused.sequence),
            "last_sequence": str(refused.last),
        },
    )


def refuse_signed(uow: UnitOfWork, record: SignedRecord | None, now: datetime) -> None:
    """A service built without an authenticator takes unsigned (internal) writes only."""
    if record is not None:
        raise RuntimeError("a signed write reached a service built without an authenticator")
