"""The payload types partners sign under are the protobuf messages they sign:
the vocabulary spells them out in pure standard library, the generated code
knows them by descriptor, and the two must never drift apart."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf import descriptor_pool

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2
from carbonhub_contract.signing import PublicKey, Signer
from carbonhub_contract.vocabulary.envelopes import PayloadType, key_id_of, pae


@pytest.mark.parametrize("payload_type", list(PayloadType))
def test_each_payload_type_names_a_message_of_the_contract(payload_type: PayloadType) -> None:
    assert partner_pb2.DESCRIPTOR is not None  # the partner messages are loaded in the pool
    message = descriptor_pool.Default().FindMessageTypeByName(payload_type.value)
    assert message.full_name == payload_type.value


def test_a_signature_is_bound_to_its_payload_type() -> None:
    signer = Signer(Ed25519PrivateKey.generate())
    payload = b"\x08\x01"
    signature = signer.sign(PayloadType.CLAIM_ENVELOPE, payload)
    key = PublicKey(signer.public_key)
    assert key.verifies(PayloadType.CLAIM_ENVELOPE, payload, signature)
    assert not key.verifies(PayloadType.PROJECTS, payload, signature)
    assert key.key_id == key_id_of(signer.public_key) == signer.key_id
    assert pae("t", b"ab") == b"DSSEv1 1 t 2 ab"
