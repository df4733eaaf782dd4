"""The assistant in a real browser: a delegate asks about the demo reports, opens the cited page,
meets a question the materials do not answer; the secretary asks from the console; a citation of an
earlier meeting opens too; the document list shows live which documents are searchable; a transcript
citation names its span of turns and opens the transcript there."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_browser import (  # noqa: F401  (browser is a fixture)
    DEMO_MEETING,
    browser,
    log_in,
    new_page,
    open_meeting_on_tablet,
)
from tests.support import assistant_scene
from tests.support.api import Api
from tests.support.page_checks import wait_for_true
from tests.support.pdfs import text_pdf
from tests.support.server import REPO, ServerProcess, run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

# the demo's reports (server/demo.py)
DE_AN_06 = "Báo cáo sơ kết Đề án 06 năm 2022"
IHANOI = "Báo cáo kết quả triển khai ứng dụng iHanoi"
# extracting and indexing two small PDFs takes seconds; a loaded test machine gets more
INDEX_TIMEOUT_S = 60.0
ANSWER_TIMEOUT_MS = 20_000


@pytest.fixture
def reports_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """The demo meeting with its two real Vietnamese reports on the agenda."""
    data = tmp_path / "data"
    result = run_cli(data, "demo")
    assert result.returncode == 0, result.stderr
    process = ServerProcess(data).start()
    try:
        yield process
    finally:
        process.stop()


def wait_searchable(api: Api, document_id: int) -> dict[str, object]:
    deadline = time.monotonic() + INDEX_TIMEOUT_S
    while True:
        document: dict[str, object] = api.ok("GET", f"/api/documents/{document_id}")
        if document["searchable"]:
            return document
        assert document["status"] != "failed", document
        if time.monotonic() >= deadline:
            health = api.ok("GET", "/health")
            raise AssertionError(f"document not searchable in {INDEX_TIMEOUT_S}s: {document}; health: {health}")
        time.sleep(0.2)


def demo_documents(api: Api) -> dict[str, int]:
    documents = api.ok("GET", f"/api/meetings/{DEMO_MEETING}/documents")
    ids = {document["title"]: document["id"] for document in documents}
    for document_id in ids.values():
        wait_searchable(api, document_id)
    return ids


def ask(page: Page, question: str, *, press_enter: bool = True) -> None:
    page.get_by_test_id("assistant-input").fill(question)
    if press_enter:
        page.get_by_test_id("assistant-input").press("Enter")
    else:
        page.get_by_test_id("assistant-ask").click()


def test_a_delegate_asks_opens_the_cited_page_and_meets_a_question_not_in_the_materials(
    browser: Browser,  # noqa: F811
    reports_server: ServerProcess,
) -> None:
    secretary = Api.login(reports_server.url, "thuky", "thuky-demo-1")
    documents = demo_documents(secretary)
    tablet = open_meeting_on_tablet(browser, reports_server, "daibieu1", "daibieu-demo-1")
    for document_id in documents.values():
        expect(tablet.get_by_test_id(f"doc-{document_id}")).to_have_attribute("data-searchable", "true")
        expect(tablet.get_by_test_id(f"doc-searchable-{document_id}")).to_be_visible()

    panel = tablet.get_by_test_id("assistant-panel")
    expect(panel).to_contain_text("Trợ lý ảo")
    expect(tablet.get_by_test_id("assistant-scope-meeting")).to_have_attribute("aria-pressed", "true")
    expect(tablet.get_by_test_id("assistant-history-empty")).to_be_visible()

    # typed without accents, answered from the Đề án 06 report with its page
    ask(tablet, "bao nhieu ho so dang ky thuong tru nam 2022")
    expect(tablet.get_by_test_id("assistant-answer")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(tablet.get_by_test_id("assistant-result")).to_contain_text("118.880")
    expect(tablet.get_by_test_id("assistant-not-found")).to_have_count(0)
    cited = tablet.locator("[data-testid=assistant-citation][data-page='1']").first
    expect(cited).to_contain_text("Trang 1")
    cited_id = int(cited.get_attribute("data-document-id") or 0)
    assert cited_id == documents[DE_AN_06]
    expect(cited).to_contain_text(DE_AN_06)
    expect(tablet.get_by_test_id("assistant-input")).to_have_value("")

    # the citation opens the document in the page viewer, at the cited page
    cited.click()
    viewer = tablet.get_by_test_id("viewer")
    expect(viewer).to_have_attribute("data-document-id", str(cited_id))
    expect(tablet.get_by_test_id("viewer-title")).to_have_text(DE_AN_06)
    expect(tablet.get_by_test_id("viewer-page-image")).to_have_attribute("data-page", "1")

    # the summary lists key sentences with their pages; a page number turns the viewer to it
    tablet.get_by_test_id("viewer-summary").click()
    sentences = tablet.get_by_test_id("summary-sentence")
    expect(sentences.first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    last_page = sentences.last.get_attribute("data-page")
    sentences.last.get_by_test_id("summary-page").click()
    expect(tablet.get_by_test_id("viewer-page-image")).to_have_attribute("data-page", str(last_page))
    tablet.get_by_test_id("viewer-close").click()
    expect(viewer).to_have_count(0)
    expect(tablet.get_by_test_id("assistant-answer")).to_contain_text("118.880")

    # not in the materials: a notice, not an error, and nothing cited
    ask(tablet, "Giá vé máy bay Hà Nội – Đà Nẵng tháng 5?", press_enter=False)
    not_found = tablet.get_by_test_id("assistant-not-found")
    expect(not_found).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(not_found).to_contain_text("Không có trong tài liệu")
    expect(tablet.get_by_test_id("assistant-answer")).to_have_count(0)
    if tablet.get_by_test_id("assistant-citation").count():  # passages that may help, not sources of an answer
        expect(tablet.get_by_test_id("assistant-citations-title")).to_have_text("Các đoạn có thể liên quan")
    expect(tablet.get_by_test_id("assistant-error")).to_have_count(0)
    # asked in English on the Vietnamese screen: the answer and its heading are English
    ask(tablet, "What is the airfare from Hanoi to Da Nang in May?", press_enter=False)
    expect(not_found).to_contain_text("Not in the materials", timeout=ANSWER_TIMEOUT_MS)
    expect(not_found).to_contain_text("The meeting materials contain no information")
    expect(not_found).not_to_contain_text("Không có trong tài liệu")

    # recent questions, newest first; one shows its answer and sources again
    history = tablet.get_by_test_id("assistant-history-item")
    expect(history).to_have_count(3)
    expect(history.nth(1)).to_contain_text("Giá vé máy bay")
    expect(history.nth(1)).to_have_attribute("data-found", "false")
    history.nth(2).click()
    expect(tablet.get_by_test_id("assistant-answer")).to_contain_text("118.880")
    expect(tablet.locator("[data-testid=assistant-citation][data-page='1']").first).to_be_visible()

    # in English, the panel keeps what it shows
    tablet.get_by_test_id("lang-switch").click()
    expect(panel).to_contain_text("Assistant")
    expect(tablet.get_by_test_id("assistant-scope-all")).to_have_text("All my meetings")
    expect(tablet.get_by_test_id("assistant-answer")).to_contain_text("118.880")
    tablet.context.close()
    secretary.close()


def test_the_secretary_asks_from_the_console(
    browser: Browser,  # noqa: F811
    reports_server: ServerProcess,
) -> None:
    secretary = Api.login(reports_server.url, "thuky", "thuky-demo-1")
    documents = demo_documents(secretary)
    console = new_page(browser)
    log_in(console, f"{reports_server.url}/console", "thuky", "thuky-demo-1")
    console.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    for document_id in documents.values():
        expect(console.get_by_test_id(f"doc-searchable-{document_id}")).to_be_visible()
    ask(console, "bao nhieu ho so dang ky luu tru nam 2022")
    expect(console.get_by_test_id("assistant-answer")).to_contain_text("302.220", timeout=ANSWER_TIMEOUT_MS)
    citation = console.get_by_test_id("assistant-citation").first
    page = citation.get_attribute("data-page")
    citation.click()
    expect(console.get_by_test_id("viewer-page-image")).to_have_attribute("data-page", str(page))
    expect(console.get_by_test_id("presenting-badge")).to_have_count(0)  # reading a citation presents nothing
    console.context.close()
    secretary.close()


def test_a_citation_of_an_earlier_meeting_opens_and_indexing_shows_live(
    browser: Browser,  # noqa: F811
    reports_server: ServerProcess,
    tmp_path: Path,
) -> None:
    secretary = Api.login(reports_server.url, "thuky", "thuky-demo-1")
    demo_documents(secretary)
    tablet = open_meeting_on_tablet(browser, reports_server, "daibieu1", "daibieu-demo-1")

    # an earlier meeting of the same delegate, with a report whose second page holds the answer
    earlier = secretary.ok("POST", "/api/meetings", json={"title": "Phiên họp tháng 10/2026", "location": "Phòng 2"})
    secretary.ok(
        "POST", f"/api/meetings/{earlier['id']}/participants", json={"username": "daibieu1", "role": "delegate"}
    )
    pdf = text_pdf(
        tmp_path / "to-trinh-phi-gui-xe.pdf",
        [
            "TỜ TRÌNH\nVề việc điều chỉnh phí trông giữ xe trên địa bàn thành phố.",
            "Mức phí trông giữ xe đạp điện ban ngày tại các quận nội thành đề xuất là 4.000 đồng một lượt.",
        ],
    )
    files = {"file": (pdf.name, pdf.read_bytes(), "application/pdf")}
    response = secretary.request(
        "POST", f"/api/meetings/{earlier['id']}/documents", files=files, data={"title": "Tờ trình phí gửi xe"}
    )
    assert response.status_code == 202, response.text
    wait_searchable(secretary, response.json()["id"])

    tablet.get_by_test_id("assistant-scope-all").click()
    expect(tablet.get_by_test_id("assistant-scope")).to_have_attribute("data-scope", "all")
    ask(tablet, "phi trong giu xe dap dien ban ngay la bao nhieu")
    expect(tablet.get_by_test_id("assistant-result")).to_contain_text("4.000", timeout=ANSWER_TIMEOUT_MS)
    cited = tablet.locator(f"[data-testid=assistant-citation][data-meeting-id='{earlier['id']}']").first
    expect(cited).to_have_attribute("data-page", "2")
    expect(cited).to_contain_text("Cuộc họp khác")
    cited.click()
    expect(tablet.get_by_test_id("viewer-title")).to_have_text("Tờ trình phí gửi xe")
    expect(tablet.get_by_test_id("viewer-page-image")).to_have_attribute("data-page", "2")
    expect(tablet.get_by_test_id("viewer-item-label")).to_have_text("Tài liệu của cuộc họp khác")
    tablet.get_by_test_id("viewer-close").click()

    # a document uploaded now shows up, and becomes searchable, without a reload
    fixture = REPO / "tests" / "fixtures" / "bao-cao-ihanoi.pdf"
    files = {"file": (fixture.name, fixture.read_bytes(), "application/pdf")}
    response = secretary.request(
        "POST", f"/api/meetings/{DEMO_MEETING}/documents", files=files, data={"title": "Phụ lục iHanoi"}
    )
    assert response.status_code == 202, response.text
    added = response.json()["id"]
    expect(tablet.get_by_test_id(f"doc-{added}")).to_contain_text("Phụ lục iHanoi")
    expect(tablet.get_by_test_id(f"doc-searchable-{added}")).to_be_visible(timeout=int(INDEX_TIMEOUT_S * 1000))
    tablet.context.close()
    secretary.close()


# the first cited turn lies inside the transcript's scrolling list, in sight
CITED_IN_SIGHT = """() => {
  const list = document.querySelector("[data-testid=transcript-turns]");
  const first = list && list.querySelector(".is-cited");
  if (!first) return false;
  const box = first.getBoundingClientRect(), frame = list.getBoundingClientRect();
  return box.top >= frame.top - 1 && box.top < frame.bottom && list.scrollTop > 0;
}"""


def test_a_transcript_citation_names_its_span_and_opens_the_transcript_there(
    browser: Browser,  # noqa: F811
    reports_server: ServerProcess,
) -> None:
    secretary = Api.login(reports_server.url, "thuky", "thuky-demo-1")
    delegate = Api.login(reports_server.url, "daibieu1", "daibieu-demo-1")
    demo_documents(secretary)
    transcript = assistant_scene.upload_transcript(secretary, DEMO_MEETING)
    tablet = open_meeting_on_tablet(browser, reports_server, "daibieu1", "daibieu-demo-1")

    ask(tablet, assistant_scene.QUESTION)
    expect(tablet.get_by_test_id("assistant-answer")).to_contain_text(assistant_scene.ANSWER, timeout=ANSWER_TIMEOUT_MS)
    cited = tablet.locator("[data-testid=assistant-citation][data-kind=transcript]").first
    expect(cited).to_have_attribute("data-transcript-id", str(transcript["id"]))
    expect(cited).to_contain_text(assistant_scene.FILENAME)
    first = int(cited.get_attribute("data-turn") or -1)
    last = int(cited.get_attribute("data-turn-last") or -1)
    assert 0 <= first <= last < len(assistant_scene.TURNS), (first, last)
    # "Phiên âm: lượt 13–16 · Ông Nguyễn Văn An, Bà Trần Thu Hà · 00:07:00–00:08:00", turns counted from 1
    span = cited.get_by_test_id("assistant-citation-span")
    turns = f"lượt {first + 1}–{last + 1}" if last > first else f"lượt {first + 1}"
    expect(span).to_contain_text(f"Phiên âm: {turns}")
    for speaker in {speaker for speaker, _ in assistant_scene.TURNS[first : last + 1]}:
        expect(span).to_contain_text(speaker)
    expect(span).to_contain_text(assistant_scene.clock(first))  # the first turn's start

    # it opens the transcript, read-only, scrolled to the span, whose turns (and only they) are marked
    cited.click()
    dialog = tablet.get_by_test_id("transcript-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("data-first", str(first))
    expect(dialog).to_have_attribute("data-last", str(last))
    expect(dialog.locator("[data-cited=true]")).to_have_count(last - first + 1)
    for position in (first, last):
        expect(tablet.get_by_test_id(f"transcript-turn-{position}")).to_have_attribute("data-cited", "true")
    if first > 0:
        expect(tablet.get_by_test_id(f"transcript-turn-{first - 1}")).to_have_attribute("data-cited", "false")
    expect(dialog).to_contain_text(assistant_scene.TURNS[first][1])
    wait_for_true(tablet, CITED_IN_SIGHT)
    expect(dialog.locator("input, textarea, [contenteditable=true]")).to_have_count(0)
    tablet.get_by_test_id("transcript-close").click()
    expect(dialog).to_have_count(0)

    # a question the materials do not answer: the notice, and under it the passages that may help when the
    # API gives them (in rank order); without them, nothing is cited
    ask(tablet, assistant_scene.DECLINED, press_enter=False)
    expect(tablet.get_by_test_id("assistant-not-found")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    reply = delegate.ok(
        "POST", "/api/assistant/ask", json={"question": assistant_scene.DECLINED, "meeting_id": DEMO_MEETING}
    )
    assert reply["found"] is False
    shown = tablet.get_by_test_id("assistant-citation")
    if reply["citations"]:
        expect(tablet.get_by_test_id("assistant-citations-title")).to_have_text("Các đoạn có thể liên quan")
        expect(shown).to_have_count(len(reply["citations"]))
        expect(shown.first).to_contain_text(reply["citations"][0]["title"])
    else:  # an API that gives no passages for a declined question (before "limit" and "may help")
        expect(shown).to_have_count(0)

    # one search over everything the assistant reads, narrowed by kind; a hit opens like a citation
    tablet.get_by_test_id("assistant-mode-search").click()
    expect(tablet.get_by_test_id("search-kinds")).to_be_visible()
    tablet.get_by_test_id("assistant-input").fill("camera giám sát giao thông")
    tablet.get_by_test_id("assistant-input").press("Enter")
    hits = tablet.locator("[data-testid=search-hits] [data-testid=assistant-citation]")
    expect(hits.first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(tablet.locator("[data-testid=search-hits] [data-kind=transcript]").first).to_be_visible()
    expect(hits.first.locator("mark").first).to_be_visible()  # the query's words, marked
    tablet.get_by_test_id("search-kind-document").click()
    expect(tablet.get_by_test_id("search-kind-document")).to_have_attribute("aria-pressed", "true")
    expect(tablet.get_by_test_id("search-kind-all")).to_have_attribute("aria-pressed", "false")
    expect(tablet.locator("[data-testid=search-hits] [data-kind=transcript]")).to_have_count(0)
    expect(tablet.get_by_test_id("search-empty").or_(hits.first)).to_be_visible()
    tablet.get_by_test_id("search-kind-document").click()  # off again: none chosen is every kind
    tablet.get_by_test_id("search-kind-transcript").click()
    expect(tablet.get_by_test_id("search-query")).to_contain_text("camera giám sát giao thông")
    expect(hits.first).to_have_attribute("data-kind", "transcript")
    expect(
        tablet.locator("[data-testid=search-hits] [data-testid=assistant-citation]:not([data-kind=transcript])")
    ).to_have_count(0)
    turn = hits.first.get_attribute("data-turn")
    hits.first.click()
    expect(tablet.get_by_test_id("transcript-dialog")).to_have_attribute("data-first", str(turn))
    tablet.get_by_test_id("transcript-close").click()
    tablet.context.close()
    delegate.close()
    secretary.close()
