"""Partner signing keys and signed writes in the database (hub.services.key_port).

A partner's sequence row only advances, by a conditional update: of two
replicas recording one sequence, the database lets one through and the other
raises SequenceNotAdvanced.
"""

from __future__ import annotations

from sqlalchemy import insert, select, update

from carbonhub_contract.vocabulary.envelopes import PayloadType
from hub.domain.signed_payloads import KeyState, PartnerKey, SignedRecord
from hub.services.key_port import SequenceNotAdvanced
from hub.storage.key_tables import PartnerKeyRow, PartnerSequenceRow, SignedPayloadRow
from hub.storage.payload_codec import decode_payload, encode_payload
from hub.storage.transaction import Transaction

_KEY_COLUMNS = (
    PartnerKeyRow.key_id,
    PartnerKeyRow.partner,
    PartnerKeyRow.public_key,
    PartnerKeyRow.valid_from,
    PartnerKeyRow.valid_until,
    PartnerKeyRow.registered_at,
    PartnerKeyRow.registered_by,
    PartnerKeyRow.state,
    PartnerKeyRow.revoked_at,
    PartnerKeyRow.reason,
)


def _key(row: object) -> PartnerKey:
    return PartnerKey(
        key_id=row.key_id,  # type: ignore[attr-defined]
        partner=row.partner,  # type: ignore[attr-defined]
        public_key=bytes(row.public_key),  # type: ignore[attr-defined]
        valid_from=row.valid_from,  # type: ignore[attr-defined]
        valid_until=row.valid_until,  # type: ignore[attr-defined]
        registered_at=row.registered_at,  # type: ignore[attr-defined]
        registered_by=row.registered_by,  # type: ignore[attr-defined]
        state=KeyState(row.state),  # type: ignore[attr-defined]
        revoked_at=row.revoked_at,  # type: ignore[attr-defined]
        reason=row.reason,  # type: ignore[attr-defined]
    )


class SqlAlchemyPartnerKeyRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def get(self, key_id: str) -> PartnerKey | None:
        row = self._tx.connection.execute(
            select(*_KEY_COLUMNS).where(PartnerKeyRow.key_id == key_id)
        ).one_or_none()
        return None if row is None else _key(row)

    def of_partner(self, partner: str) -> list[PartnerKey]:
        rows = self._tx.connection.execute(
            select(*_KEY_COLUMNS)
            .where(PartnerKeyRow.partner == partner)
            .order_by(PartnerKeyRow.registered_at, PartnerKeyRow.key_id)
        )
        return [_key(row) for row in rows]

    def add(self, key: PartnerKey) -> None:
        with self._tx.writing() as connection:
            connection.execute(insert(PartnerKeyRow), [_key_values(key)])

    def save(self, key: PartnerKey) -> None:
        values = _key_values(key)
        del values["key_id"], values["public_key"], values["partner"]
        with self._tx.writing() as connection:
            result = connection.execute(
                update(PartnerKeyRow).where(PartnerKeyRow.key_id == key.key_id).values(**values)
            )
            self._tx.require_rows(result, 1, f"signing key {key.key_id} is not registered")


def _key_values(key: PartnerKey) -> dict[str, object]:
    return {
        "key_id": key.key_id,
        "partner": key.partner,
        "public_key": key.public_key,
        "valid_from": key.valid_from,
        "valid_until": key.valid_until,
        "registered_at": key.registered_at,
        "registered_by": key.registered_by,
        "state": key.state.value,
        "revoked_at": key.revoked_at,
        "reason": key.reason,
    }


class SqlAlchemySignedPayloadRepository:
    def __init__(self, transaction: Transaction) -> None:
        self._tx = transaction

    def last_sequence(self, partner: str) -> int:
        value = self._tx.connection.execute(
            select(PartnerSequenceRow.last_sequence).where(PartnerSequenceRow.partner == partner)
        ).scalar_one_or_none()
        return int(value) if value is not None else 0

    def record(self, record: SignedRecord) -> None:
        with self._tx.writing() as connection:
            # The conditional update is the replay rule: on PostgreSQL it waits
            # for a concurrent writer of the same partner and re-checks its
            # condition against that writer's committed sequence.
            advanced = connection.execute(
                update(PartnerSequenceRow)
                .where(
                    PartnerSequenceRow.partner == record.partner,
                    PartnerSequenceRow.last_sequence < record.sequence,
                )
                .values(last_sequence=record.sequence)
            )
            if advanced.rowcount == 0:
                last = self.last_sequence(record.partner)
                if last or self._has_sequence_row(record.partner):
                    self._tx.rollback()
                    raise SequenceNotAdvanced(record.partner, record.sequence, last)
                # The partner's first signed write: a concurrent first write
                # makes this insert fail on the primary key, and the retry sees it.
                connection.execute(
                    insert(PartnerSequenceRow),
                    [{"partner": record.partner, "last_sequence": record.sequence}],
                )
            codec, stored = encode_payload(record.payload)
            connection.execute(
                insert(SignedPayloadRow),
                [
                    {
                        "partner": record.partner,
                        "sequence": record.sequence,
                        "payload_type": record.payload_type.value,
                        "key_id": record.key_id,
                        "payload": stored,
                        "payload_codec": codec,
                        "signature": record.signature,
                        "received_at": record.received_at,
                        "signer": record.signer,
                    }
                ],
            )

    def _has_sequence_row(self, partner: str) -> bool:
        return (
            self._tx.connection.execute(
                select(PartnerSequenceRow.partner).where(PartnerSequenceRow.partner == partner)
            ).first()
            is not None
        )

    def get(self, partner: str, sequence: int) -> SignedRecord | None:
        row = self._tx.connection.execute(
            select(SignedPayloadRow).where(
                SignedPayloadRow.partner == partner, SignedPayloadRow.sequence == sequence
            )
        ).one_or_none()
        if row is None:
            return None
        return SignedRecord(
            partner=row.partner,
            sequence=int(row.sequence),
            payload_type=PayloadType(row.payload_type),
            key_id=row.key_id,
            payload=decode_payload(row.payload_codec, bytes(row.payload)),
            signature=bytes(row.signature),
            received_at=row.received_at,
            signer=row.signer,
        )
