"""Malformed deliveries at both partner adapters, property-based (hypothesis).

Every example starts from a real sample delivery (GD-20241031-01: UTF-8
with BOM and CRLF; GD-20241107-02: GB18030; HK-20241101-01: UTF-8, LF) and
damages it: cells (wrong types, huge strings, control characters, quotes
and line breaks, out-of-range numbers and dates, vocabulary of the other
partner), rows (missing and extra fields, duplicates, blank lines),
headers (missing, duplicate, renamed, reordered and extra columns), bytes
(invalid UTF-8 / GB18030, wrong encodings, BOMs, broken quoting,
truncation) and the manifest. Whatever the damage:

- ``read`` returns a Delivery and never raises;
- every problem carries a documented code (adapters.problem_codes) and
  names the file and line; file-level codes sit on line 0, row codes on a
  data line;
- every data row read is either sent (once) or refused on its line:
  ``rows_read`` = rows sent + rows refused;
- a delivery refused whole says so with its code and sends nothing;
- rows the damage did not touch map exactly as they do in the intact
  sample: nothing accepted is lost or changed by bad neighbours.

For damage that keeps the CSV's structure the expected outcome of every
line is computed independently (line numbers, column counts, duplicates,
header faults) and compared exactly. The module prints
``FUZZ adapters: N cases, ...`` at teardown (``pytest -s`` shows it).

Bugs it found, fixed, with their reproductions below (BUG-1 .. BUG-4): a
field over 128 KiB raised csv.Error; a manifest nested too deep or holding
a too-long integer raised RecursionError / ValueError; a manifest file name
the file system cannot look up (too long) raised OSError; Hong Kong
``co2e_kg`` of ``1e9999999`` raised decimal.Overflow, and its kg → t shift
rounded to 28 digits and turned text the hub refuses (``1e3``, ``1_000``,
full-width digits) into plain numbers.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import hashlib
import io
import json
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.delivery import Delivery, RowProblem, SourcedClaim, SourcedProject
from adapters.guangdong import GuangdongAdapter
from adapters.guangdong import vocabulary as gd_vocabulary
from adapters.hongkong import HongKongAdapter
from adapters.hongkong import vocabulary as hk_vocabulary
from adapters.hongkong.adapter import kg_to_tonnes
from adapters.hongkong.districts import CANONICAL_DISTRICTS
from adapters.manifest import ENCODINGS, MANIFEST_NAME
from adapters.problem_codes import FILE_CODES, ProblemCode
from adapters.protocol import PartnerAdapter
from tests.unit.adapters.adapter_testkit import GD_01, GD_02, HK_01

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
ROW_CODES = frozenset(ProblemCode) - FILE_CODES
FUZZ_MANY = settings(FUZZ, max_examples=800)  # the cheap, richest property
FUZZ_MORE = settings(FUZZ, max_examples=400)
MANIFEST_CODES = frozenset({ProblemCode.MANIFEST_MISSING, ProblemCode.MANIFEST_INVALID})
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what csv (via StringIO, newline="") counts as lines


# -- the tally ----------------------------------------------------------------


@dataclass
class Tally:
    cases: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        return (
            f"FUZZ adapters: {sum(self.cases.values())} cases, per test {dict(self.cases)}, "
            f"problem codes {dict(sorted(self.codes.items()))}"
        )


TALLY = Tally()


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    print(f"\n{TALLY.summary()}")


# -- the samples as models: header, rows of cells, newline, BOM ----------------


@dataclass
class Table:
    """One CSV file as cells. ``origin[i]`` is the index of the sample row that
    row i still is (spacing aside), or None when the damage made or changed it."""

    header: list[str]
    rows: list[list[str]]
    origin: list[int | None]
    newline: str
    bom: bool

    def copy(self) -> Table:
        return Table(
            list(self.header),
            [list(r) for r in self.rows],
            list(self.origin),
            self.newline,
            self.bom,
        )


def _cell(value: str) -> str:
    # RFC 4180: quote what holds a separator, a quote or a line break. csv.writer
    # would leave a bare CR unquoted when the line terminator is LF.
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def render(table: Table) -> tuple[str, list[int], list[int]]:
    """The file's text, each row's first physical line and each row's end offset."""
    parts: list[str] = []
    lines = 1
    starts: list[int] = []
    ends: list[int] = []
    offset = 0
    for i, cells in enumerate([table.header, *table.rows]):
        record = ",".join(_cell(c) for c in cells) + table.newline
        if i:
            starts.append(lines)
        lines += len(_LINE_BREAK.findall(record))
        offset += len(record)
        if i:
            ends.append(offset)
        parts.append(record)
    return "".join(parts), starts, ends


@dataclass(frozen=True)
class Sample:
    name: str
    folder: Path
    adapter: PartnerAdapter
    manifest: Mapping[str, Any]
    required: Mapping[str, frozenset[str]]  # file name → columns the format requires
    tables: Mapping[str, Table]

    @property
    def codec(self) -> str:
        return ENCODINGS[self.manifest["encoding"]]


def _load(name: str, folder: Path, adapter: PartnerAdapter) -> Sample:
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    codec = ENCODINGS[manifest["encoding"]]
    if adapter.partner == "CN-GD":
        required = {
            manifest["files"]["projects"]: frozenset(gd_vocabulary.PROJECT_COLUMNS.values()),
            manifest["files"]["reductions"]: frozenset(gd_vocabulary.CLAIM_COLUMNS.values()),
        }
    else:
        required = {
            manifest["files"]["activities"]: frozenset(hk_vocabulary.CLAIM_COLUMNS.values())
        }
    tables = {}
    for file in required:
        data = (folder / file).read_bytes()
        bom = data.startswith(b"\xef\xbb\xbf")
        text = data.decode(codec)
        header, *rows = list(csv.reader(io.StringIO(text, newline="")))
        newline = "\r\n" if "\r\n" in text else "\n"
        tables[file] = Table(header, rows, list(range(len(rows))), newline, bom)
    return Sample(name, folder, adapter, manifest, required, tables)


SAMPLES = {
    "GD-01": _load("GD-01", GD_01, GuangdongAdapter()),
    "GD-02": _load("GD-02", GD_02, GuangdongAdapter()),
    "HK-01": _load("HK-01", HK_01, HongKongAdapter()),
}


def encode(table: Table, codec: str) -> bytes:
    text, _, _ = render(table)
    if table.bom:
        text = "\ufeff" + text
    return text.encode("utf-8" if codec == "utf-8-sig" else codec)


def write(
    folder: Path,
    sample: Sample,
    files: Mapping[str, bytes],
    manifest: Mapping[str, Any] | None = None,
) -> Path:
    """A delivery folder: ``files`` as given, the manifest with their true digests."""
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    content = dict(manifest if manifest is not None else sample.manifest)
    content["sha256"] = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    (folder / MANIFEST_NAME).write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return folder


def read(sample: Sample, build: Callable[[Path], Path], *, tally: bool = True) -> Delivery:
    """Build a delivery in a fresh folder and read it: ``read`` must not raise."""
    with tempfile.TemporaryDirectory() as tmp:
        delivery = sample.adapter.read(build(Path(tmp) / "delivery"))
    assert isinstance(delivery, Delivery)
    for problem in delivery.problems if tally else ():
        TALLY.codes[str(problem.code)] += 1
    return delivery


# -- what a delivery did with each line ----------------------------------------


@dataclass
class Outcomes:
    sent: dict[tuple[str, int], Any]  # (file, line) → submission
    refused: dict[tuple[str, int], list[RowProblem]]
    file_problems: list[RowProblem]


def outcomes(delivery: Delivery) -> Outcomes:
    sent: dict[tuple[str, int], Any] = {}
    items: list[SourcedProject | SourcedClaim] = [*delivery.projects, *delivery.claims]
    for item in items:
        key = (item.source.file, item.source.line)
        assert key not in sent, f"two submissions from {key}"
        sent[key] = item.submission
    refused: dict[tuple[str, int], list[RowProblem]] = {}
    file_problems = []
    for p in delivery.problems:
        if p.file_level:
            file_problems.append(p)
        else:
            refused.setdefault((p.file, p.line), []).append(p)
    return Outcomes(sent, refused, file_problems)


def check_invariants(sample: Sample, delivery: Delivery, files: set[str]) -> Outcomes:
    """What holds for any delivery, however damaged; returns its outcomes."""
    assert delivery.partner == sample.adapter.partner
    out = outcomes(delivery)
    known = {*files, MANIFEST_NAME}
    for p in delivery.problems:
        assert p.code in set(ProblemCode), p
        assert p.file in known, p
        assert isinstance(p.message, str) and p.message, p
        if p.file_level:
            assert p.code in FILE_CODES, p
        else:
            assert p.code in ROW_CODES and p.line >= 2, p
    both = set(out.sent) & set(out.refused)
    assert not both, f"lines both sent and refused: {sorted(both)}"
    assert delivery.rows_read == len(out.sent) + len(out.refused)
    for (file, line), problems in out.refused.items():
        for p in problems:
            if p.code == ProblemCode.ROW_DUPLICATE_IN_DELIVERY:
                first = int(re.search(r"line (\d+)", p.message)[1])  # type: ignore[index]
                assert first < line and (
                    (file, first) in out.sent or (file, first) in out.refused
                ), p
    if any(p.code in MANIFEST_CODES for p in delivery.problems):
        (only,) = delivery.problems
        assert only.file == MANIFEST_NAME and only.line == 0
        assert delivery.refused and not delivery.claims and not delivery.projects
    return out


def stripped(submission: Any) -> Any:
    return dataclasses.replace(submission, raw={})


# -- the intact samples: the reference every untouched row is held to ---------


@dataclass(frozen=True)
class Standalone:
    """What a sample row becomes on its own: sent as ``submission`` or refused."""

    submission: Any | None
    problems: frozenset[tuple[str, str]]  # (column, code)


def _baseline(sample: Sample) -> dict[str, list[Standalone]]:
    files = {name: encode(t, sample.codec) for name, t in sample.tables.items()}
    delivery = read(sample, lambda folder: write(folder, sample, files), tally=False)
    out = check_invariants(sample, delivery, set(files))
    assert not out.file_problems
    result: dict[str, list[Standalone]] = {}
    for file, table in sample.tables.items():
        _, starts, _ = render(table)
        first_of: dict[tuple[str, ...], int] = {}
        standalone: list[Standalone] = []
        for cells, line in zip(table.rows, starts, strict=True):
            first = first_of.setdefault(tuple(c.strip() for c in cells), line)
            key = (file, first)
            if key in out.sent:
                standalone.append(Standalone(stripped(out.sent[key]), frozenset()))
            else:
                problems = frozenset((p.column, p.code) for p in out.refused[key])
                standalone.append(Standalone(None, problems))
        result[file] = standalone
    return result


BASELINE = {name: _baseline(sample) for name, sample in SAMPLES.items()}


# -- expected outcome of damage that keeps the CSV structure --------------------


@dataclass
class Expected:
    refused_whole: frozenset[tuple[str, str]] | None  # header faults (column, code)
    lines: dict[int, Standalone | str]  # line → Standalone, or "dup:<first>" / "count" / "free"
    rows: dict[int, list[str]]  # line → cells
    header: list[str]


def expect(sample: Sample, file: str, table: Table) -> Expected:
    header = [c.strip() for c in table.header]
    seen: set[str] = set()
    faults: set[tuple[str, str]] = set()
    for name in header:
        if name in seen:
            faults.add((name, ProblemCode.HEADER_DUPLICATE_COLUMN))
        seen.add(name)
    faults |= {(n, ProblemCode.HEADER_MISSING_COLUMN) for n in sample.required[file] - seen}
    if faults:
        return Expected(frozenset(faults), {}, {}, header)
    _, starts, _ = render(table)
    lines: dict[int, Standalone | str] = {}
    rows: dict[int, list[str]] = {}
    first_of: dict[tuple[str, ...], int] = {}
    for cells, origin, line in zip(table.rows, table.origin, starts, strict=True):
        if not any(c.strip() for c in cells):
            continue
        rows[line] = cells
        if len(cells) != len(header):
            lines[line] = "count"
            continue
        key = tuple(c.strip() for c in cells)
        if key in first_of:
            lines[line] = f"dup:{first_of[key]}"
            continue
        first_of[key] = line
        lines[line] = BASELINE[sample.name][file][origin] if origin is not None else "free"
    return Expected(None, lines, rows, header)


def check_file(sample: Sample, file: str, expected: Expected, out: Outcomes) -> None:
    """The file's outcome, line by line, is exactly the expected one."""
    file_problems = {(p.column, p.code) for p in out.file_problems if p.file == file}
    sent = {line: s for (f, line), s in out.sent.items() if f == file}
    refused = {line: ps for (f, line), ps in out.refused.items() if f == file}
    if expected.refused_whole is not None:
        assert file_problems == expected.refused_whole
        assert not sent and not refused
        return
    assert not file_problems
    assert set(sent) | set(refused) == set(expected.lines)
    for line, want in expected.lines.items():
        cells = expected.rows[line]
        if isinstance(want, Standalone):
            if want.submission is not None:
                assert line in sent, (file, line, refused.get(line))
                assert stripped(sent[line]) == want.submission, (file, line)
            else:
                got = {(p.column, p.code) for p in refused[line]}
                assert got == want.problems, (file, line)
        elif want == "count":
            assert [p.code for p in refused[line]] == [ProblemCode.ROW_COLUMN_COUNT]
        elif want.startswith("dup:"):
            (problem,) = refused[line]
            assert problem.code == ProblemCode.ROW_DUPLICATE_IN_DELIVERY
            assert f"duplicate of line {want[4:]};" in problem.message
        else:  # a row the damage changed: sent faithfully, or refused on its own columns
            for p in refused.get(line, []):
                assert p.column in expected.header, p
        if line in sent:
            assert sent[line].raw == dict(zip(expected.header, cells, strict=True))
            assert all(value == value.strip() for value in _texts(sent[line]))


def _texts(submission: Any) -> list[str]:
    """The submission's text fields (values are stripped of surrounding spaces)."""
    return [
        v
        for f in dataclasses.fields(submission)
        if f.name != "raw" and isinstance(v := getattr(submission, f.name), str)
    ]


# -- strategies ---------------------------------------------------------------


def _vocabulary() -> list[str]:
    words: list[str] = []
    words += list(gd_vocabulary.ACTIVITY_UNITS) + list(gd_vocabulary.SIZE_UNITS)
    words += list(gd_vocabulary.ORIGIN_STATUSES) + list(gd_vocabulary.PROJECT_STATUSES)
    words += list(hk_vocabulary.ACTIVITY_UNITS) + list(CANONICAL_DISTRICTS)
    words += ["沙田區", "中西区", "Shatin", "Central & Western", "Sha Tin District", "待签发"]
    words += ["人次", "bags", "KWH", "kwh", "GD-PV", "GREEN$", "MTR", "SOLAR_FIT"]
    return words


CELL_EDGES = [
    "", " ", "  \t ", "\u3000", "\x00", "\x1c", "\x85", "\u2028", "\ufeff", "\u200b", "\u202e",
    '"', '""', '"quoted"', "a,b", "a\nb", "a\r\nb", "a\rb", "\r", "\n", "\\", "'", "NULL",
    "None", "null", "true", "𝔘𝔫𝔦", "\U0010ffff", "中文", "锘", "\ufffd",
]  # fmt: skip
NUMBER_EDGES = [
    "NaN", "-NaN", "sNaN", "Infinity", "-inf", "1e999999", "1e9999999", "1E-999999", "1e3",
    "-0", "+0", "0", "１２３", "1_000", "1,000", "1 000", "0x1F", "١٢٣", "½", ".5", "5.",
    "--1", "1.2.3", "-1", "-19870", "9" * 30, "-" + "9" * 30, "1" * 5000, "0." + "0" * 60 + "1",
    "1.000000000000000000000000000001", "12 kg", "42180", "16.319442",
]  # fmt: skip
DATE_EDGES = [
    "2024-02-30", "2024-02-29", "2023-02-29", "2024-13-01", "2024-00-10", "2024-12-32",
    "2024-09-31", "2024/09/05", "0000-01-01", "0001-01-01", "9999-12-31", "10000-01-01",
    "2024-08-01 24:00:00", "2024-08-01 23:59:60", "2024-08-01T12:00:00", "2024-8-1",
    "２０２４-０７-０１", "2024-07-01Z", "2024-07-01 00:00", "20240701",
    "31/12/2024", "01/13/2024", "29/02/2023", "00/01/2024", "1/1/2024", "01/10/2024 08:12",
    "01/10/2024 24:00", "01/10/2024 8:60", "01/10/10000", "01-10-2024", "01/10/24",
]  # fmt: skip
huge_text = st.builds(
    lambda unit, size: (unit * (size // len(unit) + 1))[:size],
    st.text(min_size=1, max_size=4),
    st.sampled_from([1_000, 10_000, 140_000]),
)
cell_value = st.one_of(
    st.sampled_from(CELL_EDGES),
    st.sampled_from(NUMBER_EDGES),
    st.sampled_from(DATE_EDGES),
    st.sampled_from(_vocabulary()),
    st.text(max_size=30),
    st.integers(-(10**30), 10**30).map(str),
    st.floats().map(repr),
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    st.builds(lambda v: f"  {v}  ", st.sampled_from(_vocabulary())),
    # one in three of these is long (1 kB .. 140 kB, over the csv module's 128 KiB)
    st.integers(0, 2).flatmap(lambda n: huge_text if n == 1 else st.text(max_size=8)),
)
NUMBER_COLUMNS = {"活动量", "减排量", "规模", "经度", "纬度", "quantity", "co2e_kg"}
DATE_COLUMNS = {"监测期开始", "监测期结束", "计入期开始", "计入期结束", "start", "end"}
number_value = st.one_of(
    st.sampled_from(NUMBER_EDGES),
    st.sampled_from(NUMBER_EDGES),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
)
date_value = st.sampled_from(DATE_EDGES)


def value_for(column: str) -> st.SearchStrategy[str]:
    """Mostly a value meant for the column's kind, to reach deeper mapping."""
    if column.strip() in NUMBER_COLUMNS:
        return st.one_of(number_value, number_value, cell_value)
    if column.strip() in DATE_COLUMNS:
        return st.one_of(date_value, date_value, cell_value)
    return cell_value


@dataclass
class Damage:
    """A structural edit of one table, described for the failure report."""

    what: str
    apply: Callable[[Table], None]


def _reaches(t: Table, i: int, j: int) -> bool:
    """Whether cell (i, j) still exists: damages are drawn against the intact
    table, and an earlier one may have removed a row or a field since."""
    return i < len(t.rows) and j < len(t.rows[i])


def _cell_damage(draw: st.DrawFn, table: Table) -> Damage:
    if not table.rows or not all(table.rows):
        return _row_damage(draw, table)
    i = draw(st.integers(0, len(table.rows) - 1))
    j = draw(st.integers(0, len(table.rows[i]) - 1))
    kind = draw(st.sampled_from(["set", "set", "set", "pad", "add-field", "drop-field"]))
    if kind == "set":
        value = draw(value_for(table.header[j] if j < len(table.header) else ""))

        def set_cell(t: Table) -> None:
            if _reaches(t, i, j) and t.rows[i][j] != value:
                t.rows[i][j] = value
                t.origin[i] = None

        return Damage(f"row {i} cell {j} := {value[:60]!r}", set_cell)
    if kind == "pad":
        pad = draw(st.sampled_from([" ", "  ", "\t", " \u3000"]))

        def pad_cell(t: Table) -> None:
            if _reaches(t, i, j):
                t.rows[i][j] = pad + t.rows[i][j] + pad  # spacing is not content: origin stays

        return Damage(f"row {i} cell {j} padded", pad_cell)
    value = draw(cell_value)

    def apply(t: Table) -> None:
        if not _reaches(t, i, j):
            return
        if kind == "add-field":
            t.rows[i].insert(j, value)
        else:
            del t.rows[i][j]
        t.origin[i] = None

    return Damage(f"row {i} {kind} at {j} ({value[:30]!r})", apply)


def _row_damage(draw: st.DrawFn, table: Table) -> Damage:
    n = len(table.rows)
    kind = draw(st.sampled_from(["copy", "blank", "new", "delete", "move"] if n else ["new"]))
    at = draw(st.integers(0, n))
    k = draw(st.integers(0, max(n - 1, 0)))
    if kind == "blank":
        blank = draw(st.sampled_from([[], [""], ["  "], [""] * len(table.header), [" ", "\t"]]))

        def insert_blank(t: Table) -> None:
            t.rows.insert(at, list(blank))
            t.origin.insert(at, None)

        return Damage(f"blank row {blank!r} at {at}", insert_blank)
    if kind == "new":
        width = draw(st.sampled_from([len(table.header), len(table.header), 1, 3, 40]))
        cells = draw(st.lists(cell_value, min_size=width, max_size=width))

        def insert_new(t: Table) -> None:
            t.rows.insert(at, cells)
            t.origin.insert(at, None)

        return Damage(f"new row at {at}: {[c[:20] for c in cells]!r}", insert_new)

    def apply(t: Table) -> None:
        if k >= len(t.rows):  # an earlier damage removed it
            return
        if kind == "copy":
            t.rows.insert(at, list(t.rows[k]))
            t.origin.insert(at, t.origin[k])
        elif kind == "delete":
            del t.rows[k], t.origin[k]
        else:
            row, origin = t.rows.pop(k), t.origin.pop(k)
            t.rows.insert(min(at, len(t.rows)), row)
            t.origin.insert(min(at, len(t.origin)), origin)

    return Damage(f"{kind} row {k} (at {at})", apply)


def _column_damage(draw: st.DrawFn, table: Table) -> Damage:
    width = len(table.header)
    kind = draw(st.sampled_from(["permute", "drop", "duplicate", "extra", "rename", "pad-name"]))
    j = draw(st.integers(0, width - 1))
    if kind == "permute":
        order = draw(st.permutations(range(width)))

        def permute(t: Table) -> None:
            t.header = [t.header[x] for x in order]
            t.rows = [[r[x] for x in order] if len(r) == width else r for r in t.rows]

        return Damage(f"columns reordered {order}", permute)
    if kind in ("extra", "rename"):
        name = draw(
            st.one_of(st.sampled_from(["备注", "ref", "记录编号", "", " ", "extra"]), cell_value)
        )
        values = draw(st.lists(cell_value, min_size=1, max_size=3))

        def name_column(t: Table) -> None:
            if kind == "rename":
                t.header[j] = name
                return
            t.header.insert(j, name)
            for r, row in enumerate(t.rows):
                if len(row) == width:
                    row.insert(j, values[r % len(values)])

        return Damage(f"{kind} column {j} named {name[:40]!r}", name_column)

    def apply(t: Table) -> None:
        if kind == "pad-name":
            t.header[j] = f"  {t.header[j]} "
            return
        for row in [t.header, *(r for r in t.rows if len(r) == width)]:
            if kind == "drop":
                del row[j]
            else:
                row.insert(j, row[j])

    return Damage(f"{kind} column {j} ({table.header[j]!r})", apply)


@st.composite
def structural(draw: st.DrawFn) -> tuple[Sample, str, list[Damage], bool]:
    """A sample, one of its files, a few edits to it and whether to toggle newlines."""
    sample = SAMPLES[draw(st.sampled_from(sorted(SAMPLES)))]
    file = draw(st.sampled_from(sorted(sample.tables)))
    table = sample.tables[file].copy()
    damages = []
    for _ in range(draw(st.integers(1, 4))):
        maker = draw(st.sampled_from([_cell_damage] * 3 + [_row_damage, _column_damage]))
        damage = maker(draw, table)
        damage.apply(table)  # later edits are drawn against the edited table
        damages.append(damage)
    return sample, file, damages, draw(st.booleans())


def _damaged(sample: Sample, file: str, damages: list[Damage], toggle_newline: bool) -> Table:
    table = sample.tables[file].copy()
    for damage in damages:
        damage.apply(table)
    if toggle_newline:
        table.newline = "\n" if table.newline == "\r\n" else "\r\n"
    return table


def _write_intact(sample: Sample, folder: Path) -> Path:
    return write(folder, sample, _intact_files(sample))


def _intact_files(sample: Sample) -> dict[str, bytes]:
    return {name: encode(t, sample.codec) for name, t in sample.tables.items()}


def _check_other_files(sample: Sample, damaged: set[str], out: Outcomes) -> None:
    for other, table in sample.tables.items():
        if other not in damaged:
            check_file(sample, other, expect(sample, other, table), out)


# -- the properties -------------------------------------------------------------


def test_the_models_are_the_sample_files() -> None:
    """The rendering the properties damage is byte for byte the delivered sample."""
    for sample in SAMPLES.values():
        for name, table in sample.tables.items():
            assert encode(table, sample.codec) == (sample.folder / name).read_bytes()
        real = outcomes(sample.adapter.read(sample.folder))
        rendered = read(sample, functools.partial(_write_intact, sample))
        again = outcomes(rendered)
        assert real.sent == again.sent and real.refused == again.refused


@FUZZ_MANY
@given(structural())
def test_structural_damage_maps_every_line_as_expected(
    case: tuple[Sample, str, list[Damage], bool],
) -> None:
    """Cells, rows, columns and header damaged, the CSV still well formed: each
    line's outcome is exactly the expected one, untouched rows as in the sample."""
    sample, file, damages, toggle = case
    TALLY.cases["structural"] += 1
    table = _damaged(sample, file, damages, toggle)
    files = _intact_files(sample)
    files[file] = encode(table, sample.codec)
    delivery = read(sample, lambda folder: write(folder, sample, files))
    out = check_invariants(sample, delivery, set(files))
    check_file(sample, file, expect(sample, file, table), out)
    _check_other_files(sample, {file}, out)
    assert delivery.refused == all(
        expect(sample, f, t if f != file else table).refused_whole is not None
        for f, t in sample.tables.items()
    )


TEXT_DAMAGE = ['"', '""', ",", "\n", "\r", "\r\n", '"\n', ',"', '\n"', "\x00", "\ufeff"]


@FUZZ_MORE
@given(
    st.sampled_from(sorted(SAMPLES)),
    st.data(),
    st.one_of(st.sampled_from(TEXT_DAMAGE), st.text(max_size=6)),
    st.sampled_from(["insert", "delete", "truncate"]),
)
def test_broken_quoting_and_line_breaks_never_lose_rows_before_them(
    name: str, data: st.DataObject, insert: str, kind: str
) -> None:
    """Text damage that breaks the CSV's structure (stray quotes, split records,
    truncation): every row read is still sent or refused with a code, and the
    rows that end before the damage map exactly as in the sample."""
    sample = SAMPLES[name]
    TALLY.cases["text"] += 1
    file = data.draw(st.sampled_from(sorted(sample.tables)))
    table = sample.tables[file]
    text, _, ends = render(table)
    at = data.draw(st.integers(0, len(text)))
    if kind == "insert":
        broken = text[:at] + insert + text[at:]
    elif kind == "delete":
        broken = text[:at] + text[at + data.draw(st.integers(1, 40)) :]
    else:
        broken = text[:at]
    files = _intact_files(sample)
    files[file] = (("\ufeff" if table.bom else "") + broken).encode(
        "utf-8" if sample.codec == "utf-8-sig" else sample.codec
    )
    delivery = read(sample, lambda folder: write(folder, sample, files))
    out = check_invariants(sample, delivery, set(files))
    _check_other_files(sample, {file}, out)
    header_end = text.index(table.newline) + len(table.newline)
    if at < header_end:
        return  # the header itself is damaged: anything coded goes
    intact = table.copy()
    intact.rows = [r for r, end in zip(table.rows, ends, strict=True) if end <= at]
    intact.origin = intact.origin[: len(intact.rows)]
    expected = expect(sample, file, intact)
    for line, want in expected.lines.items():
        assert isinstance(want, Standalone | str)
        key = (file, line)
        if isinstance(want, Standalone) and want.submission is not None:
            assert key in out.sent and stripped(out.sent[key]) == want.submission, key
        elif isinstance(want, Standalone):
            assert {(p.column, p.code) for p in out.refused[key]} == want.problems, key


# 0xFF is never part of UTF-8 or GB18030; the others are cut or forbidden
# sequences in one of them (checked per case: some are valid inside the other).
INVALID_BYTES = [b"\xff", b"\xfe\xff", b"\xc3", b"\x80", b"\xed\xa0\x80", b"\x81"]


@FUZZ
@given(st.sampled_from(sorted(SAMPLES)), st.data())
def test_undecodable_bytes_refuse_the_file_and_only_the_file(
    name: str, data: st.DataObject
) -> None:
    """Bytes the manifest's encoding cannot decode: that file is refused whole with
    ENCODING_MISMATCH; the delivery's other file maps exactly as the sample."""
    sample = SAMPLES[name]
    TALLY.cases["bytes"] += 1
    file = data.draw(st.sampled_from(sorted(sample.tables)))
    files = _intact_files(sample)
    raw = files[file]
    at = data.draw(st.integers(0, len(raw)))
    bad = data.draw(st.sampled_from(INVALID_BYTES))
    damaged = raw[:at] + bad + raw[at:]
    try:
        damaged.decode("utf-8" if sample.codec == "utf-8-sig" else sample.codec)
    except UnicodeDecodeError:
        pass
    else:  # e.g. b"\x81" completing a GB18030 pair: not undecodable after all
        return
    files[file] = damaged
    delivery = read(sample, lambda folder: write(folder, sample, files))
    out = check_invariants(sample, delivery, set(files))
    assert [(p.file, p.code) for p in out.file_problems] == [(file, ProblemCode.ENCODING_MISMATCH)]
    assert not any(f == file for f, _ in [*out.sent, *out.refused])
    _check_other_files(sample, {file}, out)


ENCODING_CASES: dict[str, tuple[str | None, str, bool]] = {
    # case → (manifest encoding or None to keep, how the bytes are written, refused?)
    "utf-8 with BOM": ("utf-8", "utf-8-sig", False),
    "utf-8 without BOM": ("utf-8", "utf-8", False),
    "UTF8 spelled loosely": ("UTF8", "utf-8", False),
    "gb18030": ("gb18030", "gb18030", False),
    "GB18030 upper case": ("GB18030", "gb18030", False),
    "gb18030 bytes, manifest utf-8": ("utf-8", "gb18030", True),
    "utf-8 bytes, manifest gb18030": ("gb18030", "utf-8", True),
    "utf-8 BOM, manifest gb18030": ("gb18030", "utf-8-sig", True),
    "utf-16, manifest utf-8": ("utf-8", "utf-16", True),
    "utf-16, manifest gb18030": ("gb18030", "utf-16", True),
    "big5 bytes, manifest utf-8": ("utf-8", "big5", True),
    "two BOMs": ("utf-8", "double-bom", True),
}


@pytest.mark.parametrize("sample_name", sorted(SAMPLES))
@pytest.mark.parametrize("case", sorted(ENCODING_CASES))
def test_encodings(sample_name: str, case: str) -> None:
    """The encoding is syntax: every encoding the manifest may name maps the rows
    exactly as the sample; bytes in another encoding than it names are refused."""
    sample = SAMPLES[sample_name]
    TALLY.cases["encoding"] += 1
    encoding, written, refused = ENCODING_CASES[case]
    files = {}
    for name, table in sample.tables.items():
        text, _, _ = render(table)
        if written == "double-bom":
            files[name] = ("\ufeff\ufeff" + text).encode("utf-8")
        elif written == "big5":
            files[name] = text.encode("big5", errors="replace")
        else:
            files[name] = text.encode(written)
    manifest = {**sample.manifest, "encoding": encoding}
    delivery = read(sample, lambda folder: write(folder, sample, files, manifest))
    out = check_invariants(sample, delivery, set(files))
    if not refused:
        assert not out.file_problems
        _check_other_files(sample, set(), out)
        return
    codes = {p.code for p in out.file_problems}
    if written == "double-bom":
        # The second BOM is text: the first column's name is not what it should be.
        assert codes == {ProblemCode.HEADER_MISSING_COLUMN}
    else:
        assert codes == {ProblemCode.ENCODING_MISMATCH}
    assert delivery.refused and not out.sent and not out.refused


def _manifest_damage(sample: Sample) -> st.SearchStrategy[tuple[str, Any]]:
    """(what, new manifest content: a dict, raw bytes, or None for no manifest)."""
    m = dict(sample.manifest)
    role = next(iter(m["files"]))
    return st.one_of(
        st.just(("missing", None)),
        st.sampled_from(
            [
                ("not json", b"{partner: CN-GD"),
                ("not utf-8", b'{"partner": "\xff"}'),
                ("json array", b"[]"),
                ("json string", b'"manifest"'),
                ("deep", b"[" * 100_000 + b"]" * 100_000),
                ("huge integer", b'{"partner": ' + b"1" * 5000 + b"}"),
                ("empty", b""),
                ("bom only", b"\xef\xbb\xbf"),
            ]
        ),
        st.builds(
            lambda key, value: (f"{key} := {value!r}"[:80], {**m, key: value}),
            st.sampled_from(["partner", "delivery_id", "encoding", "files", "sha256"]),
            st.one_of(
                st.none(),
                st.integers(),
                st.text(max_size=20),
                st.sampled_from(["CN-HK", "CN-GD", "cn-gd", "latin-1", "utf-16", "big5", " "]),
                st.lists(st.text(max_size=5), max_size=3),
                st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=3),
            ),
        ),
        st.builds(
            lambda name: (f"file name {name!r}"[:80], {**m, "files": {**m["files"], role: name}}),
            st.one_of(
                st.sampled_from(["../x.csv", "/etc/passwd", ".", "..", "", "a\x00b", "x" * 300]),
                st.text(max_size=20),
            ),
        ),
    )


@FUZZ_MORE
@given(st.sampled_from(sorted(SAMPLES)), st.data())
def test_a_bad_manifest_refuses_the_delivery_with_its_code(name: str, data: st.DataObject) -> None:
    """A missing or unusable manifest refuses the delivery whole, coded; one that
    is still usable maps the rows exactly as the sample (or refuses files, coded)."""
    sample = SAMPLES[name]
    TALLY.cases["manifest"] += 1
    what, content = data.draw(_manifest_damage(sample))
    files = _intact_files(sample)

    def build(folder: Path) -> Path:
        write(folder, sample, files)
        path = folder / MANIFEST_NAME
        if content is None:
            path.unlink()
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:  # the sample's digests are the files' (the rendering is byte-exact)
            path.write_text(json.dumps(content), encoding="utf-8")
        return folder

    delivery = read(sample, build)
    out = check_invariants(sample, delivery, set(files) | _named_files(content))
    if any(p.code in MANIFEST_CODES for p in delivery.problems):
        return
    # The manifest was usable: each file it still names right maps exactly as in
    # the sample; the others were refused whole with a file code.
    named = _named_files(content)
    for claim in delivery.claims:
        assert claim.submission.delivery_id == delivery.delivery_id
    as_sampled = sample.manifest["delivery_id"]
    out.sent = {
        key: dataclasses.replace(s, delivery_id=as_sampled) if hasattr(s, "delivery_id") else s
        for key, s in out.sent.items()
    }
    for file, table in sample.tables.items():
        if file in named and not any(p.file == file for p in out.file_problems):
            check_file(sample, file, expect(sample, file, table), out)
    assert what  # named in hypothesis' report of a failing example


def _named_files(content: Any) -> set[str]:
    if isinstance(content, dict) and isinstance(content.get("files"), dict):
        return {v.strip() for v in content["files"].values() if isinstance(v, str)}
    return set()


@FUZZ
@given(st.sampled_from(sorted(SAMPLES)), st.data())
def test_a_file_changed_after_the_manifest_is_refused_whole(name: str, data: st.DataObject) -> None:
    """A file whose bytes no longer match the manifest's digest, or that is gone,
    is refused whole with its code; the other file maps exactly as the sample."""
    sample = SAMPLES[name]
    TALLY.cases["digest"] += 1
    file = data.draw(st.sampled_from(sorted(sample.tables)))
    gone = data.draw(st.booleans())
    extra = data.draw(st.binary(min_size=1, max_size=8))
    files = _intact_files(sample)

    def build(folder: Path) -> Path:
        write(folder, sample, files)
        if gone:
            (folder / file).unlink()
        else:
            (folder / file).write_bytes(files[file] + extra)
        return folder

    delivery = read(sample, build)
    out = check_invariants(sample, delivery, set(files))
    code = ProblemCode.FILE_MISSING if gone else ProblemCode.FILE_DIGEST_MISMATCH
    assert [(p.file, p.code) for p in out.file_problems] == [(file, code)]
    _check_other_files(sample, {file}, out)
    assert delivery.refused == (len(sample.tables) == 1)


# -- the bugs it found (regressions) ----------------------------------------------


def test_bug1_a_field_over_128_kib_is_a_field_not_a_crash() -> None:
    sample = SAMPLES["HK-01"]
    table = sample.tables["activities.csv"].copy()
    table.rows[0][7] = "p" * 200_000  # material
    table.origin[0] = None
    files = {"activities.csv": encode(table, sample.codec)}
    delivery = read(sample, lambda folder: write(folder, sample, files))
    (first,) = [c for c in delivery.claims if c.source.line == 2]
    assert first.submission.material == "p" * 200_000
    check_file(
        sample, "activities.csv", expect(sample, "activities.csv", table), outcomes(delivery)
    )


@pytest.mark.parametrize(
    "content",
    [b"[" * 100_000 + b"]" * 100_000, b'{"partner": ' + b"1" * 5000 + b"}"],
    ids=["nested-too-deep", "integer-too-long"],
)
def test_bug2_an_unparsable_manifest_is_manifest_invalid(content: bytes) -> None:
    sample = SAMPLES["GD-01"]

    def build(folder: Path) -> Path:
        write(folder, sample, _intact_files(sample))
        (folder / MANIFEST_NAME).write_bytes(content)
        return folder

    delivery = read(sample, build)
    assert [p.code for p in delivery.problems] == [ProblemCode.MANIFEST_INVALID]
    assert delivery.refused


def test_bug3_a_file_name_too_long_to_look_up_is_a_missing_file() -> None:
    sample = SAMPLES["GD-01"]
    name = "x" * 300 + ".csv"
    manifest = {**sample.manifest, "files": {**sample.manifest["files"], "projects": name}}
    files = _intact_files(sample)

    def build(folder: Path) -> Path:
        write(folder, sample, files, manifest)
        content = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        content["sha256"][name] = "0" * 64
        (folder / MANIFEST_NAME).write_text(json.dumps(content), encoding="utf-8")
        return folder

    delivery = read(sample, build)
    out = check_invariants(sample, delivery, {*files, name})
    assert [(p.file, p.code) for p in out.file_problems] == [(name, ProblemCode.FILE_MISSING)]
    _check_other_files(sample, {"projects.csv"}, out)


@pytest.mark.parametrize(
    ("kg", "tonnes"),
    [
        ("1e9999999", "1e9999999"),  # raised decimal.Overflow
        ("1.000000000000000000000000000001", "0.001000000000000000000000000000001"),
        ("1" * 40, "1" * 37 + ".111"),  # was rounded to 28 digits
        ("1e3", "1e3"),  # exponents, separators, non-ASCII digits: the hub refuses them
        ("1_000", "1_000"),
        ("１２３", "１２３"),
        ("Infinity", "Infinity"),
        (".5", "0.0005"),
        ("+7", "0.007"),
    ],
)
def test_bug4_kg_to_tonnes_shifts_plain_decimals_exactly_and_passes_the_rest(
    kg: str, tonnes: str
) -> None:
    assert kg_to_tonnes(kg) == tonnes
