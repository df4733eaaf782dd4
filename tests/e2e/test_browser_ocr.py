"""OCR progress in a real browser: the console's document list shows a scan being read page by page,
live from document.ocr events, then as read, in Vietnamese and in English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_browser import (  # noqa: F401  (browser is a fixture)
    DEMO_MEETING,
    browser,
    log_in,
    new_page,
)
from tests.e2e.test_browser_assistant import reports_server  # noqa: F401  (a fixture)
from tests.support.api import Api
from tests.support.scans import require_tesseract, scanned_pdf
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_the_console_shows_ocr_progress_live(
    browser: Browser,  # noqa: F811
    reports_server: ServerProcess,  # noqa: F811
    tmp_path: Path,
) -> None:
    require_tesseract()
    scan = scanned_pdf(FIXTURES / "bao-cao-ihanoi.pdf", tmp_path / "cong-van-quet.pdf", dpi=150)
    secretary = Api.login(reports_server.url, "thuky", "thuky-demo-1")
    console = new_page(browser)
    log_in(console, f"{reports_server.url}/console", "thuky", "thuky-demo-1")
    console.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    with scan.open("rb") as handle:
        response = secretary.request(
            "POST",
            f"/api/meetings/{DEMO_MEETING}/documents",
            files={"file": (scan.name, handle, "application/pdf")},
            data={"title": "Công văn quét"},
        )
    assert response.status_code == 202, response.text
    document_id = response.json()["id"]
    badge = console.get_by_test_id(f"doc-ocr-{document_id}")
    expect(badge).to_have_attribute("data-total", "2", timeout=60_000)
    expect(badge).to_contain_text(re.compile(r"OCR [01]/2 trang"))
    expect(badge).to_have_attribute("data-done", "2", timeout=90_000)
    expect(badge).to_have_text("Đã nhận dạng chữ (OCR)")
    expect(badge).to_have_attribute("data-failed", "0")
    console.get_by_test_id("lang-switch").click()
    expect(badge).to_have_text("Text recognised (OCR)")
    console.context.close()
    secretary.close()
