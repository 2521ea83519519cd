"""The partner's own record of the cancellations at source it attested to the hub.

One JSON object per line, appended once the hub accepted the attestation:

    {"partner": "CN-GD", "claim_id": "...", "record_id": "GD2024R0001201",
     "origin_serial": "GDPH-...", "cancellation_id": "GDC-2024-0001",
     "cancelled_at": "2024-11-20T10:00:00+08:00", "attested_at": "..."}

It is the audit trail the partner states in a reconciliation: a record
whose origin block was cancelled for the hub carries the trail entry
hub.domain.reconciliation.source_cancelled_entry(cancellation_id), as the
hub's own record of the attestation does. The Guangdong registry's export
carries no cancellation ids, so this journal is where the partner side
keeps them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from carbonhub_contract.vocabulary.holdings import source_cancelled_entry
from carbonhub_contract.vocabulary.records import ClaimSubmission


class JournalError(Exception):
    """A line of the journal is not an attestation entry."""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    partner: str
    claim_id: str
    record_id: str  # "" when the attesting operator did not give it
    origin_serial: str
    cancellation_id: str
    cancelled_at: str
    attested_at: str


class AttestationJournal:
    def __init__(self, path: Path) -> None:
        self.path = path

    def entries(self) -> list[JournalEntry]:
        """Every entry, in the order they were appended; none when there is no journal yet."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        lines = text.split("\n")
        entries: list[JournalEntry] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entries.append(JournalEntry(**json.loads(line)))
            except (json.JSONDecodeError, TypeError) as problem:
                if number == len(lines):
                    # An append cut short by a crash (no final newline): that
                    # attestation is not on record here, and reconciliation
                    # will say so as a trail discrepancy.
                    continue
                raise JournalError(f"{self.path} line {number}: {problem}") from problem
        return entries

    def append(self, entry: JournalEntry) -> bool:
        """Record an accepted attestation; False when its cancellation is already recorded."""
        if any(
            e.partner == entry.partner and e.cancellation_id == entry.cancellation_id
            for e in self.entries()
        ):
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._drop_torn_tail()
        line = json.dumps(asdict(entry), ensure_ascii=False, sort_keys=True) + "\n"
        with self.path.open("a", encoding="utf-8") as journal:
            journal.write(line)
            journal.flush()
            os.fsync(journal.fileno())
        return True

    def _drop_torn_tail(self) -> None:
        # An append cut short left a line with no newline: it never became an
        # entry, and a new line glued to it would corrupt both.
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        if data and not data.endswith(b"\n"):
            with self.path.open("r+b") as journal:
                journal.truncate(data.rfind(b"\n") + 1)

    def trails(self, partner: str, submissions: Iterable[ClaimSubmission]) -> dict[str, set[str]]:
        """Trail entries by record id for ``submissions``.

        An entry names its record id when one was given; otherwise it is
        matched by origin serial, the block the registry cancelled.
        """
        by_serial: dict[str, str] = {}
        record_ids: set[str] = set()
        for s in submissions:
            record_ids.add(s.record_id)
            if s.origin_serial and s.origin_serial.strip():
                by_serial[s.origin_serial.strip()] = s.record_id
        trails: dict[str, set[str]] = {}
        for e in self.entries():
            if e.partner != partner:
                continue
            record_id = e.record_id if e.record_id in record_ids else by_serial.get(e.origin_serial)
            if record_id is not None:
                trails.setdefault(record_id, set()).add(source_cancelled_entry(e.cancellation_id))
        return trails
