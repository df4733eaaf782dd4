"""The room as a meeting sees it, in a real browser: a delegate misses nothing (announcements over every view,
the viewer included), checks in first, answers the opinion asked; the chair runs the meeting from a tablet."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_browser import (  # noqa: F401  (browser, data_dir and demo_server are fixtures)
    DEMO_MEETING,
    PARKING,
    REPORT,
    browser,
    data_dir,
    demo_server,
    item_ids,
    log_in,
    open_meeting_on_tablet,
)
from tests.support.api import Api
from tests.support.pdfs import text_pdf
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

BASE = f"/api/meetings/{DEMO_MEETING}"
DOC_TITLE = "Báo cáo tổng hợp ý kiến thẩm định dự thảo Nghị quyết về phí trông giữ xe trên địa bàn thành phố"
QUESTION = "Đồng chí có đồng ý mức phí 5.000 đồng mỗi lượt không?"
# processing a small PDF takes well under a second; a loaded test machine gets more
PROCESSING_TIMEOUT_MS = 15_000


def upload_ready_document(secretary: Api, tmp_path: Path, item_id: int) -> int:
    pdf = text_pdf(tmp_path / "bao-cao.pdf", ["Trang một của báo cáo.", "Trang hai của báo cáo."])
    doc = secretary.upload_document(DEMO_MEETING, pdf, title=DOC_TITLE, agenda_item_id=str(item_id))
    return int(doc["id"])


def open_in_viewer(page: Page, item_id: int, doc_id: int) -> None:
    entry = page.get_by_test_id(f"agenda-item-{item_id}").get_by_test_id(f"doc-{doc_id}")
    expect(entry).to_have_attribute("data-status", "ready", timeout=PROCESSING_TIMEOUT_MS)
    entry.click()
    expect(page.get_by_test_id("viewer")).to_be_visible()


def expect_on_top(page: Page, testid: str) -> None:
    """The element is what a tap at its centre reaches: nothing (the viewer, say) covers it."""
    on_top = page.get_by_test_id(testid).evaluate(
        """el => { const r = el.getBoundingClientRect();
                   const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                   return el.contains(hit); }"""
    )
    assert on_top, f"{testid} is covered"


def chimes(page: Page) -> int:
    return int(page.get_by_test_id("announcements").get_attribute("data-chimes") or 0)


def test_a_delegate_in_the_viewer_is_told_of_the_vote_the_opinion_asked_the_floor_and_the_close(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
    tmp_path: Path,
) -> None:
    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    chair = Api.login(demo_server.url, "chutich", "chutich-demo-1")
    delegate = Api.login(demo_server.url, "daibieu1", "daibieu-demo-1")
    ids = item_ids(secretary)
    secretary.ok("POST", f"{BASE}/start")
    doc_id = upload_ready_document(secretary, tmp_path, ids[REPORT])
    tablet = open_meeting_on_tablet(browser, demo_server, "daibieu1", "daibieu-demo-1")

    # not checked in: checking in is the first thing on the page, above the agenda
    first = tablet.get_by_test_id("checkin-first")
    expect(first.get_by_test_id("checkin")).to_be_visible()
    expect(first.get_by_test_id("checkin")).to_be_in_viewport()
    checkin_top = first.bounding_box()
    agenda_top = tablet.get_by_test_id("agenda").bounding_box()
    assert checkin_top and agenda_top and checkin_top["y"] < agenda_top["y"]
    first.get_by_test_id("checkin").click()
    expect(tablet.get_by_test_id("checkin-state")).to_have_attribute("data-checked-in", "true")
    expect(first.get_by_test_id("checkin")).to_have_count(0)
    for api in (secretary, chair):
        api.ok("POST", f"{BASE}/checkin")

    # a vote opens while the delegate reads a document: a banner over the viewer, and the live region says it
    open_in_viewer(tablet, ids[REPORT], doc_id)
    poll = secretary.ok("POST", f"{BASE}/polls", json={"title": "Thông qua mức phí", "kind": "yes_no_abstain"})
    secretary.ok("POST", f"/api/polls/{poll['id']}/open")
    expect(tablet.get_by_test_id("announce-vote")).to_be_visible()
    expect(tablet.get_by_test_id("announce-vote")).to_contain_text("Thông qua mức phí")
    expect(tablet.get_by_test_id("announce-live")).to_contain_text("Thông qua mức phí")
    assert tablet.get_by_test_id("announce-live").get_attribute("aria-live") == "assertive"
    expect(tablet.get_by_test_id("viewer")).to_be_visible()
    expect_on_top(tablet, "announce-go-vote")
    assert chimes(tablet) == 1
    tablet.get_by_test_id("announce-go-vote").click()
    expect(tablet.get_by_test_id("viewer")).to_have_count(0)
    expect(tablet.get_by_test_id("announce-vote")).to_have_count(0)
    expect(tablet.get_by_test_id("vote-buttons")).to_be_in_viewport()
    expect(tablet.get_by_test_id("polls-card")).to_be_focused()

    # a written opinion asked on another item: the delegate is taken to the question, its item already chosen
    open_in_viewer(tablet, ids[REPORT], doc_id)
    secretary.ok("POST", f"{BASE}/opinion-requests", json={"agenda_item_id": ids[PARKING], "question": QUESTION})
    expect(tablet.get_by_test_id("announce-opinion")).to_contain_text(QUESTION)
    expect_on_top(tablet, "announce-go-opinion")
    tablet.get_by_test_id("announce-go-opinion").click()
    expect(tablet.get_by_test_id("viewer")).to_have_count(0)
    expect(tablet.get_by_test_id("opinion-target")).to_have_value(f"agenda_item:{ids[PARKING]}")
    expect(tablet.get_by_test_id("opinion-question")).to_contain_text(QUESTION)
    expect(tablet.get_by_test_id("opinion-agree")).to_be_in_viewport()

    # the floor given to this delegate reaches them in the viewer too
    request = delegate.ok("POST", f"{BASE}/speakers", json={})
    open_in_viewer(tablet, ids[REPORT], doc_id)
    secretary.ok("POST", f"{BASE}/speakers/{request['id']}/start")
    expect(tablet.get_by_test_id("announce-floor")).to_be_visible()
    expect_on_top(tablet, "announce-go-floor")
    assert chimes(tablet) == 3

    # the sound can be turned off (kept on this tablet); the close is still shown, silently
    tablet.get_by_test_id("announce-dismiss-floor").click()
    expect(tablet.get_by_test_id("announce-floor")).to_have_count(0)
    tablet.get_by_test_id("viewer-close").click()
    tablet.get_by_test_id("sound-toggle").click()
    expect(tablet.get_by_test_id("sound-toggle")).to_have_attribute("aria-pressed", "false")
    assert tablet.evaluate("localStorage.getItem('icabinet.sound')") == "off"
    open_in_viewer(tablet, ids[REPORT], doc_id)
    secretary.ok("POST", f"{BASE}/close")
    expect(tablet.get_by_test_id("announce-closed")).to_be_visible()
    expect_on_top(tablet, "announce-dismiss-closed")
    assert chimes(tablet) == 3
    for api in (secretary, chair, delegate):
        api.close()


def test_the_console_confirms_an_opinion_request_was_sent(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
) -> None:
    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    secretary.ok("POST", f"{BASE}/start")
    console = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN").new_page()
    log_in(console, f"{demo_server.url}/console", "thuky", "thuky-demo-1")
    console.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    console.get_by_test_id("opinion-request-question").fill(QUESTION)
    console.get_by_test_id("opinion-request-create").click()
    expect(console.get_by_test_id("toast")).to_have_text("Đã gửi yêu cầu xin ý kiến tới các đại biểu")
    assert [r["question"] for r in secretary.ok("GET", f"{BASE}/opinions")["requests"]] == [QUESTION]
    secretary.close()
