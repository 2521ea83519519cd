"""In-memory RegisterRepository over the fake store (tests.fakes)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from typing import Any

from carbonhub_contract.vocabulary.records import Decision
from hub.domain.locks import LockKind
from hub.domain.reconciliation import DiscrepancyKind
from hub.domain.registers import (
    ListedEntry,
    RegisterEntry,
    RegisterKind,
    SerialRange,
    asset_id_folded,
)
from hub.services.register_port import RecordedClaim, RegisterVersion
from hub.services.unit_of_work import ConcurrentWriteConflict


@dataclasses.dataclass
class RegisterStore:
    versions: list[RegisterVersion] = dataclasses.field(default_factory=list)
    # import id -> (entry, its index keys)
    entries: dict[str, tuple[tuple[RegisterEntry, frozenset[str]], ...]] = dataclasses.field(
        default_factory=dict
    )

    def copy(self) -> RegisterStore:
        return RegisterStore(list(self.versions), dict(self.entries))


class FakeRegisterRepository:
    def __init__(self, state: Callable[[], Any], write: Callable[[Callable[[Any], None]], None]):
        self._state = state
        self._write = write

    def _store(self) -> RegisterStore:
        store: RegisterStore = self._state().registers
        return store

    def add_version(
        self, version: RegisterVersion, entries: Sequence[tuple[RegisterEntry, Collection[str]]]
    ) -> None:
        frozen = tuple((entry, frozenset(keys)) for entry, keys in entries)

        def apply(state: Any) -> None:
            store: RegisterStore = state.registers
            if any((v.kind, v.version) == (version.kind, version.version) for v in store.versions):
                raise ConcurrentWriteConflict("register version taken")
            store.versions.append(version)
            store.entries[version.import_id] = frozen

        self._write(apply)

    def versions(self, kind: RegisterKind | None = None) -> list[RegisterVersion]:
        return sorted(
            (v for v in self._store().versions if kind is None or v.kind is kind),
            key=lambda v: (v.kind, v.version),
        )

    def current(self, keys: Collection[str]) -> list[ListedEntry]:
        wanted = set(keys)
        latest: dict[RegisterKind, RegisterVersion] = {}
        for version in self.versions():
            latest[version.kind] = version
        found = [
            ListedEntry(kind, v.version, v.imported_at.isoformat(), entry)
            for kind, v in sorted(latest.items())
            for entry, entry_keys in self._store().entries[v.import_id]
            if entry_keys & wanted
        ]
        return sorted(found, key=lambda e: (e.kind, e.entry.entry_id))

    def lock_lists(self, *, exclusive: bool) -> None:
        """One fake transaction at a time already: nothing to serialise."""

    def recorded_claims(
        self,
        asset_ids: Collection[str],
        serials: Collection[SerialRange],
        projects: Collection[tuple[str, str]],
    ) -> list[RecordedClaim]:
        state = self._state()
        ids, pairs = set(asset_ids), set(projects)
        recorded = {str(Decision.ACCEPTED), str(Decision.HELD)}
        serial_holders = {
            lock.claim_id
            for (kind, key), locks in state.locks.items()
            if kind == str(LockKind.ORIGIN_SERIAL)
            for lock in locks
            if any(
                r.series == key.upper() and lock.lo <= r.last and r.first <= lock.hi
                for r in serials
            )
        }
        found: list[RecordedClaim] = []
        for claim_id, row in sorted(state.claims.items()):
            sub = row.record.submission
            named = {asset_id_folded(i) for i in (sub.project_id, sub.site_id) if i}
            if row.decision not in recorded or not (
                named & ids
                or claim_id in serial_holders
                or (row.partner, (sub.project_id or "").strip()) in pairs
            ):
                continue
            normalised = row.record.normalised
            found.append(
                RecordedClaim(
                    claim_id,
                    row.partner,
                    (sub.project_id or "").strip() or None,
                    (sub.site_id or "").strip() or None,
                    normalised.period_start if normalised else None,
                    normalised.period_end if normalised else None,
                )
            )
        return found

    def reported(self, subjects: Collection[str]) -> set[tuple[str, str]]:
        wanted = set(subjects)
        return {
            (d.discrepancy.subject_id, d.discrepancy.counterpart_value)
            for reconciliation in self._state().reconciliations.values()
            for d in reconciliation.discrepancies
            if d.discrepancy.kind is DiscrepancyKind.EXTERNAL_REGISTER
            and d.discrepancy.subject_id in wanted
        }
