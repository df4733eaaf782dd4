"""The room as a meeting sees it, in a real browser: a delegate misses nothing (announcements over every view,
the viewer included), checks in first, answers the opinion asked; the chair runs the meeting from a tablet."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_browser import (  # noqa: F401  (browser, data_dir and demo_server are fixtures)
    DEMO_MEETING,
    NAVIGATION_TIMEOUT_MS,
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


# Every visible button's box, clipped by its scrolling ancestors and the viewport; pairs that overlap.
OVERLAPS_JS = """(rootSelector) => {
  const root = rootSelector ? document.querySelector(rootSelector) : document.body;
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden"
    && !el.closest(".announce-stack, .toast, .sr-only");
  const clipped = (el) => {
    const r = el.getBoundingClientRect();
    let [left, top, right, bottom] = [r.left, r.top, r.right, r.bottom];
    for (let p = el.parentElement; p; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX === "visible" && style.overflowY === "visible") continue;
      const q = p.getBoundingClientRect();
      [left, top, right, bottom] = [Math.max(left, q.left), Math.max(top, q.top), Math.min(right, q.right),
        Math.min(bottom, q.bottom)];
    }
    return [Math.max(left, 0), Math.max(top, 0), Math.min(right, innerWidth), Math.min(bottom, innerHeight)];
  };
  const name = (el) => el.dataset.testid || el.getAttribute("aria-label") || el.textContent.trim().slice(0, 30);
  const boxes = [...root.querySelectorAll("button, .btn")].filter(shown).map((el) => [el, clipped(el)])
    .filter(([, b]) => b[2] - b[0] > 1 && b[3] - b[1] > 1);
  const overlaps = [];
  boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
    if (a.contains(b) || b.contains(a)) return;
    const w = Math.min(p[2], q[2]) - Math.max(p[0], q[0]);
    const h = Math.min(p[3], q[3]) - Math.max(p[1], q[1]);
    if (w > 1 && h > 1) overlaps.push([name(a), name(b)]);
  }));
  return overlaps;
}"""

# A title shows at least this many pixels of itself (about 25 letters), or all of itself when shorter.
TITLE_MIN_PX = 240
CLIPPED_JS = """(el) => {
  const r = el.getBoundingClientRect();
  return { shown: Math.round(r.width), whole: el.scrollWidth, text: el.textContent.trim() };
}"""

SIZES = [{"width": 1024, "height": 768}, {"width": 800, "height": 1280}]


def assert_no_overlaps(page: Page, label: str, root: str | None = None) -> None:
    overlaps = page.evaluate(OVERLAPS_JS, root)
    assert not overlaps, f"{label} at {page.viewport_size}: overlapping buttons {overlaps}"


def assert_title_readable(page: Page, testid: str, label: str) -> None:
    for title in page.get_by_test_id(testid).all():
        if not title.is_visible():
            continue
        box = title.evaluate(CLIPPED_JS)
        assert box["shown"] >= min(box["whole"], TITLE_MIN_PX), f"{label} at {page.viewport_size}: {box}"


def assert_no_clipped_text(page: Page, selector: str, label: str) -> None:
    clipped = page.locator(selector).evaluate_all(
        "els => els.filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.textContent.trim())"
    )
    assert not clipped, f"{label} at {page.viewport_size}: text cut in {clipped}"


def sized_page(browser: Browser, server: ServerProcess, username: str, password: str) -> Page:  # noqa: F811
    page = open_meeting_on_tablet(browser, server, username, password)
    page.set_default_timeout(15_000)
    return page


def test_tablet_chair_and_console_layouts_at_1024x768_and_800x1280(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
    tmp_path: Path,
) -> None:
    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    ids = item_ids(secretary)
    secretary.ok("POST", f"{BASE}/start")
    doc_id = upload_ready_document(secretary, tmp_path, ids[REPORT])
    secretary.ok("POST", f"{BASE}/agenda/{ids[PARKING]}/current")
    delegate = sized_page(browser, demo_server, "daibieu1", "daibieu-demo-1")
    # the demo meeting starts at 01:30 UTC: the tablet dates it in the organisation's zone, whatever the browser's
    expect(delegate.get_by_test_id("meeting-time")).to_contain_text("08:30")
    chair = sized_page(browser, demo_server, "chutich", "chutich-demo-1")
    console = browser.new_context(locale="vi-VN").new_page()
    console.set_default_timeout(15_000)
    log_in(console, f"{demo_server.url}/console", "thuky", "thuky-demo-1")
    console.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    expect(console.get_by_test_id("meeting-title")).to_contain_text("Phiên họp thường kỳ")
    secretary.ok("POST", f"{BASE}/opinion-requests", json={"agenda_item_id": ids[PARKING], "question": QUESTION})
    members = (("thuky", "thuky-demo-1"), ("chutich", "chutich-demo-1"), ("daibieu1", "daibieu-demo-1"))
    for username, password in members:
        member = Api.login(demo_server.url, username, password)
        member.ok("POST", f"{BASE}/checkin")
        member.close()
    poll = secretary.ok("POST", f"{BASE}/polls", json={"title": "Thông qua mức phí trông giữ xe", "secret": False})
    secretary.ok("POST", f"/api/polls/{poll['id']}/open")
    for page in (delegate, chair):
        for kind in ("opinion", "vote"):
            page.get_by_test_id(f"announce-dismiss-{kind}").click()
    for size in SIZES:
        for page in (delegate, chair, console):
            page.set_viewport_size(size)
        # a vote and an opinion form on screen
        expect(delegate.get_by_test_id("vote-buttons")).to_be_attached()
        expect(delegate.get_by_test_id("opinion-agree")).to_be_attached()
        assert_no_overlaps(delegate, "delegate's meeting page")
        assert_no_clipped_text(delegate, "[data-testid=opinion-card] .stance-button", "opinion buttons")
        assert_title_readable(delegate, "meeting-title", "meeting title")
        open_in_viewer(delegate, ids[REPORT], doc_id)
        assert_no_overlaps(delegate, "delegate's viewer", "[data-testid=viewer]")
        assert_title_readable(delegate, "viewer-title", "delegate's viewer title")
        delegate.get_by_test_id("viewer-close").click()

        expect(chair.get_by_test_id("chair-panel")).to_be_visible()
        assert_no_overlaps(chair, "chair's meeting page")
        assert_title_readable(chair, "meeting-title", "chair's meeting title")
        open_in_viewer(chair, ids[REPORT], doc_id)
        expect(chair.get_by_test_id("viewer-present")).to_be_visible()
        assert_no_overlaps(chair, "chair's viewer", "[data-testid=viewer]")
        assert_title_readable(chair, "viewer-title", "chair's viewer title")
        chair.get_by_test_id("viewer-close").click()

        assert_no_overlaps(console, "console")
        assert_title_readable(console, "meeting-title", "console's meeting title")
    secretary.close()


def test_the_chair_runs_the_meeting_from_the_tablet(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
) -> None:
    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    delegate = Api.login(demo_server.url, "daibieu1", "daibieu-demo-1")
    ids = item_ids(secretary)
    secretary.ok("POST", f"{BASE}/start")
    secretary.ok("POST", f"{BASE}/agenda/{ids[PARKING]}/current")
    for api in (secretary, delegate):
        api.ok("POST", f"{BASE}/checkin")
    tablet = sized_page(browser, demo_server, "chutich", "chutich-demo-1")
    tablet.get_by_test_id("checkin").click()
    panel = tablet.get_by_test_id("chair-panel")
    expect(panel).to_be_visible()

    # the floor: a delegate asks, the chair gives it and ends it
    request = delegate.ok("POST", f"{BASE}/speakers", json={})
    panel.get_by_test_id(f"floor-grant-{request['id']}").click()
    expect(panel.get_by_test_id("speaker-now")).to_have_attribute("data-user-id", str(delegate.user["id"]))
    panel.get_by_test_id("floor-end").click()
    expect(panel.get_by_test_id("speaker-none")).to_be_visible()

    # a named vote: prepared, opened and closed by the chair; who chose what is on the chair's tablet
    panel.get_by_test_id("poll-title").fill("Thông qua mức phí trông giữ xe")
    panel.get_by_test_id("poll-create").click()
    expect(panel.locator("[data-testid^=console-poll-]")).to_have_count(1)
    poll = secretary.ok("GET", f"{BASE}/polls")[-1]
    panel.get_by_test_id(f"poll-open-{poll['id']}").click()
    expect(panel.get_by_test_id(f"poll-status-{poll['id']}")).to_have_text("Đang biểu quyết")
    yes = next(o["id"] for o in poll["options"] if o["key"] == "yes")
    delegate.ok("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": yes})
    expect(panel.get_by_test_id(f"named-votes-{poll['id']}-{yes}")).to_contain_text("Lê Hoàng Nam")
    panel.get_by_test_id(f"poll-close-{poll['id']}").click()
    expect(panel.get_by_test_id(f"poll-status-{poll['id']}")).to_have_text("Đã kết thúc")
    assert secretary.ok("GET", f"/api/polls/{poll['id']}")["status"] == "closed"

    # the conclusion of the current item
    panel.get_by_test_id("conclusion-text").fill("Thống nhất mức phí 5.000 đồng mỗi lượt.")
    panel.get_by_test_id("conclusion-save").click()
    # the save also puts the conclusion in the assistant's index: on a busy machine that has taken over 5 s
    expect(tablet.get_by_test_id(f"conclusion-{ids[PARKING]}")).to_contain_text("5.000 đồng", timeout=30_000)

    # the minutes the secretary drafted after the close, approved on the chair's tablet
    secretary.ok("POST", f"{BASE}/close")
    secretary.ok("POST", f"{BASE}/minutes/draft", json={})
    panel.get_by_test_id("minutes-approve").click()
    tablet.get_by_test_id("confirm-yes").click()
    expect(panel.get_by_test_id("minutes-status")).to_have_attribute("data-status", "approved", timeout=30_000)
    assert secretary.ok("GET", f"{BASE}/minutes")["status"] == "approved"

    # a delegate's and a guest's tablets have no chairing panel
    for username, password in (("daibieu2", "daibieu-demo-2"), ("khach", "khach-demo-1")):
        other = sized_page(browser, demo_server, username, password)
        expect(other.get_by_test_id("current-card")).to_be_visible()
        expect(other.get_by_test_id("chair-panel")).to_be_hidden()
    for api in (secretary, delegate):
        api.close()


def test_console_vote_form_quorum_words_and_pickers_in_the_page_language(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
) -> None:
    secretary = Api.login(demo_server.url, "thuky", "thuky-demo-1")
    secretary.ok("POST", f"{BASE}/start")
    # an English browser: the page (Vietnamese) decides the words, not the browser
    console = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US").new_page()
    console.set_default_timeout(15_000)
    log_in(console, f"{demo_server.url}/console", "thuky", "thuky-demo-1")
    # after the sign-in's argon2id hash, slow by design (over 5 s on a busy machine)
    expect(console.get_by_test_id("console-who")).to_contain_text("máy tính bảng", timeout=NAVIGATION_TIMEOUT_MS)
    console.get_by_test_id(f"meeting-{DEMO_MEETING}").click()
    form = console.get_by_test_id("poll-form")
    expect(console.get_by_test_id("quorum-words")).to_have_text("Túc số: quá nửa tổng số thành viên biểu quyết")

    # every field shows, each checkbox sits beside its label on one line
    for testid in ("poll-title", "poll-description", "poll-kind", "poll-secret", "poll-allow-change", "poll-majority"):
        expect(form.get_by_test_id(testid)).to_be_visible()
    for testid in ("poll-secret", "poll-allow-change"):
        box = form.get_by_test_id(testid).bounding_box()
        text = form.get_by_test_id(f"{testid}-label").locator("span").bounding_box()
        assert box and text
        assert box["width"] < 40, box
        assert (
            box["x"] + box["width"] <= text["x"]
            and abs((box["y"] + box["height"] / 2) - (text["y"] + text["height"] / 2)) < 8
        ), (box, text)
    form.get_by_test_id("poll-kind").select_option("custom")
    expect(form.get_by_test_id("poll-options")).to_be_visible()

    # a named vote: every participant's choice is shown by name; a secret one shows none
    named = secretary.ok("POST", f"{BASE}/polls", json={"title": "Công khai", "secret": False})
    secret = secretary.ok("POST", f"{BASE}/polls", json={"title": "Kín", "secret": True})
    members = (("thuky", "thuky-demo-1"), ("chutich", "chutich-demo-1"), ("daibieu1", "daibieu-demo-1"))
    voters = [Api.login(demo_server.url, username, password) for username, password in members]
    for voter in voters:
        voter.ok("POST", f"{BASE}/checkin")
    for poll in (named, secret):
        secretary.ok("POST", f"/api/polls/{poll['id']}/open")
        no = next(o["id"] for o in poll["options"] if o["key"] == "no")
        for voter in voters:
            voter.ok("POST", f"/api/polls/{poll['id']}/ballot", json={"option_id": no})
    expect(console.get_by_test_id(f"poll-voters-{secret['id']}")).to_have_attribute("data-voters", "3")
    no = next(o["id"] for o in named["options"] if o["key"] == "no")
    expect(console.get_by_test_id(f"named-votes-{named['id']}-{no}")).to_contain_text("Trần Văn Minh")
    expect(console.get_by_test_id(f"named-votes-{named['id']}-{no}")).to_contain_text("Lê Hoàng Nam")
    expect(console.get_by_test_id(f"named-votes-{secret['id']}")).to_have_count(0)

    # date pickers and file inputs say what they want in the page's language
    deadline = console.get_by_test_id("task-deadline-date")
    expect(deadline).to_have_attribute("placeholder", "ngày/tháng/năm")
    expect(console.get_by_test_id("opinion-request-deadline-time")).to_have_attribute("placeholder", "giờ:phút")
    expect(console.get_by_test_id("transcript-file-pick")).to_contain_text("Chưa chọn tệp")
    console.get_by_test_id("task-title").fill("Báo cáo phương án thu phí")
    console.get_by_test_id("task-unit").fill("Sở Tài chính")
    deadline.fill("25/12/2026")
    console.get_by_test_id("task-create").click()
    expect(console.locator("[data-testid^=console-task-]")).to_have_count(1)
    assert [t["deadline"] for t in secretary.ok("GET", f"{BASE}/tasks")] == ["2026-12-25"]
    for voter in voters:
        voter.close()
    secretary.close()
