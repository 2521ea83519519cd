"""The hub's signed audit checkpoints are published: GET /api/v1/audit/checkpoints
(keyset pages by seq) and /latest carry everything needed to check them
offline, and a reader's own Ed25519 check (cryptography, no hub code)
accepts them. What the API serves is a checkpoint file `audit verify
--against` takes. SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import text
from typer.testing import CliRunner

from hub.services.audit_port import LedgerEvent
from hub.storage.unit_of_work import SqlAlchemyUnitOfWorkFactory

from .conftest import LiveLedger, populate

PAYLOAD_TYPE = b"application/vnd.carbonhub.audit-checkpoint+json"


def _append(ledger: LiveLedger, count: int) -> None:
    with SqlAlchemyUnitOfWorkFactory(ledger.hub.engine)() as uow:
        uow.events.append(
            [
                LedgerEvent("block", f"B-{n}", "NOTED", "test", ledger.clock.now, {"n": str(n)})
                for n in range(count)
            ]
        )
        uow.commit()


def _signed(ledger: LiveLedger) -> int:
    checkpoint = ledger.hub.audit.checkpoint()
    assert checkpoint is not None
    ledger.clock.now += timedelta(minutes=1)
    return checkpoint.seq


def _reader_accepts(item: dict[str, Any], pki_dir: Path) -> bool:
    """A reader's own check: the statement rebuilt from the fields, the key id
    from the public key, Ed25519 over DSSE v1 PAE."""
    statement = json.dumps(
        {"at": item["at"], "head_hash": item["head_hash"], "seq": item["seq"]},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    assert item["statement"].encode() == statement
    pem = (pki_dir / "hub-signing.pub").read_bytes()
    key = serialization.load_pem_public_key(pem)
    assert isinstance(key, Ed25519PublicKey)
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert item["key_id"] == "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]
    assert item["payload_type"].encode() == PAYLOAD_TYPE
    pae = b"DSSEv1 %d %s %d %s" % (len(PAYLOAD_TYPE), PAYLOAD_TYPE, len(statement), statement)
    try:
        key.verify(base64.b64decode(item["signature"], validate=True), pae)
    except Exception:
        return False
    return True


def test_checkpoints_are_published_in_pages_and_verify_offline(
    live: LiveLedger, tmp_path: Path
) -> None:
    none = live.client.get("/api/v1/audit/checkpoints/latest")
    assert none.status_code == 404 and none.json()["code"] == "AUDIT_CHECKPOINT_NONE"
    empty = live.client.get("/api/v1/audit/checkpoints")
    assert empty.status_code == 200 and empty.json() == {"items": [], "next_cursor": None}
    populate(live)
    seqs = [_signed(live)]
    _append(live, 3)
    seqs.append(_signed(live))
    _append(live, 2)
    seqs.append(_signed(live))
    items: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = live.client.get("/api/v1/audit/checkpoints", params={"limit": 2, "cursor": cursor})
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert [item["seq"] for item in items] == seqs
    pki_dir = tmp_path / "pki"
    assert all(_reader_accepts(item, pki_dir) for item in items)
    with live.hub.engine.connect() as connection:
        head_seq, head = connection.execute(text("SELECT seq, hash FROM audit_head")).one()
    latest = live.client.get("/api/v1/audit/checkpoints/latest")
    assert latest.status_code == 200 and latest.json() == items[-1]
    assert (latest.json()["seq"], latest.json()["head_hash"]) == (head_seq, head)
    # A signature altered by one bit is not accepted by the same check.
    bent = dict(items[0])
    signature = bytearray(base64.b64decode(bent["signature"]))
    signature[0] ^= 1
    bent["signature"] = base64.b64encode(bytes(signature)).decode()
    assert not _reader_accepts(bent, pki_dir)
    other = live.client.get("/api/v1/blocks", params={"limit": 1}).json()["next_cursor"]
    refused = live.client.get("/api/v1/audit/checkpoints", params={"cursor": other})
    assert refused.status_code == 400 and refused.json()["code"] == "CURSOR_INVALID"


def test_what_the_api_serves_is_a_checkpoint_file_verify_against_takes(
    live: LiveLedger, tmp_path: Path
) -> None:
    from hub.cli.app import app

    populate(live)
    _signed(live)
    held = tmp_path / "latest.json"
    held.write_bytes(live.client.get("/api/v1/audit/checkpoints/latest").content)
    page = tmp_path / "page.json"
    page.write_bytes(live.client.get("/api/v1/audit/checkpoints").content)
    where = [
        "--database-url",
        str(live.hub.settings.resolved_database_url()),
        "--pki-dir",
        str(tmp_path / "pki"),
    ]
    runner = CliRunner()
    for path in (held, page):
        intact = runner.invoke(app, ["audit", "verify", *where, "--against", str(path)])
        assert intact.exit_code == 0, intact.output
    seq = json.loads(held.read_text())["seq"]
    with live.hub.engine.begin() as connection:
        connection.execute(text("DELETE FROM ledger_events WHERE seq = :s"), {"s": seq})
        connection.execute(text("DELETE FROM audit_checkpoints"))
        previous = connection.execute(
            text("SELECT hash FROM ledger_events WHERE seq = :s"), {"s": seq - 1}
        ).scalar_one()
        # The row keeps its hash as 32 bytes (0021), the head as hex.
        connection.execute(
            text("UPDATE audit_head SET seq = :s, hash = :h"),
            {"s": seq - 1, "h": bytes(previous).hex()},
        )
    plain = runner.invoke(app, ["audit", "verify", *where])
    assert plain.exit_code == 0, plain.output
    caught = runner.invoke(app, ["audit", "verify", *where, "--against", str(held)])
    assert caught.exit_code == 1 and "TRUNCATED" in caught.output, caught.output
