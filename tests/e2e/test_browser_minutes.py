"""Minutes in a real browser: the secretary drafts them from the closed meeting's record, checks a line's
evidence (the transcript opens at the cited turn), edits and saves a version; a stale save from another
console is refused; the chair approves on their console and both consoles show them approved, read-only."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.test_browser import (  # noqa: F401  (browser, data_dir and demo_server are fixtures)
    DEMO_MEETING,
    PARKING,
    browser,
    data_dir,
    demo_server,
    log_in,
    new_page,
)
from tests.support.api import Api
from tests.support.pdfs import text_pdf
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TRANSCRIPT = "Lê Hoàng Nam (Sở Tài chính): Đề nghị giữ mức phí 5.000 đồng mỗi lượt cho xe máy.\n"
CONCLUSION = "Thống nhất mức phí 5.000 đồng/lượt, giao Sở Tài chính hoàn thiện dự thảo."


def test_draft_check_edit_approve_minutes_in_the_console(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
) -> None:
    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    base = f"/api/meetings/{DEMO_MEETING}"
    secretary.ok("POST", f"{base}/start")
    parking = next(i for i in secretary.ok("GET", f"{base}/agenda") if i["title"] == PARKING)
    upload = secretary.request(
        "POST",
        f"{base}/transcripts",
        files={"file": ("phien-hop.txt", TRANSCRIPT.encode(), "text/plain")},
        data={"agenda_item_id": str(parking["id"])},
    )
    assert upload.status_code == 201, upload.text
    transcript_id = upload.json()["id"]
    secretary.ok("PUT", f"{base}/agenda/{parking['id']}/conclusion", json={"text": CONCLUSION})
    secretary.ok("POST", f"{base}/close")

    console = new_page(browser)
    log_in(console, f"{demo_server.url}/console", "thuky", "thuky-demo-1")
    console.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    expect(console.get_by_test_id("minutes-none")).to_be_visible()
    console.get_by_test_id("minutes-draft").click()
    expect(console.get_by_test_id("minutes-version")).to_have_attribute("data-version", "1")
    section = console.get_by_test_id(f"minutes-section-item-{parking['id']}")
    expect(section).to_contain_text(PARKING)
    lines = section.locator("textarea")
    texts = [lines.nth(i).input_value() for i in range(lines.count())]
    assert any(CONCLUSION in text for text in texts), texts
    assert any("5.000 đồng mỗi lượt" in text for text in texts), texts

    # the speaker's line opens the transcript at the turn it quotes
    section.get_by_test_id(f"evidence-transcript-{transcript_id}").first.click()
    dialog = console.get_by_test_id("transcript-dialog")
    expect(dialog.get_by_test_id("transcript-turn-0")).to_have_attribute("aria-current", "true")
    dialog.get_by_test_id("transcript-close").click()

    # the secretary corrects the conclusion line and saves version 2
    index = next(i for i, text in enumerate(texts) if CONCLUSION in text)
    lines.nth(index).fill(f"Kết luận của chủ trì: {CONCLUSION} Thời hạn 15/01/2027.")
    console.get_by_test_id("minutes-save").click()
    expect(console.get_by_test_id("minutes-version")).to_have_attribute("data-version", "2")
    saved = secretary.ok("GET", f"{base}/minutes")
    assert any("Thời hạn 15/01/2027." in line["text"] for s in saved["content"]["sections"] for line in s["lines"])

    # the chair, on another console, sees version 2 and approves it; the secretary's console follows live
    chair = new_page(browser)
    log_in(chair, f"{demo_server.url}/console", "chutich", "chutich-demo-1")
    chair.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    expect(chair.get_by_test_id("minutes-version")).to_have_attribute("data-version", "2")
    chair.get_by_test_id("minutes-approve").click()
    chair.get_by_test_id("confirm-yes").click()
    expect(chair.get_by_test_id("minutes-status")).to_have_attribute("data-status", "approved")
    expect(console.get_by_test_id("minutes-status")).to_have_attribute("data-status", "approved")
    expect(console.get_by_test_id("minutes-save")).to_have_count(0)
    assert (
        secretary.request("PUT", f"{base}/minutes", json={"base_version": 2, "content": saved["content"]}).status_code
        == 409
    )
    check = secretary.ok(
        "POST",
        "/api/minutes/verify",
        files={"file": ("bb.pdf", secretary.request("GET", f"{base}/minutes.pdf").content, "application/pdf")},
    )
    assert check["valid"]


def _line_texts(page: Page, section_key: str) -> list[str]:
    lines = page.get_by_test_id(f"minutes-section-{section_key}").locator("textarea")
    return [lines.nth(i).input_value() for i in range(lines.count())]


def _line(page: Page, section_key: str, text: str) -> Locator:
    """The textarea of `section_key` whose text starts with `text` (found by value, not position)."""
    lines = page.get_by_test_id(f"minutes-section-{section_key}").locator("textarea")
    for i in range(lines.count()):
        if lines.nth(i).input_value().startswith(text):
            return lines.nth(i)
    raise AssertionError(f"no line starting {text!r} in {section_key}: {_line_texts(page, section_key)}")


def _open_minutes(chromium: Browser, server: ServerProcess, username: str, password: str, version: int) -> Page:
    page = new_page(chromium)
    log_in(page, f"{server.url}/console", username, password)
    page.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    expect(page.get_by_test_id("minutes-version")).to_have_attribute("data-version", str(version))
    return page


def test_two_consoles_edit_the_same_draft_without_losing_typing(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
    tmp_path: Path,
) -> None:
    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    base = f"/api/meetings/{DEMO_MEETING}"
    parking = next(i for i in secretary.ok("GET", f"{base}/agenda") if i["title"] == PARKING)
    pdf = text_pdf(tmp_path / "to-trinh.pdf", ["Tờ trình mức phí trông giữ xe.", "Phụ lục mức phí."])
    secretary.upload_document(DEMO_MEETING, pdf, title="Tờ trình phí trông giữ xe", agenda_item_id=str(parking["id"]))
    secretary.ok("POST", f"{base}/start")
    secretary.ok("PUT", f"{base}/agenda/{parking['id']}/conclusion", json={"text": CONCLUSION})
    secretary.ok("POST", f"{base}/close")
    secretary.ok("POST", f"{base}/minutes/draft", json={})
    mine = _open_minutes(browser, demo_server, "thuky", "thuky-demo-1", 1)
    theirs = _open_minutes(browser, demo_server, "chutich", "chutich-demo-1", 1)

    # different lines: the secretary types on the place line and keeps it unsaved; the chair saves the start line
    place = _line(mine, "opening", "Địa điểm")
    place.fill("Địa điểm: Phòng họp số 1, tầng 3.")
    _line(theirs, "opening", "Thời gian bắt đầu").fill("Thời gian bắt đầu: 08 giờ 00 (theo giấy mời).")
    theirs.get_by_test_id("minutes-save").click()
    expect(theirs.get_by_test_id("minutes-version")).to_have_attribute("data-version", "2")
    expect(mine.get_by_test_id("minutes-version")).to_have_attribute("data-version", "2")
    expect(mine.get_by_test_id("minutes-line-opening-0")).to_have_value("Thời gian bắt đầu: 08 giờ 00 (theo giấy mời).")
    expect(mine.get_by_test_id("minutes-line-opening-1")).to_have_value("Địa điểm: Phòng họp số 1, tầng 3.")
    mine.get_by_test_id("minutes-save").click()
    expect(mine.get_by_test_id("minutes-version")).to_have_attribute("data-version", "3")
    saved = [line["text"] for line in secretary.ok("GET", f"{base}/minutes")["content"]["sections"][0]["lines"]]
    assert saved == ["Thời gian bắt đầu: 08 giờ 00 (theo giấy mời).", "Địa điểm: Phòng họp số 1, tầng 3."]

    # the same line changed on both consoles: both texts are shown, and the secretary keeps their own
    expect(theirs.get_by_test_id("minutes-version")).to_have_attribute("data-version", "3")
    conclusion = f"Kết luận của chủ trì: {CONCLUSION}"
    _line(mine, f"item-{parking['id']}", conclusion).fill(f"{conclusion} Thời hạn 15/01/2027.")
    _line(theirs, f"item-{parking['id']}", conclusion).fill(f"{conclusion} Báo cáo HĐND kỳ họp tới.")
    theirs.get_by_test_id("minutes-save").click()
    expect(mine.get_by_test_id("minutes-version")).to_have_attribute("data-version", "4")
    conflict = mine.get_by_test_id(f"minutes-conflict-item-{parking['id']}-0")
    expect(conflict.get_by_test_id(f"minutes-conflict-item-{parking['id']}-0-mine-text")).to_have_text(
        f"{conclusion} Thời hạn 15/01/2027."
    )
    expect(conflict.get_by_test_id(f"minutes-conflict-item-{parking['id']}-0-theirs-text")).to_have_text(
        f"{conclusion} Báo cáo HĐND kỳ họp tới."
    )
    conflict.get_by_test_id(f"minutes-conflict-item-{parking['id']}-0-mine").click()
    expect(conflict).to_have_count(0)
    mine.get_by_test_id("minutes-save").click()
    expect(mine.get_by_test_id("minutes-version")).to_have_attribute("data-version", "5")
    sections = secretary.ok("GET", f"{base}/minutes")["content"]["sections"]
    lines = next(s["lines"] for s in sections if s["key"] == f"item-{parking['id']}")
    assert any(line["text"] == f"{conclusion} Thời hạn 15/01/2027." for line in lines), lines
    assert not any("Báo cáo HĐND" in line["text"] for line in lines), lines

    # chips say what they point to: the person, the document's page and title
    chair = next(p for p in secretary.ok("GET", f"{base}/participants") if p["role"] == "chair")
    presiding = mine.get_by_test_id("minutes-section-presiding")
    expect(presiding.locator(".chip-evidence").first).to_have_text(f"Điểm danh: {chair['full_name']}")
    item = mine.get_by_test_id(f"minutes-section-item-{parking['id']}")
    expect(item.locator('[data-testid^="evidence-document-"]').first).to_have_text("Tr. 1 Tờ trình phí trông giữ xe")
