"""The certificate PDF in a real browser (Debian chromium, its own PDF
viewer): reached from the certificate page's "PDF" link, shown inline under
the hub's security headers, its QR code scanned from the screen and followed
to the page that says whether the certificate holds; screenshot kept."""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, ViewportSize, expect
from pypdf import PdfReader

from tests.e2e.browser_fixtures import screenshot_folder
from tests.e2e.test_certificate_browser import Served, browser, served

__all__ = ["browser", "served"]  # the fixtures this module shares

TALL_DESK: ViewportSize = {"width": 1280, "height": 1600}


def test_the_pdf_link_opens_the_certificate_and_its_qr_code_scans(
    browser: Browser, served: Served
) -> None:
    page = browser.new_context(viewport=TALL_DESK).new_page()
    page.goto(f"{served.url}/certificates/{served.certificate_id}?lang=zh-Hant")
    link = page.locator("a#certificate-pdf")
    expect(link).to_have_text("PDF")
    with page.expect_response(lambda r: r.url.endswith(".pdf?lang=zh-Hant")) as answered:
        link.click()
    response = answered.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    # The browser hands the viewer's page to scripts, not the file: fetch it.
    content = page.request.get(response.url).body()
    pages = PdfReader(io.BytesIO(content)).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "碳中和證明" in text and served.certificate_id in text
    assert "深圳马拉松组委会" in text
    assert all(block.serial in text for block in served.blocks)

    # The viewer draws the page; a scanner reads the code off the screen.
    # (Chinese shows only where the machine has a CJK font: the PDF names
    # Adobe's standard fonts and leaves the glyphs to the reader.)
    page.wait_for_timeout(1500)
    shot = screenshot_folder() / "certificate-pdf-zh-Hant.png"
    page.screenshot(path=str(shot))
    found = [code.text for code in zxingcpp.read_barcodes(Image.open(shot))]
    assert found == [f"{served.url}/certificates/{served.certificate_id}"]
    page.goto(found[0] + "?lang=en")
    expect(page.locator("#certificate")).to_have_attribute("data-valid", "true")
