"""A published checkpoint reads back only as the hub wrote it: the JSON of a
checkpoint round-trips, and anything else (a field missing or extra, another
type or spelling, a statement that is not the canonical one of the fields)
is refused, saying which field, and in a page which item."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hub.domain.audit_chain import Checkpoint
from hub.domain.published_checkpoint import (
    CheckpointFormatError,
    checkpoints_of_document,
    published,
    read_published,
)

CHECKPOINT = Checkpoint(
    7, "ab" * 32, datetime(2026, 11, 24, 8, 0, 0, 5, tzinfo=UTC), "ed25519:0011", b"\x01" * 64
)


def test_a_published_checkpoint_round_trips_alone_and_in_a_page() -> None:
    document = published(CHECKPOINT)
    assert document["at"] == "2026-11-24T08:00:00.000005Z"
    assert document["statement"] == (
        '{"at":"2026-11-24T08:00:00.000005Z","head_hash":"' + "ab" * 32 + '","seq":7}'
    )
    assert read_published(document) == CHECKPOINT
    page = {"items": [document, document], "next_cursor": None}
    assert checkpoints_of_document(page) == [CHECKPOINT, CHECKPOINT]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"seq": True}, "seq"),
        ({"seq": 0}, "seq"),
        ({"seq": "7"}, "seq"),
        ({"head_hash": "AB" * 32}, "head_hash"),
        ({"at": "2026-11-24T08:00:00Z"}, "at"),
        ({"at": "2026-11-24T08:00:00.000005+00:00"}, "at"),
        ({"at": "2026-02-30T08:00:00.000005Z"}, "at"),
        ({"key_id": ""}, "key_id"),
        ({"payload_type": "application/vnd.carbonhub.receipt+json"}, "payload_type"),
        ({"signature": "not base64!"}, "signature"),
        ({"signature": "AQ"}, "signature"),  # padding left off
        ({"statement": '{"seq":7}'}, "statement"),
        ({"public_key": "x"}, "unknown public_key"),
    ],
)
def test_anything_else_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(CheckpointFormatError, match=field):
        read_published({**published(CHECKPOINT), **change})


def test_a_missing_field_an_empty_page_and_a_bad_item_are_named() -> None:
    document = published(CHECKPOINT)
    del document["signature"]
    with pytest.raises(CheckpointFormatError, match="missing signature"):
        read_published(document)
    with pytest.raises(CheckpointFormatError, match="at least one"):
        checkpoints_of_document({"items": []})
    with pytest.raises(CheckpointFormatError, match=r"items\[1\]: seq"):
        checkpoints_of_document(
            {"items": [published(CHECKPOINT), {**published(CHECKPOINT), "seq": -1}]}
        )
    with pytest.raises(CheckpointFormatError, match="JSON object"):
        checkpoints_of_document([published(CHECKPOINT)])
