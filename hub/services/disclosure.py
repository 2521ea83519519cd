"""Public disclosure (信息披露): what was registered, issued and retired.

Read-only by construction: the port below has queries only, and the storage
behind it runs on a read-only database session. Every list is paged by an
opaque keyset cursor (the last row's sort key, so a page is stable under
concurrent inserts and no row is skipped or repeated); totals are grouped
in the database, never summed here from rows.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from hub.domain.audit_chain import Checkpoint
from hub.domain.issuance import AccountKey
from hub.domain.registers import REGISTER_NAMES, RegisterKind
from hub.errors import InvalidRequest, NotFound
from hub.services.issuance_port import PoolBalance

if TYPE_CHECKING:
    from hub.services.block_lineage import BlockLineage

ZERO = Decimal(0)
MAX_LIMIT = 500
DEFAULT_LIMIT = 50
_EXPORT_PAGE = 500


class Listing(StrEnum):
    """The lists a count is asked of."""

    PROJECTS = "projects"
    BLOCKS = "blocks"
    RETIREMENTS = "retirements"


class TotalsDimension(StrEnum):
    PARTNER = "partner"
    METHODOLOGY = "methodology"
    VINTAGE = "vintage"
    MONTH = "month"  # YYYY-MM (UTC) of issuance, retirement or cancellation


@dataclass(frozen=True, slots=True)
class DisclosureFilter:
    """Every field optional; ``since``/``until`` are inclusive UTC dates of the
    list's own instant (issued, retired; for totals each figure's own)."""

    partner: str | None = None
    methodology: str | None = None
    vintage: int | None = None
    state: str | None = None
    since: date | None = None
    until: date | None = None
    # Blocks and retirements: their instant descending (the newest first).
    newest_first: bool = False
    # Projects: by updated_at (tie: partner, project_id), newest_first giving the
    # direction, instead of by (partner, project_id), their order when unsorted.
    by_time: bool = False

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise InvalidRequest(
                "DATE_RANGE_INVALID",
                f"since {self.since} is after until {self.until}",
                {"since": self.since.isoformat(), "until": self.until.isoformat()},
            )


@dataclass(frozen=True, slots=True)
class ProjectEntry:
    partner: str
    project_id: str
    name: str
    partner_methodology: str
    region_code: str
    size_value: str
    size_unit: str
    crediting_start: date
    crediting_end: date
    status: str  # the partner's own status of the project
    review_state: str  # the hub's review state (SUBMITTED ... SUSPENDED)
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class BlockEntry:
    block_id: str
    serial: str
    partner: str
    origin: str
    methodology: str
    vintage: int
    project: str
    first_unit: int
    last_unit: int
    state: str
    adjustment_status: str
    issued_at: datetime

    @property
    def units(self) -> int:
        return self.last_unit - self.first_unit + 1


@dataclass(frozen=True, slots=True)
class RetirementEntry:
    retirement_id: str
    block_id: str
    serial: str
    partner: str
    methodology: str
    vintage: int
    units: int
    purpose: str
    beneficiary: str
    retired_at: datetime


@dataclass(frozen=True, slots=True)
class TotalsEntry:
    """Whole units (tCO2e) of one group. Issued counts every unit ever issued
    (original blocks); retired and cancelled are their terminal states."""

    key: str
    issued_units: int
    retired_units: int
    cancelled_units: int

    @property
    def outstanding_units(self) -> int:
        # Splits keep every unit: live + retired + cancelled tile what was issued.
        return self.issued_units - self.retired_units - self.cancelled_units


@dataclass(frozen=True, slots=True)
class PoolTotalsEntry:
    """The pooled personal reductions of one partner, platform and methodology,
    summed over its pools (vintages, attestations): aggregates only, never a
    person. credited = issued + carried, less what the pools took over from
    the person accounts before pooling (taken_over)."""

    partner: str
    platform: str
    methodology: str
    pools: int
    claims: int
    credited_tco2e: Decimal
    taken_over_tco2e: Decimal
    issued_units: int
    carried_tco2e: Decimal


@dataclass(frozen=True, slots=True)
class LoadedRegister:
    """A version of an outside register's list the bureau loaded: what claims
    and projects are checked against from ``loaded_at`` until the next version
    (hub.services.registers). Never who loaded it, nor the file's name."""

    kind: str  # ccer, gec, hk-rec, shenzhen
    version: int
    loaded_at: datetime
    sha256: str  # of the file as loaded
    entries: int
    current: bool = False  # the version in use: the highest of its kind

    @property
    def name(self) -> str:
        """The register's name (CCER, GEC 绿证, HK REC, 深圳碳普惠)."""
        return REGISTER_NAMES[RegisterKind(self.kind)]


@dataclass(frozen=True, slots=True)
class RegistersChecked:
    """Every version loaded, by kind then version, and the kinds never loaded
    (nothing is checked against those)."""

    loaded: list[LoadedRegister]
    not_loaded: list[str]

    @property
    def current(self) -> list[LoadedRegister]:
        return [r for r in self.loaded if r.current]

    @property
    def not_loaded_names(self) -> list[tuple[str, str]]:
        """(kind, register name) of each register never loaded."""
        return [(k, REGISTER_NAMES[RegisterKind(k)]) for k in self.not_loaded]


ProjectKey = tuple[str, str]  # partner, project_id
TimeKey = tuple[datetime, str]  # instant, id
ProjectTimeKey = tuple[datetime, str, str]  # updated_at, partner, project_id


class DisclosureQueries(Protocol):
    """The read port; ``after`` is the sort key of the last row already seen.
    Each returns at most ``limit`` rows in key order."""

    def projects(
        self, where: DisclosureFilter, after: ProjectKey | None, limit: int
    ) -> list[ProjectEntry]: ...

    def projects_by_time(
        self, where: DisclosureFilter, after: ProjectTimeKey | None, limit: int
    ) -> list[ProjectEntry]:
        """Projects by (updated_at, partner, project_id), descending when
        ``where.newest_first``."""
        ...

    def blocks(
        self, where: DisclosureFilter, after: TimeKey | None, limit: int
    ) -> list[BlockEntry]:
        """Blocks that hold units now or did when they ended: every state but SPLIT
        (a split block lives on in its children) unless ``state`` asks for it."""
        ...

    def retirements(
        self, where: DisclosureFilter, after: TimeKey | None, limit: int
    ) -> list[RetirementEntry]: ...

    def totals(
        self, by: TotalsDimension, where: DisclosureFilter, after: str | None, limit: int
    ) -> list[TotalsEntry]:
        """Grouped by ``by`` in key order; ``where.state`` does not apply."""
        ...

    def overall(self, where: DisclosureFilter) -> TotalsEntry:
        """The same figures over everything the filter keeps (key "")."""
        ...

    def checkpoints(self, after: int | None, limit: int) -> list[Checkpoint]:
        """The signed audit checkpoints after seq ``after``, by seq, as stored."""
        ...

    def latest_checkpoint(self) -> Checkpoint | None: ...

    def pools(self, partner: str | None, vintage: int | None) -> list[PoolBalance]:
        """Every platform pool of ``partner`` and ``vintage`` (None: all)."""
        ...

    def current_methodology_id(self, methodology: str) -> str:
        """The methodology's id now (a former id resolves to its successor)."""
        ...

    def count(self, listing: Listing, where: DisclosureFilter) -> int:
        """How many rows ``listing`` holds under ``where`` (all its pages)."""
        ...

    def lineage(self, serial: str) -> BlockLineage | None:
        """The block of this exact serial (any state, SPLIT too) and its story."""
        ...

    def serials_like(self, fragment: str, limit: int) -> list[BlockEntry]:
        """Blocks whose serial contains ``fragment`` (upper case), by serial."""
        ...

    def registers(self) -> list[LoadedRegister]:
        """Every version of every outside register's list loaded, by kind and version."""
        ...


T = TypeVar("T")
K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


class DisclosureService:
    def __init__(self, queries: DisclosureQueries) -> None:
        self._queries = queries

    def projects(
        self, where: DisclosureFilter, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[ProjectEntry]:
        if where.by_time:
            # Either time order names itself, so neither takes the other's (or the
            # unsorted list's) cursor.
            kind = "projects-newest" if where.newest_first else "projects-oldest"
            timed = decode_cursor(cursor, kind, parse_project_time_key)
            found = self._queries.projects_by_time(where, timed, checked_limit(limit) + 1)
            return page_of(
                found, limit, kind, lambda p: [p.updated_at.isoformat(), p.partner, p.project_id]
            )
        after = decode_cursor(cursor, "projects", parse_project_key)
        rows = self._queries.projects(where, after, checked_limit(limit) + 1)
        return page_of(rows, limit, "projects", lambda p: [p.partner, p.project_id])

    def blocks(
        self, where: DisclosureFilter, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[BlockEntry]:
        # A cursor names its order: one handed out newest-first is refused oldest-first.
        kind = _ordered("blocks", where)
        after = decode_cursor(cursor, kind, parse_time_key)
        rows = self._queries.blocks(where, after, checked_limit(limit) + 1)
        return page_of(rows, limit, kind, lambda b: [b.issued_at.isoformat(), b.block_id])

    def retirements(
        self, where: DisclosureFilter, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[RetirementEntry]:
        kind = _ordered("retirements", where)
        after = decode_cursor(cursor, kind, parse_time_key)
        rows = self._queries.retirements(where, after, checked_limit(limit) + 1)
        return page_of(rows, limit, kind, lambda r: [r.retired_at.isoformat(), r.retirement_id])

    def count(self, listing: Listing, where: DisclosureFilter) -> int:
        return self._queries.count(listing, where)

    def lineage(self, serial: str) -> BlockLineage:
        """NotFound SERIAL_NOT_FOUND when no block has exactly this serial."""
        wanted = serial.strip().upper()
        found = self._queries.lineage(wanted) if wanted else None
        if found is None:
            raise NotFound(
                "SERIAL_NOT_FOUND",
                "no block has this serial; search a part of it to list the serials that hold it",
                {"serial": serial[:200]},
            )
        return found

    def serials_like(self, fragment: str, limit: int = DEFAULT_LIMIT) -> list[BlockEntry]:
        wanted = fragment.strip().upper()
        if not wanted:
            return []
        return self._queries.serials_like(wanted, checked_limit(limit))

    def totals(
        self,
        by: TotalsDimension,
        where: DisclosureFilter,
        cursor: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[TotalsEntry]:
        kind = f"totals-{by}"
        after = decode_cursor(cursor, kind, parse_string_key)
        rows = self._queries.totals(by, where, after, checked_limit(limit) + 1)
        return page_of(rows, limit, kind, lambda t: [t.key])

    def overall(self, where: DisclosureFilter) -> TotalsEntry:
        return self._queries.overall(where)

    def pools(self, where: DisclosureFilter) -> list[PoolTotalsEntry]:
        """Pooled tonnes per partner, platform and methodology, in that order
        (a handful of lines: not paged)."""
        sums: dict[tuple[str, str, str], list[Decimal]] = {}
        # A pool is counted once by its key: accounts under a methodology's
        # former and current id (the queries name both by the current one)
        # are one pool.
        keys: dict[tuple[str, str, str], set[AccountKey]] = {}
        # Asked by a former id too: the pools are named by the current one.
        wanted = (
            None
            if where.methodology is None
            else self._queries.current_methodology_id(where.methodology)
        )
        for pool in self._queries.pools(where.partner, where.vintage):
            key = pool.key
            if wanted is not None and key.methodology != wanted:
                continue
            line = (key.partner, key.platform or "", key.methodology)
            row = sums.setdefault(line, [ZERO] * 6)
            fresh = key not in keys.setdefault(line, set())
            keys[line].add(key)
            figures: tuple[Decimal, ...] = (
                Decimal(1 if fresh else 0),
                Decimal(pool.claims),
                pool.credited_tco2e,
                pool.taken_over_tco2e,
                Decimal(pool.units),
                pool.carried_tco2e,
            )
            for i, value in enumerate(figures):
                row[i] += value
        return [
            PoolTotalsEntry(
                partner,
                platform,
                methodology,
                int(pools),
                int(claims),
                credited,
                taken_over,
                int(units),
                carried,
            )
            for (partner, platform, methodology), (
                pools,
                claims,
                credited,
                taken_over,
                units,
                carried,
            ) in sorted(sums.items())
        ]

    def registers(self) -> RegistersChecked:
        """Which outside registers claims and projects are checked against,
        and since when: every version loaded, the highest of each kind current."""
        loaded = self._queries.registers()
        latest: dict[str, int] = {}
        for row in loaded:
            latest[row.kind] = max(latest.get(row.kind, 0), row.version)
        marked = [replace(r, current=latest[r.kind] == r.version) for r in loaded]
        marked.sort(key=lambda r: (r.kind, r.version))
        missing = [str(k) for k in RegisterKind if str(k) not in latest]
        return RegistersChecked(marked, missing)

    # The audit checkpoints are published as stored, unverified: a reader
    # checks each signature with the hub's public key (docs/audit-log.md)
    # rather than trust the hub's word that it did.

    def checkpoints(
        self, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[Checkpoint]:
        after = decode_cursor(cursor, "checkpoints", parse_seq_key)
        rows = self._queries.checkpoints(after, checked_limit(limit) + 1)
        return page_of(rows, limit, "checkpoints", lambda c: [str(c.seq)])

    def latest_checkpoint(self) -> Checkpoint:
        """NotFound AUDIT_CHECKPOINT_NONE before the hub signed its first."""
        found = self._queries.latest_checkpoint()
        if found is None:
            raise NotFound("AUDIT_CHECKPOINT_NONE", "no audit checkpoint has been signed yet")
        return found

    # Exports walk every page: a CSV of any size streams in bounded memory.

    def all_projects(self, where: DisclosureFilter) -> Iterator[ProjectEntry]:
        return walk_pages(lambda cursor: self.projects(where, cursor, _EXPORT_PAGE))

    def all_blocks(self, where: DisclosureFilter) -> Iterator[BlockEntry]:
        return walk_pages(lambda cursor: self.blocks(where, cursor, _EXPORT_PAGE))

    def all_retirements(self, where: DisclosureFilter) -> Iterator[RetirementEntry]:
        return walk_pages(lambda cursor: self.retirements(where, cursor, _EXPORT_PAGE))

    def all_totals(self, by: TotalsDimension, where: DisclosureFilter) -> Iterator[TotalsEntry]:
        return walk_pages(lambda cursor: self.totals(by, where, cursor, _EXPORT_PAGE))


def _ordered(kind: str, where: DisclosureFilter) -> str:
    return f"{kind}-newest" if where.newest_first else kind


def walk_pages(fetch: Callable[[str | None], Page[T]]) -> Iterator[T]:
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def checked_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequest(
            "LIMIT_OUT_OF_RANGE",
            f"limit must be between 1 and {MAX_LIMIT}",
            {"limit": str(limit), "max": str(MAX_LIMIT)},
        )
    return limit


def page_of(rows: Sequence[T], limit: int, kind: str, key: Callable[[T], list[str]]) -> Page[T]:
    if len(rows) <= limit:
        return Page(list(rows), None)
    items = list(rows[:limit])
    return Page(items, _encode(kind, key(items[-1])))


def _encode(kind: str, key: list[str]) -> str:
    raw = json.dumps({"k": kind, "a": key}, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _cursor_invalid(cursor: str, why: str) -> InvalidRequest:
    return InvalidRequest(
        "CURSOR_INVALID",
        f"the cursor is not one this list handed out: {why}",
        {"cursor": cursor[:100]},
    )


def decode_cursor(cursor: str | None, kind: str, parse: Callable[[list[str]], K]) -> K | None:
    if cursor is None or cursor == "":
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode())
    except (ValueError, UnicodeError, binascii.Error) as error:
        raise _cursor_invalid(cursor, "undecodable") from error
    if not isinstance(data, dict) or data.get("k") != kind:
        raise _cursor_invalid(cursor, "of another list")
    key = data.get("a")
    if not isinstance(key, list) or not all(isinstance(part, str) for part in key):
        raise _cursor_invalid(cursor, "malformed key")
    try:
        return parse(key)
    except ValueError as error:
        raise _cursor_invalid(cursor, "malformed key") from error


def parse_project_key(key: list[str]) -> ProjectKey:
    if len(key) != 2:
        raise ValueError("two parts expected")
    return key[0], key[1]


def parse_time_key(key: list[str]) -> TimeKey:
    if len(key) != 2:
        raise ValueError("two parts expected")
    return _instant(key[0]), key[1]


def parse_project_time_key(key: list[str]) -> ProjectTimeKey:
    if len(key) != 3:
        raise ValueError("three parts expected")
    return _instant(key[0]), key[1], key[2]


def _instant(text: str) -> datetime:
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise ValueError("instant without offset")
    return instant


def parse_seq_key(key: list[str]) -> int:
    if len(key) != 1 or not key[0].isdecimal() or not key[0].isascii() or len(key[0]) > 19:
        raise ValueError("one seq in digits expected")
    return int(key[0])


def parse_string_key(key: list[str]) -> str:
    if len(key) != 1:
        raise ValueError("one part expected")
    return key[0]
