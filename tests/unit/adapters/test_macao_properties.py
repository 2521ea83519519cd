"""Macao's parsers and adapter under generated input (hypothesis).

Numbers: any decimal written the Portuguese way or the Chinese way reads
back exactly, or is refused as ambiguous when the two ways disagree, never
misread. Rows: whatever text lands in a cell of the sample, ``read`` never
raises, every problem carries a documented code on a data line, and every
row read is sent or refused on its line.
"""

from __future__ import annotations

import csv
import io
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.macao import MacaoAdapter
from adapters.macao.numbers import QuantityAmbiguous, plain_quantity
from adapters.problem_codes import FILE_CODES, ProblemCode
from tests.unit.adapters.adapter_testkit import REPO, write_delivery

SAMPLE = REPO / "adapters/macao/samples/MO-20250401-01/actividades.csv"
ROW_CODES = frozenset(ProblemCode) - FILE_CODES

decimals = st.decimals(min_value=0, max_value=Decimal("1e12"), places=3, allow_nan=False)


def _group(whole: str, separator: str) -> str:
    head = len(whole) % 3 or 3
    return separator.join([whole[:head], *(whole[i : i + 3] for i in range(head, len(whole), 3))])


def _written(value: Decimal, group: str, point: str, grouped: bool) -> str:
    whole, _, frac = format(value, "f").partition(".")
    whole = _group(whole, group) if grouped else whole
    return f"{whole}{point}{frac}" if frac else whole


@settings(max_examples=400)
@given(decimals, st.sampled_from([" ", ".", "\u202f"]), st.booleans())
def test_a_portuguese_number_reads_back_exactly_or_is_refused(
    value: Decimal, group: str, grouped: bool
) -> None:
    text = _written(value, group, ",", grouped)
    try:
        assert Decimal(plain_quantity(text)) == value
    except QuantityAmbiguous:
        # Only one separator and three digits after it: the Chinese reading differs.
        assert text.count(",") + text.count(".") == 1
        assert Decimal(text.replace(",", "").replace(".", "")) != value


@settings(max_examples=400)
@given(decimals, st.booleans())
def test_a_chinese_number_reads_back_exactly_or_is_refused(value: Decimal, grouped: bool) -> None:
    text = _written(value, ",", ".", grouped)
    try:
        assert Decimal(plain_quantity(text)) == value
    except QuantityAmbiguous:
        assert text.count(",") + text.count(".") == 1
        assert Decimal(text.replace(".", "").replace(",", ".")) != value


def _rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(SAMPLE.read_text(encoding="utf-8"), newline="")))


ROWS = _rows()


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.integers(min_value=1, max_value=len(ROWS) - 1),
    st.integers(min_value=0, max_value=len(ROWS[0]) - 1),
    st.text(max_size=40),
)
def test_any_cell_text_is_sent_or_refused_on_its_line(row: int, column: int, text: str) -> None:
    rows = [list(r) for r in ROWS]
    rows[row][column] = text
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        delivery = write_delivery(
            Path(folder) / "d",
            "CN-MO",
            "MO-FUZZ",
            "utf-8",
            {"activities": ("actividades.csv", out.getvalue().encode("utf-8", "surrogatepass"))},
        )
        try:
            d = MacaoAdapter().read(delivery)
        except UnicodeEncodeError:
            return
    assert all(p.code in ROW_CODES and p.line >= 2 for p in d.problems), d.problems
    refused = {p.line for p in d.problems}
    sent = [c.source.line for c in d.claims]
    assert len(sent) == len(set(sent)) and not refused & set(sent)
    assert d.rows_read == len(sent) + len(refused)
