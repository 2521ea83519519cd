"""The exchange's state file: round trip, atomic replacement, refusal of garbage,
receipts kept byte for byte, and files written before receipts still loading."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hub.exchange_client.state import (
    FORMAT_VERSION,
    BlockRecord,
    BlockStatus,
    ExchangeState,
    ReceiptRecord,
    RetirementRecord,
    RetirementStatus,
    StateFileError,
    load_state,
    save_state,
)


def _state() -> ExchangeState:
    state = ExchangeState(cursor=17, policy_position=4)
    state.blocks["B1"] = BlockRecord("B1", "SZCER-CN-GD-X-2024-P-1-10", 10, 2024, "CN-GD")
    state.blocks["B2"] = BlockRecord(
        "B2",
        "SZCER-CN-HK-Y-2023-P-1-3",
        3,
        2023,
        "CN-HK",
        status=BlockStatus.RETIRED,
        frozen=True,
        acknowledged=True,
        parent_block_id="B0",
        policy_decided=True,
        from_retirement=True,
        receipt=ReceiptRecord.of(
            "ed25519:0123456789abcdef", '{"serial":"SZCER-粤"}'.encode(), bytes(range(64))
        ),
    )
    state.retirements["R1"] = RetirementRecord(
        "R1", "B0", 3, "ETS_OFFSET", RetirementStatus.DONE, "B2", "B3"
    )
    state.retirements["R2"] = RetirementRecord(
        "R2", "B1", 10, "VOLUNTARY", RetirementStatus.REFUSED, refusal="FAILED_PRECONDITION: x"
    )
    return state


def test_round_trip_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "exchange.json"
    state = _state()
    save_state(state, path)
    back = load_state(path)
    assert back == state
    assert isinstance(back.blocks["B2"].status, BlockStatus)
    assert isinstance(back.retirements["R2"].status, RetirementStatus)
    # Nothing but the file itself is left in the folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exchange.json"]


def test_receipts_are_kept_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "exchange.json"
    save_state(_state(), path)
    receipt = load_state(path).blocks["B2"].receipt
    assert receipt is not None
    assert receipt.key_id == "ed25519:0123456789abcdef"
    assert receipt.statement_bytes() == '{"serial":"SZCER-粤"}'.encode()
    assert receipt.signature_bytes() == bytes(range(64))
    assert load_state(path).blocks["B1"].receipt is None
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == FORMAT_VERSION


# Written by the client before it kept receipts: format 1, no "receipt" key.
FORMAT_1 = {
    "format": 1,
    "cursor": 3,
    "policy_position": 1,
    "blocks": {
        "B1": {
            "block_id": "B1",
            "serial": "SZCER-CN-GD-X-2024-P-1-10",
            "units": 10,
            "vintage": 2024,
            "origin": "CN-GD",
            "status": "HELD",
            "frozen": False,
            "acknowledged": True,
            "parent_block_id": "",
            "policy_decided": True,
            "from_retirement": False,
        }
    },
    "retirements": {},
}


def test_a_state_file_from_before_receipts_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "exchange.json"
    path.write_text(json.dumps(FORMAT_1), encoding="utf-8")
    state = load_state(path)
    assert state.cursor == 3
    assert state.blocks["B1"].acknowledged
    assert state.blocks["B1"].receipt is None
    # Saved again in the current format, it loads the same.
    save_state(state, path)
    assert load_state(path) == state


def test_a_damaged_receipt_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "exchange.json"
    save_state(_state(), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["blocks"]["B2"]["receipt"]["signature"] = "not base64!"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(StateFileError):
        load_state(path)


def test_missing_file_is_a_fresh_exchange(tmp_path: Path) -> None:
    state = load_state(tmp_path / "none.json")
    assert state == ExchangeState()
    assert state.cursor == 0


def test_crash_before_the_rename_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "exchange.json"
    save_state(_state(), path)
    before = path.read_bytes()
    newer = _state()
    newer.cursor = 99

    def crash(src: str, dst: str) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        save_state(newer, path)
    assert path.read_bytes() == before
    assert load_state(path).cursor == 17
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exchange.json"]


def test_crash_while_writing_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "exchange.json"
    save_state(_state(), path)
    before = path.read_bytes()

    def crash(fd: int) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "fsync", crash)
    newer = _state()
    newer.cursor = 99
    with pytest.raises(OSError, match="disk gone"):
        save_state(newer, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["exchange.json"]


def test_the_file_is_replaced_never_rewritten_in_place(tmp_path: Path) -> None:
    # A reader holding the old file keeps the old content: a new inode each save.
    path = tmp_path / "exchange.json"
    save_state(_state(), path)
    with path.open(encoding="utf-8") as old:
        newer = _state()
        newer.cursor = 18
        save_state(newer, path)
        assert json.loads(old.read())["cursor"] == 17
    assert load_state(path).cursor == 18


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[]", b'{"format": 99}', b'{"format": 1, "cursor": 1}'],
    ids=["torn", "list", "format", "incomplete"],
)
def test_garbage_is_refused_not_taken_for_a_fresh_start(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "exchange.json"
    path.write_bytes(content)
    with pytest.raises(StateFileError):
        load_state(path)
