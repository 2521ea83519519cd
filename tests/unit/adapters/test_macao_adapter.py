"""The Macao adapter (CN-MO): its sample deliveries, parsers, refusals and encodings.

Macao writes Traditional Chinese and Portuguese: headers in either language
or both, numbers the Portuguese way (1 234,5) or the Chinese way (1,234.5),
dates day first or 年月日, parishes with or without accents, UTF-8 or
Big5-HKSCS. What a partner would notice: every bad row named by line,
column and code, good rows sent with exact quantities and the right
programme, points never a quantity.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from adapters.dates import DateMalformed
from adapters.macao import MacaoAdapter
from adapters.macao.dates import iso_from_macao
from adapters.macao.numbers import QuantityAmbiguous, plain_quantity
from adapters.macao.vocabulary import header_name, parish
from adapters.problem_codes import ProblemCode
from adapters.problem_messages import LANGUAGES, code_message, translated_codes
from adapters.registry import adapter_for
from carbonhub_contract.vocabulary.records import OriginStatus
from hub.standard import default_standards_dir, load_standard
from tests.unit.adapters.adapter_testkit import REPO, write_delivery

SAMPLES = REPO / "adapters/macao/samples"
UTF8 = SAMPLES / "MO-20250401-01"
BIG5 = SAMPLES / "MO-20250402-02"
MISLABELLED = SAMPLES / "MO-20250403-03"

Q = "數量/Quantidade"


# --- numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("12,5", "12.5"),  # a decimal comma, never a thousands separator
        ("1 234,5", "1234.5"),
        ("1\u00a0234,5", "1234.5"),  # no-break space
        ("1\u202f234\u202f567,891", "1234567.891"),  # CLDR pt: narrow no-break space
        ("1.234,5", "1234.5"),
        ("1.234.567", "1234567"),
        ("1,234.5", "1234.5"),
        ("1,234,567", "1234567"),
        ("1234.5", "1234.5"),
        ("12.5", "12.5"),
        ("0,250", "0.250"),  # a leading 0 is no thousands group
        ("0.001", "0.001"),  # nor here: never 0 thousand and 1 (found by the property test)
        ("2", "2"),
        ("856,0", "856.0"),
        ("-3,5", "-3.5"),  # the sign passes: the hub refuses negatives itself
    ],
)
def test_both_ways_of_writing_a_number(text: str, plain: str) -> None:
    assert plain_quantity(text) == plain
    assert Decimal(plain_quantity(text)) == Decimal(plain)


@pytest.mark.parametrize("text", ["1,250", "1.250", "12,500", "999.000"])
def test_a_number_that_reads_two_ways_is_refused_not_guessed(text: str) -> None:
    with pytest.raises(QuantityAmbiguous):
        plain_quantity(text)


@pytest.mark.parametrize("text", ["abc", "1,2,3", "1e3", "1 23,4", "12,5.3", "1.234,5.6"])
def test_text_in_neither_form_goes_to_the_hub_unchanged(text: str) -> None:
    assert plain_quantity(text) == text


# --- dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("20/03/2025", "2025-03-20"),
        ("5/3/2025", "2025-03-05"),
        ("10/03/2025 08:05", "2025-03-10T08:05:00"),
        ("2025年3月20日", "2025-03-20"),
        ("2025年12月1日", "2025-12-01"),
        ("2025年3月20日 18:30", "2025-03-20T18:30:00"),
    ],
)
def test_macao_dates(text: str, iso: str) -> None:
    assert iso_from_macao(text) == iso


@pytest.mark.parametrize(
    "text", ["03/25/2025", "2025年2月30日", "2025-03-20", "20.03.2025", "", "20/03/25"]
)
def test_a_month_first_or_foreign_date_is_malformed(text: str) -> None:
    with pytest.raises(DateMalformed):
        iso_from_macao(text)


# --- words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    ["編號 Referência", "編號/Referência", "編號 / Referencia", "編號", "Referência", "REFERENCIA"],
)
def test_header_in_either_language_or_both(cell: str) -> None:
    assert header_name(cell) == "編號/Referência"


def test_an_unknown_header_cell_is_kept_as_delivered() -> None:
    assert header_name("備註/Observações") == "備註/Observações"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("風順堂區", "風順堂區"),
        ("風順", "風順堂區"),
        ("São Lourenço", "風順堂區"),
        ("Sao Lourenco", "風順堂區"),
        ("Freguesia de São Lourenço", "風順堂區"),
        ("大堂區", "大堂區"),
        ("Freguesia da Sé", "大堂區"),
        ("Se", "大堂區"),
        ("氹仔", "嘉模堂區"),
        ("Taipa", "嘉模堂區"),
        ("Nossa Senhora do Carmo", "嘉模堂區"),
        ("路環", "聖方濟各堂區"),
        ("Coloane", "聖方濟各堂區"),
        ("Freguesia de Nossa Senhora de Fatima", "花地瑪堂區"),
        ("Cotai", "路氹城"),
        ("路氹城", "路氹城"),
    ],
)
def test_parishes_and_zones_in_either_language(text: str, canonical: str) -> None:
    assert parish(text) == canonical


@pytest.mark.parametrize("text", ["橫琴", "Hengqin", "Zhuhai", "堂區", "Freguesia de"])
def test_a_place_outside_macao_is_no_parish(text: str) -> None:
    assert parish(text) is None


# --- the UTF-8 sample ----------------------------------------------------------------


def test_registered_under_macao() -> None:
    assert adapter_for("macao").partner == "CN-MO"


def test_utf8_sample_reports_every_fault_with_line_column_and_code() -> None:
    d = MacaoAdapter().read(UTF8)
    assert (d.partner, d.delivery_id, d.rows_read) == ("CN-MO", "MO-20250401-01", 19)
    assert [(p.line, p.column, p.code) for p in d.problems] == [
        (8, Q, ProblemCode.ROW_QUANTITY_AMBIGUOUS),
        (9, "開始/Início", ProblemCode.ROW_DATE_MALFORMED),
        (9, "結束/Fim", ProblemCode.ROW_DATE_MALFORMED),
        (10, "堂區/Freguesia", ProblemCode.ROW_DISTRICT_UNKNOWN),
        (11, Q, ProblemCode.ROW_POINTS_NOT_QUANTITY),
        (19, "單位/Unidade", ProblemCode.ROW_UNIT_UNKNOWN),
    ]
    # Nothing dropped silently: every row read is a claim or a problem line.
    assert len(d.claims) + len({p.line for p in d.problems}) == d.rows_read
    assert [c.source.line for c in d.claims] == [2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 16, 17, 18, 20]


def test_utf8_sample_good_rows_are_exact_and_in_the_right_programme() -> None:
    sent = {c.source.line: c.submission for c in MacaoAdapter().read(UTF8).claims}
    got = {
        line: (s.partner_methodology, Decimal(s.activity_quantity), s.activity_unit, s.district)
        for line, s in sent.items()
        if line <= 7
    }
    assert got == {
        2: ("環保Fun", Decimal("12.5"), "kg", "花地瑪堂區"),  # 12,5 kg
        3: ("環保Fun", Decimal("1234.5"), "kg", "風順堂區"),  # 1 234,5 quilogramas
        4: ("環保Fun", Decimal("1234.5"), "kg", "嘉模堂區"),  # 1,234.5 公斤
        5: ("輕軌", Decimal("6.4"), "km", "嘉模堂區"),  # 氹仔
        6: ("巴士", Decimal("5.2"), "km", "大堂區"),  # Autocarro, Sé, 公里
        7: ("太陽能", Decimal("1234.5"), "kWh", "聖方濟各堂區"),  # 1.234,5 千瓦時, Coloane
    }
    assert sent[2].activity_quantity == "12.5"
    assert {s.region_code for s in sent.values()} == {"820000"}
    assert {s.time_zone for s in sent.values()} == {"Asia/Macau"}
    assert {s.origin_status for s in sent.values()} == {OriginStatus.NOT_ISSUED}
    assert (sent[3].material, sent[4].material, sent[2].material) == (
        "metals",
        "beverage_cartons",
        "paper",
    )
    assert (sent[3].period_start, sent[5].period_end) == ("2025-03-04", "2025-03-10T08:25:00")
    assert sent[7].utility == "CEM"
    assert sent[17].activity_unit == "trip"  # 2 viagens: the standard decides
    assert sent[20].activity_quantity == "1234567"  # 1.234.567: dots between thousands


def test_points_are_never_a_quantity() -> None:
    d = MacaoAdapter().read(UTF8)
    for claim in d.claims:
        s = claim.submission
        # The quantity is always the quantity column's, never the points'.
        assert s.activity_quantity == plain_quantity(s.raw[Q].strip())
        assert s.reported_tco2e is None
    # Line 11 has only points (30) and no quantity: refused, not sent as 30.
    assert 11 not in {c.source.line for c in d.claims}
    line2 = next(c.submission for c in d.claims if c.source.line == 2)
    assert (line2.raw["碳積分/Pontos"], line2.activity_quantity) == ("25", "12.5")
    # The extra column travels in the raw record, as delivered.
    assert line2.raw["備註/Observações"] == ""


def test_a_resent_activity_maps_to_the_same_content_under_a_new_reference() -> None:
    # Line 16 re-sends line 2 in Portuguese (papel, Nossa Senhora de Fatima, 12.5):
    # the same content, so the hub answers DUPLICATE_CONTENT.
    sent = {c.source.line: c.submission for c in MacaoAdapter().read(UTF8).claims}
    assert sent[16].record_id != sent[2].record_id
    assert sent[16].digest_without_identity() == sent[2].digest_without_identity()


def test_sample_rows_map_to_the_shenzhen_methodologies() -> None:
    standard = load_standard(default_standards_dir())
    sent = MacaoAdapter().read(UTF8).claims + MacaoAdapter().read(BIG5).claims
    crosswalk = standard.crosswalk("CN-MO")
    assert crosswalk is not None
    methodology = {e.partner_methodology: e.methodology for e in crosswalk.entries}
    assert {methodology[c.submission.partner_methodology] for c in sent} == {
        "HUB-INTERIM-RECYCLE",
        "SZ-TRANSIT-METRO",
        "SZ-TRANSIT-BUS",
        "SZ-PV",
    }


def test_macao_grid_factor_is_derived_and_provisional() -> None:
    standard = load_standard(default_standards_dir())
    (value,) = [
        v
        for f in standard.factors()
        if f.id == "grid_ef"
        for v in f.values
        if v.region == "CN-MO" and v.year == 2022
    ]
    assert value.value == Decimal("0.3538")  # 0.9145 x 0.3869, rounded down
    assert value.provisional
    assert value.source.startswith("derived:")


# --- Big5-HKSCS and the encoding -----------------------------------------------------


def test_big5_sample_with_unaccented_portuguese_headers() -> None:
    d = MacaoAdapter().read(BIG5)
    assert (d.delivery_id, d.rows_read) == ("MO-20250402-02", 4)
    assert [(p.line, p.column, p.code) for p in d.problems] == [
        (5, "開始/Início", ProblemCode.ROW_DATE_MALFORMED),
        (5, "結束/Fim", ProblemCode.ROW_DATE_MALFORMED),
    ]
    got = [
        (c.submission.partner_methodology, c.submission.district, c.submission.activity_quantity)
        for c in d.claims
    ]
    assert got == [
        ("環保Fun", "望德堂區", "2.5"),
        ("輕軌", "嘉模堂區", "5.8"),
        ("太陽能", "聖方濟各堂區", "2345.6"),
    ]


def test_big5_bytes_under_a_utf8_manifest_are_refused_whole() -> None:
    d = MacaoAdapter().read(MISLABELLED)
    assert d.refused
    assert [(p.line, p.column, p.code) for p in d.problems] == [
        (0, "", ProblemCode.ENCODING_MISMATCH)
    ]


def test_utf8_bytes_under_a_big5_manifest_are_refused_whole(tmp_path: Path) -> None:
    data = (UTF8 / "actividades.csv").read_bytes()
    folder = write_delivery(
        tmp_path / "d", "CN-MO", "MO-T", "big5hkscs", {"activities": ("actividades.csv", data)}
    )
    d = MacaoAdapter().read(folder)
    assert [p.code for p in d.problems] == [ProblemCode.ENCODING_MISMATCH]
    assert d.claims == []


def test_utf8_with_bom_and_portuguese_only_headers_in_another_order(tmp_path: Path) -> None:
    text = (
        "Fim,Início,Unidade,Quantidade,Ajuste,Fornecedor,Material,Participante,Local,"
        "Freguesia,Programa,Referência\r\n"
        '31/03/2025,01/03/2025,kWh,"1 000,25",AJ-1,CEM,,,PV-1,Sao Lazaro,Solar,MO-T-1\r\n'
    )
    folder = write_delivery(
        tmp_path / "d",
        "CN-MO",
        "MO-T",
        "utf-8",
        {"activities": ("actividades.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))},
    )
    d = MacaoAdapter().read(folder)
    assert d.problems == []
    (claim,) = d.claims
    s = claim.submission
    assert (s.partner_methodology, s.activity_quantity, s.district) == (
        "太陽能",
        "1000.25",
        "望德堂區",
    )
    # No points column at all: points and platform may be absent.
    assert "碳積分/Pontos" not in s.raw


def test_a_missing_column_refuses_the_file_and_names_it(tmp_path: Path) -> None:
    text = "Referência,Programa\r\nMO-1,Solar\r\n"
    folder = write_delivery(
        tmp_path / "d", "CN-MO", "MO-T", "utf-8", {"activities": ("actividades.csv", text.encode())}
    )
    d = MacaoAdapter().read(folder)
    assert d.claims == []
    assert {p.code for p in d.problems} == {ProblemCode.HEADER_MISSING_COLUMN}
    assert "堂區/Freguesia" in {p.column for p in d.problems}


def test_a_blank_quantity_without_points_is_a_missing_field(tmp_path: Path) -> None:
    text = (
        "編號,計劃,堂區,站點,參與者,開始,結束,物料,數量,單位,碳積分,供電,調整\r\n"
        "MO-1,環保Fun,大堂,S-1,,01/03/2025,01/03/2025,紙,,kg,,,AJ\r\n"
    )
    folder = write_delivery(
        tmp_path / "d",
        "CN-MO",
        "MO-T",
        "big5hkscs",
        {"activities": ("actividades.csv", text.encode("big5hkscs"))},
    )
    d = MacaoAdapter().read(folder)
    assert [(p.line, p.column, p.code) for p in d.problems] == [
        (2, Q, ProblemCode.ROW_FIELD_MISSING)
    ]


# --- messages ------------------------------------------------------------------------


def test_every_problem_code_is_translated_in_every_language() -> None:
    assert translated_codes() == frozenset(ProblemCode)
    for code in ProblemCode:
        texts = [code_message(code, lang) for lang in LANGUAGES]
        assert all(texts) and len(set(texts)) == len(LANGUAGES), code
    assert "pontos" in code_message("ROW_POINTS_NOT_QUANTITY", "pt")
    assert "碳積分" in code_message("ROW_POINTS_NOT_QUANTITY", "zh-Hant")
    assert "碳积分" in code_message("ROW_POINTS_NOT_QUANTITY", "zh-CN")


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(KeyError, match="zh-Hant"):
        code_message("ROW_UNIT_UNKNOWN", "fr")
