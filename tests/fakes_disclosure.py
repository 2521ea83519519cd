"""In-memory stand-ins for the HTTP side's read ports and the officer store."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from hub.domain.audit_chain import Checkpoint
from hub.domain.blocks import BlockState
from hub.errors import FailedPrecondition, InvalidRequest, NotFound
from hub.services.audit_port import LedgerEvent
from hub.services.block_lineage import BlockFamily, BlockLineage
from hub.services.disclosure import (
    BlockEntry,
    DisclosureFilter,
    Listing,
    LoadedRegister,
    ProjectEntry,
    ProjectKey,
    ProjectTimeKey,
    RetirementEntry,
    TimeKey,
    TotalsDimension,
    TotalsEntry,
)
from hub.services.issuance_port import PoolBalance
from hub.services.officers_auth import OfficerExists, StoredOfficer
from hub.services.review_queue import AWAITING_REVIEW, ClaimEvidence, HeldClaim, ProjectEvidence


def _in_range(instant: datetime, where: DisclosureFilter) -> bool:
    day = instant.astimezone(UTC).date()
    return (where.since is None or day >= where.since) and (
        where.until is None or day <= where.until
    )


def _dims_match(row: BlockEntry | RetirementEntry, where: DisclosureFilter) -> bool:
    return (
        (where.partner is None or row.partner == where.partner)
        and (where.methodology is None or row.methodology == where.methodology)
        and (where.vintage is None or row.vintage == where.vintage)
    )


_Row = TypeVar("_Row", BlockEntry, RetirementEntry)


def _beyond(key: TimeKey, after: TimeKey | None, where: DisclosureFilter) -> bool:
    if after is None:
        return True
    return key < after if where.newest_first else key > after


@dataclass
class FakeDisclosureQueries:
    """Blocks here are never split: every block is an original issuance."""

    projects_: list[ProjectEntry] = field(default_factory=list)
    blocks_: list[BlockEntry] = field(default_factory=list)
    retirements_: list[RetirementEntry] = field(default_factory=list)
    checkpoints_: list[Checkpoint] = field(default_factory=list)
    pools_: list[PoolBalance] = field(default_factory=list)
    registers_: list[LoadedRegister] = field(default_factory=list)
    # Former methodology id -> current id, as the real queries are given it:
    # rows are shown, filtered and grouped by the current id.
    former_methodologies: dict[str, str] = field(default_factory=dict)

    def _shown(self, row: _Row) -> _Row:
        current = self.former_methodologies.get(row.methodology)
        return row if current is None else replace(row, methodology=current)

    def _asked(self, where: DisclosureFilter) -> DisclosureFilter:
        wanted = where.methodology
        if wanted is None or wanted not in self.former_methodologies:
            return where
        return replace(where, methodology=self.former_methodologies[wanted])

    def registers(self) -> list[LoadedRegister]:
        return sorted(self.registers_, key=lambda r: (r.kind, r.version))

    def projects(
        self, where: DisclosureFilter, after: ProjectKey | None, limit: int
    ) -> list[ProjectEntry]:
        rows = sorted(
            (
                p
                for p in self.projects_
                if (where.partner is None or p.partner == where.partner)
                and (where.methodology is None or p.partner_methodology == where.methodology)
                and (where.state is None or p.review_state == where.state)
            ),
            key=lambda p: (p.partner, p.project_id),
        )
        return [p for p in rows if after is None or (p.partner, p.project_id) > after][:limit]

    def projects_by_time(
        self, where: DisclosureFilter, after: ProjectTimeKey | None, limit: int
    ) -> list[ProjectEntry]:
        def key(p: ProjectEntry) -> ProjectTimeKey:
            return p.updated_at, p.partner, p.project_id

        rows = sorted(
            self.projects(where, None, len(self.projects_)), key=key, reverse=where.newest_first
        )
        if after is None:
            return rows[:limit]
        return [p for p in rows if (key(p) < after if where.newest_first else key(p) > after)][
            :limit
        ]

    def blocks(
        self, where: DisclosureFilter, after: TimeKey | None, limit: int
    ) -> list[BlockEntry]:
        rows = sorted(
            self._blocks(where),
            key=lambda b: (b.issued_at, b.block_id),
            reverse=where.newest_first,
        )
        return [b for b in rows if _beyond((b.issued_at, b.block_id), after, where)][:limit]

    def _blocks(self, where: DisclosureFilter) -> list[BlockEntry]:
        where = self._asked(where)
        return [
            b
            for b in map(self._shown, self.blocks_)
            if _dims_match(b, where)
            and _in_range(b.issued_at, where)
            and (b.state == where.state if where.state else b.state != BlockState.SPLIT)
        ]

    def retirements(
        self, where: DisclosureFilter, after: TimeKey | None, limit: int
    ) -> list[RetirementEntry]:
        rows = sorted(
            self._retirements(where),
            key=lambda r: (r.retired_at, r.retirement_id),
            reverse=where.newest_first,
        )
        return [r for r in rows if _beyond((r.retired_at, r.retirement_id), after, where)][:limit]

    def _retirements(self, where: DisclosureFilter) -> list[RetirementEntry]:
        where = self._asked(where)
        return [
            r
            for r in map(self._shown, self.retirements_)
            if _dims_match(r, where) and _in_range(r.retired_at, where)
        ]

    def count(self, listing: Listing, where: DisclosureFilter) -> int:
        if listing is Listing.BLOCKS:
            return len(self._blocks(where))
        if listing is Listing.RETIREMENTS:
            return len(self._retirements(where))
        return len(self.projects(where, None, 10**9))

    def lineage(self, serial: str) -> BlockLineage | None:
        """A block of the fake ledger alone: no records, splits or audit rows."""
        found = next((b for b in self.blocks_ if b.serial == serial), None)
        if found is None:
            return None
        member = BlockFamily(found, None, None, found.issued_at)
        return BlockLineage(
            block=member,
            original=member,
            family=(member,),
            issuance_id=None,
            credited_tco2e=None,
            claims=0,
            personal_claims=0,
            records=(),
            delivered_at=None,
            retirements=tuple(r for r in self.retirements_ if r.block_id == found.block_id),
            adjustment_ref=None,
            adjustments=(),
            audit=(),
        )

    def serials_like(self, fragment: str, limit: int) -> list[BlockEntry]:
        return sorted((b for b in self.blocks_ if fragment in b.serial), key=lambda b: b.serial)[
            :limit
        ]

    def _sums(self, by: TotalsDimension | None, where: DisclosureFilter) -> dict[str, list[int]]:
        def key(row: BlockEntry | RetirementEntry, instant: datetime) -> str:
            if by is None:
                return ""
            if by is TotalsDimension.MONTH:
                return instant.astimezone(UTC).strftime("%Y-%m")
            return str(getattr(row, str(by)))

        sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        where = self._asked(where)
        for b in map(self._shown, self.blocks_):
            if _dims_match(b, where) and _in_range(b.issued_at, where):
                sums[key(b, b.issued_at)][0] += b.units
                if b.state == BlockState.CANCELLED:
                    sums[key(b, b.issued_at)][2] += b.units
        for r in map(self._shown, self.retirements_):
            if _dims_match(r, where) and _in_range(r.retired_at, where):
                sums[key(r, r.retired_at)][1] += r.units
        return sums

    def totals(
        self, by: TotalsDimension, where: DisclosureFilter, after: str | None, limit: int
    ) -> list[TotalsEntry]:
        sums = self._sums(by, where)
        keys = sorted(k for k in sums if after is None or k > after)[:limit]
        return [TotalsEntry(k, *sums[k]) for k in keys]

    def overall(self, where: DisclosureFilter) -> TotalsEntry:
        sums = self._sums(None, where).get("", [0, 0, 0])
        return TotalsEntry("", *sums)

    def checkpoints(self, after: int | None, limit: int) -> list[Checkpoint]:
        rows = sorted(self.checkpoints_, key=lambda c: c.seq)
        return [c for c in rows if after is None or c.seq > after][:limit]

    def latest_checkpoint(self) -> Checkpoint | None:
        return max(self.checkpoints_, key=lambda c: c.seq, default=None)

    def pools(self, partner: str | None, vintage: int | None) -> list[PoolBalance]:
        return [
            replace(p, key=replace(p.key, methodology=self.former_methodologies[p.key.methodology]))
            if p.key.methodology in self.former_methodologies
            else p
            for p in self.pools_
            if partner in (None, p.key.partner) and vintage in (None, p.key.vintage)
        ]

    def current_methodology_id(self, methodology: str) -> str:
        return self.former_methodologies.get(methodology, methodology)


@dataclass
class FakeReviewQueueQueries:
    claims: dict[tuple[str, str], ClaimEvidence] = field(default_factory=dict)
    projects: dict[tuple[str, str], ProjectEvidence] = field(default_factory=dict)

    def held_claims(self, after: TimeKey | None, limit: int) -> list[HeldClaim]:
        rows = sorted(
            (e.claim for e in self.claims.values() if e.decision == "HELD"),
            key=lambda c: (c.received_at, c.claim_id),
        )
        return [c for c in rows if after is None or (c.received_at, c.claim_id) > after][:limit]

    def claim(self, partner: str, record_id: str) -> ClaimEvidence | None:
        return self.claims.get((partner, record_id))

    def projects_awaiting(self, after: ProjectKey | None, limit: int) -> list[ProjectEntry]:
        rows = sorted(
            (
                e.project
                for e in self.projects.values()
                if e.project.review_state in AWAITING_REVIEW
            ),
            key=lambda p: (p.partner, p.project_id),
        )
        return [p for p in rows if after is None or (p.partner, p.project_id) > after][:limit]

    def project(self, partner: str, project_id: str) -> ProjectEvidence | None:
        return self.projects.get((partner, project_id))


@dataclass
class FakeOfficerStore:
    officers: dict[str, StoredOfficer] = field(default_factory=dict)
    events: list[LedgerEvent] = field(default_factory=list)

    def get(self, username: str) -> StoredOfficer | None:
        return self.officers.get(username)

    def add(self, officer: StoredOfficer, event: LedgerEvent) -> None:
        if officer.officer.username in self.officers:
            raise OfficerExists(officer.officer.username)
        self.officers[officer.officer.username] = officer
        self.events.append(event)


@dataclass
class FakeReview:
    """Records each decision; approving or rejecting changes the queue's claim."""

    queue: FakeReviewQueueQueries
    calls: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)

    def _decide(self, action: str, partner: str, record_id: str, **kw: Any) -> None:
        self.calls.append((action, partner, record_id, kw))
        if not kw.get("comment", "").strip():
            raise InvalidRequest("REVIEW_COMMENT_REQUIRED", "a comment is required")
        evidence = self.queue.claims.get((partner, record_id))
        if evidence is None:
            raise NotFound("CLAIM_NOT_FOUND", f"no claim {record_id}")
        if evidence.decision != "HELD":
            raise FailedPrecondition("CLAIM_NOT_HELD", f"{record_id} is {evidence.decision}")
        decision = "ACCEPTED" if action == "approve_claim" else "REJECTED"
        self.queue.claims[(partner, record_id)] = ClaimEvidence(
            evidence.claim, decision, evidence.verdict, evidence.submission, evidence.events
        )

    def approve_claim(self, partner: str, record_id: str, *, officer: str, comment: str) -> None:
        self._decide("approve_claim", partner, record_id, officer=officer, comment=comment)

    def reject_claim(self, partner: str, record_id: str, *, officer: str, comment: str) -> None:
        self._decide("reject_claim", partner, record_id, officer=officer, comment=comment)

    def open_project_review(self, partner: str, project_id: str, *, officer: str) -> None:
        self.calls.append(("open_project_review", partner, project_id, {"officer": officer}))

    def approve_project(self, partner: str, project_id: str, *, officer: str, comment: str) -> None:
        self.calls.append(
            ("approve_project", partner, project_id, {"officer": officer, "comment": comment})
        )

    def reject_project(self, partner: str, project_id: str, *, officer: str, comment: str) -> None:
        self.calls.append(
            ("reject_project", partner, project_id, {"officer": officer, "comment": comment})
        )


def day(text: str) -> datetime:
    return datetime.combine(date.fromisoformat(text), time(12), tzinfo=UTC)


def block(
    block_id: str,
    issued: str,
    units: int,
    *,
    partner: str = "CN-GD",
    methodology: str = "SZ-PV",
    vintage: int = 2024,
    state: str = "DELIVERED",
    first: int = 1,
) -> BlockEntry:
    return BlockEntry(
        block_id=block_id,
        serial=f"SZCER-GD-{methodology}-{vintage}-P1-{first}-{first + units - 1}",
        partner=partner,
        origin="GD",
        methodology=methodology,
        vintage=vintage,
        project="P1",
        first_unit=first,
        last_unit=first + units - 1,
        state=state,
        adjustment_status="NOT_REQUIRED",
        issued_at=day(issued) + timedelta(seconds=int(block_id.strip("B") or 0)),
    )
