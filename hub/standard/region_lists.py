"""standards/gbt2260.yaml and gbt2260.csv: the GB/T 2260 editions the hub holds.

The YAML file names each edition (the day it describes, its source, how many
codes it lists) and the codes retired between editions with their successors;
the CSV lists every code once with the first and last edition that lists it.
Both are validated here and converted into hub.domain.region_codes'
``RegionCodeList``: a code of the wrong shape, an edition that is not
declared, an edition whose row count differs from the source's, or a change
that names a code not retired or a successor not listed is refused with the
file and the line at fault.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.domain import regions
from hub.domain.region_codes import RegionChange, RegionCodeList, RegionEdition
from hub.standard.errors import StandardError
from hub.standard.models import Day, Text

CODES_HEADER = ("code", "name", "first_edition", "last_edition")


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class EditionModel(_Model):
    edition: Text
    as_of: Day
    rows: int = Field(gt=0)
    source: Text
    provisional: bool


class ChangeModel(_Model):
    code: Text
    name: Text
    retired_after: Text
    successors: list[Text] = Field(default_factory=list)
    source: Text
    provisional: bool


class RegionCodesFile(_Model):
    title_zh: Text
    title_en: Text
    publisher: Text
    codes_file: Text
    editions: list[EditionModel] = Field(min_length=1)
    changes: list[ChangeModel] = Field(default_factory=list)

    @model_validator(mode="after")
    def _distinct(self) -> RegionCodesFile:
        if len({e.edition for e in self.editions}) != len(self.editions):
            raise ValueError("two editions share a name")
        if len({e.as_of for e in self.editions}) != len(self.editions):
            raise ValueError("two editions describe the same day")
        if len({c.code for c in self.changes}) != len(self.changes):
            raise ValueError("a code is listed twice under changes")
        return self


Fail = Callable[[str, str], StandardError]


def region_code_list(
    model: RegionCodesFile, csv_text: str, fail_csv: Fail, fail_yaml: Fail
) -> RegionCodeList:
    """The validated code list; raises StandardError (through the ``fail_*`` makers)."""
    ordered = sorted(model.editions, key=lambda e: e.as_of)
    rank = {e.edition: i for i, e in enumerate(ordered)}
    names: dict[str, str] = {}
    spans: dict[str, tuple[int, int]] = {}
    reader = csv.reader(io.StringIO(csv_text))
    header = next(reader, None)
    if header is None or tuple(header) != CODES_HEADER:
        raise fail_csv("line 1", f"the header must be {','.join(CODES_HEADER)}")
    for line, row in enumerate(reader, start=2):
        if len(row) != len(CODES_HEADER):
            raise fail_csv(f"line {line}", f"expected {len(CODES_HEADER)} columns, got {len(row)}")
        code, name, first, last = (value.strip() for value in row)
        if not regions.is_valid_code(code):
            raise fail_csv(
                f"line {line}", f"{code!r} is not six digits under a province-level code"
            )
        if code in names:
            raise fail_csv(f"line {line}", f"code {code} is listed twice")
        if not name:
            raise fail_csv(f"line {line}", f"code {code} has no name")
        for edition in (first, last):
            if edition not in rank:
                raise fail_csv(
                    f"line {line}", f"edition {edition!r} is not declared in the YAML file"
                )
        if rank[first] > rank[last]:
            raise fail_csv(
                f"line {line}", f"first_edition {first} is newer than last_edition {last}"
            )
        names[code] = name
        spans[code] = (rank[first], rank[last])
    editions: list[RegionEdition] = []
    for i, declared in enumerate(ordered):
        codes = frozenset(
            c for c, (first_rank, last_rank) in spans.items() if first_rank <= i <= last_rank
        )
        if len(codes) != declared.rows:
            raise fail_yaml(
                f"editions[{model.editions.index(declared)}].rows",
                f"edition {declared.edition} declares {declared.rows} codes;"
                f" the CSV lists {len(codes)}",
            )
        editions.append(RegionEdition(declared.edition, declared.as_of, codes))
    changes = tuple(
        _change(i, c, rank, spans, names, fail_yaml) for i, c in enumerate(model.changes)
    )
    return RegionCodeList(editions, names, changes)


def _change(
    index: int,
    change: ChangeModel,
    rank: dict[str, int],
    spans: dict[str, tuple[int, int]],
    names: dict[str, str],
    fail: Fail,
) -> RegionChange:
    at = f"changes[{index}]"
    span = spans.get(change.code)
    if span is None:
        raise fail(f"{at}.code", f"{change.code} is not in the CSV")
    if names[change.code] != change.name:
        raise fail(f"{at}.name", f"the CSV names {change.code} {names[change.code]}")
    retired = rank.get(change.retired_after)
    if retired is None:
        raise fail(f"{at}.retired_after", f"edition {change.retired_after!r} is not declared")
    if retired != span[1] or retired == len(rank) - 1:
        raise fail(
            f"{at}.retired_after",
            f"{change.code} is not retired after edition {change.retired_after}",
        )
    for j, successor in enumerate(change.successors):
        successor_span = spans.get(successor)
        if successor_span is None or not successor_span[0] <= retired + 1 <= successor_span[1]:
            raise fail(
                f"{at}.successors[{j}]",
                f"{successor} is not listed in the edition after {change.retired_after}",
            )
    return RegionChange(change.code, change.name, change.retired_after, tuple(change.successors))
