"""The room screen (projector) as a meeting sees it, in Debian Chromium: it fits 1280x720, 1366x768 and
1920x1080, its text is legible from the back of the hall, the speaker or the vote is the largest thing on it,
floor requests belong to their item, and a confidential document needs the presenter's confirmation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_browser import (  # noqa: F401  (browser, data_dir and demo_server are fixtures)
    VIEWPORT,
    browser,
    data_dir,
    demo_server,
    log_in,
    new_page,
)
from tests.support import pdfs, room
from tests.support.page_checks import axe_violations, misfits, texts
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SIZES = [(1280, 720), (1366, 768), (1920, 1080)]
# a page's first load imports every kiosk module; 2 cores shared with the other test runs can take seconds
PAGE_TIMEOUT_MS = 15_000


SCREEN = "[data-testid=projector]"


def open_projector(chromium: Browser, server: ServerProcess, size: tuple[int, int]) -> Page:
    return room.open_projector(chromium, server.url, size, PAGE_TIMEOUT_MS)


def assert_fits_and_legible(page: Page, size: tuple[int, int]) -> list[dict[str, Any]]:
    problems = misfits(page, SCREEN)
    assert not problems, f"{size}: {problems}"
    shown = texts(page, SCREEN)
    faint = [(t["text"], round(t["ratio"], 2)) for t in shown if t["ratio"] < 4.5]
    assert not faint, f"{size}: text under 4.5:1: {faint}"
    return shown


def largest_outside(page: Page, inside: str) -> float:
    """The largest font size of any text on the screen that is not within ``inside``."""
    outside = page.evaluate(
        """([screen, inside]) => [...document.querySelector(screen).querySelectorAll("*")]
          .filter((el) => !el.closest(inside) && !el.closest("[aria-hidden=true]")
            && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())
            && el.getBoundingClientRect().width > 0)
          .map((el) => parseFloat(getComputedStyle(el).fontSize))""",
        [SCREEN, inside],
    )
    return max(outside)


def font_size(page: Page, testid: str) -> float:
    size: float = page.get_by_test_id(testid).evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)")
    return size


def test_the_room_screen_fits_each_size_is_legible_and_puts_the_speaker_then_the_vote_first(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
) -> None:
    scene = room.start_meeting(demo_server.url)
    room.add_speaker(scene, demo_server.url)
    assert scene.secretary.token
    screens = {size: open_projector(browser, demo_server, size) for size in SIZES}

    for size, page in screens.items():
        expect(page.get_by_test_id("projector-body")).to_have_attribute("data-focus", "speaker")
        expect(page.get_by_test_id("speaker-name")).to_contain_text("Lê Hoàng Nam")
        expect(page.get_by_test_id("projector-next-speaker")).to_contain_text("Phạm Thu Hà")
        shown = assert_fits_and_legible(page, size)
        for testid in ("speaker-name", "speech-clock"):
            ratio = next(t["ratio"] for t in shown if t["testid"] == testid)
            assert ratio >= 7, f"{size}: {testid} at {ratio:.2f}:1"
        # the speaker's name and the countdown are larger than anything else on the screen
        others = largest_outside(page, "[data-testid=speaker-now]")
        assert font_size(page, "speaker-name") > others, size
        assert font_size(page, "speech-clock") > font_size(page, "speaker-name"), size

    room.open_vote(scene, demo_server.url)
    for size, page in screens.items():
        expect(page.get_by_test_id("projector-body")).to_have_attribute("data-focus", "vote")
        expect(page.get_by_test_id(f"poll-voters-{scene.poll_id}")).to_have_attribute("data-voters", "2")
        expect(page.get_by_test_id("speaker-name")).to_be_visible()  # still shown, on one line
        assert_fits_and_legible(page, size)
        chart = page.get_by_test_id(f"poll-chart-{scene.poll_id}").bounding_box()
        speaker = page.get_by_test_id("projector-speaker").bounding_box()
        current = page.get_by_test_id("projector-current").bounding_box()
        assert chart and speaker and current
        area = chart["width"] * chart["height"]
        assert area > 2 * speaker["width"] * speaker["height"] and area > current["width"] * current["height"]
        assert largest_outside(page, "[data-testid=projector-poll]") < font_size(page, f"poll-bar-{scene.poll_id}"), (
            f"{size}: the vote's rows are the largest text"
        )
    scene.secretary.close()


def test_floor_requests_leave_the_room_screen_with_their_item_and_with_the_meeting(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
) -> None:
    scene = room.start_meeting(demo_server.url)
    assert scene.secretary.token
    page = open_projector(browser, demo_server, (1280, 720))
    waiting = room.ask_for_floor(demo_server.url, "daibieu2")
    expect(page.get_by_test_id("projector-next-speaker")).to_have_attribute("data-user-id", str(waiting["user_id"]))

    items = list(scene.item_ids.values())
    following = items[items.index(scene.item_ids[room.PARKING]) + 1]
    scene.secretary.ok("POST", f"/api/meetings/{room.DEMO_MEETING}/agenda/{following}/current")
    expect(page.get_by_test_id("current-item-title")).to_have_attribute("data-item-id", str(following))
    expect(page.get_by_test_id("projector-speaker")).to_have_count(0)

    # a request on the new item is shown; one made for a later item says which
    asked = room.ask_for_floor(demo_server.url, "daibieu3")
    expect(page.get_by_test_id("projector-next-speaker")).to_have_attribute("data-item-id", str(following))
    later = items[-1]
    chair = room.login(demo_server.url, "chutich")
    chair.ok("DELETE", f"/api/meetings/{room.DEMO_MEETING}/speakers/{asked['id']}")
    chair.ok("POST", f"/api/meetings/{room.DEMO_MEETING}/speakers", json={"agenda_item_id": later})
    next_speaker = page.get_by_test_id("projector-next-speaker")
    expect(next_speaker).to_have_attribute("data-item-id", str(later))
    expect(next_speaker).to_contain_text("Kết luận của Chủ tịch UBND thành phố")

    scene.secretary.ok("POST", f"/api/meetings/{room.DEMO_MEETING}/close")
    expect(page.get_by_test_id("meeting-status")).to_have_attribute("data-status", "closed")
    expect(page.get_by_test_id("projector-speaker")).to_have_count(0)
    chair.close()
    scene.secretary.close()


def test_a_confidential_document_reaches_the_room_screen_only_after_the_presenter_confirms(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
    tmp_path: Path,
) -> None:
    scene = room.start_meeting(demo_server.url)
    path = pdfs.text_pdf(tmp_path / "mat.pdf", ["Phương án giá đất — MẬT", "Trang hai"])
    document = scene.secretary.upload_document(
        room.DEMO_MEETING, path, title="Phương án giá đất (Mật)", classification="confidential"
    )
    console = new_page(browser)
    console.set_default_timeout(PAGE_TIMEOUT_MS)
    log_in(console, f"{demo_server.url}/console", "thuky", room.PASSWORDS["thuky"])
    console.get_by_test_id(f"meeting-{room.DEMO_MEETING}").click()
    expect(console.get_by_test_id(f"doc-{document['id']}")).to_have_attribute("data-status", "ready", timeout=30_000)
    assert scene.secretary.token
    projector = open_projector(browser, demo_server, (1280, 720))

    # refused by default: the dialog names the guest and the delegates not on the reader list
    console.get_by_test_id(f"present-{document['id']}").click()
    dialog = console.get_by_test_id("present-secret-dialog")
    expect(dialog).to_be_visible()
    people = dialog.get_by_test_id("present-secret-people")
    for name in ("Đỗ Minh Anh", "Lê Hoàng Nam", "Phạm Thu Hà", "Võ Quốc Huy"):
        expect(people).to_contain_text(name)
    expect(people).not_to_contain_text("Trần Văn Minh")  # the chair may read it
    expect(people.locator("li").first).to_contain_text("Đỗ Minh Anh")  # guests first
    console.get_by_test_id("present-secret-cancel").click()
    expect(dialog).to_have_count(0)
    state = scene.secretary.ok("GET", f"/api/meetings/{room.DEMO_MEETING}/snapshot")["state"]
    assert state["presenting"]["document_id"] is None
    expect(projector.get_by_test_id("projector-slide")).to_have_count(0)

    # confirmed: the room screen shows it, and the audit log says who confirmed it before whom
    console.get_by_test_id("viewer-present").click()
    expect(dialog).to_be_visible()
    console.get_by_test_id("present-secret-confirm").click()
    image = projector.get_by_test_id("projector-page-image")
    expect(image).to_have_attribute("data-document-id", str(document["id"]))
    console.get_by_test_id("viewer-next").click()
    expect(image).to_have_attribute("data-page", "2")
    admin = room.Api.login(demo_server.url, "admin", "admin-demo-1")
    audit = admin.ok("GET", "/api/audit", params={"meeting_id": room.DEMO_MEETING})
    confirmed = [a for a in audit if a["action"] == "document.present" and a["detail"].get("confidential_confirmed")]
    assert len(confirmed) == 1 and len(confirmed[0]["detail"]["outsiders"]) == 4
    admin.close()
    scene.secretary.close()


def test_axe_finds_nothing_serious_on_the_tablet_the_console_and_the_room_screen_during_a_vote(
    browser: Browser,  # noqa: F811
    demo_server: ServerProcess,  # noqa: F811
) -> None:
    scene = room.start_meeting(demo_server.url)
    room.add_speaker(scene, demo_server.url)
    room.open_vote(scene, demo_server.url)
    assert scene.secretary.token
    # axe-core goes in as a script tag, which the pages' Content-Security-Policy refuses: these contexts skip it
    tablet = browser.new_context(viewport=VIEWPORT, locale="vi-VN", bypass_csp=True).new_page()
    tablet.set_default_timeout(PAGE_TIMEOUT_MS)
    log_in(tablet, f"{demo_server.url}/", "daibieu3", room.PASSWORDS["daibieu3"])
    tablet.get_by_test_id(f"meeting-{room.DEMO_MEETING}").click()
    console = browser.new_context(viewport=VIEWPORT, locale="vi-VN", bypass_csp=True).new_page()
    console.set_default_timeout(PAGE_TIMEOUT_MS)
    log_in(console, f"{demo_server.url}/console", "thuky", room.PASSWORDS["thuky"])
    console.get_by_test_id(f"meeting-{room.DEMO_MEETING}").click()
    projector = room.open_projector(browser, demo_server.url, (1280, 720), PAGE_TIMEOUT_MS, bypass_csp=True)
    for page in (tablet, console, projector):
        expect(page.get_by_test_id("speaker-name").first).to_contain_text("Lê Hoàng Nam")
        expect(page.get_by_test_id(f"poll-voters-{scene.poll_id}").first).to_have_attribute("data-voters", "2")
    found = {
        name: axe_violations(page) for name, page in (("tablet", tablet), ("console", console), ("room", projector))
    }
    assert found == {"tablet": [], "console": [], "room": []}, json.dumps(found, ensure_ascii=False, indent=1)
    scene.secretary.close()
