"""Minutes in a real browser: the secretary drafts them from the closed meeting's record, checks a line's
evidence (the transcript opens at the cited turn), edits and saves a version; a stale save from another
console is refused; the chair approves on their console and both consoles show them approved, read-only."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

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
