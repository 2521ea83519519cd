"""Reading one delivered CSV file: digest, encoding, header, rows with their lines.

Shared by every adapter, so a partner adapter only maps columns. Faults of
the file itself refuse the file (file-level RowProblem, line 0); faults of a
row are reported on the row's line and never stop the other rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

from adapters.delivery import RowProblem
from adapters.manifest import Manifest
from adapters.problem_codes import ProblemCode

_UTF8_BOM = b"\xef\xbb\xbf"
_LEGACY_CJK = frozenset({"gb18030", "big5hkscs"})


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One data row: ``values`` stripped of surrounding spaces, ``raw`` as delivered."""

    line: int  # 1-based physical line where the record starts; the header is line 1
    values: dict[str, str]
    raw: dict[str, str]


@dataclass(frozen=True, slots=True)
class CsvTable:
    file: str
    header: list[str]
    rows: list[CsvRow]  # rows to map: without column-count faults and exact duplicates
    rows_read: int  # every data row read, including the ones reported as problems


def decode(data: bytes, manifest: Manifest, file: str) -> str | RowProblem:
    """Decode with the manifest's encoding, or say why the bytes do not match it."""

    def mismatch(why: str) -> RowProblem:
        return RowProblem(
            file,
            0,
            "",
            ProblemCode.ENCODING_MISMATCH,
            f"{file} is not {manifest.encoding} as the manifest says: {why}",
        )

    if manifest.codec in _LEGACY_CJK:
        # GB18030 decodes almost any byte string and Big5-HKSCS a good share of
        # UTF-8 Chinese, so UTF-8 text would turn into mojibake silently. Valid
        # UTF-8 with non-ASCII bytes is not GB18030 or Big5 text in practice:
        # refuse it instead of guessing.
        if data.startswith(_UTF8_BOM):
            return mismatch("it starts with a UTF-8 byte order mark")
        if not data.isascii():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                return mismatch("its bytes are UTF-8")
    try:
        return data.decode(manifest.codec)
    except UnicodeDecodeError as exc:
        return mismatch(f"undecodable bytes at offset {exc.start}")


def _file_bytes(path: Path) -> bytes | None:
    """The file's bytes, or None when there is no readable file by that name.

    The name comes from the partner's manifest: one the file system cannot
    even look up (too long, a NUL) is a missing file, not a crash.
    """
    try:
        return path.read_bytes() if path.is_file() else None
    except (OSError, ValueError):
        return None


def read_table(
    delivery_dir: Path,
    manifest: Manifest,
    role: str,
    required: Collection[str],
    header_name: Callable[[str], str] | None = None,
) -> tuple[CsvTable | None, list[RowProblem]]:
    """Read the file the manifest names for ``role``.

    Returns no table when the file is refused whole (missing, digest
    mismatch, encoding mismatch, empty, header without a required column).
    ``header_name`` maps each stripped header cell to the column name the
    adapter uses (Macao's bilingual headers); by default the cell itself.
    """
    file = manifest.files[role]
    data = _file_bytes(delivery_dir / file)
    if data is None:
        return None, [
            RowProblem(
                file, 0, "", ProblemCode.FILE_MISSING, f"{file} named in the manifest is missing"
            )
        ]
    actual = hashlib.sha256(data).hexdigest()
    expected = manifest.sha256[file]
    if actual != expected:
        return None, [
            RowProblem(
                file,
                0,
                "",
                ProblemCode.FILE_DIGEST_MISMATCH,
                f"{file} refused whole: sha256 {actual} differs from the manifest's {expected}",
            )
        ]
    text = decode(data, manifest, file)
    if isinstance(text, RowProblem):
        return None, [text]
    return parse_table(file, text, required, header_name)


def parse_table(
    file: str,
    text: str,
    required: Collection[str],
    header_name: Callable[[str], str] | None = None,
) -> tuple[CsvTable | None, list[RowProblem]]:
    """Parse decoded CSV text (RFC 4180) into rows keyed by stripped header names
    (or by what ``header_name`` makes of them)."""
    # The csv module refuses a field longer than its limit (128 KiB by default)
    # by raising mid-file. The whole text is already in memory, so the limit
    # protects nothing here: no field can be longer than the text itself.
    if csv.field_size_limit() < len(text):
        csv.field_size_limit(len(text))
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    for cells in reader:
        if any(c.strip() for c in cells):
            header = [c.strip() for c in cells]
            if header_name is not None:
                header = [header_name(c) for c in header]
            break
    if header is None:
        return None, [RowProblem(file, 0, "", ProblemCode.FILE_EMPTY, f"{file} has no header row")]
    problems: list[RowProblem] = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(
                RowProblem(
                    file,
                    0,
                    name,
                    ProblemCode.HEADER_DUPLICATE_COLUMN,
                    f"{file} refused whole: column '{name}' appears twice in the header",
                )
            )
        seen.add(name)
    for name in required:
        if name not in seen:
            problems.append(
                RowProblem(
                    file,
                    0,
                    name,
                    ProblemCode.HEADER_MISSING_COLUMN,
                    f"{file} refused whole: required column '{name}' is not in the header",
                )
            )
    if problems:
        return None, problems

    rows: list[CsvRow] = []
    first_line_of: dict[tuple[str, ...], int] = {}
    rows_read = 0
    previous_end = reader.line_num
    for cells in reader:
        line = previous_end + 1
        previous_end = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank lines are layout, not rows
        rows_read += 1
        if len(cells) != len(header):
            problems.append(
                RowProblem(
                    file,
                    line,
                    "",
                    ProblemCode.ROW_COLUMN_COUNT,
                    f"row has {len(cells)} fields, the header has {len(header)}",
                )
            )
            continue
        values = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
        key = tuple(values[name] for name in header)
        if key in first_line_of:
            problems.append(
                RowProblem(
                    file,
                    line,
                    "",
                    ProblemCode.ROW_DUPLICATE_IN_DELIVERY,
                    f"exact duplicate of line {first_line_of[key]}; sent once, from line "
                    f"{first_line_of[key]}",
                )
            )
            continue
        first_line_of[key] = line
        rows.append(CsvRow(line, values, dict(zip(header, cells, strict=True))))
    return CsvTable(file, header, rows, rows_read), problems
