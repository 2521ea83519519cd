"""Loading external registers' lists (CCER, GEC, Hong Kong RECs, Shenzhen's platform).

The bureau imports a register's list as that register publishes it, CSV or
JSON (docs: README "External registers"); each import is a new version of
that register's list, kept with its file's SHA-256, who loaded it and when,
and audited as a ``register`` event. Project registrations are then
compared with every register's current version (hub.services.asset_checks,
hub.domain.registers). The claims recorded before it are re-examined in the
same transaction (hub.services.register_reexamination), so a list loaded
late still rejects, holds or reports what it covers.

Columns (CSV header or JSON keys; docs/external-registers.md): entry_id, name, type
(pv, solar, 光伏, forest, 林业碳汇 ...); the asset by its point and size,
longitude, latitude (degrees, WGS 84), size, size_unit (kW, kWp, MW, MWp, ha,
mu), or by the register's asset_id, or its units by serial_range
({series}-{first}-{last}); optionally region_code (GB/T 2260) and the
credited period period_start, period_end (YYYY-MM-DD or YYYY-MM, inclusive).
Lists written before the optional columns existed load as they did.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.domain.asset_matching import Thresholds, match_keys
from hub.domain.register_claims import entry_keys
from hub.domain.registers import (
    ListedEntry,
    RegisterEntry,
    RegisterKind,
    RowProblem,
    parse_entries,
    register_checks,
)
from hub.errors import InvalidRequest
from hub.services.asset_checks import project_site
from hub.services.audit_port import LedgerEvent
from hub.services.clock import Clock, system_clock
from hub.services.register_port import RegisterVersion
from hub.services.register_reexamination import Reexamination, reexamine_recorded
from hub.services.transactions import run_in_transaction
from hub.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

# Enough for a national list of every CCER or GEC project several times over.
MAX_FILE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RegisterMatch:
    """A project registered before the list was loaded that an entry describes."""

    partner: str
    project_id: str
    entry_id: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    version: RegisterVersion
    # Projects already registered that the list names: registration did not
    # see this list, so the bureau reviews them now (suspend, or keep).
    matched: tuple[RegisterMatch, ...]
    # Claims recorded before the list: rejected, held, or (issued) reported.
    reexamined: Reexamination


class RegisterImportService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        thresholds: Thresholds,
        clock: Clock = system_clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._thresholds = thresholds
        self._clock = clock

    def import_file(self, kind: RegisterKind, path: Path, actor: str) -> ImportResult:
        """Load ``path`` as the next version of register ``kind``'s list."""
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise _invalid(path, [RowProblem(0, "", f"larger than {MAX_FILE_BYTES} bytes")])
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidRequest(
                "REGISTER_FILE_UNREADABLE",
                f"the register file {path.name} cannot be read: {exc.strerror or 'unreadable'}",
                {"file": path.name},
            ) from None
        rows, first_line = _rows(path, data)
        entries, problems = parse_entries(rows, first_line)
        if problems or not entries:
            raise _invalid(path, problems or [RowProblem(0, "", "the list has no entries")])
        sha256 = hashlib.sha256(data).hexdigest()
        keyed = [(entry, entry_keys(kind, entry)) for entry in entries]

        def work(uow: UnitOfWork) -> ImportResult:
            # First: every delivery that read the lists before this one has
            # recorded its claims, and none reads them until this commits.
            uow.registers.lock_lists(exclusive=True)
            now = self._clock()
            loaded = uow.registers.versions(kind)
            version = RegisterVersion(
                kind=kind,
                version=(loaded[-1].version + 1) if loaded else 1,
                import_id=str(uuid.uuid4()),
                file_name=path.name,
                sha256=sha256,
                entries=len(entries),
                imported_at=now,
                actor=actor,
            )
            uow.registers.add_version(version, keyed)
            matched, described = self._registered(uow, version, entries)
            reexamined = reexamine_recorded(uow, self._thresholds, version, keyed, described, now)
            details = {
                "version": str(version.version),
                "entries": str(len(entries)),
                "sha256": sha256,
                "file": path.name,
                "matched_projects": str(len(matched)),
                "claims_examined": str(reexamined.examined),
                "claims_rejected": str(reexamined.count("REJECTED")),
                "claims_held": str(reexamined.count("HELD")),
                "issued_claims_reported": str(reexamined.count("ISSUED")),
            }
            if reexamined.reconciliation_id:
                details["reconciliation_id"] = reexamined.reconciliation_id
            if matched:
                details["matched"] = ", ".join(
                    f"{m.partner}/{m.project_id}={m.entry_id}" for m in matched[:100]
                )
            uow.events.append(
                [
                    LedgerEvent(
                        "register",
                        str(kind),
                        "IMPORTED",
                        actor,
                        now,
                        details,
                    )
                ]
            )
            return ImportResult(version, tuple(matched), reexamined)

        return run_in_transaction(self._uow_factory, work, retries=8, what="register import")

    def _registered(
        self, uow: UnitOfWork, version: RegisterVersion, entries: list[RegisterEntry]
    ) -> tuple[list[RegisterMatch], set[tuple[str, str]]]:
        """The registered projects the entries describe, by the registration's
        rule; and every (partner, project id) found near an entry, whose claims
        the re-examination compares (by the claims' rule)."""
        found: list[RegisterMatch] = []
        near: set[tuple[str, str]] = set()
        at = version.imported_at.isoformat()
        for entry in entries:
            site = entry.site(version.kind)
            if site is None:
                continue
            listed = [ListedEntry(version.kind, version.version, at, entry)]
            by_partner: dict[str, list[str]] = {}
            for partner, project_id in uow.assets.find(match_keys(site, self._thresholds)):
                by_partner.setdefault(partner, []).append(project_id)
            for partner, ids in sorted(by_partner.items()):
                near.update((partner, project_id) for project_id in ids)
                for project_id, project in sorted(uow.projects.get_many(partner, ids).items()):
                    registered = project_site(project)
                    if registered is not None and register_checks(
                        registered, listed, self._thresholds
                    ):
                        found.append(RegisterMatch(partner, project_id, entry.entry_id))
        return found, near

    def versions(self, kind: RegisterKind | None = None) -> list[RegisterVersion]:
        with self._uow_factory() as uow:
            return uow.registers.versions(kind)


def _rows(path: Path, data: bytes) -> tuple[Sequence[Mapping[str, str]], int]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _invalid(path, [RowProblem(0, "", "not UTF-8 text")]) from None
    if path.suffix.lower() == ".json":
        try:
            document: Any = json.loads(text)
        except ValueError as exc:
            raise _invalid(path, [RowProblem(0, "", f"not JSON: {exc.args[0]}")]) from None
        items = document.get("entries") if isinstance(document, dict) else document
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            problem = RowProblem(0, "", 'JSON must be a list of entries or {"entries": [...]}')
            raise _invalid(path, [problem])
        # JSON entries are numbered from 1, not by line.
        return [{str(k): "" if v is None else str(v) for k, v in i.items()} for i in items], 1
    return list(csv.DictReader(io.StringIO(text))), 2


def _invalid(path: Path, problems: Sequence[RowProblem]) -> InvalidRequest:
    first = problems[0]
    where = f"line {first.line}, {first.column}: " if first.line else ""
    return InvalidRequest(
        "REGISTER_FILE_INVALID",
        f"{path.name}: {where}{first.reason}"
        + (f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""),
        {
            "file": path.name,
            "line": str(first.line),
            "column": first.column,
            "reason": first.reason,
            "problems": str(len(problems)),
        },
    )
