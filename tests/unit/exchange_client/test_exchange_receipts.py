"""The exchange's own receipt checks (hub/exchange_client/receipts.py) against the hub's.

The exchange rebuilds block statements from the proto alone; these tests hold
that independent builder to the hub's (carbonhub_contract.receipts) on random blocks,
and show that a block changed after signing, a foreign key, a forged
signature or a missing receipt is refused with its own code.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from carbonhub_contract import receipts as hub_receipts
from carbonhub_contract.generated.carbonhub.v1 import ledger_pb2 as ledger
from carbonhub_contract.key_files import write_ed25519_keypair
from carbonhub_contract.signing import PublicKey, Signer
from carbonhub_contract.vocabulary.envelopes import RECEIPT_TYPE
from carbonhub_contract.vocabulary.envelopes import pae as hub_pae
from hub.exchange_client import receipts
from hub.exchange_client.receipts import HubKey, HubKeyError, ReceiptProblem, check_block

HUB = Signer(Ed25519PrivateKey.generate())
HUB_SIGNER = hub_receipts.ReceiptSigner(HUB)
HUB_KEY = HubKey.from_raw(HUB.public_key)
OTHER = Signer(Ed25519PrivateKey.generate())

# Any Unicode a proto string can hold (no lone surrogates): the statement keeps
# non-ASCII as UTF-8, so both sides must agree on it byte for byte.
TEXT = st.text(st.characters(codec="utf-8"), max_size=30)
UINT32 = st.integers(0, 2**32 - 1)
UINT64 = st.integers(0, 2**64 - 1)
STATES = st.sampled_from([ledger.BlockState.Name(v) for v in ledger.BlockState.values()])
ADJUSTMENTS = st.sampled_from(
    [ledger.AdjustmentStatus.Name(v) for v in ledger.AdjustmentStatus.values()]
)


@st.composite
def blocks(draw: st.DrawFn) -> ledger.Block:
    return ledger.Block(
        block_id=draw(TEXT),
        serial=draw(TEXT),
        origin=draw(TEXT),
        methodology=draw(TEXT),
        vintage=draw(UINT32),
        project=draw(TEXT),
        first_unit=draw(UINT64),
        last_unit=draw(UINT64),
        units=draw(UINT64),
        state=draw(STATES),
        adjustment=ledger.CorrespondingAdjustment(
            reference=draw(TEXT),
            status=draw(ADJUSTMENTS),
        ),
        parent_block_id=draw(TEXT),
        issued_at=draw(TEXT),
        frozen=draw(st.booleans()),
    )


def _signed(block: ledger.Block, signer: hub_receipts.ReceiptSigner = HUB_SIGNER) -> ledger.Block:
    out = ledger.Block()
    out.CopyFrom(block)
    return signer.sign_block(out)


def _sample() -> ledger.Block:
    return ledger.Block(
        block_id="B0001",
        serial="SZCER-CN-GD-SZ-PV-2024-4401-PV-2023-0007-1001-1010",
        origin="CN-GD",
        methodology="SZ-PV",
        vintage=2024,
        project="4401-PV-2023-0007",
        first_unit=1001,
        last_unit=1010,
        units=10,
        state=ledger.BLOCK_STATE_ISSUED,
        adjustment=ledger.CorrespondingAdjustment(
            reference="粤-CA-2024-001", status=ledger.ADJUSTMENT_STATUS_COMMITTED
        ),
        issued_at="2024-11-07T08:00:00Z",
    )


@given(blocks())
def test_the_statement_is_the_hubs_byte_for_byte(block: ledger.Block) -> None:
    assert receipts.block_statement(block) == hub_receipts.block_statement(block)


@given(blocks())
def test_every_block_the_hub_signs_verifies_here_and_there(block: ledger.Block) -> None:
    signed = _signed(block)
    assert check_block(signed, HUB_KEY) is None
    assert hub_receipts.verify_block(signed, PublicKey(HUB.public_key)).valid


@given(st.text(max_size=60), st.binary(max_size=200))
def test_pae_is_the_hubs(payload_type: str, body: bytes) -> None:
    assert receipts.pae(payload_type, body) == hub_pae(payload_type, body)


def test_the_key_file_and_its_id_are_read_as_the_hub_writes_them(tmp_path: Path) -> None:
    key_id = write_ed25519_keypair(tmp_path / "hub-signing.key", tmp_path / "hub-signing.pub")
    key = HubKey.from_file(tmp_path / "hub-signing.pub")
    assert key.key_id == key_id == PublicKey.from_file(tmp_path / "hub-signing.pub").key_id
    assert key.raw == Signer.from_file(tmp_path / "hub-signing.key").public_key
    assert receipts.RECEIPT_TYPE == RECEIPT_TYPE


def _set(name: str, value: object) -> Callable[[ledger.Block], None]:
    def change(block: ledger.Block) -> None:
        setattr(block, name, value)

    return change


def _adjustment(block: ledger.Block) -> None:
    block.adjustment.status = ledger.ADJUSTMENT_STATUS_PENDING


def _reference(block: ledger.Block) -> None:
    block.adjustment.reference = "粤-CA-2024-002"


TAMPERINGS: dict[str, Callable[[ledger.Block], None]] = {
    "block_id": _set("block_id", "B0002"),
    "serial": _set("serial", "SZCER-CN-GD-SZ-PV-2024-4401-PV-2023-0007-1001-1011"),
    "origin": _set("origin", "CN-HK"),
    "methodology": _set("methodology", "SZ-EV"),
    "vintage": _set("vintage", 2023),
    "project": _set("project", "P"),
    "first_unit": _set("first_unit", 1000),
    "last_unit": _set("last_unit", 1011),
    "units": _set("units", 11),
    "state": _set("state", ledger.BLOCK_STATE_DELIVERED),
    "adjustment.status": _adjustment,
    "adjustment.reference": _reference,
    "parent_block_id": _set("parent_block_id", "B0000"),
    "issued_at": _set("issued_at", "2024-11-07T08:00:01Z"),
    "frozen": _set("frozen", True),
}


@pytest.mark.parametrize("field", sorted(TAMPERINGS))
def test_a_block_changed_after_signing_does_not_match_its_receipt(field: str) -> None:
    block = _signed(_sample())
    TAMPERINGS[field](block)
    assert check_block(block, HUB_KEY) is ReceiptProblem.DOES_NOT_MATCH_MESSAGE


def test_a_receipt_under_another_key_is_of_an_unknown_key() -> None:
    block = _signed(_sample(), hub_receipts.ReceiptSigner(OTHER))
    assert check_block(block, HUB_KEY) is ReceiptProblem.KEY_UNKNOWN


def test_another_key_claiming_the_hubs_id_has_an_invalid_signature() -> None:
    block = _signed(_sample(), hub_receipts.ReceiptSigner(OTHER))
    block.receipt.key_id = HUB_KEY.key_id
    assert check_block(block, HUB_KEY) is ReceiptProblem.SIGNATURE_INVALID


def test_a_statement_rewritten_to_match_a_changed_block_has_an_invalid_signature() -> None:
    block = _signed(_sample())
    block.units = 11
    block.receipt.statement = receipts.block_statement(block)
    assert check_block(block, HUB_KEY) is ReceiptProblem.SIGNATURE_INVALID


def test_a_signature_of_another_type_does_not_verify() -> None:
    # DSSE binds the payload type: the same statement signed as a partner payload is no receipt.
    block = _sample()
    statement = receipts.block_statement(block)
    block.receipt.CopyFrom(
        ledger.Receipt(
            key_id=HUB.key_id,
            statement=statement,
            signature=HUB.sign("carbonhub.v1.ClaimEnvelope", statement),
        )
    )
    assert check_block(block, HUB_KEY) is ReceiptProblem.SIGNATURE_INVALID


def test_no_receipt_or_an_empty_one_is_missing() -> None:
    assert check_block(_sample(), HUB_KEY) is ReceiptProblem.MISSING
    empty = _sample()
    empty.receipt.SetInParent()
    assert empty.HasField("receipt")
    assert check_block(empty, HUB_KEY) is ReceiptProblem.MISSING


def test_a_state_this_client_cannot_name_is_refused_not_guessed() -> None:
    # A hub with a newer contract signs a state this client's proto lacks: the
    # statement cannot be rebuilt, so the block cannot be shown to be what was signed.
    block = _sample()
    block.state = 99  # type: ignore[assignment]
    statement = receipts.block_statement(_sample()).replace(
        b'"BLOCK_STATE_ISSUED"', b'"BLOCK_STATE_FUTURE"'
    )
    block.receipt.CopyFrom(HUB_SIGNER.receipt(statement))
    assert check_block(block, HUB_KEY) is ReceiptProblem.DOES_NOT_MATCH_MESSAGE


def test_unusable_hub_key_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(HubKeyError, match="No such file"):
        HubKey.from_file(tmp_path / "missing.pub")
    garbage = tmp_path / "garbage.pub"
    garbage.write_text("not a key")
    with pytest.raises(HubKeyError, match="not a PEM public key"):
        HubKey.from_file(garbage)
    p256 = tmp_path / "p256.pub"
    p256.write_bytes(
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(HubKeyError, match="not an Ed25519 key"):
        HubKey.from_file(p256)
