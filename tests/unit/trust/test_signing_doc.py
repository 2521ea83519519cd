"""docs/signing.md: its worked example is what the hub's code computes, and
every value in it checks out with hashlib and cryptography alone, as an
outside implementer would check them."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from carbonhub_contract.generated.carbonhub.v1 import partner_pb2 as pb
from carbonhub_contract.vocabulary.envelopes import RECEIPT_TYPE, PayloadType
from hub.domain.audit_chain import CHECKPOINT_PAYLOAD_TYPE
from hub.grpc_api.field_limits import MAX_SEQUENCE

REPO = Path(__file__).resolve().parents[3]
DOC = REPO / "docs" / "signing.md"
PRIVATE_DER_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
PUBLIC_DER_PREFIX = bytes.fromhex("302a300506032b6570032100")


def _script() -> ModuleType:
    path = REPO / "scripts" / "write_signing_example.py"
    spec = importlib.util.spec_from_file_location("write_signing_example", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def _values() -> dict[str, str]:
    found = dict(re.findall(r"^(\w+) += (\S+)$", _text(), flags=re.MULTILINE))
    assert len(found) >= 15, "the example's name = value lines are missing"
    return found


def _pae(payload_type: str, payload: bytes) -> bytes:
    # Written out here, from the document's definition, not imported.
    kind = payload_type.encode("utf-8")
    return (
        b"DSSEv1 "
        + str(len(kind)).encode()
        + b" "
        + kind
        + b" "
        + (str(len(payload)).encode() + b" " + payload)
    )


def test_the_example_is_what_the_hubs_code_computes() -> None:
    script = _script()
    assert script.rewritten(_text()) == _text(), (
        "docs/signing.md is stale: run python scripts/write_signing_example.py"
    )


def test_the_key_id_and_key_files_check_out_independently() -> None:
    v = _values()
    seed = bytes.fromhex(v["partner_seed"])
    key = Ed25519PrivateKey.from_private_bytes(seed)
    raw = key.public_key().public_bytes_raw()
    assert raw.hex() == v["partner_public_key"]
    assert v["partner_key_id"] == "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]
    assert f"`{v['partner_key_id']}`" in _text().split("<!-- signing-example")[0]
    assert bytes.fromhex(v["partner_private_key_der"]) == PRIVATE_DER_PREFIX + seed
    assert bytes.fromhex(v["partner_public_key_der"]) == PUBLIC_DER_PREFIX + raw
    pems = re.findall(r"-----BEGIN ([A-Z ]+)-----\n(.*?)\n-----END \1-----", _text(), re.S)
    ders = {label: base64.b64decode("".join(body.split())) for label, body in pems}
    assert ders["PRIVATE KEY"] == PRIVATE_DER_PREFIX + seed
    assert ders["PUBLIC KEY"] == PUBLIC_DER_PREFIX + raw
    loaded = serialization.load_der_private_key(ders["PRIVATE KEY"], password=None)
    assert isinstance(loaded, Ed25519PrivateKey)
    # The layouts the document states in its section on key files.
    assert PRIVATE_DER_PREFIX.hex() in _text() and PUBLIC_DER_PREFIX.hex() in _text()


def test_the_signed_payload_checks_out_independently() -> None:
    v = _values()
    payload = bytes.fromhex(v["payload"])
    message = _pae(v["payload_type"], payload)
    assert message.hex() == v["pae"]
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(v["partner_seed"]))
    assert key.sign(message).hex() == v["signature"]
    key.public_key().verify(bytes.fromhex(v["signature"]), message)
    envelope = pb.ClaimEnvelope.FromString(payload)
    assert (envelope.partner, envelope.sequence) == ("CN-GD", 1)


def test_the_receipt_checks_out_independently() -> None:
    v = _values()
    hub_key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(v["hub_seed"]))
    raw = hub_key.public_key().public_bytes_raw()
    assert raw.hex() == v["hub_public_key"]
    assert v["hub_key_id"] == "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]
    statement = bytes.fromhex(v["statement"])
    public = Ed25519PublicKey.from_public_bytes(raw)
    public.verify(bytes.fromhex(v["receipt_signature"]), _pae(v["receipt_type"], statement))
    canonical = json.dumps(
        json.loads(statement), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
    assert canonical == statement
    assert statement.decode("utf-8") in _text()


def test_the_documents_own_verifier_runs() -> None:
    snippet = _text().split("```python\n")[-1].split("```")[0]
    exec(compile(snippet, "docs/signing.md", "exec"), {"v": _values()})


def test_the_document_names_every_payload_type_and_the_sequence_range() -> None:
    text = _text()
    for payload_type in [*PayloadType, RECEIPT_TYPE, CHECKPOINT_PAYLOAD_TYPE]:
        assert f"`{payload_type}`" in text, payload_type
    assert f"1 to {MAX_SEQUENCE:,}" in text
    assert MAX_SEQUENCE == 2**62 - 1 and "(2^62 − 1)" in text
