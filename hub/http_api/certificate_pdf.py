"""A carbon-neutrality certificate as a PDF, drawn without a browser.

reportlab lays the page out; Chinese is drawn in Adobe's built-in CID fonts
(STSong-Light for Simplified, MSung-Light for Traditional labels), which every
PDF reader supplies itself, so no font file is shipped or embedded and a
certificate stays a few kilobytes. The claimant's own text (names, the
bureau's reasons) is always drawn in STSong-Light: its character collection
(Adobe-GB1) holds Traditional characters too, while Adobe-CNS1 lacks many
Simplified ones. Latin runs are drawn in Helvetica, serials in Courier.

The QR code of the verification address is drawn as vector squares from
segno's matrix: sharp at any print size, nothing rasterised.

The PDF says whether the certificate was valid when the PDF was made (and
when that was): a PDF made after the bureau cancelled one of its blocks says
it is not valid, and why. Made with ``invariant`` so that the same
certificate, language and moment give the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

if TYPE_CHECKING:
    from hub.http_api.certificates import CertificateBody

SIMPLIFIED = "STSong-Light"
TRADITIONAL = "MSung-Light"
LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
SERIAL = "Courier"
SERIAL_SIZE = 7.5
MARGIN = 18 * mm
QR_SIZE = 34 * mm
VALID_COLOUR = colors.HexColor("#1b6e3a")
INVALID_COLOUR = colors.HexColor("#b3261e")
RULE_COLOUR = colors.HexColor("#9aa5a0")

# Wording only the PDF needs; the rest is the certificate page's
# (hub.http_api.certificate_messages).
_PDF_WORDS: dict[str, dict[str, str]] = {
    "zh-CN": {
        "status_at": "以上状态为本文件生成时（{when}）的状态。",
        "key": "枢纽签名密钥编号",
        "document": "签名文件",
        "offline": "离线核验：carbon-hub certificate verify 文件 --hub-key hub-signing.pub",
        "serial.details": "序列号 / 来源地 · 方法学 · 年份 · 项目",
        "state.RETIRED": "已注销",
        "state.CANCELLED": "已撤销",
        "page": "第 {page} 页",
        "sentence.end": "。",
    },
    "zh-Hant": {
        "status_at": "以上狀態為本文件產生時（{when}）的狀態。",
        "key": "樞紐簽名密鑰編號",
        "document": "簽名檔案",
        "offline": "離線核驗：carbon-hub certificate verify 檔案 --hub-key hub-signing.pub",
        "serial.details": "序號 / 來源地 · 方法學 · 年份 · 項目",
        "state.RETIRED": "已註銷",
        "state.CANCELLED": "已撤銷",
        "page": "第 {page} 頁",
        "sentence.end": "。",
    },
    "en": {
        "status_at": "This is the certificate's standing when this file was made ({when}).",
        "key": "Hub signing key id",
        "document": "Signed file",
        "offline": "Check offline: carbon-hub certificate verify FILE --hub-key hub-signing.pub",
        "serial.details": "Serial / origin · methodology · vintage · project",
        "state.RETIRED": "retired",
        "state.CANCELLED": "cancelled",
        "page": "page {page}",
        "sentence.end": ". ",
    },
}


@cache
def _register_fonts() -> None:
    # Registered once per process: reportlab keeps fonts in a global registry.
    for name in (SIMPLIFIED, TRADITIONAL):
        pdfmetrics.registerFont(UnicodeCIDFont(name))


def _label_font(language: str) -> str:
    return {"zh-CN": SIMPLIFIED, "zh-Hant": TRADITIONAL}.get(language, LATIN)


def _is_latin(char: str) -> bool:
    # Helvetica's standard encoding draws Latin-1; anything else needs a CID font.
    return ord(char) < 0x100


def _markup(text: str, cjk_font: str, latin_font: str = LATIN) -> str:
    """Paragraph markup of any text: each run in a font that has its glyphs,
    every character escaped (the text may be the claimant's own)."""
    if not text:
        return ""
    runs: list[str] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or _is_latin(text[index]) != _is_latin(text[start]):
            run = text[start:index]
            font = latin_font if _is_latin(run[0]) else cjk_font
            runs.append(f'<font name="{font}">{escape(run)}</font>')
            start = index
    return "".join(runs)


class _QrCode(Flowable):
    """The verification address's QR code as vector squares (one per run of
    dark modules in a row, so a code of ~1,000 modules draws in ~300)."""

    def __init__(self, url: str, size: float) -> None:
        super().__init__()
        self._rows = [list(row) for row in segno.make(url, error="m").matrix_iter(border=4)]
        self._size = size
        self.width = self.height = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self._size, self._size

    def draw(self) -> None:
        canvas = self.canv
        module = self._size / len(self._rows)
        canvas.setFillColor(colors.black)
        # One path filled once: separate rectangles leave hairline seams
        # between rows in some readers, and a seam can break a scan.
        path = canvas.beginPath()
        for y, row in enumerate(self._rows):
            x = 0
            while x < len(row):
                if not row[x]:
                    x += 1
                    continue
                end = x
                while end < len(row) and row[end]:
                    end += 1
                top = self._size - (y + 1) * module
                path.rect(x * module, top, (end - x) * module, module)
                x = end
        canvas.drawPath(path, stroke=0, fill=1)


class _Styles:
    def __init__(self, language: str) -> None:
        self.language = language
        self.cjk = _label_font(language) if language != "en" else SIMPLIFIED
        # CJK text wraps between any two characters; Latin text at spaces.
        wrap = "CJK" if language != "en" else None
        base = ParagraphStyle("base", fontName=LATIN, fontSize=9.5, leading=13, wordWrap=wrap)
        self.body = base
        self.small = ParagraphStyle("small", parent=base, fontSize=8, leading=10.5)
        self.number = ParagraphStyle("number", parent=self.small, alignment=TA_RIGHT)
        self.title = ParagraphStyle("title", parent=base, fontSize=20, leading=26)
        self.subtitle = ParagraphStyle("subtitle", parent=base, fontSize=10.5, leading=14)
        self.heading = ParagraphStyle(
            "heading", parent=base, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4
        )
        self.status = ParagraphStyle("status", parent=base, fontSize=11.5, leading=15)

    def label(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        """The hub's own wording, in the language's font."""
        return Paragraph(_markup(text, self.cjk, LATIN), style or self.body)

    def data(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        """Text the claimant or the bureau wrote: Simplified font for all CJK."""
        return Paragraph(_markup(text, SIMPLIFIED, LATIN), style or self.body)

    def serial(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        return Paragraph(_markup(text, SIMPLIFIED, SERIAL), style or self.body)


def certificate_pdf(
    cert: CertificateBody,
    *,
    language: str,
    words: Callable[[str], str],
    coverage: str,
    key_id: str,
    made_at: datetime,
) -> bytes:
    """The certificate as PDF bytes (A4), in ``language`` (zh-CN, zh-Hant, en)."""
    _register_fonts()
    pdf = _PDF_WORDS.get(language, _PDF_WORDS["zh-CN"]).__getitem__
    s = _Styles(language)
    story: list[Flowable] = [
        s.label(words("title"), s.title),
        s.label(words("subtitle"), s.subtitle),
        Spacer(1, 3 * mm),
        Paragraph(
            _markup(f"{words('id')}  ", s.cjk) + _markup(cert.certificate_id, SIMPLIFIED, SERIAL),
            s.heading,
        ),
        Spacer(1, 2 * mm),
        *_status(cert, s, words, pdf, made_at),
        Spacer(1, 3 * mm),
        _claim_table(cert, s, words, coverage),
        s.label(words("serials"), s.heading),
        _serial_table(cert, s, words, pdf),
        Spacer(1, 6 * mm),
        _verification(cert, s, words, pdf, key_id),
    ]
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{words('title')} {cert.certificate_id}",
        author="Carbon Inclusion Federation Hub",
        subject=cert.claimant_name,
        lang=language,
        invariant=True,
    )

    def footer(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(_label_font(language), 7.5)
        canvas.setFillColor(RULE_COLOUR)
        text = f"{cert.certificate_id} · {cert.verify_url} · {pdf('page').format(page=doc.page)}"
        canvas.drawString(MARGIN, 10 * mm, text)
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _status(
    cert: CertificateBody,
    s: _Styles,
    words: Callable[[str], str],
    pdf: Callable[[str], str],
    made_at: datetime,
) -> list[Flowable]:
    colour = VALID_COLOUR if cert.valid else INVALID_COLOUR
    style = ParagraphStyle("status-now", parent=s.status, textColor=colour)
    lines: list[Flowable] = [s.label(words("valid") if cert.valid else words("invalid"), style)]
    for cancelled in cert.cancelled:
        lines.append(
            Paragraph(
                _markup(cancelled.serial, SIMPLIFIED, SERIAL)
                + " — "
                + _markup(f"{words('reason')}: ", s.cjk)
                + _markup(cancelled.reason, SIMPLIFIED),
                ParagraphStyle("cancelled", parent=s.body, textColor=colour, leftIndent=10),
            )
        )
    when = made_at.isoformat(timespec="seconds")
    lines.append(s.label(pdf("status_at").format(when=when), s.small))
    return lines


def _claim_table(
    cert: CertificateBody, s: _Styles, words: Callable[[str], str], coverage: str
) -> Table:
    claimant = Paragraph(
        _markup(cert.claimant_name, SIMPLIFIED)
        + " "
        + _markup(f"({words('kind.' + cert.claimant_kind)})", s.cjk),
        s.body,
    )
    rows: list[list[Paragraph]] = [[s.label(words("claimant")), claimant]]
    if cert.event_name:
        rows.append([s.label(words("event")), s.data(cert.event_name)])
    rows += [
        [s.label(words("purpose")), s.label(words("purpose." + cert.purpose))],
        [s.label(words("period")), s.data(f"{cert.period_start} – {cert.period_end}")],
        [s.label(words("footprint")), s.data(f"{cert.footprint_tco2e} tCO2e")],
        [s.label(words("tonnes")), s.data(f"{cert.tonnes:,} tCO2e")],
        [s.label(""), s.label(coverage)],
    ]
    table = Table(rows, colWidths=[38 * mm, None], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.3, RULE_COLOUR),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
            ]
        )
    )
    return table


def _serial_table(
    cert: CertificateBody, s: _Styles, words: Callable[[str], str], pdf: Callable[[str], str]
) -> Table:
    head: list[Paragraph | str] = [
        s.label(pdf("serial.details"), s.small),
        s.label(words("units"), s.number),
        s.label(words("retired_at"), s.small),
        s.label(words("state"), s.small),
    ]
    width = A4[0] - 2 * MARGIN
    serial_width = width - 70 * mm
    rows: list[list[Paragraph | str]] = [head]
    for r in cert.retirements:
        lines = (r.serial, f"{r.origin} · {r.methodology} · {r.vintage} · {r.project}")
        plain = all(
            all(map(_is_latin, line))
            and pdfmetrics.stringWidth(line, SERIAL, SERIAL_SIZE) < serial_width - 8
            for line in lines
        )
        # A plain string cell costs a fraction of a Paragraph's line breaking
        # (a thousand serials in about a second, not ten); text that is not
        # Latin or would not fit on its line is set as a wrapping Paragraph.
        detail: Paragraph | str = (
            "\n".join(lines)
            if plain
            else Paragraph(
                _markup(lines[0], SIMPLIFIED, SERIAL)
                + "<br/>"
                + _markup(lines[1], SIMPLIFIED, SERIAL),
                s.small,
            )
        )
        rows.append([detail, f"{r.units:,}", r.retired_at[:10], pdf("state." + r.state)])
    table = Table(rows, colWidths=[serial_width, 20 * mm, 25 * mm, 25 * mm], repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONT", (0, 1), (0, -1), SERIAL, SERIAL_SIZE, SERIAL_SIZE + 2.5),
        ("FONT", (1, 1), (2, -1), LATIN, 8, 10.5),
        ("FONT", (3, 1), (3, -1), _label_font(s.language), 8, 10.5),
        ("ALIGN", (1, 1), (1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE_COLOUR),
        ("LEFTPADDING", (0, 0), (0, -1), 0),
    ]
    for index, r in enumerate(cert.retirements, start=1):
        if r.state != "RETIRED":
            style.append(("TEXTCOLOR", (0, index), (-1, index), INVALID_COLOUR))
    table.setStyle(TableStyle(style))
    return table


def _verification(
    cert: CertificateBody,
    s: _Styles,
    words: Callable[[str], str],
    pdf: Callable[[str], str],
    key_id: str,
) -> Table:
    text = [
        s.label(f"{words('verify')}:"),
        s.serial(cert.verify_url),
        s.label(words("verify.help"), s.small),
        Spacer(1, 2 * mm),
        s.label(f"{words('issued')}: {cert.issued_at}", s.small),
        s.label(f"{words('signed')}{pdf('sentence.end')}{pdf('key')}: {key_id}", s.small),
        s.label(f"{pdf('document')}: {cert.document_url}", s.small),
        s.label(pdf("offline"), s.small),
    ]
    table = Table([[_QrCode(cert.verify_url, QR_SIZE), text]], colWidths=[QR_SIZE + 4 * mm, None])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("LINEABOVE", (0, 0), (-1, 0), 0.6, colors.black),
                ("TOPPADDING", (0, 0), (-1, 0), 6),
            ]
        )
    )
    return table
