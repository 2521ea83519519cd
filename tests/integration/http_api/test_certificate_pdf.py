"""A certificate as PDF from a real hub on each database: the file read back
names the certificate, its serials and its claimant in each language, the
hub key that signs it, and, made after the bureau cancelled one of its
blocks, says it is no longer valid and why."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.integration.http_api.conftest import LiveLedger
from tests.integration.http_api.test_certificates import delivered_blocks, event_claim, retirement


def pdf_text(content: bytes) -> str:
    """The words of every page, lines joined: what a reader (or a search) sees."""
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def issued(live: LiveLedger) -> tuple[str, list[str]]:
    first, second = delivered_blocks(live, 2)
    claim = event_claim(first.units + second.units)
    live.hub.exchange.retire(retirement("EX-1", first, claim))
    certificate_id = live.hub.exchange.retire(retirement("EX-2", second, claim)).certificate_id
    assert certificate_id is not None
    return certificate_id, [first.serial, second.serial]


def test_the_pdf_names_claimant_serials_and_key_in_each_language(live: LiveLedger) -> None:
    certificate_id, serials = issued(live)
    key_id = live.client.get(f"/api/v1/certificates/{certificate_id}/document").json()["key_id"]
    expected = {
        "zh-CN": ("碳中和证明", "有效：所列全部区块仍为已注销状态", "枢纽签名密钥编号"),
        "zh-Hant": ("碳中和證明", "有效：所列全部區塊仍為已註銷狀態", "樞紐簽名密鑰編號"),
        "en": ("Carbon-neutrality certificate", "Valid: every block listed", "Hub signing key"),
    }
    for language, (title, valid, key_label) in expected.items():
        answer = live.client.get(f"/certificates/{certificate_id}.pdf?lang={language}")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/pdf"
        assert f'filename="{certificate_id}.pdf"' in answer.headers["content-disposition"]
        assert len(answer.content) < 200_000
        text = pdf_text(answer.content)
        for wanted in (title, valid, key_label, key_id, certificate_id, *serials):
            assert wanted in text, (language, wanted)
        # The claimant's and the event's own Chinese, in every language.
        assert "深圳马拉松组委会" in text and "2026 深圳马拉松碳中和" in text
        assert "2026-12-01 – 2026-12-02" in text
        assert f"/certificates/{certificate_id}" in text
    # The API route is the same file, and the page links to its PDF.
    api = live.client.get(f"/api/v1/certificates/{certificate_id}/pdf?lang=en")
    assert api.status_code == 200 and certificate_id in pdf_text(api.content)
    page = live.client.get(f"/certificates/{certificate_id}?lang=zh-Hant").text
    assert f'href="/certificates/{certificate_id}.pdf?lang=zh-Hant"' in page


def test_a_pdf_made_after_a_cancellation_says_it_is_not_valid(live: LiveLedger) -> None:
    certificate_id, serials = issued(live)
    second = live.hub.exchange.events(0, 1000)
    block_id = next(e.block.block_id for e in second if e.block.serial == serials[1])
    live.hub.bureau.cancel_block(block_id, "project found double-registered", "王科长")
    text = pdf_text(live.client.get(f"/certificates/{certificate_id}.pdf?lang=en").content)
    assert "No longer valid: the bureau has since cancelled these blocks." in text
    assert "project found double-registered" in text
    assert "Valid: every block listed" not in text
    zh = pdf_text(live.client.get(f"/certificates/{certificate_id}.pdf?lang=zh-CN").content)
    assert "已失效" in zh and "已撤销" in zh


def test_pdf_routes_refuse_bad_and_unknown_ids_with_codes(live: LiveLedger) -> None:
    page = live.client.get("/certificates/not-an-id.pdf?lang=en")
    assert page.status_code == 400 and "REQUEST_INVALID" in page.text
    page = live.client.get("/certificates/SZCN-0000000000.pdf?lang=en")
    assert page.status_code == 404 and "CERTIFICATE_NOT_FOUND" in page.text
    api = live.client.get("/api/v1/certificates/not-an-id/pdf")
    assert api.status_code == 400 and api.json()["code"] == "REQUEST_INVALID"
    api = live.client.get("/api/v1/certificates/szcn-0000000000/pdf")
    assert api.status_code == 404 and api.json()["code"] == "CERTIFICATE_NOT_FOUND"
