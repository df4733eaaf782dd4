"""The floor and private notes in a real browser: a delegate asks to speak, the console gives the floor,
the room screen and the tablet show the speaker with a running countdown; a note typed on one tablet page
appears on the same delegate's second page."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.test_browser import (  # noqa: F401  (browser, data_dir and demo_server are fixtures)
    DEMO_MEETING,
    browser,
    data_dir,
    demo_server,
    log_in,
    new_page,
    open_meeting_on_tablet,
)
from tests.support import pdfs
from tests.support.api import Api
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_delegate_asks_console_grants_projector_and_tablet_count_down(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
) -> None:
    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/start")
    item = secretary.ok("GET", f"/api/meetings/{DEMO_MEETING}/agenda")[0]
    secretary.ok("PATCH", f"/api/meetings/{DEMO_MEETING}/agenda/{item['id']}", json={"speaking_limit_seconds": 120})
    secretary.ok("POST", f"/api/meetings/{DEMO_MEETING}/agenda/{item['id']}/current")
    tablet = open_meeting_on_tablet(browser, demo_server, "daibieu1", "daibieu-demo-1")
    console = new_page(browser)
    log_in(console, f"{demo_server.url}/console", "thuky", "thuky-demo-1")
    console.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    projector = console.context.new_page()
    projector.goto(f"{demo_server.url}/projector/{DEMO_MEETING}")

    tablet.get_by_test_id("floor-request").click()
    expect(tablet.get_by_test_id("floor-position")).to_have_attribute("data-position", "1")
    request_id = secretary.ok("GET", f"/api/meetings/{DEMO_MEETING}/speakers")["queue"][0]["id"]
    expect(console.get_by_test_id(f"console-queue-{request_id}")).to_be_visible()
    expect(projector.get_by_test_id("projector-next-speaker")).to_contain_text("Lê Hoàng Nam")

    console.get_by_test_id(f"floor-grant-{request_id}").click()
    for page in (projector, tablet, console):
        speaker = page.get_by_test_id("speaker-now")
        expect(speaker).to_have_attribute("data-request-id", str(request_id))
        expect(speaker.get_by_test_id("speaker-name")).to_contain_text("Lê Hoàng Nam")
    clock = projector.get_by_test_id("speech-clock")
    first = int(clock.get_attribute("data-seconds") or "0")
    assert 110 <= first <= 120, first
    expect(clock).not_to_have_attribute("data-seconds", str(first), timeout=3000)  # it runs
    assert int(tablet.get_by_test_id("speech-clock").get_attribute("data-seconds") or "0") <= 120
    expect(tablet.get_by_test_id("floor-position")).to_have_attribute("data-position", "0")

    console.get_by_test_id("floor-end").click()
    expect(projector.get_by_test_id("projector-speaker")).to_have_count(0)
    expect(tablet.get_by_test_id("speaker-none")).to_be_visible()
    expect(tablet.get_by_test_id("floor-request")).to_be_enabled()
    secretary.close()


# holds every GET of a document's notes in the page it runs in until the test calls window.releaseNotes()
HELD_NOTES_SCRIPT = """() => {
  const fetchNow = window.fetch.bind(window);
  const released = new Promise((resolve) => { window.releaseNotes = resolve; });
  window.fetch = async (resource, options) => {
    const method = (options && options.method) || "GET";
    if (method === "GET" && /\\/api\\/documents\\/\\d+\\/notes$/.test(String(resource))) await released;
    return fetchNow(resource, options);
  };
}"""


def test_a_note_typed_on_one_page_appears_on_the_second(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
) -> None:
    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    with tempfile.TemporaryDirectory() as folder:
        path = pdfs.text_pdf(Path(folder) / "du-thao.pdf", ["Dự thảo trang một", "Dự thảo trang hai"])
        with path.open("rb") as handle:
            response = secretary.request(
                "POST",
                f"/api/meetings/{DEMO_MEETING}/documents",
                files={"file": ("du-thao.pdf", handle, "application/pdf")},
                data={"classification": "internal", "title": "Dự thảo nghị quyết"},
            )
    assert response.status_code == 202, response.text
    doc_id = response.json()["id"]
    deadline = time.monotonic() + 60
    while secretary.ok("GET", f"/api/documents/{doc_id}")["status"] != "ready":
        assert time.monotonic() < deadline, "document not ready"
        time.sleep(0.1)

    delegate = Api.login(demo_server.url, "daibieu1", "daibieu-demo-1")
    delegate.ok("PUT", f"/api/documents/{doc_id}/notes/1", json={"text": "Đã đọc."})
    pages = [open_meeting_on_tablet(browser, demo_server, "daibieu1", "daibieu-demo-1") for _ in range(2)]
    # the first tablet's notes arrive late: until they do, the field takes no typing that they would wipe
    pages[0].evaluate(HELD_NOTES_SCRIPT)
    for page in pages:
        page.get_by_test_id(f"doc-{doc_id}").first.click()
        expect(page.get_by_test_id("viewer")).to_be_visible()
        page.get_by_test_id("viewer-notes").click()
        expect(page.get_by_test_id("notes-page-label")).to_contain_text("1")
    expect(pages[0].get_by_test_id("notes-text")).not_to_be_editable()
    expect(pages[0].get_by_test_id("notes-status")).to_have_text("Đang tải ghi chú…")
    pages[0].evaluate("window.releaseNotes()")
    for page in pages:
        expect(page.get_by_test_id("notes-text")).to_have_value("Đã đọc.")
        expect(page.get_by_test_id("notes-text")).to_be_editable()
    pages[0].get_by_test_id("notes-text").press("Control+End")
    pages[0].get_by_test_id("notes-text").press_sequentially(" Hỏi lại nguồn vốn", delay=20)
    expect(pages[0].get_by_test_id("notes-status")).to_have_text("Đã lưu")
    expect(pages[1].get_by_test_id("notes-text")).to_have_value("Đã đọc. Hỏi lại nguồn vốn")
    # a note belongs to its page: page 2 starts empty, and back on page 1 it is there
    pages[1].get_by_test_id("viewer-next").click()
    expect(pages[1].get_by_test_id("notes-page-label")).to_contain_text("2")
    expect(pages[1].get_by_test_id("notes-text")).to_have_value("")
    pages[1].get_by_test_id("viewer-prev").click()
    expect(pages[1].get_by_test_id("notes-text")).to_have_value("Đã đọc. Hỏi lại nguồn vốn")
    # nobody else sees it: the secretary's own notes on the document are empty
    assert secretary.ok("GET", f"/api/documents/{doc_id}/notes") == []
    saved = delegate.ok("GET", f"/api/documents/{doc_id}/notes")
    assert [note["text"] for note in saved] == ["Đã đọc. Hỏi lại nguồn vốn"]
    secretary.close()
    delegate.close()
