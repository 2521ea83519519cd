"""The certificate PDF as a reader sees it: the text read back from the file,
a long certificate over several pages, the claimant's own text drawn as
written (never read as markup), the same bytes for the same moment."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pypdfium2
import zxingcpp
from pypdf import PdfReader

from hub.http_api.certificate_messages import wording
from hub.http_api.certificate_pdf import certificate_pdf
from hub.http_api.certificates import CancelledBlockBody, CertificateBody, RetiredSerialBody

MADE_AT = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
KEY_ID = "ed25519:3f9a1c0b7d2e4a51"


def serial(index: int) -> str:
    return f"SZCER-CN-HK-SZ-PV-2024-FIT-HKE-2019-00388-{index:06d}-{index:06d}"


def certificate(
    count: int = 2,
    *,
    claimant: str = "深圳马拉松组委会",
    cancelled: tuple[str, ...] = (),
) -> CertificateBody:
    retirements = [
        RetiredSerialBody(
            retirement_id=f"EX-{index}",
            serial=serial(index),
            origin="CN-HK",
            methodology="SZ-PV-2024",
            vintage=2024,
            project="FIT-HKE-2019-00388",
            units=1,
            retired_at="2026-12-03T09:00:00+00:00",
            state="CANCELLED" if serial(index) in cancelled else "RETIRED",
        )
        for index in range(1, count + 1)
    ]
    return CertificateBody(
        certificate_id="SZCN-6XF82JDB9R",
        purpose="CARBON_NEUTRAL_EVENT",
        claim_id="MARATHON-2026",
        claimant_kind="EVENT",
        claimant_name=claimant,
        event_name="2026 深圳馬拉松 Carbon-neutral",
        period_start="2026-12-01",
        period_end="2026-12-02",
        footprint_tco2e=str(count),
        tonnes=count,
        carbon_neutral=True,
        issued_at="2026-12-03T09:00:00+00:00",
        valid=not cancelled,
        cancelled=[CancelledBlockBody(serial=s, reason="项目重复登记") for s in cancelled],
        retirements=retirements,
        verify_url="https://hub.example.cn/certificates/SZCN-6XF82JDB9R",
        document_url="https://hub.example.cn/api/v1/certificates/SZCN-6XF82JDB9R/document",
    )


def render(body: CertificateBody, language: str = "en") -> bytes:
    return certificate_pdf(
        body,
        language=language,
        words=wording(language),
        coverage=wording(language)("neutral"),
        key_id=KEY_ID,
        made_at=MADE_AT,
    )


def text_of(content: bytes) -> tuple[int, str]:
    pages = PdfReader(io.BytesIO(content)).pages
    return len(pages), " ".join(" ".join(p.extract_text() for p in pages).split())


def test_the_pdf_reads_back_in_each_language() -> None:
    for language, title, state in (
        ("zh-CN", "碳中和证明", "已注销"),
        ("zh-Hant", "碳中和證明", "已註銷"),
        ("en", "Carbon-neutrality certificate", "retired"),
    ):
        _, text = text_of(render(certificate(), language))
        for wanted in (title, state, "SZCN-6XF82JDB9R", serial(1), serial(2), KEY_ID):
            assert wanted in text, (language, wanted)
        assert "深圳马拉松组委会" in text and "2026 深圳馬拉松 Carbon-neutral" in text
        assert "CN-HK · SZ-PV-2024 · 2024" in text
        assert "https://hub.example.cn/certificates/SZCN-6XF82JDB9R" in text
        assert "2026-12-06T08:00:00+00:00" in text  # when its standing was taken


def test_a_certificate_of_many_serials_runs_over_pages_and_stays_small() -> None:
    content = render(certificate(120))
    pages, text = text_of(content)
    assert pages >= 3
    assert all(serial(i) in text for i in range(1, 121))
    # The table's header is repeated on every page the table reaches.
    assert text.count("Serial / origin · methodology · vintage · project") >= pages - 1
    assert len(content) < 200_000


def test_an_invalid_certificate_names_the_cancelled_block_and_reason() -> None:
    _, text = text_of(render(certificate(3, cancelled=(serial(2),)), "zh-CN"))
    assert "已失效：以下区块此后被生态环境局撤销。" in text
    assert f"{serial(2)} — 原因: 项目重复登记" in text
    assert "已撤销" in text


def test_the_claimants_text_is_drawn_as_written_not_as_markup() -> None:
    _, text = text_of(render(certificate(claimant='<b>Acme & "Sons"</b> 有限公司')))
    assert '<b>Acme & "Sons"</b> 有限公司' in text


def test_the_same_moment_gives_the_same_bytes() -> None:
    assert render(certificate()) == render(certificate())


def test_the_qr_code_scans_to_the_verification_address() -> None:
    # Rendered at about 144 dpi, as a phone camera sees a printed page.
    page = pypdfium2.PdfDocument(render(certificate(3), "zh-Hant"))[0]
    image = page.render(scale=2).to_pil()
    found = [code.text for code in zxingcpp.read_barcodes(image)]
    assert found == ["https://hub.example.cn/certificates/SZCN-6XF82JDB9R"]
